//! Group commit for the common swipe: a youth's decision that cannot make a match (see
//! `store::record_youth_decisions`).
//!
//! One writer task takes every such swipe waiting at that moment (up to 64) and writes them
//! with one statement, so PostgreSQL pays one statement and one commit for many swipes
//! instead of one each (4–5× the rows per second in a `pgbench` trial). Nothing is answered
//! before its batch has committed, so no decision is lost; under light load a batch is one
//! swipe and this is the plain upsert. A statement that fails (a vacancy deleted meanwhile)
//! is retried swipe by swipe, so one bad row answers for itself only.
//!
//! The writer is supervised: when its task has ended (its worker's runtime stopped, or it was
//! killed), the next swipe starts a new one, and a swipe whose answer was lost with the old
//! task is written again (the upsert is idempotent: the same decision twice is one row).

use std::collections::HashSet;
use std::sync::Mutex;

use tokio::sync::{mpsc, oneshot};

use crate::db::Db;
use crate::error::ApiError;
use crate::matching::store::{self, YouthDecision};

const MAX_BATCH: usize = 64;

struct Job {
    decision: YouthDecision,
    reply: oneshot::Sender<Result<bool, ApiError>>,
}

/// The running writer: its queue and the handle to stop it.
struct Running {
    queue: mpsc::Sender<Job>,
    task: tokio::task::AbortHandle,
}

pub struct SwipeWriter {
    db: Db,
    /// The writer task, started on first use (on the runtime of that request) and again
    /// whenever it has ended.
    running: Mutex<Option<Running>>,
}

impl SwipeWriter {
    pub fn new(db: Db) -> SwipeWriter {
        SwipeWriter {
            db,
            running: Mutex::new(None),
        }
    }

    /// The queue of a live writer, starting one when there is none or it has ended.
    fn queue(&self) -> mpsc::Sender<Job> {
        let mut running = match self.running.lock() {
            Ok(r) => r,
            Err(p) => p.into_inner(),
        };
        if let Some(r) = running.as_ref()
            && !r.queue.is_closed()
            && !r.task.is_finished()
        {
            return r.queue.clone();
        }
        if running.is_some() {
            tracing::warn!("the swipe writer had stopped: started a new one");
        }
        let (queue, rx) = mpsc::channel(1024);
        let task = tokio::spawn(write_batches(self.db.clone(), rx)).abort_handle();
        *running = Some(Running {
            queue: queue.clone(),
            task,
        });
        queue
    }

    /// Stops the writer task, as a crash or a stopped runtime would (for the fault tests).
    pub fn kill(&self) {
        if let Ok(running) = self.running.lock()
            && let Some(r) = running.as_ref()
        {
            r.task.abort();
        }
    }

    /// Writes the decision with others waiting now; true when written, false when the pair
    /// needs the locked path (the same decision again, or the employer liked the youth).
    pub async fn record(&self, decision: YouthDecision) -> Result<bool, ApiError> {
        // Twice at most: once more when the writer ended with this swipe in its hands.
        for _ in 0..2 {
            let (reply, answer) = oneshot::channel();
            let job = Job {
                decision: decision.clone(),
                reply,
            };
            if self.queue().send(job).await.is_err() {
                continue;
            }
            if let Ok(result) = answer.await {
                return result;
            }
        }
        Err(ApiError::internal(
            "the swipe writer stopped twice with a swipe",
        ))
    }
}

async fn write_batches(db: Db, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        write(&db, std::mem::take(&mut jobs)).await;
    }
}

async fn write(db: &Db, jobs: Vec<Job>) {
    // A pair twice in one statement is refused; a repeat goes alone, after the batch.
    let mut seen = HashSet::new();
    let (mut batch, repeats): (Vec<Job>, Vec<Job>) = jobs
        .into_iter()
        .partition(|j| seen.insert((j.decision.youth.to_string(), j.decision.vacancy.to_string())));
    // In one order everywhere (by youth, then vacancy): the statement locks each pair's row and,
    // through the triggers, each youth's tallies as it goes, and two instances' batches that
    // take the same rows in opposite orders would deadlock.
    batch.sort_by(|a, b| {
        (a.decision.youth.as_str(), a.decision.vacancy.as_str())
            .cmp(&(b.decision.youth.as_str(), b.decision.vacancy.as_str()))
    });
    let rows: Vec<YouthDecision> = batch.iter().map(|j| j.decision.clone()).collect();
    let written = db
        .run(move |conn| {
            let written = store::record_youth_decisions(conn, &rows)?;
            // Swiping is activity, as a coach's caseload shows it: one statement per batch.
            if let Some(now) = rows.iter().map(|r| r.at).max() {
                let mut youth: Vec<_> = rows.iter().map(|r| r.youth.clone()).collect();
                youth.sort();
                youth.dedup();
                crate::youth::store::touch(conn, &youth, now)?;
            }
            Ok(written)
        })
        .await;
    let alone = match written {
        Ok(pairs) => {
            let pairs: HashSet<(String, String)> = pairs.into_iter().collect();
            for job in batch {
                let pair = (
                    job.decision.youth.to_string(),
                    job.decision.vacancy.to_string(),
                );
                let _ = job.reply.send(Ok(pairs.contains(&pair)));
            }
            repeats
        }
        Err(e) => {
            tracing::debug!(error = %e, swipes = batch.len(), "swipe batch failed; writing one by one");
            batch.into_iter().chain(repeats).collect()
        }
    };
    for job in alone {
        let decision = job.decision;
        let result = db
            .run(move |conn| {
                match store::record_youth_decisions(conn, std::slice::from_ref(&decision)) {
                    Ok(written) => Ok(!written.is_empty()),
                    // Deleted on another instance since the index last looked.
                    Err(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                        _,
                    )) => Err(crate::matching::service::vacancy_not_found()),
                    Err(e) => Err(e.into()),
                }
            })
            .await;
        let _ = job.reply.send(result);
    }
}
