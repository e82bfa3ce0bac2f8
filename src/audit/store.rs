//! Writing and reading the audit log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::access::OrganisationKind;
use crate::audit::model::*;
use crate::db::DbConn;
use crate::db::ids::{AccountId, AuditId, OrganisationId};
use crate::db::schema::{audit_log, organisations};

/// One line to write; `record` adds the id and the request id.
pub struct Entry<'a> {
    pub at: NaiveDateTime,
    pub actor: &'a AccountId,
    /// `coach`, `coordinator`, `employer`, `admin`.
    pub actor_role: &'a str,
    pub organisation: Option<(&'a OrganisationId, OrganisationKind)>,
    pub subject: &'a AccountId,
    pub action: Action,
    pub object: Option<&'a str>,
    pub purpose: Purpose,
    pub on_behalf: bool,
}

/// Writes one line, in the caller's transaction when there is one (a write and its line
/// commit together or not at all).
pub fn record(conn: &mut DbConn, e: Entry<'_>) -> QueryResult<()> {
    record_many(conn, vec![e])
}

/// Writes several lines in one statement (a caseload page: one line per youth shown).
pub fn record_many(conn: &mut DbConn, entries: Vec<Entry<'_>>) -> QueryResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let request = crate::telemetry::current_request_id();
    let rows: Vec<_> = entries.into_iter().map(|e| row(e, &request)).collect();
    // One multi-row INSERT; the multi-backend connection cannot batch, so each backend's own.
    match conn {
        DbConn::Pg(c) => diesel::insert_into(audit_log::table)
            .values(rows)
            .execute(c),
        DbConn::Sqlite(c) => diesel::insert_into(audit_log::table)
            .values(rows)
            .execute(c),
    }
    .map(|_| ())
}

#[allow(clippy::type_complexity)]
fn row<'a>(
    e: Entry<'a>,
    request: &'a str,
) -> (
    diesel::dsl::Eq<audit_log::id, AuditId>,
    diesel::dsl::Eq<audit_log::at, NaiveDateTime>,
    diesel::dsl::Eq<audit_log::actor_id, Option<&'a AccountId>>,
    diesel::dsl::Eq<audit_log::actor_role, &'a str>,
    diesel::dsl::Eq<audit_log::organisation_id, Option<&'a OrganisationId>>,
    diesel::dsl::Eq<audit_log::organisation_kind, Option<&'static str>>,
    diesel::dsl::Eq<audit_log::subject_id, &'a AccountId>,
    diesel::dsl::Eq<audit_log::action, &'static str>,
    diesel::dsl::Eq<audit_log::object, Option<&'a str>>,
    diesel::dsl::Eq<audit_log::purpose, &'static str>,
    diesel::dsl::Eq<audit_log::on_behalf, bool>,
    diesel::dsl::Eq<audit_log::request_id, &'a str>,
) {
    (
        audit_log::id.eq(AuditId::generate()),
        audit_log::at.eq(e.at),
        audit_log::actor_id.eq(Some(e.actor)),
        audit_log::actor_role.eq(e.actor_role),
        audit_log::organisation_id.eq(e.organisation.map(|(o, _)| o)),
        audit_log::organisation_kind.eq(e.organisation.map(|(_, k)| k.as_str())),
        audit_log::subject_id.eq(e.subject),
        audit_log::action.eq(e.action.as_str()),
        audit_log::object.eq(e.object),
        audit_log::purpose.eq(e.purpose.as_str()),
        audit_log::on_behalf.eq(e.on_behalf),
        audit_log::request_id.eq(request),
    )
}

#[derive(Queryable)]
pub struct AuditRow {
    pub id: AuditId,
    pub at: NaiveDateTime,
    pub actor_id: Option<AccountId>,
    pub actor_role: String,
    pub organisation_id: Option<OrganisationId>,
    pub organisation_kind: Option<String>,
    pub subject_id: AccountId,
    pub action: String,
    pub object: Option<String>,
    pub purpose: String,
    pub on_behalf: bool,
    pub request_id: String,
    pub organisation_name: Option<String>,
}

/// Whose lines to read.
pub enum Filter<'a> {
    Subject(&'a AccountId),
    Organisation(&'a OrganisationId),
    All,
}

/// Newest first, after `cursor` (an audit id), at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: Filter<'_>,
    cursor: Option<&AuditId>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table
        .left_join(
            organisations::table.on(audit_log::organisation_id.eq(organisations::id.nullable())),
        )
        .select((
            audit_log::id,
            audit_log::at,
            audit_log::actor_id,
            audit_log::actor_role,
            audit_log::organisation_id,
            audit_log::organisation_kind,
            audit_log::subject_id,
            audit_log::action,
            audit_log::object,
            audit_log::purpose,
            audit_log::on_behalf,
            audit_log::request_id,
            organisations::name.nullable(),
        ))
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    q = match filter {
        Filter::Subject(s) => q.filter(audit_log::subject_id.eq(s)),
        Filter::Organisation(o) => q.filter(audit_log::organisation_id.eq(o)),
        Filter::All => q,
    };
    if let Some(c) = cursor {
        q = q.filter(audit_log::id.lt(c));
    }
    q.load(conn)
}

/// How often the youth's anonymous card was shown to employers.
pub fn cards_shown(conn: &mut DbConn, youth: &AccountId) -> QueryResult<i64> {
    use crate::db::schema::card_views;
    Ok(card_views::table
        .find(youth)
        .select(card_views::shown)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Counts cards shown, one per youth on a page of candidates (not logged per card).
pub fn count_cards_shown(conn: &mut DbConn, youth: &[AccountId]) -> QueryResult<()> {
    use crate::db::schema::card_views;
    for y in youth {
        let bump = || {
            diesel::update(card_views::table.find(y))
                .set(card_views::shown.eq(card_views::shown + 1i64))
        };
        if bump().execute(conn)? > 0 {
            continue;
        }
        // The first view: insert, unless another request just did (then count on top).
        let first = (card_views::youth_id.eq(y), card_views::shown.eq(1i64));
        let inserted = match conn {
            DbConn::Pg(pg) => diesel::insert_into(card_views::table)
                .values(first)
                .on_conflict_do_nothing()
                .execute(pg)?,
            DbConn::Sqlite(lite) => diesel::insert_into(card_views::table)
                .values(first)
                .on_conflict_do_nothing()
                .execute(lite)?,
        };
        if inserted == 0 {
            bump().execute(conn)?;
        }
    }
    Ok(())
}
