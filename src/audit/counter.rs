//! How often employers were shown each youth's anonymous card: counted in memory and added to
//! the database every half second, one statement for all, so a page of candidate cards costs
//! no write of its own. A count is a statistic, not an access log: a crash loses at most half
//! a second of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::db::Db;
use crate::db::ids::AccountId;

const FLUSH_EVERY: Duration = Duration::from_millis(500);

#[derive(Default)]
struct Pending(Mutex<HashMap<AccountId, i64>>);

pub struct CardViews {
    db: Db,
    pending: Arc<Pending>,
    started: OnceLock<()>,
}

impl CardViews {
    pub fn new(db: Db) -> CardViews {
        CardViews {
            db,
            pending: Arc::default(),
            started: OnceLock::new(),
        }
    }

    /// Counts one view of each youth's card.
    pub fn shown(&self, youth: impl IntoIterator<Item = AccountId>) {
        self.started.get_or_init(|| {
            let (db, pending) = (self.db.clone(), self.pending.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(FLUSH_EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    flush(&db, &pending).await;
                }
            });
        });
        let mut map = self.pending.0.lock().unwrap_or_else(|e| e.into_inner());
        for y in youth {
            *map.entry(y).or_default() += 1;
        }
    }
}

async fn flush(db: &Db, pending: &Pending) {
    let counts: Vec<(AccountId, i64)> = {
        let mut map = pending.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.is_empty() {
            return;
        }
        map.drain().collect()
    };
    let n = counts.len();
    let written = db
        .run(move |conn| Ok(crate::audit::store::add_card_views(conn, &counts)?))
        .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, youth = n, "card views not counted");
    }
}
