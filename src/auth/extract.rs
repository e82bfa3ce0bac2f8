//! The signed-in caller, taken from `Authorization: Bearer <access token>`.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::auth::model::Role;
use crate::auth::service::revoked_key;
use crate::auth::tokens::TokenError;
use crate::db::ids::{AccountId, SessionId};
use crate::error::ApiError;
use crate::startup::AppState;

/// An authenticated caller of any role. Handlers that need a role check it with
/// [`AuthUser::require`].
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub account_id: AccountId,
    pub role: Role,
    pub session_id: SessionId,
}

impl AuthUser {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "wrong_role",
                "Your account type cannot do this.",
            ))
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("missing_token", "Sign in: this needs an access token.")
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("invalid_token", "The access token is not valid."))?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::unauthorized(
            "invalid_token",
            "Use the form: Authorization: Bearer <token>.",
        )
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "invalid_token",
            "Use the form: Authorization: Bearer <token>.",
        ));
    }
    Ok(token.trim().to_owned())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<AuthUser, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("AppState missing"))?;
            let claims = state
                .tokens
                .verify(&token?, state.clock.now())
                .map_err(|e| match e {
                    TokenError::Expired => ApiError::unauthorized(
                        "token_expired",
                        "The access token has expired; refresh it.",
                    ),
                    TokenError::Invalid => {
                        ApiError::unauthorized("invalid_token", "The access token is not valid.")
                    }
                })?;
            let invalid =
                || ApiError::unauthorized("invalid_token", "The access token is not valid.");
            let account_id = AccountId::parse(&claims.sub).ok_or_else(invalid)?;
            let session_id = SessionId::parse(&claims.sid).ok_or_else(invalid)?;
            if state.cache.get(&revoked_key(&session_id)).await.is_some() {
                return Err(ApiError::unauthorized(
                    "session_revoked",
                    "This session has ended. Sign in again.",
                ));
            }
            Ok(AuthUser {
                account_id,
                role: claims.role,
                session_id,
            })
        })
    }
}
