//! Password hashing with argon2id. Hashing is deliberately slow (and takes 19 MiB per hash),
//! so it runs on a small pool of its own threads, one per core, never on an actix worker.
//! The pool bounds both CPU (a burst of logins cannot take every core) and memory: glibc
//! keeps freed argon2 blocks in per-thread arenas, so spreading hashes over the general
//! blocking pool's many threads grew the server to hundreds of MB.
//!
//! Its queue is bounded too (`PASSWORD_QUEUE_MAX`): login limits count per email and
//! client, so one client cycling through emails could otherwise queue hashing without end,
//! holding memory and making every login wait. A full queue answers 503 with `Retry-After`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::PasswordCost;
use crate::error::ApiError;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads that run hashing jobs in turn.
struct HashPool {
    jobs: Mutex<mpsc::Sender<Job>>,
    /// Jobs queued or running.
    pending: Arc<AtomicUsize>,
    max_pending: usize,
}

/// Takes one job off the count when it ends, run or dropped.
struct Pending(Arc<AtomicUsize>);

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashPool {
    fn new(threads: usize, max_pending: usize) -> HashPool {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = Arc::clone(&rx);
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only to take one job; a poisoned lock still hands it out.
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(p) => p.into_inner().recv(),
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // the pool was dropped
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        HashPool {
            jobs: Mutex::new(tx),
            pending: Arc::default(),
            max_pending: max_pending.max(1),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.pending.fetch_add(1, Ordering::AcqRel) >= self.max_pending {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::unavailable(
                "Too many sign-ins are being checked right now. Try again in a moment.",
                std::time::Duration::from_secs(1),
            ));
        }
        let counted = Pending(Arc::clone(&self.pending));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _counted = counted;
            let _ = tx.send(f());
        });
        let sent = match self.jobs.lock() {
            Ok(jobs) => jobs.send(job),
            Err(p) => p.into_inner().send(job),
        };
        sent.map_err(|_| ApiError::internal("password hashing pool is gone"))?;
        rx.await
            .map_err(|_| ApiError::internal("password hashing job was dropped"))
    }
}

#[derive(Clone)]
pub struct Passwords {
    pool: Arc<HashPool>,
    params: Params,
    /// A hash of a random password with the same cost, verified against when the email is
    /// unknown, so that a login takes as long whether or not the account exists.
    decoy: String,
}

impl Passwords {
    /// `queue` bounds the hashes waiting or running (more are refused with 503).
    pub fn new(cost: PasswordCost, queue: usize) -> Result<Passwords, String> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| format!("argon2 parameters: {e}"))?;
        let mut decoy_secret = crate::auth::tokens::random_token();
        decoy_secret.push('!');
        let decoy = hash_with(&params, &decoy_secret).map_err(|e| e.to_string())?;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Passwords {
            pool: Arc::new(HashPool::new(threads, queue)),
            params,
            decoy,
        })
    }

    /// Hashes a new password (PHC string with salt and parameters).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let params = self.params.clone();
        self.pool
            .run(move || hash_with(&params, &password))
            .await?
            .map_err(ApiError::internal)
    }

    /// Checks a password against a stored hash, or against the decoy when there is none.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy.clone());
        let ok = self
            .pool
            .run(move || {
                PasswordHash::new(&stored)
                    .map(|parsed| {
                        Argon2::default()
                            .verify_password(password.as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await?;
        Ok(ok && known)
    }
}

fn hash_with(params: &Params, password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Passwords {
        Passwords::new(
            PasswordCost {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            64,
        )
        .unwrap()
    }

    #[actix_web::test]
    async fn a_full_queue_is_refused_at_once_with_retry_after() {
        // Expensive hashes, a queue of 4: of 40 asked at once, the ones past 4 are refused.
        let p = Passwords::new(
            PasswordCost {
                memory_kib: 8 * 1024,
                iterations: 4,
                parallelism: 1,
            },
            4,
        )
        .unwrap();
        let answers =
            futures_util::future::join_all((0..40).map(|i| p.hash(format!("password number {i}"))))
                .await;
        let refused: Vec<_> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
        assert!(refused.len() >= 36 - 1, "{} refused", refused.len());
        for e in refused {
            assert_eq!(e.code(), crate::error::ProblemCode::ServiceUnavailable);
        }
        // Once the queue drains, hashing works again.
        assert!(p.hash("another password".into()).await.is_ok());
    }

    #[actix_web::test]
    async fn a_hash_verifies_only_its_own_password() {
        let p = cheap();
        let h = p.hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            p.verify("correct horse battery".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(
            !p.verify("wrong horse battery".into(), Some(h))
                .await
                .unwrap()
        );
    }

    #[actix_web::test]
    async fn an_unknown_account_never_verifies() {
        let p = cheap();
        assert!(!p.verify("anything at all".into(), None).await.unwrap());
    }
}
