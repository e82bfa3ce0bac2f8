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

use crate::access::{OrganisationKind, Scopes};
use crate::auth::model::Role;
use crate::config::Settings;
use crate::db::ids::{AccountId, ConsentId, OrganisationId, SessionId};

/// A delegated token lives at most this long (no refresh token: the coach exchanges again).
pub const DELEGATED_TTL: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

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
    /// Delegation (RFC 8693 §4.1): the coach acting for `sub`, and their organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<ActorClaim>,
    /// The scopes of a delegated token (RFC 8693 §4.2), space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The consent a delegated token rests on: checked on every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
}

/// The `act` claim of a delegated token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActorClaim {
    /// The coach's account id.
    pub sub: String,
    /// Their organisation's id and kind.
    pub org: String,
    pub org_kind: String,
}

/// What a delegated token is issued for.
pub struct DelegatedGrant<'a> {
    pub youth: &'a AccountId,
    pub coach: &'a AccountId,
    pub organisation: &'a OrganisationId,
    pub kind: OrganisationKind,
    /// The coach's own session: ending it (logout, deactivation) ends the delegated token.
    pub session: &'a SessionId,
    pub consent: &'a ConsentId,
    pub scopes: Scopes,
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
            act: None,
            scope: None,
            cid: None,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// A token for a coach acting for a youth: `sub` is the youth, `act` the coach. Its life
    /// is at most [`DELEGATED_TTL`] and never longer than an ordinary access token's.
    pub fn issue_delegated(
        &self,
        grant: DelegatedGrant<'_>,
        now: DateTime<Utc>,
    ) -> Result<(String, chrono::TimeDelta), jsonwebtoken::errors::Error> {
        let ttl = self.ttl.min(DELEGATED_TTL);
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: grant.youth.to_string(),
            exp: (now + ttl).timestamp(),
            iat: now.timestamp(),
            typ: ACCESS.to_owned(),
            role: Role::Youth,
            sid: grant.session.to_string(),
            jti: uuid::Uuid::now_v7().to_string(),
            act: Some(ActorClaim {
                sub: grant.coach.to_string(),
                org: grant.organisation.to_string(),
                org_kind: grant.kind.as_str().to_owned(),
            }),
            scope: Some(grant.scopes.to_oauth()),
            cid: Some(grant.consent.to_string()),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, ttl))
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
