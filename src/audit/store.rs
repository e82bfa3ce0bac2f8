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
    pub actor_role: &'static str,
    pub organisation: Option<(&'a OrganisationId, OrganisationKind)>,
    pub subject: &'a AccountId,
    pub action: Action,
    pub object: Option<&'a str>,
    pub purpose: Purpose,
    pub on_behalf: bool,
}

/// A line as written: owned, so it can wait in the writer's queue.
#[derive(Debug, Clone)]
pub struct Line {
    pub at: NaiveDateTime,
    pub actor: AccountId,
    pub actor_role: &'static str,
    pub organisation: Option<(OrganisationId, OrganisationKind)>,
    pub subject: AccountId,
    pub action: Action,
    pub object: Option<String>,
    pub purpose: Purpose,
    pub on_behalf: bool,
    /// The request that did it (taken where the line is made: the writer runs elsewhere).
    pub request_id: String,
}

impl Entry<'_> {
    /// The line of this access, stamped with the current request's id.
    pub fn line(&self) -> Line {
        Line {
            at: self.at,
            actor: self.actor.clone(),
            actor_role: self.actor_role,
            organisation: self.organisation.map(|(o, k)| (o.clone(), k)),
            subject: self.subject.clone(),
            action: self.action,
            object: self.object.map(str::to_owned),
            purpose: self.purpose,
            on_behalf: self.on_behalf,
            request_id: crate::telemetry::current_request_id(),
        }
    }
}

/// Writes one line, in the caller's transaction when there is one (a write and its line
/// commit together or not at all).
pub fn record(conn: &mut DbConn, e: Entry<'_>) -> QueryResult<()> {
    insert_lines(conn, &[e.line()])
}

/// Writes several lines in one statement.
pub fn insert_lines(conn: &mut DbConn, lines: &[Line]) -> QueryResult<()> {
    if lines.is_empty() {
        return Ok(());
    }
    if let DbConn::Pg(pg) = conn {
        return insert_lines_pg(pg, lines);
    }
    let rows: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                audit_log::id.eq(AuditId::generate()),
                audit_log::at.eq(l.at),
                audit_log::actor_id.eq(Some(&l.actor)),
                audit_log::actor_role.eq(l.actor_role),
                audit_log::organisation_id.eq(l.organisation.as_ref().map(|(o, _)| o)),
                audit_log::organisation_kind.eq(l.organisation.as_ref().map(|(_, k)| k.as_str())),
                audit_log::subject_id.eq(&l.subject),
                audit_log::action.eq(l.action.as_str()),
                audit_log::object.eq(l.object.as_deref()),
                audit_log::purpose.eq(l.purpose.as_str()),
                audit_log::on_behalf.eq(l.on_behalf),
                audit_log::request_id.eq(&l.request_id),
            )
        })
        .collect();
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

/// PostgreSQL takes a batch as one array per column: the statement has the same twelve
/// parameters for one line or a thousand, so its text never changes and it is parsed and
/// planned once per connection, where a multi-row VALUES list of up to 12,000 parameters was
/// parsed, planned and bound anew for every batch.
fn insert_lines_pg(conn: &mut diesel::PgConnection, lines: &[Line]) -> QueryResult<()> {
    use diesel::sql_types::{Array, Bool, Nullable, Text, Timestamp};
    let n = lines.len();
    let mut id = Vec::with_capacity(n);
    let mut at = Vec::with_capacity(n);
    let mut actor = Vec::with_capacity(n);
    let mut role = Vec::with_capacity(n);
    let mut org = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    let mut subject = Vec::with_capacity(n);
    let mut action = Vec::with_capacity(n);
    let mut object = Vec::with_capacity(n);
    let mut purpose = Vec::with_capacity(n);
    let mut on_behalf = Vec::with_capacity(n);
    let mut request = Vec::with_capacity(n);
    for l in lines {
        id.push(AuditId::generate().to_string());
        at.push(l.at);
        actor.push(Some(l.actor.to_string()));
        role.push(l.actor_role);
        org.push(l.organisation.as_ref().map(|(o, _)| o.to_string()));
        kind.push(l.organisation.as_ref().map(|(_, k)| k.as_str()));
        subject.push(l.subject.to_string());
        action.push(l.action.as_str());
        object.push(l.object.as_deref());
        purpose.push(l.purpose.as_str());
        on_behalf.push(l.on_behalf);
        request.push(l.request_id.as_str());
    }
    diesel::sql_query(
        "INSERT INTO audit_log (id, at, actor_id, actor_role, organisation_id, organisation_kind, \
         subject_id, action, object, purpose, on_behalf, request_id) \
         SELECT * FROM UNNEST($1::text[], $2::timestamp[], $3::text[], $4::text[], $5::text[], \
         $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bool[], $12::text[])",
    )
    .bind::<Array<Text>, _>(id)
    .bind::<Array<Timestamp>, _>(at)
    .bind::<Array<Nullable<Text>>, _>(actor)
    .bind::<Array<Text>, _>(role)
    .bind::<Array<Nullable<Text>>, _>(org)
    .bind::<Array<Nullable<Text>>, _>(kind)
    .bind::<Array<Text>, _>(subject)
    .bind::<Array<Text>, _>(action)
    .bind::<Array<Nullable<Text>>, _>(object)
    .bind::<Array<Text>, _>(purpose)
    .bind::<Array<Bool>, _>(on_behalf)
    .bind::<Array<Text>, _>(request)
    .execute(conn)
    .map(|_| ())
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
pub enum Filter {
    Subject(AccountId),
    Organisation(OrganisationId),
    All,
}

/// Newest first, after `cursor` (an audit id), at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &Filter,
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

/// How often employers liked the youth's anonymous card.
pub fn cards_liked(conn: &mut DbConn, youth: &AccountId) -> QueryResult<i64> {
    use crate::db::schema::swipes;
    swipes::table
        .filter(swipes::youth_id.eq(youth))
        .filter(swipes::employer_decision.eq("like"))
        .count()
        .get_result(conn)
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

/// Adds counted card views, one statement for all (an upsert: the first view inserts). Views
/// of accounts deleted since they were counted are left out: one such row would fail the
/// statement (its foreign key), and with it everyone else's counts.
pub fn add_card_views(conn: &mut DbConn, counts: &[(AccountId, i64)]) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => add_card_views_pg(c, counts),
        DbConn::Sqlite(c) => add_card_views_sqlite(c, counts),
    }
}

