//! The mail outbox. A message is written in the transaction of the event that causes it, so
//! it is sent if and only if that event happened. The worker claims due messages with a lease
//! (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several instances share the work; SQLite: the
//! single writer lock), sends them, and retries failures with exponential backoff.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::clock::Clock;
use crate::db::ids::OutboxId;
use crate::db::schema::outbox;
use crate::db::{Db, DbConn, write_transaction};
use crate::error::ApiError;
use crate::notifications::{Mailer, Rendered};

/// After this many failed attempts a message is marked failed and left for an operator.
const MAX_ATTEMPTS: i32 = 8;
/// How long a claimed message is reserved for the worker that claimed it.
const LEASE: TimeDelta = TimeDelta::minutes(2);
const BATCH: i64 = 50;

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
struct OutboxRow {
    id: OutboxId,
    kind: String,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: String,
    created_at: NaiveDateTime,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    locked_until: Option<NaiveDateTime>,
    sent_at: Option<NaiveDateTime>,
    failed_at: Option<NaiveDateTime>,
    last_error: Option<String>,
}

/// Backoff before attempt `n + 1`: 30 s, 1 min, 2 min, … capped at one hour.
fn backoff(attempts: i32) -> TimeDelta {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 7));
    TimeDelta::seconds(secs.min(3600))
}

pub struct Outbox;

impl Outbox {
    /// Queues a message; call inside the transaction of the event that causes it.
    pub fn enqueue(
        conn: &mut DbConn,
        now: NaiveDateTime,
        recipient: &str,
        mail: Rendered,
    ) -> QueryResult<()> {
        diesel::insert_into(outbox::table)
            .values(OutboxRow {
                id: OutboxId::generate(),
                kind: mail.kind.to_owned(),
                recipient: recipient.to_owned(),
                subject: mail.subject,
                body_text: mail.text,
                body_html: mail.html,
                created_at: now,
                attempts: 0,
                next_attempt_at: now,
                locked_until: None,
                sent_at: None,
                failed_at: None,
                last_error: None,
            })
            .execute(conn)
            .map(|_| ())
    }

    /// Claims due messages and leases them to this worker.
    fn claim(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<OutboxRow>> {
        write_transaction(conn, |conn| {
            let due = || {
                outbox::table
                    .filter(outbox::sent_at.is_null())
                    .filter(outbox::failed_at.is_null())
                    .filter(outbox::next_attempt_at.le(now))
                    .filter(
                        outbox::locked_until
                            .is_null()
                            .or(outbox::locked_until.lt(now)),
                    )
                    .order(outbox::next_attempt_at.asc())
                    .limit(BATCH)
            };
            // The one place the dialects differ: PostgreSQL skips rows another instance has
            // locked; SQLite has a single writer, which BEGIN IMMEDIATE already holds.
            let rows = match conn {
                DbConn::Pg(pg) => due()
                    .for_update()
                    .skip_locked()
                    .select(OutboxRow::as_select())
                    .load(pg)?,
                DbConn::Sqlite(sqlite) => due().select(OutboxRow::as_select()).load(sqlite)?,
            };
            let ids: Vec<&OutboxId> = rows.iter().map(|r| &r.id).collect();
            if !ids.is_empty() {
                diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
                    .set(outbox::locked_until.eq(now + LEASE))
                    .execute(conn)?;
            }
            Ok(rows)
        })
    }

    /// Sends every message that is due now; returns how many were sent.
    pub async fn drain_once(
        db: &Db,
        mailer: &Mailer,
        from: &str,
        clock: &Clock,
    ) -> Result<usize, ApiError> {
        let now = clock.now_naive();
        let rows = db.run(move |conn| Ok(Self::claim(conn, now)?)).await?;
        let mut sent = 0;
        for row in rows {
            let result = mailer
                .send(
                    from,
                    &row.recipient,
                    &row.subject,
                    &row.body_text,
                    &row.body_html,
                )
                .await;
            let now = clock.now_naive();
            let id = row.id.clone();
            match result {
                Ok(()) => {
                    sent += 1;
                    db.run(move |conn| {
                        diesel::update(outbox::table.find(id))
                            .set((
                                outbox::sent_at.eq(Some(now)),
                                outbox::locked_until.eq(None::<NaiveDateTime>),
                                outbox::attempts.eq(row.attempts + 1),
                            ))
                            .execute(conn)?;
                        Ok(())
                    })
                    .await?;
                }
                Err(error) => {
                    let attempts = row.attempts + 1;
                    tracing::warn!(outbox_id = %row.id, kind = %row.kind, attempts, %error, "mail not sent");
                    let failed = (attempts >= MAX_ATTEMPTS).then_some(now);
                    db.run(move |conn| {
                        diesel::update(outbox::table.find(id))
                            .set((
                                outbox::attempts.eq(attempts),
                                outbox::next_attempt_at.eq(now + backoff(attempts)),
                                outbox::locked_until.eq(None::<NaiveDateTime>),
                                outbox::failed_at.eq(failed),
                                outbox::last_error.eq(Some(error)),
                            ))
                            .execute(conn)?;
                        Ok(())
                    })
                    .await?;
                }
            }
        }
        Ok(sent)
    }
}

/// The background worker: drains the outbox every `interval` until the task is aborted.
pub async fn run_worker(db: Db, mailer: Mailer, from: String, clock: Clock, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match Outbox::drain_once(&db, &mailer, &from, &clock).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sent = n, transport = mailer.kind(), "outbox drained"),
            Err(e) => tracing::warn!(error = %e, "outbox pass failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use chrono::TimeDelta;

    #[test]
    fn backoff_doubles_and_is_capped_at_an_hour() {
        assert_eq!(backoff(0), TimeDelta::seconds(30));
        assert_eq!(backoff(1), TimeDelta::seconds(60));
        assert_eq!(backoff(3), TimeDelta::seconds(240));
        assert_eq!(backoff(20), TimeDelta::seconds(3600));
    }
}
