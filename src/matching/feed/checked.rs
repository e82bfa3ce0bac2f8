//! Candidate pages kept with the marks of the truth they were checked against, so that the
//! same page asked again costs one primary-key read instead of reading every card again.
//!
//! A candidate card may be shown while its youth is active, the employer has not answered
//! them for the vacancy, and it shows what the profile says now. The database keeps two marks
//! of that truth (migration `candidate_truth`), moved by triggers in the transaction of every
//! write, whichever instance makes it:
//!
//! - a version per vacancy, moved by every answer of its employer (a like, a pass, a change
//!   or deletion of one) and every change of its introductions;
//! - a clock over every youth's card, moved by every change of a card's shown parts or of a
//!   youth's status, with a row naming the youth and the new reading. The clock is one row
//!   that a change holds until its commit, so its readings are gapless and committed in
//!   order: a reader that sees reading N can read every change up to N, and N − M changes
//!   lie between readings M and N.
//!
//! A page is built as before, from rows read after both marks, and kept with them, with the
//! vacancy's `updated_at` and with every youth it looked at (shown, stale, introduced). Asked
//! again, the vacancy is read with the marks now (the statement every page starts with) and
//! the kept page is served only when the version and the vacancy are unchanged and none of
//! its youth's cards changed after its clock reading: the answer a fresh read would give as
//! of that statement. What this process cannot tell (a reading it cannot catch up to, changes
//! pruned away, a count of changes that does not add up) counts as changed, and the page is
//! built again: nothing is served because something was not known.
//!
//! A kept page lives at most `CANDIDATE_PAGE_TTL_SECONDS` (never past the feed cache's TTL):
//! the ranked list it came from may be ranked again meanwhile, so a newly fitting candidate
//! shows that much later at most (as does a new name of an introducing organisation). That is
//! the ranking's freshness, not the cards' truth.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::DbConn;
use crate::db::ids::{AccountId, VacancyId};
use crate::matching::cards::CardCache;
use crate::matching::index::{KeyMap, key_of};
use crate::matching::store::{self, Marks};

/// Changes read in one catch-up at most: further behind, starting afresh is cheaper (every
/// page kept before is built again once).
const MAX_BEHIND: i64 = 10_000;
/// Youth whose latest change is remembered at most (≈ 3 MB); past it, start afresh.
const MAX_TRACKED: usize = 100_000;
/// Pages kept at most (a page of 20 cards is ≈ 10–20 KB).
const CAPACITY: usize = 2_000;

/// A page as it was answered, with what it was checked against.
pub struct KeptPage {
    key: String,
    /// The JSON of the `CandidatePage`.
    pub body: Bytes,
    /// The youth whose cards it shows (their views are counted each time it is served).
    pub shown: Vec<AccountId>,
    basis: Basis,
    /// Every youth the page looked at: a change of any of them makes it stale.
    youth: Vec<u128>,
}

/// What a page was built from, to keep it with (taken before its rows were read).
#[derive(Debug, Clone)]
pub struct Basis {
    updated_at: NaiveDateTime,
    marks: Marks,
    epoch: u64,
}

/// The latest card change of each youth in a stretch of the clock.
#[derive(Default)]
struct CardChanges {
    /// Moves whenever the stretch starts afresh: pages of an earlier one cannot be checked.
    epoch: u64,
    /// Changes after this reading (up to `known`) are all in `latest`.
    base: i64,
    /// The reading caught up to; `None` before the first.
    known: Option<i64>,
    latest: KeyMap<i64>,
}

impl CardChanges {
    fn start_at(&mut self, clock: i64) {
        self.epoch += 1;
        self.base = clock;
        self.known = Some(clock);
        self.latest.clear();
    }

