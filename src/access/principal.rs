//! The caller, resolved once per request from `Authorization: Bearer <access token>`.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::access::revocation::{self, ConsentState, session_key};
use crate::access::{OrganisationKind, Scopes};
use crate::auth::model::Role;
use crate::auth::tokens::{Claims, TokenError};
use crate::cache::Lookup;
use crate::db::ids::{AccountId, ConsentId, OrganisationId, SessionId};
use crate::error::{ApiError, ProblemCode};
use crate::state::AppState;

/// Who is asking. For a delegated token `account_id` is the youth acted for and
/// [`Principal::delegation`] names the coach; guards in [`crate::access`] decide what either
/// may do.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: AccountId,
    pub role: Role,
    /// The session the token was issued in (for a delegated token: the coach's).
    pub session_id: SessionId,
    delegation: Option<Delegation>,
}

/// A coach acting for a youth under their consent.
#[derive(Debug, Clone)]
pub struct Delegation {
    pub coach: AccountId,
    pub organisation: OrganisationId,
    pub kind: OrganisationKind,
    pub consent: ConsentId,
    /// What the token asked for and the consent still grants, as of this request.
    pub scopes: Scopes,
}

impl Principal {
    pub fn delegation(&self) -> Option<&Delegation> {
        self.delegation.as_ref()
    }
}

fn invalid_token() -> ApiError {
    ApiError::new(ProblemCode::InvalidToken, "The access token is not valid.")
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(AUTHORIZATION).ok_or_else(|| {
        ApiError::new(
            ProblemCode::MissingToken,
            "Sign in: this needs an access token.",
        )
    })?;
    let value = value.to_str().map_err(|_| invalid_token())?;
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

/// What a valid token claims, before anything is checked against revocation.
struct Claimed {
    principal: Principal,
}

fn claimed(claims: Claims) -> Result<Claimed, ApiError> {
    let account_id = AccountId::parse(&claims.sub).ok_or_else(invalid_token)?;
    let session_id = SessionId::parse(&claims.sid).ok_or_else(invalid_token)?;
    let delegation = match (claims.act, claims.cid, claims.scope) {
        (None, None, None) => None,
        (Some(act), Some(cid), Some(scope)) => Some(Delegation {
            coach: AccountId::parse(&act.sub).ok_or_else(invalid_token)?,
            organisation: OrganisationId::parse(&act.org).ok_or_else(invalid_token)?,
            kind: OrganisationKind::parse(&act.org_kind).ok_or_else(invalid_token)?,
            consent: ConsentId::parse(&cid).ok_or_else(invalid_token)?,
            // Until `confirm`: what the token was issued with.
            scopes: Scopes::from_oauth(&scope).ok_or_else(invalid_token)?,
        }),
        // Half a delegation is no token of ours.
        _ => return Err(invalid_token()),
    };
    if delegation.is_some() && claims.role != Role::Youth {
        return Err(invalid_token());
    }
    Ok(Claimed {
        principal: Principal {
            account_id,
            role: claims.role,
            session_id,
            delegation,
        },
    })
}

async fn verified(
    state: Option<web::Data<AppState>>,
    token: Result<String, ApiError>,
) -> Result<(web::Data<AppState>, Claimed), ApiError> {
    let state = state.ok_or_else(|| ApiError::internal("AppState missing"))?;
    let claims = state
        .tokens
        .verify(&token?, state.clock.now())
        .map_err(|e| match e {
            TokenError::Expired => ApiError::new(
                ProblemCode::TokenExpired,
                "The access token has expired; refresh it.",
            ),
            TokenError::Invalid => invalid_token(),
        })?;
    Ok((state, claimed(claims)?))
}

impl Claimed {
    /// Checks the session (and a delegated token's consent), failing closed; `session` is the
    /// cache's answer for the session when the caller already asked.
    async fn confirm(
        self,
        state: &AppState,
        session: Option<Lookup>,
    ) -> Result<Principal, ApiError> {
        let mut principal = self.principal;
        // What the caller has not asked the cache yet, in one round trip: the session, and
        // the consent behind a delegated token.
        let skey = session_key(&principal.session_id);
        let ckey = principal
            .delegation
            .as_ref()
            .map(|d| revocation::consent_key(&d.consent));
        let mut keys: Vec<&str> = Vec::with_capacity(2);
        if session.is_none() {
            keys.push(&skey);
        }
        if let Some(k) = &ckey {
            keys.push(k);
        }
        let mut answers = if keys.is_empty() {
            Vec::new()
        } else {
            state.cache.lookup(&keys).await
        }
        .into_iter();
        let session = match session {
            Some(s) => s,
            None => answers.next().unwrap_or(Lookup::Unavailable),
        };
        revocation::check_session(state, &principal.session_id, session).await?;
        if let Some(d) = principal.delegation.as_mut() {
            let lookup = answers.next().unwrap_or(Lookup::Unavailable);
            let current: ConsentState =
                revocation::check_consent(state, &d.consent, lookup).await?;
            // Handed to another coach, or sharing withdrawn: this coach's token ends.
            if !current.admits(&d.coach, &d.organisation) {
                return Err(revocation::delegation_ended());
            }
            // What the token was issued with, narrowed to what the consent still grants.
            d.scopes = d.scopes.and(current.scopes);
        }
        Ok(principal)
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let (state, claimed) = verified(state, token).await?;
            claimed.confirm(&state, None).await
        })
    }
}

/// A caller with a valid access token whose session is not yet checked: for a handler that
/// reads the cache anyway and asks in the same round trip (the feed). The only way to the
/// [`Principal`] is [`UncheckedPrincipal::confirm`].
pub struct UncheckedPrincipal(Claimed);

impl UncheckedPrincipal {
    /// The cache key of this session's state, to read along.
    pub fn session_key(&self) -> String {
        session_key(&self.0.principal.session_id)
    }

    pub fn role(&self) -> Role {
        self.0.principal.role
    }

    pub fn account_id(&self) -> &AccountId {
        &self.0.principal.account_id
    }

    /// The principal, given the cache's answer for [`UncheckedPrincipal::session_key`]; asks
    /// the database when the cache could not vouch for the session.
    pub async fn confirm(self, state: &AppState, session: Lookup) -> Result<Principal, ApiError> {
        self.0.confirm(state, Some(session)).await
    }

    /// 401 if the session ended: for answering a refusal that comes before the feed's read.
    pub async fn ensure_active(self, state: &AppState) -> Result<Principal, ApiError> {
        self.0.confirm(state, None).await
    }
}

impl FromRequest for UncheckedPrincipal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<UncheckedPrincipal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move { Ok(UncheckedPrincipal(verified(state, token).await?.1)) })
    }
}
