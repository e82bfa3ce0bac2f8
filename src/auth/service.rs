//! Account and session flows: registration, login, refresh rotation, logout, email
//! verification and password reset. Handlers call these; these call the stores.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use crate::auth::model::*;
use crate::auth::store::{self, AccountRow, NewSession, Purpose};
use crate::db::DbConn;
use crate::db::ids::{AccountId, SessionId};
use crate::employers;
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::notifications::{Outbox, templates};
use crate::ratelimit;
use crate::state::AppState;

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

fn delta(d: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// Inserts a new account, or answers 409 `email_taken` (with `detail`). The check first
/// gives the common case a clear answer; the unique key catches two registrations racing.
pub fn insert_new_account(
    conn: &mut DbConn,
    row: &AccountRow,
    detail: &'static str,
) -> Result<(), ApiError> {
    let taken = || ApiError::new(ProblemCode::EmailTaken, detail);
    if store::email_taken(conn, &row.email)? {
        return Err(taken());
    }
    store::insert_account(conn, row).map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => taken(),
        other => other.into(),
    })
}

/// The answer for an address that already has an account.
const EMAIL_TAKEN: &str = "An account with this email address already exists.";

/// Opaque tokens are 43 characters; the contract allows up to 200. Longer is a client bug.
fn check_token(field: &str, token: &str) -> Result<(), ApiError> {
    if token.chars().count() > 200 {
        return Err(ApiError::validation(vec![FieldError::new(
            field,
            "too_long",
            "must be at most 200 characters",
        )]));
    }
    Ok(())
}

