//! The mail outbox. A message is written in the transaction of the event that causes it, so
//! it is sent if and only if that event happened. The worker claims due messages with a lease
//! (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several instances share the work; SQLite: the
//! single writer lock), sends them, and retries failures with exponential backoff.
//!
//! Exactly once, with several instances: a lease has an id, and before each message the
//! worker renews the lease it holds on that message alone (`lease_id` still its own, not yet
//! sent). A worker whose batch outlived its lease finds the message taken and skips it,
//! instead of sending it a second time. One send is bounded by the SMTP timeout, which is
//! shorter than a lease. Each message has a `Message-ID` derived from its row, the same on a
//! retry, so a receiving server can recognise a repeat after a crash between send and commit.
//!
//! Secrets at rest: the bodies hold links with one-time tokens (confirmation, reset,
//! invitation), so they are emptied once the message is sent or given up on; the database
//! keeps only the tokens' hashes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
/// How long a claimed message is reserved for the worker that claimed it, by default
/// (`OUTBOX_LEASE_SECONDS`); renewed per message before it is sent. An SMTP exchange times
/// out in half of it (`transport::send_timeout`), so a send always ends while its lease holds.
pub const LEASE: Duration = Duration::from_secs(120);
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
    lease_id: Option<String>,
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
                lease_id: None,
            })
            .execute(conn)
            .map(|_| ())
    }

    /// Claims due messages and leases them to this worker under `lease`.
    fn claim(
        conn: &mut DbConn,
        now: NaiveDateTime,
        lease: &str,
        lasts: TimeDelta,
    ) -> QueryResult<Vec<OutboxRow>> {
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
                    .set((
                        outbox::locked_until.eq(now + lasts),
                        outbox::lease_id.eq(lease),
                    ))
                    .execute(conn)?;
            }
            Ok(rows)
        })
    }

    /// Renews this worker's lease on one message just before sending it; false when the
    /// message is no longer this worker's to send (its lease lapsed and another took it, or
    /// it was sent meanwhile).
    fn renew(
        conn: &mut DbConn,
        id: &OutboxId,
        lease: &str,
        now: NaiveDateTime,
        lasts: TimeDelta,
    ) -> QueryResult<bool> {
        let renewed = diesel::update(
            outbox::table
                .find(id)
                .filter(outbox::lease_id.eq(lease))
                .filter(outbox::sent_at.is_null())
                .filter(outbox::locked_until.gt(now)),
        )
        .set(outbox::locked_until.eq(now + lasts))
        .execute(conn)?;
        Ok(renewed == 1)
    }

    /// Sends every message that is due now, holding each for `lease`; returns how many were
    /// sent.
    pub async fn drain_once(
        db: &Db,
        mailer: &Mailer,
        from: &str,
        clock: &Clock,
        lease: Duration,
    ) -> Result<usize, ApiError> {
        Self::drain(db, mailer, from, clock, lease, &AtomicBool::new(false)).await
    }

    /// [`Outbox::drain_once`], stopping between two messages once `stopping` is set (a
    /// message is never left half done: sent but not marked sent would go out twice).
    async fn drain(
        db: &Db,
        mailer: &Mailer,
        from: &str,
        clock: &Clock,
        lease: Duration,
        stopping: &AtomicBool,
    ) -> Result<usize, ApiError> {
        let lasts = TimeDelta::from_std(lease).unwrap_or(TimeDelta::minutes(2));
        let now = clock.now_naive();
        let lease = uuid::Uuid::now_v7().to_string();
        let claimed_under = lease.clone();
        let rows = db
            .run(move |conn| Ok(Self::claim(conn, now, &claimed_under, lasts)?))
            .await?;
        let mut sent = 0;
        for row in rows {
            if stopping.load(Ordering::Relaxed) {
                // The rest of the batch goes back when its lease lapses.
                break;
            }
            let (id, held) = (row.id.clone(), lease.clone());
            let now = clock.now_naive();
            if !db
                .run(move |conn| Ok(Self::renew(conn, &id, &held, now, lasts)?))
                .await?
            {
                tracing::info!(outbox_id = %row.id, "lease lost before sending: left to its new holder");
                continue;
            }
            let result = mailer
                .send(
                    &row.id.to_string(),
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
                                outbox::lease_id.eq(None::<String>),
                                outbox::attempts.eq(row.attempts + 1),
                                // The links in it carry one-time tokens: keep none at rest.
                                outbox::body_text.eq(""),
                                outbox::body_html.eq(""),
                            ))
                            .execute(conn)?;
                        Ok(())
                    })
                    .await?;
                }
                Err(error) => {
                    let attempts = row.attempts + 1;
                    tracing::warn!(outbox_id = %row.id, kind = %row.kind, attempts, %error, "mail not sent");
                    let given_up = attempts >= MAX_ATTEMPTS;
                    let failed = given_up.then_some(now);
                    db.run(move |conn| {
                        diesel::update(outbox::table.find(&id))
                            .set((
                                outbox::attempts.eq(attempts),
                                outbox::next_attempt_at.eq(now + backoff(attempts)),
                                outbox::locked_until.eq(None::<NaiveDateTime>),
                                outbox::lease_id.eq(None::<String>),
                                outbox::failed_at.eq(failed),
                                outbox::last_error.eq(Some(error)),
                            ))
                            .execute(conn)?;
                        if given_up {
                            diesel::update(outbox::table.find(&id))
                                .set((outbox::body_text.eq(""), outbox::body_html.eq("")))
                                .execute(conn)?;
                        }
                        Ok(())
                    })
                    .await?;
                }
            }
        }
        Ok(sent)
    }
}

