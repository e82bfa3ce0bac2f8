//! Identical reports asked for at the same moment are computed once, and exactly.
//!
//! A report of everyone reads every youth (≈0.3–0.5 s of one core with 100,000 of them), and
//! it is the same report whichever admin asks: a dashboard opened in several tabs, or by
//! several people in one meeting, would otherwise run the same statement side by side and
//! make each of them wait for all the others on two cores.
//!
//! The first request for a report opens a batch and waits a short window (`REPORT_GATHER_MS`,
//! 10 ms by default); identical requests arriving within it join the batch. Then the batch is
//! closed and computed once, and every request in it gets that answer. This is no cache: the
//! computation begins after every request it answers arrived, so each answer is as fresh as
//! one computed for that request alone (a placement recorded before the request is counted).
//! A request arriving while a batch is being computed opens the next batch; it never joins a
//! computation that started before it.
//!
//! Only what the answer depends on may be in the key: who may read it is decided for each
//! request before it joins.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::error::ApiError;

type Answer<V> = Option<Result<V, ApiError>>;

/// Batches of identical computations, by key.
pub struct Gather<K, V> {
    window: Duration,
    open: Arc<Mutex<HashMap<K, watch::Receiver<Answer<V>>>>>,
}

impl<K, V> Gather<K, V>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            open: Arc::default(),
        }
    }

    /// The answer of the batch for `key` that is open now, or of a new one that `compute`
    /// answers. The computation runs in its own task, so a request that goes away (its client
    /// hung up) does not take the batch's answer from the others.
    pub async fn run<F, Fut>(&self, key: K, compute: F) -> Result<V, ApiError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<V, ApiError>> + Send + 'static,
    {
        let mut answer = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            match open.get(&key) {
                Some(batch) => batch.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    open.insert(key.clone(), rx.clone());
                    let (open, window) = (self.open.clone(), self.window);
                    tokio::spawn(async move {
                        tokio::time::sleep(window).await;
                        // Closed: whoever asks from now on opens the next batch.
                        open.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
                        let answer = compute().await;
                        // Nobody left to tell is no error.
                        let _ = tx.send(Some(answer));
                    });
                    rx
                }
            }
        };
        // No answer only when the task ended without sending one (it panicked: its log says
        // why).
        let answered = answer.wait_for(Option::is_some).await.ok();
        answered
            .and_then(|value| value.clone())
            .unwrap_or_else(|| Err(ApiError::internal("a report batch ended without an answer")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A "database" whose value a computation reads when it begins, then takes 50 ms.
    fn reader(
        db: Arc<AtomicU64>,
        runs: Arc<AtomicU64>,
    ) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<u64, ApiError>> + Send>>
    + Send
    + 'static {
        move || {
            Box::pin(async move {
                runs.fetch_add(1, Ordering::SeqCst);
                let seen = db.load(Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(seen)
            })
        }
    }

    #[tokio::test]
    async fn requests_within_the_window_share_one_computation() {
        let gather: Arc<Gather<&str, u64>> = Arc::new(Gather::new(Duration::from_millis(30)));
        let (db, runs) = (Arc::new(AtomicU64::new(7)), Arc::new(AtomicU64::new(0)));
        let asks = (0..5).map(|_| {
            let (g, db, runs) = (gather.clone(), db.clone(), runs.clone());
            tokio::spawn(async move { g.run("everyone", reader(db, runs)).await })
        });
        for answer in futures_util::future::join_all(asks).await {
            assert_eq!(answer.ok().and_then(Result::ok), Some(7));
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // Another key is another batch.
        let other = gather.run("other", reader(db, runs.clone())).await.ok();
        assert_eq!(other, Some(7));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_request_never_joins_a_computation_that_began_before_it() {
        let gather: Arc<Gather<&str, u64>> = Arc::new(Gather::new(Duration::from_millis(10)));
        let (db, runs) = (Arc::new(AtomicU64::new(1)), Arc::new(AtomicU64::new(0)));
        let first = {
            let (g, db, runs) = (gather.clone(), db.clone(), runs.clone());
            tokio::spawn(async move { g.run("everyone", reader(db, runs)).await })
        };
        // The first batch is closed and computing (it read 1): a write lands, then a request.
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        db.store(2, Ordering::SeqCst);
        let second = gather.run("everyone", reader(db, runs.clone())).await.ok();
        assert_eq!(first.await.ok().and_then(Result::ok), Some(1));
        assert_eq!(second, Some(2), "the write before the request is counted");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_error_reaches_every_request_of_the_batch_and_the_next_batch_tries_again() {
        let gather: Arc<Gather<&str, u64>> = Arc::new(Gather::new(Duration::from_millis(20)));
        let failing = || async { Err::<u64, _>(ApiError::internal("database down")) };
        let (a, b) = tokio::join!(gather.run("k", failing), gather.run("k", failing));
        assert!(a.is_err() && b.is_err());
        let ok = gather.run("k", || async { Ok(3) }).await.ok();
        assert_eq!(ok, Some(3));
    }
}