fn invalid(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Loads the `Me` view of an account.
pub fn load_me(conn: &mut DbConn, id: &AccountId) -> Result<Me, ApiError> {
    let row = store::find_account(conn, id)?.ok_or_else(|| {
        ApiError::new(ProblemCode::InvalidToken, "This account no longer exists.")
    })?;
    me_of(conn, row)
}

/// The account view of a row already read (only its membership is looked up).
fn me_of(conn: &mut DbConn, row: store::AccountRow) -> Result<Me, ApiError> {
    let organisation = employers::store::membership_of(conn, &row.id)?;
    Ok(Me {
        role: Role::parse(&row.role)
            .ok_or_else(|| ApiError::internal(format!("unknown role {}", row.role)))?,
        language: Language::parse(&row.language).unwrap_or_default(),
        email_verified: row.email_verified_at.is_some(),
        created_at: utc(row.created_at),
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        organisation,
    })
}

/// What both registration forms have in common, once parsed.
struct NewAccount {
    email: Email,
    password: Password,
    name: String,
    language: Language,
    role: Role,
}

/// Registers a youth; returns the account, signed in.
pub async fn register_youth(
    state: &AppState,
    req: RegisterYouth,
    client: &str,
    accept: Language,
) -> Result<Session, ApiError> {
    ratelimit::hit(
        state,
        "register",
        client,
        state.settings.rate_limits.registration,
    )
    .await?;
    let mut errors = Vec::new();
    let email = parse_email(&mut errors, "email", &req.email);
    let password = parse_password(&mut errors, "password", &req.password);
    let name = parse_text(&mut errors, "first_name", &req.first_name, 80);
    invalid(errors)?;
    let (Some(email), Some(password), Some(name)) = (email, password, name) else {
        return Err(ApiError::internal("parsed fields missing without errors"));
    };
    let account = NewAccount {
        email,
        password,
        name,
        language: req.language.unwrap_or(accept),
        role: Role::Youth,
    };
    register(state, account, None).await
}

/// Registers an employer and their organisation (the employer becomes its owner).
pub async fn register_employer(
    state: &AppState,
    req: RegisterEmployer,
    client: &str,
    accept: Language,
) -> Result<Session, ApiError> {
    ratelimit::hit(
        state,
        "register",
        client,
        state.settings.rate_limits.registration,
    )
    .await?;
    let mut errors = Vec::new();
    let email = parse_email(&mut errors, "email", &req.email);
    let password = parse_password(&mut errors, "password", &req.password);
    let name = parse_text(&mut errors, "contact_name", &req.contact_name, 80);
    let org_name = parse_text(
        &mut errors,
        "organisation.name",
        &req.organisation.name,
        120,
    );
    let city = parse_text(&mut errors, "organisation.city", &req.organisation.city, 80);
    let kvk = req
        .organisation
        .kvk_number
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    if let Some(k) = kvk
        && (k.len() != 8 || !k.bytes().all(|b| b.is_ascii_digit()))
    {
        errors.push(FieldError::new(
            "organisation.kvk_number",
            "invalid_kvk_number",
            "must be the 8 digits of a KvK number",
        ));
    }
    invalid(errors)?;
    let (Some(email), Some(password), Some(name), Some(org_name), Some(city)) =
        (email, password, name, org_name, city)
    else {
        return Err(ApiError::internal("parsed fields missing without errors"));
    };
    let organisation = employers::store::NewOrganisation {
        name: org_name,
        kvk_number: kvk.map(str::to_owned),
        city,
    };
    let account = NewAccount {
        email,
        password,
        name,
        language: req.language.unwrap_or(accept),
        role: Role::Employer,
    };
    register(state, account, Some(organisation)).await
}

async fn register(
    state: &AppState,
    new: NewAccount,
    organisation: Option<employers::store::NewOrganisation>,
) -> Result<Session, ApiError> {
    let password_hash = state
        .passwords
        .hash(new.password.expose().to_owned())
        .await?;
    let now = state.clock.now_naive();
    let (email_ttl, session_ttl) = (
        delta(state.settings.email_token_ttl),
        delta(state.settings.refresh_token_ttl),
    );
    let base_url = state.settings.public_base_url.clone();
    let row = AccountRow {
        id: AccountId::generate(),
        email: new.email.as_str().to_owned(),
        password_hash,
        role: new.role.as_str().to_owned(),
        language: new.language.as_str().to_owned(),
        display_name: new.name,
        email_verified_at: None,
        created_at: now,
        updated_at: now,
    };
    let (me, session) = state
        .db
        .write(move |conn| {
            insert_new_account(conn, &row, EMAIL_TAKEN)?;
            if new.role == Role::Youth {
                crate::youth::store::create_profile(conn, &row.id, &row.display_name, now)?;
            }
            if let Some(org) = organisation {
                employers::store::create_organisation(conn, org, &row.id, now)?;
            }
            let token =
                store::create_email_token(conn, &row.id, Purpose::VerifyEmail, now, email_ttl)?;
            let link = format!("{base_url}/verify-email?token={token}");
            let mail = templates::verify_email(
                new.language,
                &row.display_name,
                &link,
                email_ttl.num_minutes(),
            );
            Outbox::enqueue(conn, now, &row.email, mail)?;
            let session = store::create_session(conn, &row.id, now, session_ttl)?;
            Ok((load_me(conn, &row.id)?, session))
        })
        .await?;
    signed_in_as(state, me, session)
}

/// The answer of registration, login and refresh: a new access token for the session, its
/// refresh token, and the account.
fn signed_in_as(state: &AppState, account: Me, session: NewSession) -> Result<Session, ApiError> {
    let access = state
        .tokens
        .issue(&account.id, account.role, &session.id, state.clock.now())
        .map_err(ApiError::internal)?;
    Ok(Session {
        access_token: access,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.ttl.num_seconds().max(0) as u64,
        refresh_token: session.refresh_token,
        refresh_expires_at: utc(session.expires_at),
        account,
    })
}

/// Signs in with email and password. A wrong password and an unknown email answer alike,
/// in the same time; repeated failures from one client for one email are rate limited.
pub async fn login(state: &AppState, req: Login, client: &str) -> Result<Session, ApiError> {
    let mut errors = Vec::new();
    if req.email.chars().count() > 320 {
        errors.push(FieldError::new(
            "email",
            "too_long",
            "must be at most 320 characters",
        ));
    }
    if req.password.chars().count() > 1024 {
        errors.push(FieldError::new(
            "password",
            "too_long",
            "must be at most 1024 characters",
        ));
    }
    invalid(errors)?;
    let email = req.email.trim().to_lowercase();
    let limit_key = format!("{email}|{client}");
    ratelimit::check(
        state,
        "login-failures",
        &limit_key,
        state.settings.rate_limits.login_failures,
    )
    .await?;
    // Registration only stores valid addresses: anything else cannot have an account, and is
    // not sent to the database (PostgreSQL refuses text with NUL bytes, for one).
    let account = match Email::parse(&email) {
        Ok(valid) => {
            state
                .db
                .run(move |conn| Ok(store::find_account_by_email(conn, valid.as_str())?))
                .await?
        }
        Err(_) => None,
    };
    let ok = state
        .passwords
        .verify(
            req.password,
            account.as_ref().map(|a| a.password_hash.clone()),
        )
        .await?;
    let Some(account) = account.filter(|_| ok) else {
        ratelimit::hit(
            state,
            "login-failures",
            &limit_key,
            state.settings.rate_limits.login_failures,
        )
        .await?;
        return Err(ApiError::new(
            ProblemCode::InvalidCredentials,
            "Email address or password is wrong.",
        ));
    };
    let now = state.clock.now_naive();
    let ttl = delta(state.settings.refresh_token_ttl);
    let (me, session) = state
        .db
        .write(move |conn| {
            // A coach whose organisation deactivated them cannot sign in again.
            if crate::caseloads::store::is_deactivated(conn, &account.id)? {
                return Err(ApiError::new(
                    ProblemCode::AccountDeactivated,
                    "Your organisation has deactivated this account.",
                ));
            }
            let session = store::create_session(conn, &account.id, now, ttl)?;
            Ok((me_of(conn, account)?, session))
        })
        .await?;
    signed_in_as(state, me, session)
}

enum Refresh {
    Rotated(Box<Me>, NewSession),
    Reused(SessionId),
}

/// Trades a refresh token for a new pair. Each refresh token works once: presenting a spent
/// one means it was copied, so the whole session is revoked (RFC 9700, refresh rotation).
pub async fn refresh(state: &AppState, req: RefreshTokenBody) -> Result<Session, ApiError> {
    check_token("refresh_token", &req.refresh_token)?;
    let now = state.clock.now_naive();
    let outcome = state
        .db
        .write(move |conn| {
            let found = store::find_refresh_token(conn, &req.refresh_token)?.ok_or_else(|| {
                ApiError::new(
                    ProblemCode::InvalidRefreshToken,
                    "This refresh token is not valid.",
                )
            })?;
            if found.revoked_at.is_some() {
                return Err(ApiError::new(
                    ProblemCode::SessionRevoked,
                    "This session has ended. Sign in again.",
                ));
            }
            if found.expires_at <= now {
                return Err(ApiError::new(
                    ProblemCode::SessionExpired,
                    "This session has expired. Sign in again.",
                ));
            }
            if found.used_at.is_some()
                || !store::spend_refresh_token(conn, &req.refresh_token, now)?
            {
                store::revoke_session(conn, &found.session_id, now, "refresh_token_reused")?;
                return Ok(Refresh::Reused(found.session_id));
            }
            let account = store::find_account(conn, &found.account_id)?.ok_or_else(|| {
                ApiError::new(
                    ProblemCode::InvalidRefreshToken,
                    "This refresh token is not valid.",
                )
            })?;
            let me = me_of(conn, account)?;
            let refresh_token = store::add_refresh_token(conn, &found.session_id, now)?;
            crate::youth::store::touch(conn, std::slice::from_ref(&found.account_id), now)?;
            Ok(Refresh::Rotated(
                Box::new(me),
                NewSession {
                    id: found.session_id,
                    refresh_token,
                    expires_at: found.expires_at,
                },
            ))
        })
        .await?;
    match outcome {
        Refresh::Rotated(me, session) => signed_in_as(state, *me, session),
        Refresh::Reused(session) => {
            deny_sessions(state, &[session]).await;
            tracing::warn!("refresh token reused: session revoked");
            Err(ApiError::new(
                ProblemCode::RefreshTokenReused,
                "This refresh token was already used. The session has been ended for safety; sign in again.",
            ))
        }
    }
}

/// Ends the session of a refresh token. Unknown tokens are ignored: logout always succeeds.
pub async fn logout(state: &AppState, req: RefreshTokenBody) -> Result<(), ApiError> {
    check_token("refresh_token", &req.refresh_token)?;
    let now = state.clock.now_naive();
    let session = state
        .db
        .write(move |conn| {
            let Some(found) = store::find_refresh_token(conn, &req.refresh_token)? else {
                return Ok(None);
            };
            store::revoke_session(conn, &found.session_id, now, "logout")?;
            Ok(Some(found.session_id))
        })
        .await?;
    if let Some(session) = session {
        deny_sessions(state, &[session]).await;
    }
    Ok(())
}

/// Access tokens are checked without the database: revoked sessions are published to every
/// instance through the cache, and a session the cache cannot vouch for is asked of the
/// database (see `access::revocation`).
async fn deny_sessions(state: &AppState, sessions: &[SessionId]) {
    crate::access::revocation::sessions_revoked(state, sessions).await;
}

/// Confirms an email address with the token from the verification mail.
pub async fn verify_email(state: &AppState, req: EmailTokenBody) -> Result<(), ApiError> {
    check_token("token", &req.token)?;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let account = store::consume_email_token(conn, &req.token, Purpose::VerifyEmail, now)?
                .ok_or_else(invalid_email_token)?;
            store::set_email_verified(conn, &account, now)?;
            Ok(())
        })
        .await
}

