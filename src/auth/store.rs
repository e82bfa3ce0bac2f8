//! Diesel queries for accounts, sessions and one-time email tokens. No business rules here.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::auth::tokens::{hash_token, random_token};
use crate::db::DbConn;
use crate::db::ids::{AccountId, SessionId};
use crate::db::schema::{accounts, email_tokens, refresh_tokens, sessions};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: AccountId,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub language: String,
    pub display_name: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_account(conn: &mut DbConn, row: &AccountRow) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn find_account(conn: &mut DbConn, id: &AccountId) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_accounts(conn: &mut DbConn, ids: &[AccountId]) -> QueryResult<Vec<AccountRow>> {
    accounts::table
        .filter(accounts::id.eq_any(ids))
        .select(AccountRow::as_select())
        .load(conn)
}

pub fn find_account_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .filter(accounts::email.eq(email))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn email_taken(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        accounts::table.filter(accounts::email.eq(email)),
    ))
    .get_result(conn)
}

pub fn set_email_verified(
    conn: &mut DbConn,
    id: &AccountId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        accounts::table
            .find(id)
            .filter(accounts::email_verified_at.is_null()),
    )
    .set((
        accounts::email_verified_at.eq(Some(now)),
        accounts::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|_| ())
}

pub fn set_password(
    conn: &mut DbConn,
    id: &AccountId,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::password_hash.eq(hash),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

// ---- Sessions and refresh tokens --------------------------------------------------------

/// A new session with its first refresh token (returned in clear, stored hashed).
pub struct NewSession {
    pub id: SessionId,
    pub refresh_token: String,
    pub expires_at: NaiveDateTime,
}

pub fn create_session(
    conn: &mut DbConn,
    account: &AccountId,
    now: NaiveDateTime,
    ttl: TimeDelta,
) -> QueryResult<NewSession> {
    let id = SessionId::generate();
    let expires_at = now + ttl;
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::account_id.eq(account),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    let refresh_token = add_refresh_token(conn, &id, now)?;
    // Signing in is activity, as a coach's caseload shows it (no-op for other roles).
    crate::youth::store::touch(conn, std::slice::from_ref(account), now)?;
    Ok(NewSession {
        id,
        refresh_token,
        expires_at,
    })
}

pub fn add_refresh_token(
    conn: &mut DbConn,
    session: &SessionId,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let token = random_token();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash_token(&token)),
            refresh_tokens::session_id.eq(session),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// A refresh token with the state of its session.
#[derive(Debug, Queryable)]
pub struct RefreshLookup {
    pub session_id: SessionId,
    pub account_id: AccountId,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
}

pub fn find_refresh_token(conn: &mut DbConn, token: &str) -> QueryResult<Option<RefreshLookup>> {
    refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(hash_token(token)))
        .select((
            sessions::id,
            sessions::account_id,
            refresh_tokens::used_at,
            sessions::revoked_at,
            sessions::expires_at,
        ))
        .first(conn)
        .optional()
}

/// Spends a refresh token. Returns false when it was already spent (a concurrent reuse).
pub fn spend_refresh_token(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(hash_token(token)))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_session(
    conn: &mut DbConn,
    id: &SessionId,
    now: NaiveDateTime,
    reason: &str,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Some(now)),
        sessions::revoked_reason.eq(Some(reason)),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Revokes every live session of an account; returns their ids (to refuse their access tokens).
pub fn revoke_all_sessions(
    conn: &mut DbConn,
    account: &AccountId,
    now: NaiveDateTime,
    reason: &str,
) -> QueryResult<Vec<SessionId>> {
    let live = sessions::table
        .filter(sessions::account_id.eq(account))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now));
    let ids: Vec<SessionId> = live.select(sessions::id).load(conn)?;
    diesel::update(sessions::table.filter(sessions::id.eq_any(&ids)))
        .set((
            sessions::revoked_at.eq(Some(now)),
            sessions::revoked_reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    Ok(ids)
}

// ---- One-time email tokens --------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

/// Creates a one-time token; any earlier unused token of the same purpose stops working,
/// so only the newest link in the inbox is valid.
pub fn create_email_token(
    conn: &mut DbConn,
    account: &AccountId,
    purpose: Purpose,
    now: NaiveDateTime,
    ttl: TimeDelta,
) -> QueryResult<String> {
    diesel::update(
        email_tokens::table
            .filter(email_tokens::account_id.eq(account))
            .filter(email_tokens::purpose.eq(purpose.as_str()))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    let token = random_token();
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::token_hash.eq(hash_token(&token)),
            email_tokens::account_id.eq(account),
            email_tokens::purpose.eq(purpose.as_str()),
            email_tokens::created_at.eq(now),
            email_tokens::expires_at.eq(now + ttl),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Spends a one-time token if it exists, has this purpose, is unused and unexpired; returns
/// its account. The conditional update makes two concurrent uses succeed at most once.
pub fn consume_email_token(
    conn: &mut DbConn,
    token: &str,
    purpose: Purpose,
    now: NaiveDateTime,
) -> QueryResult<Option<AccountId>> {
    let hash = hash_token(token);
    let spent = diesel::update(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(&hash))
            .filter(email_tokens::purpose.eq(purpose.as_str()))
            .filter(email_tokens::used_at.is_null())
            .filter(email_tokens::expires_at.gt(now)),
    )
    .set(email_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    if spent != 1 {
        return Ok(None);
    }
    email_tokens::table
        .find(&hash)
        .select(email_tokens::account_id)
        .first(conn)
        .optional()
}
