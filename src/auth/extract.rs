//! The signed-in caller, taken from `Authorization: Bearer <access token>`.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::auth::model::Role;
use crate::auth::service::revoked_key;
use crate::auth::tokens::TokenError;
use crate::db::ids::{AccountId, SessionId};
use crate::error::{ApiError, ProblemCode};
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
            Err(wrong_role())
        }
    }
}

/// 403: this account type cannot use the route.
pub fn wrong_role() -> ApiError {
    ApiError::new(ProblemCode::WrongRole, "Your account type cannot do this.")
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(AUTHORIZATION).ok_or_else(|| {
        ApiError::new(
            ProblemCode::MissingToken,
            "Sign in: this needs an access token.",
        )
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::new(ProblemCode::InvalidToken, "The access token is not valid."))?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::new(
            ProblemCode::InvalidToken,
            "Use the form: Authorization: Bearer <token>.",
        )
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::new(
            ProblemCode::InvalidToken,
            "Use the form: Authorization: Bearer <token>.",
        ));
    }
    Ok(token.trim().to_owned())
}

/// The caller named by a valid access token, before the session is checked against the
/// revoked list.
async fn verified(
    state: Option<web::Data<AppState>>,
    token: Result<String, ApiError>,
) -> Result<(web::Data<AppState>, AuthUser), ApiError> {
    let state = state.ok_or_else(|| ApiError::internal("AppState missing"))?;
    let claims = state
        .tokens
        .verify(&token?, state.clock.now())
        .map_err(|e| match e {
            TokenError::Expired => ApiError::new(
                ProblemCode::TokenExpired,
                "The access token has expired; refresh it.",
            ),
            TokenError::Invalid => {
                ApiError::new(ProblemCode::InvalidToken, "The access token is not valid.")
            }
        })?;
    let invalid = || ApiError::new(ProblemCode::InvalidToken, "The access token is not valid.");
    let account_id = AccountId::parse(&claims.sub).ok_or_else(invalid)?;
    let session_id = SessionId::parse(&claims.sid).ok_or_else(invalid)?;
    Ok((
        state,
        AuthUser {
            account_id,
            role: claims.role,
            session_id,
        },
    ))
}

fn session_revoked() -> ApiError {
    ApiError::new(
        ProblemCode::SessionRevoked,
        "This session has ended. Sign in again.",
    )
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<AuthUser, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let (state, user) = verified(state, token).await?;
            if state
                .cache
                .get(&revoked_key(&user.session_id))
                .await
                .is_some()
            {
                return Err(session_revoked());
            }
            Ok(user)
        })
    }
}

/// A caller with a valid access token whose session is not yet checked against the revoked
/// list: for a handler that reads the cache anyway and asks in the same round trip (the
/// feed). The only way to the [`AuthUser`] is [`UncheckedUser::confirm`] with that answer,
/// after [`UncheckedUser::ensure_active`] has asked on its own.
pub struct UncheckedUser(AuthUser);

impl UncheckedUser {
    /// The cache key that is present when this session was revoked.
    pub fn revoked_key(&self) -> String {
        revoked_key(&self.0.session_id)
    }

    pub fn role(&self) -> Role {
        self.0.role
    }

    pub fn account_id(&self) -> &AccountId {
        &self.0.account_id
    }

    /// The user, given whether `revoked_key` was present.
    pub fn confirm(self, revoked: bool) -> Result<AuthUser, ApiError> {
        if revoked {
            Err(session_revoked())
        } else {
            Ok(self.0)
        }
    }

    /// 401 if the session was revoked, asking the cache alone: for answering a refusal that
    /// comes before the feed's own read.
    pub async fn ensure_active(&self, state: &AppState) -> Result<(), ApiError> {
        if state.cache.get(&self.revoked_key()).await.is_some() {
            return Err(session_revoked());
        }
        Ok(())
    }
}

impl FromRequest for UncheckedUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<UncheckedUser, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move { Ok(UncheckedUser(verified(state, token).await?.1)) })
    }
}