fn invalid_email_token() -> ApiError {
    ApiError::new(
        ProblemCode::InvalidEmailToken,
        "This link is not valid: it was already used, has expired or never existed.",
    )
}

/// Sends a new verification mail to the signed-in account.
pub async fn resend_verification(state: &AppState, account: AccountId) -> Result<(), ApiError> {
    let now = state.clock.now_naive();
    let ttl = delta(state.settings.email_token_ttl);
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let row = store::find_account(conn, &account)?.ok_or_else(|| {
                ApiError::new(ProblemCode::InvalidToken, "This account no longer exists.")
            })?;
            if row.email_verified_at.is_some() {
                return Err(ApiError::new(
                    ProblemCode::AlreadyVerified,
                    "This email address is already confirmed.",
                ));
            }
            let token = store::create_email_token(conn, &row.id, Purpose::VerifyEmail, now, ttl)?;
            let lang = Language::parse(&row.language).unwrap_or_default();
            let link = format!("{base_url}/verify-email?token={token}");
            Outbox::enqueue(
                conn,
                now,
                &row.email,
                templates::verify_email(lang, &row.display_name, &link, ttl.num_minutes()),
            )?;
            Ok(())
        })
        .await
}

/// Mails a reset link when the address has an account. Answers the same either way, so the
/// endpoint cannot be used to find out who has an account.
pub async fn request_password_reset(
    state: &AppState,
    req: PasswordResetRequest,
    client: &str,
) -> Result<(), ApiError> {
    if req.email.chars().count() > 320 {
        return Err(ApiError::validation(vec![FieldError::new(
            "email",
            "too_long",
            "must be at most 320 characters",
        )]));
    }
    let limit = state.settings.rate_limits.password_reset;
    ratelimit::hit(state, "password-reset", client, limit).await?;
    let email = req.email.trim().to_lowercase();
    ratelimit::hit(state, "password-reset-email", &email, limit).await?;
    // A malformed address has no account; answer as for any unknown address.
    let Ok(email) = Email::parse(&email).map(|e| e.as_str().to_owned()) else {
        return Ok(());
    };
    let now = state.clock.now_naive();
    let ttl = delta(state.settings.email_token_ttl);
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let Some(row) = store::find_account_by_email(conn, &email)? else {
                return Ok(());
            };
            let token = store::create_email_token(conn, &row.id, Purpose::ResetPassword, now, ttl)?;
            let lang = Language::parse(&row.language).unwrap_or_default();
            let link = format!("{base_url}/reset-password?token={token}");
            Outbox::enqueue(
                conn,
                now,
                &row.email,
                templates::password_reset(lang, &row.display_name, &link, ttl.num_minutes()),
            )?;
            Ok(())
        })
        .await
}