/// PostgreSQL takes the counts as two arrays, so the statement is the same for one youth or
/// thousands (planned once per connection; a VALUES list of 8,000 parameters was parsed and
/// planned anew twice a second, up to a second a time under load), joined to the accounts
/// that still exist, in id order (two instances adding at once lock their rows in one order).
fn add_card_views_pg(
    conn: &mut diesel::PgConnection,
    counts: &[(AccountId, i64)],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Text};
    let (ids, shown): (Vec<String>, Vec<i64>) =
        counts.iter().map(|(y, n)| (y.to_string(), *n)).unzip();
    diesel::sql_query(
        "INSERT INTO card_views AS c (youth_id, shown) \
         SELECT u.youth_id, u.shown FROM UNNEST($1::text[], $2::bigint[]) AS u (youth_id, shown) \
         JOIN accounts a ON a.id = u.youth_id ORDER BY u.youth_id \
         ON CONFLICT (youth_id) DO UPDATE SET shown = c.shown + excluded.shown",
    )
    .bind::<Array<Text>, _>(ids)
    .bind::<Array<BigInt>, _>(shown)
    .execute(conn)
    .map(|_| ())
}

fn add_card_views_sqlite(
    conn: &mut diesel::SqliteConnection,
    counts: &[(AccountId, i64)],
) -> QueryResult<()> {
    use crate::db::schema::{accounts, card_views};
    use diesel::upsert::excluded;
    // Within SQLite's parameter limit per statement.
    for chunk in counts.chunks(1000) {
        let ids: Vec<&AccountId> = chunk.iter().map(|(y, _)| y).collect();
        let existing: std::collections::HashSet<AccountId> = accounts::table
            .filter(accounts::id.eq_any(ids))
            .select(accounts::id)
            .load::<AccountId>(conn)?
            .into_iter()
            .collect();
        let rows: Vec<_> = chunk
            .iter()
            .filter(|(y, _)| existing.contains(y))
            .map(|(y, n)| (card_views::youth_id.eq(y), card_views::shown.eq(*n)))
            .collect();
        if rows.is_empty() {
            continue;
        }
        diesel::insert_into(card_views::table)
            .values(rows)
            .on_conflict(card_views::youth_id)
            .do_update()
            .set(card_views::shown.eq(card_views::shown + excluded(card_views::shown)))
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use std::time::Duration;

    async fn views_of_a_deleted_account_are_left_out(db: Db) {
        db.migrate().unwrap();
        let (kept, gone) = (AccountId::generate(), AccountId::generate());
        db.run(move |conn| {
            diesel::sql_query(format!(
                "INSERT INTO accounts (id, email, password_hash, role, language, display_name, created_at, updated_at) \
                 VALUES ('{kept}', 'a@b.nl', 'x', 'youth', 'nl', 'A', '2026-12-03 10:00:00', '2026-12-03 10:00:00')"
            ))
            .execute(conn)?;
            // `gone` was counted, then its account was deleted before the counts were added.
            add_card_views(conn, &[(kept.clone(), 3), (gone.clone(), 2)])?;
            add_card_views(conn, &[(kept.clone(), 1)])?;
            assert_eq!(cards_shown(conn, &kept)?, 4);
            assert_eq!(cards_shown(conn, &gone)?, 0);
            Ok(())
        })
        .await
        .unwrap();
    }

    #[actix_web::test]
    async fn views_of_a_deleted_account_do_not_cost_the_others_their_counts() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        views_of_a_deleted_account_are_left_out(
            Db::connect(&url, 1, Duration::from_secs(1)).unwrap(),
        )
        .await;
        // PostgreSQL's statement is another one: run it too when the suite has a server.
        let Some(base) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            return;
        };
        let schema = format!("t_views_{}", uuid::Uuid::now_v7().simple());
        let admin = Db::connect(&base, 1, Duration::from_secs(5)).unwrap();
        let create = format!("CREATE SCHEMA {schema}");
        admin
            .run(move |c| Ok(diesel::sql_query(create).execute(c)?))
            .await
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        views_of_a_deleted_account_are_left_out(
            Db::connect(&url, 1, Duration::from_secs(5)).unwrap(),
        )
        .await;
        let drop = format!("DROP SCHEMA {schema} CASCADE");
        admin
            .run(move |c| Ok(diesel::sql_query(drop).execute(c)?))
            .await
            .unwrap();
    }
}
