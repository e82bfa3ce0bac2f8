//! Password hashing with argon2id. Hashing is deliberately slow (and takes 19 MiB per hash),
//! so it runs on a small pool of its own threads, one per core, never on an actix worker.
//! The pool bounds both CPU (a burst of logins cannot take every core) and memory: glibc
//! keeps freed argon2 blocks in per-thread arenas, so spreading hashes over the general
//! blocking pool's many threads grew the server to hundreds of MB.

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
}

impl HashPool {
    fn new(threads: usize) -> HashPool {
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
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
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
    pub fn new(cost: PasswordCost) -> Result<Passwords, String> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| format!("argon2 parameters: {e}"))?;
        let mut decoy_secret = crate::auth::tokens::random_token();
        decoy_secret.push('!');
        let decoy = hash_with(&params, &decoy_secret).map_err(|e| e.to_string())?;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Passwords {
            pool: Arc::new(HashPool::new(threads)),
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
        Passwords::new(PasswordCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
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