/// The background worker: drains the outbox every `interval` until `stopping` is set, then
/// returns after the message in hand (the server waits for it on shutdown).
pub async fn run_worker(
    db: Db,
    mailer: Mailer,
    from: String,
    clock: Clock,
    interval: Duration,
    lease: Duration,
    stopping: Arc<AtomicBool>,
) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stopping.load(Ordering::Relaxed) {
        tick.tick().await;
        match Outbox::drain(&db, &mailer, &from, &clock, lease, &stopping).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sent = n, transport = mailer.kind(), "outbox drained"),
            Err(e) => tracing::warn!(error = %e, "outbox pass failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifications::Rendered;

    fn mail(n: usize) -> Rendered {
        Rendered {
            kind: "test",
            subject: format!("mail {n}"),
            text: format!("https://app/reset?token=secret-{n}"),
            html: format!("<a href=\"https://app/reset?token=secret-{n}\">reset</a>"),
        }
    }

    #[actix_web::test]
    async fn a_worker_whose_lease_lapsed_sends_nothing_twice_and_no_token_stays_at_rest() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, 2, Duration::from_secs(1)).unwrap();
        db.migrate().unwrap();
        let clock = Clock::manual();
        let t0 = clock.now_naive();
        db.write(move |conn| {
            for n in 0..3 {
                Outbox::enqueue(conn, t0, &format!("y{n}@voorbeeld.nl"), mail(n))?;
            }
            Ok(())
        })
        .await
        .unwrap();
        // Worker A claims the batch, then stalls (a slow SMTP server) past its lease.
        let lasts = TimeDelta::from_std(LEASE).unwrap();
        let a = db
            .run(move |conn| Ok(Outbox::claim(conn, t0, "lease-a", lasts)?))
            .await
            .unwrap();
        assert_eq!(a.len(), 3);
        clock.advance(lasts + TimeDelta::seconds(1));
        // Worker B (another instance) takes the lapsed lease and sends all three.
        let mailer = Mailer::from_settings(&crate::config::MailSettings::Memory, LEASE).unwrap();
        let from = "werkmatch <no-reply@werkmatch.test>";
        assert_eq!(
            Outbox::drain_once(&db, &mailer, from, &clock, LEASE)
                .await
                .unwrap(),
            3
        );
        // A wakes up: every message is no longer its to send.
        let now = clock.now_naive();
        for row in a {
            let id = row.id.clone();
            assert!(
                !db.run(move |conn| Ok(Outbox::renew(conn, &id, "lease-a", now, lasts)?))
                    .await
                    .unwrap()
            );
        }
        let sent = mailer.sent();
        assert_eq!(sent.len(), 3);
        assert!(
            sent.iter().all(
                |m| m.message_id.starts_with('<') && m.message_id.ends_with("@werkmatch.test>")
            )
        );
        // Nothing usable stays in the table once sent.
        let bodies: Vec<(String, String)> = db
            .run(|conn| {
                Ok(outbox::table
                    .select((outbox::body_text, outbox::body_html))
                    .load(conn)?)
            })
            .await
            .unwrap();
        assert!(
            bodies
                .iter()
                .all(|(t, h)| !t.contains("secret") && !h.contains("secret")),
            "{bodies:?}"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped_at_an_hour() {
        assert_eq!(backoff(0), TimeDelta::seconds(30));
        assert_eq!(backoff(1), TimeDelta::seconds(60));
        assert_eq!(backoff(3), TimeDelta::seconds(240));
        assert_eq!(backoff(20), TimeDelta::seconds(3600));
    }
}
