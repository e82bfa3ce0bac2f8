//! Diesel queries for youth profiles and sensitive characteristics.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::AccountId;
use crate::db::schema::{youth_profiles, youth_sensitive};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = youth_profiles)]
pub struct ProfileRow {
    pub account_id: AccountId,
    pub first_name: String,
    pub last_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub place_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub search_radius_km: i32,
    pub education_level: Option<String>,
    pub hours_min: Option<i32>,
    pub hours_max: Option<i32>,
    pub available_from: Option<NaiveDate>,
    pub kinds: i32,
    pub driving_licence: bool,
    pub languages: String,
    pub interests: String,
    pub about: Option<String>,
    pub pitch: Option<String>,
    pub status: String,
    pub competences: String,
    pub competence_mask: i64,
    pub generated_text: Option<String>,
    pub generated_at: Option<NaiveDateTime>,
    pub edited_text: Option<String>,
    pub edited_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The organisation whose coach last changed the profile on the youth's behalf, and when.
    pub changed_by_coach: Option<String>,
    pub changed_by_coach_at: Option<NaiveDateTime>,
    /// Last sign-in, session refresh, swipe batch or message (see `touch`).
    pub last_active_at: Option<NaiveDateTime>,
}

/// Notes that a coach of `organisation` (its name) changed the profile on the youth's behalf.
pub fn mark_changed_by_coach(
    conn: &mut DbConn,
    account: &AccountId,
    organisation: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(youth_profiles::table.find(account))
        .set((
            youth_profiles::changed_by_coach.eq(Some(organisation)),
            youth_profiles::changed_by_coach_at.eq(Some(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The form's columns; `None` writes NULL (the form is validated and merged before).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = youth_profiles, treat_none_as_null = true)]
pub struct FormChanges {
    pub first_name: String,
    pub last_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub place_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub search_radius_km: i32,
    pub education_level: Option<String>,
    pub hours_min: Option<i32>,
    pub hours_max: Option<i32>,
    pub available_from: Option<NaiveDate>,
    pub kinds: i32,
    pub driving_licence: bool,
    pub languages: String,
    pub interests: String,
    pub about: Option<String>,
    pub pitch: Option<String>,
    pub status: String,
    pub updated_at: NaiveDateTime,
}

/// The empty profile every youth gets at registration.
pub fn create_profile(
    conn: &mut DbConn,
    account: &AccountId,
    first_name: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(youth_profiles::table)
        .values((
            youth_profiles::account_id.eq(account),
            youth_profiles::first_name.eq(first_name),
            youth_profiles::created_at.eq(now),
            youth_profiles::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Pauses or resumes a youth's search (a placement started, or was reopened as a search).
pub fn set_status(
    conn: &mut DbConn,
    youth: &AccountId,
    status: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        youth_profiles::table
            .filter(youth_profiles::account_id.eq(youth))
            .filter(youth_profiles::status.ne(status)),
    )
    .set((
        youth_profiles::status.eq(status),
        youth_profiles::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks youth as active now (sign-in, refresh, swipe, message), for the coach's caseload.
pub fn touch(conn: &mut DbConn, youth: &[AccountId], now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        youth_profiles::table
            .filter(youth_profiles::account_id.eq_any(youth))
            .filter(
                youth_profiles::last_active_at
                    .is_null()
                    .or(youth_profiles::last_active_at.lt(now)),
            ),
    )
    .set(youth_profiles::last_active_at.eq(Some(now)))
    .execute(conn)
    .map(|_| ())
}

/// First and last names of several youth (to sort and filter a caseload).
#[allow(clippy::type_complexity)]
pub fn names_of(
    conn: &mut DbConn,
    accounts: &[AccountId],
) -> QueryResult<Vec<(AccountId, String, Option<String>)>> {
    youth_profiles::table
        .filter(youth_profiles::account_id.eq_any(accounts))
        .select((
            youth_profiles::account_id,
            youth_profiles::first_name,
            youth_profiles::last_name,
        ))
        .load(conn)
}

/// The profiles of several youth (a caseload page).
pub fn profiles_of(conn: &mut DbConn, accounts: &[AccountId]) -> QueryResult<Vec<ProfileRow>> {
    youth_profiles::table
        .filter(youth_profiles::account_id.eq_any(accounts))
        .select(ProfileRow::as_select())
        .load(conn)
}

pub fn find_profile(conn: &mut DbConn, account: &AccountId) -> QueryResult<Option<ProfileRow>> {
    youth_profiles::table
        .find(account)
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_profiles(conn: &mut DbConn, ids: &[AccountId]) -> QueryResult<Vec<ProfileRow>> {
    youth_profiles::table
        .filter(youth_profiles::account_id.eq_any(ids))
        .select(ProfileRow::as_select())
        .load(conn)
}

pub fn update_form(
    conn: &mut DbConn,
    account: &AccountId,
    changes: &FormChanges,
) -> QueryResult<()> {
    diesel::update(youth_profiles::table.find(account))
        .set(changes)
        .execute(conn)
        .map(|_| ())
}

pub fn set_competences(
    conn: &mut DbConn,
    account: &AccountId,
    codes_json: &str,
    mask: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(youth_profiles::table.find(account))
        .set((
            youth_profiles::competences.eq(codes_json),
            youth_profiles::competence_mask.eq(mask),
            youth_profiles::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Saves a generated text; `clear_edit` also drops the youth's own edit.
pub fn set_generated_text(
    conn: &mut DbConn,
    account: &AccountId,
    text: &str,
    clear_edit: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let target = youth_profiles::table.find(account);
    let base = (
        youth_profiles::generated_text.eq(Some(text)),
        youth_profiles::generated_at.eq(Some(now)),
        youth_profiles::updated_at.eq(now),
    );
    if clear_edit {
        diesel::update(target)
            .set((
                base,
                youth_profiles::edited_text.eq(None::<String>),
                youth_profiles::edited_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    } else {
        diesel::update(target).set(base).execute(conn)?;
    }
    Ok(())
}

pub fn set_edited_text(
    conn: &mut DbConn,
    account: &AccountId,
    text: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(youth_profiles::table.find(account))
        .set((
            youth_profiles::edited_text.eq(text),
            youth_profiles::edited_at.eq(text.map(|_| now)),
            youth_profiles::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = youth_sensitive, treat_none_as_null = true)]
pub struct SensitiveRow {
    pub account_id: AccountId,
    pub benefit: Option<String>,
    pub work_limitation: Option<bool>,
    pub participation_step: Option<i32>,
    pub updated_at: NaiveDateTime,
}

pub fn find_sensitive(conn: &mut DbConn, account: &AccountId) -> QueryResult<Option<SensitiveRow>> {
    youth_sensitive::table
        .find(account)
        .select(SensitiveRow::as_select())
        .first(conn)
        .optional()
}

/// Insert or replace. Done as delete + insert inside the caller's transaction, which both
/// backends support alike (their upsert syntax differs).
pub fn put_sensitive(conn: &mut DbConn, row: &SensitiveRow) -> QueryResult<()> {
    diesel::delete(youth_sensitive::table.find(&row.account_id)).execute(conn)?;
    diesel::insert_into(youth_sensitive::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn delete_sensitive(conn: &mut DbConn, account: &AccountId) -> QueryResult<usize> {
    diesel::delete(youth_sensitive::table.find(account)).execute(conn)
}