/// Sets a new password with a reset token and ends every session of the account.
pub async fn confirm_password_reset(
    state: &AppState,
    req: PasswordResetConfirm,
) -> Result<(), ApiError> {
    check_token("token", &req.token)?;
    let mut errors = Vec::new();
    let password = parse_password(&mut errors, "new_password", &req.new_password);
    invalid(errors)?;
    let Some(password) = password else {
        return Err(ApiError::internal("parsed password missing"));
    };
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let now = state.clock.now_naive();
    let revoked = state
        .db
        .write(move |conn| {
            let account =
                store::consume_email_token(conn, &req.token, Purpose::ResetPassword, now)?
                    .ok_or_else(invalid_email_token)?;
            store::set_password(conn, &account, &hash, now)?;
            // The reset link arrived by mail, which proves the address too.
            store::set_email_verified(conn, &account, now)?;
            let revoked = store::revoke_all_sessions(conn, &account, now, "password_reset")?;
            if let Some(row) = store::find_account(conn, &account)? {
                let lang = Language::parse(&row.language).unwrap_or_default();
                Outbox::enqueue(
                    conn,
                    now,
                    &row.email,
                    templates::password_changed(lang, &row.display_name),
                )?;
            }
            Ok(revoked)
        })
        .await?;
    deny_sessions(state, &revoked).await;
    Ok(())
}

