//! HTTP handlers for accounts and sessions: parse, call the service, map the result.

use actix_web::web::{Data, Json};
use actix_web::{HttpRequest, HttpResponse, get, post};

use crate::access::Principal;
use crate::auth::model::*;
use crate::auth::service;
use crate::error::{ApiError, Problem};
use crate::ratelimit::client_ip;
use crate::state::AppState;

/// Register a young jobseeker.
///
/// Creates the account, mails a link to confirm the address, and signs the youth in.
#[utoipa::path(
    tag = "accounts",
    request_body = RegisterYouth,
    params(LanguageHeader),
    responses(
        (status = 201, description = "Registered and signed in", body = Session),
        (status = 409, description = "`email_taken`: an account with this email exists", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many registrations from this client", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a new attempt is allowed"))),
    )
)]
#[post("/auth/register/youth")]
pub async fn create_youth_account(
    state: Data<AppState>,
    req: HttpRequest,
    body: crate::json::Body<RegisterYouth>,
) -> Result<HttpResponse, ApiError> {
    let registered = service::register_youth(
        &state,
        body.into_inner(),
        &client_ip(&req),
        LanguageHeader::of(&req),
    )
    .await?;
    Ok(HttpResponse::Created().json(registered))
}

/// Register an employer with their organisation.
///
/// The employer becomes the owner of the new organisation, and is signed in.
#[utoipa::path(
    tag = "accounts",
    request_body = RegisterEmployer,
    params(LanguageHeader),
    responses(
        (status = 201, description = "Registered and signed in", body = Session),
        (status = 409, description = "`email_taken`: an account with this email exists", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many registrations from this client", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a new attempt is allowed"))),
    )
)]
#[post("/auth/register/employer")]
pub async fn create_employer_account(
    state: Data<AppState>,
    req: HttpRequest,
    body: crate::json::Body<RegisterEmployer>,
) -> Result<HttpResponse, ApiError> {
    let registered = service::register_employer(
        &state,
        body.into_inner(),
        &client_ip(&req),
        LanguageHeader::of(&req),
    )
    .await?;
    Ok(HttpResponse::Created().json(registered))
}

/// Sign in with email and password.
#[utoipa::path(
    tag = "sessions",
    request_body = Login,
    responses(
        (status = 200, description = "Signed in", body = Session),
        (status = 401, description = "`invalid_credentials`: wrong email or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`account_deactivated`: the coach's organisation deactivated the account", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many failed attempts for this email from this client", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a new attempt is allowed"))),
    )
)]
#[post("/auth/login")]
pub async fn create_session(
    state: Data<AppState>,
    req: HttpRequest,
    body: crate::json::Body<Login>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(
        service::login(&state, body.into_inner(), &client_ip(&req)).await?,
    ))
}

/// Trade a refresh token for a new token pair.
///
/// Refresh tokens rotate: each works once. Presenting one that was already used ends the
/// whole session (`refresh_token_reused`), because it means the token was copied.
#[utoipa::path(
    tag = "sessions",
    request_body = RefreshTokenBody,
    responses(
        (status = 200, description = "New token pair", body = Session),
        (status = 401, description = "`invalid_refresh_token`, `refresh_token_reused`, `session_revoked` or `session_expired`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_session(
    state: Data<AppState>,
    body: crate::json::Body<RefreshTokenBody>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(service::refresh(&state, body.into_inner()).await?))
}

/// Sign out: ends the session of this refresh token.
///
/// Always answers 204, also for a token that is unknown or already ended.
#[utoipa::path(
    tag = "sessions",
    request_body = RefreshTokenBody,
    responses((status = 204, description = "Signed out")),
)]
#[post("/auth/logout")]
pub async fn revoke_session(
    state: Data<AppState>,
    body: crate::json::Body<RefreshTokenBody>,
) -> Result<HttpResponse, ApiError> {
    service::logout(&state, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Confirm an email address with the token from the mailed link.
#[utoipa::path(
    tag = "accounts",
    request_body = EmailTokenBody,
    responses(
        (status = 204, description = "Email address confirmed"),
        (status = 400, description = "`invalid_email_token`: used, expired or unknown token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    state: Data<AppState>,
    body: crate::json::Body<EmailTokenBody>,
) -> Result<HttpResponse, ApiError> {
    service::verify_email(&state, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mail a new confirmation link to the signed-in account.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A new link is on its way"),
        (status = 403, description = "`not_on_behalf`: a coach cannot do this for a youth", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_verified`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/verify-email/resend")]
pub async fn resend_verification_email(
    state: Data<AppState>,
    user: Principal,
) -> Result<HttpResponse, ApiError> {
    service::resend_verification(&state, user.account_self()?).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Ask for a password reset link.
///
/// Always answers 202, whether or not the address has an account.
#[utoipa::path(
    tag = "accounts",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address has an account, a link is on its way"),
        (status = 429, description = "`rate_limited`", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a new attempt is allowed"))),
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    state: Data<AppState>,
    req: HttpRequest,
    body: crate::json::Body<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    service::request_password_reset(&state, body.into_inner(), &client_ip(&req)).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Set a new password with the token from the reset mail. Ends every session of the account.
#[utoipa::path(
    tag = "accounts",
    request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "Password changed; every session ended"),
        (status = 400, description = "`invalid_email_token`: used, expired or unknown token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: Data<AppState>,
    body: crate::json::Body<PasswordResetConfirm>,
) -> Result<HttpResponse, ApiError> {
    service::confirm_password_reset(&state, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in account.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in account", body = Me),
        (status = 403, description = "`not_on_behalf`: a coach acting for a youth has no access to their account", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/me")]
pub async fn get_me(state: Data<AppState>, user: Principal) -> Result<Json<Me>, ApiError> {
    let id = user.account_self()?;
    Ok(Json(
        state
            .db
            .run(move |conn| service::load_me(conn, &id))
            .await?,
    ))
}
