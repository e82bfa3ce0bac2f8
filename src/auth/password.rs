//! Password hashing with argon2id. Hashing is deliberately slow, so it always runs on a
//! blocking thread, never on an actix worker.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::PasswordCost;
use crate::error::ApiError;

#[derive(Clone)]
pub struct Passwords {
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
        Ok(Passwords { params, decoy })
    }

    /// Hashes a new password (PHC string with salt and parameters).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let params = self.params.clone();
        actix_web::web::block(move || hash_with(&params, &password))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)
    }

    /// Checks a password against a stored hash, or against the decoy when there is none.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy.clone());
        let ok = actix_web::web::block(move || {
            PasswordHash::new(&stored)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(ApiError::internal)?;
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