/// Creates an account of any role from the operator CLI (`werkmatch admin create-user`):
/// the way intermediaries (coaches) and admins get an account for now. The address counts
/// as confirmed, since the operator vouches for it.
pub async fn create_user(
    state: &AppState,
    email: &str,
    role: Role,
    name: &str,
    password: &str,
    language: Language,
) -> Result<AccountId, ApiError> {
    let mut errors = Vec::new();
    let email = parse_email(&mut errors, "email", email);
    let password = parse_password(&mut errors, "password", password);
    let name = parse_text(&mut errors, "name", name, 80);
    if !errors.is_empty() {
        let detail = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ApiError::new(ProblemCode::ValidationFailed, detail));
    }
    let (Some(email), Some(password), Some(name)) = (email, password, name) else {
        return Err(ApiError::internal("parsed fields missing without errors"));
    };
    let password_hash = state.passwords.hash(password.expose().to_owned()).await?;
    let now = state.clock.now_naive();
    let row = AccountRow {
        id: AccountId::generate(),
        email: email.as_str().to_owned(),
        password_hash,
        role: role.as_str().to_owned(),
        language: language.as_str().to_owned(),
        display_name: name,
        email_verified_at: Some(now),
        created_at: now,
        updated_at: now,
    };
    state
        .db
        .write(move |conn| {
            insert_new_account(conn, &row, EMAIL_TAKEN)?;
            // A youth always has a profile (the profile routes and the feed need one).
            if role == Role::Youth {
                crate::youth::store::create_profile(conn, &row.id, &row.display_name, now)?;
            }
            Ok(row.id)
        })
        .await
}

/// The registration answer for an account that has just been given a session.
pub async fn signed_in(
    state: &AppState,
    id: AccountId,
    session: NewSession,
) -> Result<Session, ApiError> {
    let me = state.db.run(move |conn| load_me(conn, &id)).await?;
    signed_in_as(state, me, session)
}