    /// Reads the changes up to `clock`, or starts afresh at it when they cannot all be read.
    fn catch_up(&mut self, conn: &mut DbConn, clock: i64) -> QueryResult<()> {
        let Some(known) = self.known else {
            self.start_at(clock);
            return Ok(());
        };
        if clock == known {
            return Ok(());
        }
        if clock < known {
            // Mostly a request whose reading is older than another's that caught up first
            // (what is known beyond its reading only makes its check stricter). Unless the
            // clock now is behind too: then it went back (the database restored or reset),
            // and nothing known of it holds any more.
            let now = store::card_clock_now(conn)?;
            if now < known {
                self.start_at(now);
                return Ok(());
            }
            return self.catch_up(conn, now);
        }
        if clock - known > MAX_BEHIND {
            self.start_at(clock);
            return Ok(());
        }
        let changes = store::card_changes_between(conn, known, clock)?;
        // Gapless readings: anything but one row per reading means some were pruned.
        if changes.len() as i64 != clock - known {
            self.start_at(clock);
            return Ok(());
        }
        for (seq, youth) in changes {
            if youth.is_empty() {
                // Every youth's card changed at once.
                self.base = seq;
                self.latest.clear();
            } else {
                self.latest.insert(key_of(&youth), seq);
            }
        }
        self.known = Some(clock);
        if self.latest.len() > MAX_TRACKED {
            self.start_at(clock);
        }
        Ok(())
    }

    /// Whether none of `youth` changed after reading `since` (of this epoch), as far as
    /// `known`.
    fn unchanged(&self, epoch: u64, since: i64, youth: &[u128]) -> bool {
        epoch == self.epoch
            && since >= self.base
            && youth
                .iter()
                .all(|y| self.latest.get(y).is_none_or(|at| *at <= since))
    }
}

pub struct CandidatePages {
    pages: CardCache<KeptPage>,
    changes: Mutex<CardChanges>,
    enabled: bool,
    /// Pages served as kept, since start-up.
    served: AtomicU64,
}

impl CandidatePages {
    /// Pages kept for `ttl` (zero: none kept, every page is read afresh).
    pub fn new(ttl: Duration) -> CandidatePages {
        CandidatePages {
            pages: CardCache::new(CAPACITY, ttl),
            changes: Mutex::new(CardChanges::default()),
            enabled: !ttl.is_zero(),
            served: AtomicU64::new(0),
        }
    }

