//! Access tokens (JWT, HS256) and opaque random tokens (refresh, email links).
//!
//! Access tokens are short-lived and checked without the database. Opaque tokens are only
//! ever stored as their SHA-256, so a database leak does not hand out sessions.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::model::Role;
use crate::config::Settings;
use crate::db::ids::{AccountId, SessionId};

/// 32 random bytes, URL-safe base64: unguessable, fits in a link.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How an opaque token is stored and looked up.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

const ACCESS: &str = "access";

/// The claims of an access token. Every one is checked on every request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The account id.
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// Token type: only `access` is accepted as a bearer token.
    pub typ: String,
    pub role: Role,
    /// The session (refresh-token chain) this token was issued in; logout revokes it.
    pub sid: String,
    /// This token's own id (RFC 7519 §4.1.7): two tokens issued in the same second differ.
    #[serde(default)]
    pub jti: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
}

/// Signs and checks access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub ttl: chrono::TimeDelta,
}

impl JwtKeys {
    pub fn new(settings: &Settings) -> Result<JwtKeys, jsonwebtoken::errors::Error> {
        let secret = settings.jwt_secret.expose().as_bytes();
        // Only HS256: a token that names another algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.jwt_issuer]);
        validation.set_audience(&[&settings.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Expiry is checked below against the app's clock, so tests can move time.
        validation.validate_exp = false;
        validation.leeway = 0;
        Ok(JwtKeys {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl: chrono::TimeDelta::from_std(settings.access_token_ttl)
                .unwrap_or(chrono::TimeDelta::minutes(15)),
        })
    }

    pub fn issue(
        &self,
        account: &AccountId,
        role: Role,
        session: &SessionId,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: account.to_string(),
            exp: (now + self.ttl).timestamp(),
            iat: now.timestamp(),
            typ: ACCESS.to_owned(),
            role,
            sid: session.to_string(),
            jti: uuid::Uuid::now_v7().to_string(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        if claims.typ != ACCESS {
            return Err(TokenError::Invalid);
        }
        // A token from the future (beyond a minute of clock skew) is not trusted.
        if claims.iat > now.timestamp() + 60 {
            return Err(TokenError::Invalid);
        }
        if claims.exp <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}