    /// How many pages were served as kept since start-up.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    fn changes(&self) -> MutexGuard<'_, CardChanges> {
        match self.changes.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        }
    }

    /// The key of a page: its vacancy, size and place in the list.
    pub fn key(vacancy: &VacancyId, limit: usize, position: Option<&str>) -> String {
        format!("{vacancy}|{limit}|{}", position.unwrap_or(""))
    }

    fn slot(key: &str) -> u128 {
        let half = |salt: u8| {
            let mut h = DefaultHasher::new();
            salt.hash(&mut h);
            key.hash(&mut h);
            h.finish()
        };
        (u128::from(half(0)) << 64) | u128::from(half(1))
    }

    /// The page kept under `key`, if any (not yet checked: see [`CandidatePages::still_true`]).
    pub fn get(&self, key: &str) -> Option<Arc<KeptPage>> {
        if !self.enabled {
            return None;
        }
        self.pages
            .get(Self::slot(key), Instant::now())
            .filter(|p| p.key == key)
    }

    /// What a page about to be built from rows read after `marks` is kept against.
    pub fn basis(&self, updated_at: NaiveDateTime, marks: Marks) -> Basis {
        let mut changes = self.changes();
        if changes.known.is_none() {
            changes.start_at(marks.clock);
        }
        Basis {
            updated_at,
            marks,
            epoch: changes.epoch,
        }
    }

    /// Whether `page` is still what a fresh read would answer, given the vacancy's
    /// `updated_at` and the marks just read with it. Catches up with the card changes first
    /// (on this blocking thread, holding the changes; other checks wait that one read).
    pub fn still_true(
        &self,
        conn: &mut DbConn,
        page: &KeptPage,
        updated_at: NaiveDateTime,
        marks: Marks,
    ) -> QueryResult<bool> {
        let was = &page.basis;
        if was.updated_at != updated_at || was.marks.version != marks.version {
            return Ok(false);
        }
        if was.marks.clock == marks.clock {
            return Ok(true);
        }
        let mut changes = self.changes();
        changes.catch_up(conn, marks.clock)?;
        Ok(changes.unchanged(was.epoch, was.marks.clock, &page.youth))
    }

    /// Counts a kept page served.
    pub fn note_served(&self) {
        self.served.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps a page built on `basis` that looked at `youth`.
    pub fn keep(
        &self,
        key: String,
        basis: Basis,
        body: Bytes,
        shown: Vec<AccountId>,
        mut youth: Vec<u128>,
    ) {
        if !self.enabled {
            return;
        }
        youth.sort_unstable();
        youth.dedup();
        let slot = Self::slot(&key);
        self.pages.insert(
            slot,
            Arc::new(KeptPage {
                key,
                body,
                shown,
                basis,
                youth,
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(changes: &mut CardChanges, rows: &[(i64, u128)], clock: i64) {
        for (seq, y) in rows {
            changes.latest.insert(*y, *seq);
        }
        changes.known = Some(clock);
    }

    #[actix_web::test]
    async fn catching_up_starts_afresh_only_when_the_changes_cannot_all_be_read() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = crate::db::Db::connect(&url, 1, Duration::from_secs(1)).unwrap();
        db.migrate().unwrap();
        db.run(|conn| {
            use diesel::RunQueryDsl;
            fn sql(conn: &mut DbConn, q: &str) -> QueryResult<()> {
                diesel::sql_query(q).execute(conn).map(|_| ())
            }
            // Two changes, as the triggers write them: the clock moves, a row names the youth.
            sql(conn, "UPDATE card_clock SET seq = 2")?;
            sql(conn, "INSERT INTO card_changes (seq, youth_id) VALUES (1, '00000000-0000-0000-0000-000000000001'), (2, '00000000-0000-0000-0000-000000000002')")?;
            let mut c = CardChanges::default();
            c.catch_up(conn, 0)?;
            let epoch = c.epoch;
            c.catch_up(conn, 2)?;
            assert_eq!((c.epoch, c.known), (epoch, Some(2)));
            assert!(!c.unchanged(epoch, 1, &[2]) && c.unchanged(epoch, 1, &[1]));
            // An older reading (another request caught up first) changes nothing.
            c.catch_up(conn, 1)?;
            assert_eq!((c.epoch, c.known), (epoch, Some(2)));
            // A clock that went back (a restored database): nothing known holds.
            sql(conn, "UPDATE card_clock SET seq = 1")?;
            c.catch_up(conn, 1)?;
            assert_eq!((c.epoch, c.known), (epoch + 1, Some(1)));
            // Readings 2 and 3, of which 2 was pruned: the count does not add up.
            sql(conn, "UPDATE card_clock SET seq = 3")?;
            sql(conn, "DELETE FROM card_changes")?;
            sql(conn, "INSERT INTO card_changes (seq, youth_id) VALUES (3, '00000000-0000-0000-0000-000000000003')")?;
            c.catch_up(conn, 3)?;
            assert_eq!((c.epoch, c.known), (epoch + 2, Some(3)));
            // Every youth at once ('' from a TRUNCATE): pages from before it cannot be told.
            sql(conn, "UPDATE card_clock SET seq = 4")?;
            sql(conn, "INSERT INTO card_changes (seq, youth_id) VALUES (4, '')")?;
            c.catch_up(conn, 4)?;
            assert!(!c.unchanged(c.epoch, 3, &[]) && c.unchanged(c.epoch, 4, &[3]));
            Ok(())
        })
        .await
        .unwrap();
    }

    #[test]
    fn a_page_is_unchanged_until_one_of_its_youth_changes_after_its_reading() {
        let mut c = CardChanges::default();
        c.start_at(10);
        let epoch = c.epoch;
        at(&mut c, &[(11, 1), (12, 2)], 12);
        // Built at 12: both changes were before it.
        assert!(c.unchanged(epoch, 12, &[1, 2, 3]));
        // Built at 11: youth 2 changed after it; youth 1 did not.
        assert!(!c.unchanged(epoch, 11, &[2]));
        assert!(c.unchanged(epoch, 11, &[1, 3]));
        // Built before what is tracked, or in another epoch: cannot tell, so changed.
        assert!(!c.unchanged(epoch, 9, &[3]));
        c.start_at(12);
        assert!(!c.unchanged(epoch, 12, &[3]));
        assert!(c.unchanged(c.epoch, 12, &[3]));
    }
}
