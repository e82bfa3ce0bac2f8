//! The in-process index of open vacancies: just what ranking needs (position, competence
//! mask, kind, hours, limits, dates), about 100 bytes a vacancy, so a cold feed scans memory
//! instead of pulling thousands of rows from the database.
//!
//! The database stays the truth. Writes made by this process update the index at once;
//! writes by other instances arrive through `catch_up` (rows changed since the last look,
//! every few seconds) and a full `reload` (every minute, which also drops deleted rows). A
//! feed page checks "still open" here, so a vacancy closed elsewhere shows for at most that
//! long. Entries are ordered by grid cell, so a feed visits only the cells near the youth.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Db;
use crate::db::ids::VacancyId;
use crate::db::schema::vacancies;
use crate::error::ApiError;
use crate::work::EducationLevel;

/// What ranking needs of one open vacancy.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: VacancyId,
    /// [`key_of`] the id, kept so a scan compares numbers, not text.
    pub key: u128,
    pub latitude: f64,
    pub longitude: f64,
    pub competence_mask: i64,
    pub kind: i32,
    pub hours_min: i32,
    pub hours_max: i32,
    pub max_distance_km: Option<i32>,
    pub requires_start_qualification: bool,
    pub published_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
}

#[derive(Queryable)]
struct Row {
    id: VacancyId,
    latitude: f64,
    longitude: f64,
    competence_mask: i64,
    kind: i32,
    hours_min: i32,
    hours_max: i32,
    max_distance_km: Option<i32>,
    min_education: Option<String>,
    status: String,
    published_at: Option<NaiveDateTime>,
    expires_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

impl Row {
    fn entry(self) -> Option<Entry> {
        (self.status == "open").then(|| Entry {
            requires_start_qualification: self
                .min_education
                .as_deref()
                .and_then(EducationLevel::parse)
                .is_some_and(EducationLevel::is_start_qualification),
            key: key_of(self.id.as_str()),
            id: self.id,
            latitude: self.latitude,
            longitude: self.longitude,
            competence_mask: self.competence_mask,
            kind: self.kind,
            hours_min: self.hours_min,
            hours_max: self.hours_max,
            max_distance_km: self.max_distance_km,
            published_at: self.published_at,
            expires_at: self.expires_at,
        })
    }
}

macro_rules! columns {
    () => {
        (
            vacancies::id,
            vacancies::latitude,
            vacancies::longitude,
            vacancies::competence_mask,
            vacancies::kind,
            vacancies::hours_min,
            vacancies::hours_max,
            vacancies::max_distance_km,
            vacancies::min_education,
            vacancies::status,
            vacancies::published_at,
            vacancies::expires_at,
            vacancies::updated_at,
        )
    };
}

/// A map keyed by [`key_of`] a vacancy id. The keys are UUIDs this service generated (random
/// bits), so a multiply-and-fold hash is enough; SipHash was a tenth of a warm page's time.
pub type KeyMap<V> = HashMap<u128, V, BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used for u128 keys; a plain FNV-1a keeps the hasher total.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u128(&mut self, key: u128) {
        let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(32);
        self.0 = folded.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// One consistent view of the index.
#[derive(Default)]
pub struct Snapshot {
    /// Ordered by grid cell (row by row), so the entries near a point are a few slices.
    pub entries: Vec<Entry>,
    /// Position by id, keyed by the UUID's 128 bits (a third of the memory of the text).
    by_id: KeyMap<usize>,
    grid: Grid,
}

/// The key of a vacancy id in the index (and the card cache): its UUID's 128 bits.
pub fn key_of(id: &str) -> u128 {
    uuid::Uuid::parse_str(id)
        .map(|u| u.as_u128())
        .unwrap_or_default()
}

/// Cell height and width in degrees: about 11 by 10 km in the Netherlands. A 25 km search
/// visits some 5 × 6 cells instead of the whole country.
const CELL_LAT: f64 = 0.1;
const CELL_LON: f64 = 0.15;

/// A fixed grid over the box the entries span; cell `(row, col)` holds the entries from
/// `starts[row * cols + col]` to `starts[row * cols + col + 1]`.
#[derive(Default)]
struct Grid {
    lat0: f64,
    lon0: f64,
    rows: usize,
    cols: usize,
    starts: Vec<u32>,
}

impl Grid {
    fn row(&self, lat: f64) -> usize {
        (((lat - self.lat0) / CELL_LAT).max(0.0) as usize).min(self.rows.saturating_sub(1))
    }

    fn col(&self, lon: f64) -> usize {
        (((lon - self.lon0) / CELL_LON).max(0.0) as usize).min(self.cols.saturating_sub(1))
    }

    fn cell(&self, e: &Entry) -> usize {
        self.row(e.latitude) * self.cols + self.col(e.longitude)
    }
}

impl Snapshot {
    /// Sorts the entries into grid cells (a counting sort: two passes, no comparisons).
    fn new(entries: Vec<Entry>) -> Snapshot {
        let (mut lat0, mut lat1, mut lon0, mut lon1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for e in &entries {
            lat0 = lat0.min(e.latitude);
            lat1 = lat1.max(e.latitude);
            lon0 = lon0.min(e.longitude);
            lon1 = lon1.max(e.longitude);
        }
        let mut grid = Grid::default();
        if !entries.is_empty() {
            grid.lat0 = lat0;
            grid.lon0 = lon0;
            // Capped so that a stray far-away coordinate cannot blow up the grid.
            grid.rows = (((lat1 - lat0) / CELL_LAT) as usize + 1).min(1024);
            grid.cols = (((lon1 - lon0) / CELL_LON) as usize + 1).min(1024);
        }
        let cells: Vec<usize> = entries.iter().map(|e| grid.cell(e)).collect();
        let mut starts = vec![0u32; grid.rows * grid.cols + 1];
        for &c in &cells {
            starts[c + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut slots: Vec<Option<Entry>> = (0..entries.len()).map(|_| None).collect();
        for (e, c) in entries.into_iter().zip(cells) {
            slots[next[c] as usize] = Some(e);
            next[c] += 1;
        }
        let entries: Vec<Entry> = slots.into_iter().flatten().collect();
        grid.starts = starts;
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key, i))
            .collect();
        Snapshot {
            entries,
            by_id,
            grid,
        }
    }

    /// The entry of an open vacancy, if it is in the index.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.get_by_key(key_of(id))
    }

    /// The same, by [`key_of`] the id.
    pub fn get_by_key(&self, key: u128) -> Option<&Entry> {
        self.by_id.get(&key).map(|&i| &self.entries[i])
    }

    /// Index positions of the entries in the grid cells that overlap this box (a superset of
    /// the entries inside it: callers still check each one's position).
    pub fn near(
        &self,
        (lat_min, lat_max, lon_min, lon_max): (f64, f64, f64, f64),
    ) -> impl Iterator<Item = usize> + '_ {
        let g = &self.grid;
        let outside = self.entries.is_empty()
            || lat_max < g.lat0
            || lon_max < g.lon0
            || lat_min > g.lat0 + g.rows as f64 * CELL_LAT
            || lon_min > g.lon0 + g.cols as f64 * CELL_LON;
        let (r0, r1) = if outside {
            (1, 0)
        } else {
            (g.row(lat_min), g.row(lat_max))
        };
        let (c0, c1) = (g.col(lon_min), g.col(lon_max));
        (r0..=r1).flat_map(move |r| {
            let from = g.starts[r * g.cols + c0] as usize;
            let to = g.starts[r * g.cols + c1 + 1] as usize;
            from..to
        })
    }
}

#[derive(Default)]
pub struct VacancyIndex {
    entries: RwLock<Arc<Snapshot>>,
    /// The newest `updated_at` seen, for `catch_up`.
    seen: Mutex<Option<NaiveDateTime>>,
}

impl VacancyIndex {
    /// The current entries (cheap: a shared snapshot).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.entries.read() {
            Ok(e) => Arc::clone(&e),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    fn replace(&self, entries: Vec<Entry>) {
        let snapshot = Arc::new(Snapshot::new(entries));
        match self.entries.write() {
            Ok(mut e) => *e = snapshot,
            Err(p) => *p.into_inner() = snapshot,
        }
    }

    fn note_seen(&self, newest: Option<NaiveDateTime>) {
        let mut seen = match self.seen.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        if newest > *seen {
            *seen = newest;
        }
    }

    /// Loads every open vacancy afresh, in pages of 10,000 (by id), so that the peak memory
    /// of a reload is one page of rows, not all of them.
    pub async fn reload(&self, db: &Db) -> Result<usize, ApiError> {
        const PAGE: i64 = 10_000;
        let mut entries = Vec::new();
        let mut newest = None;
        let mut after: Option<VacancyId> = None;
        loop {
            let from = after.clone();
            let rows: Vec<Row> = db
                .run(move |conn| {
                    let mut q = vacancies::table
                        .filter(vacancies::status.eq("open"))
                        .order(vacancies::id.asc())
                        .limit(PAGE)
                        .select(columns!())
                        .into_boxed();
                    if let Some(from) = from {
                        q = q.filter(vacancies::id.gt(from));
                    }
                    Ok(q.load(conn)?)
                })
                .await?;
            let full = rows.len() as i64 == PAGE;
            after = rows.last().map(|r| r.id.clone());
            newest = newest.max(rows.iter().map(|r| r.updated_at).max());
            entries.extend(rows.into_iter().filter_map(Row::entry));
            if !full {
                break;
            }
        }
        entries.shrink_to_fit();
        let n = entries.len();
        self.replace(entries);
        self.note_seen(newest);
        Ok(n)
    }

    /// Applies rows changed since the last look (by any instance).
    pub async fn catch_up(&self, db: &Db) -> Result<usize, ApiError> {
        let since = match self.seen.lock() {
            Ok(s) => *s,
            Err(p) => *p.into_inner(),
        };
        let Some(since) = since else {
            return self.reload(db).await;
        };
        let rows: Vec<Row> = db
            .run(move |conn| {
                Ok(vacancies::table
                    .filter(vacancies::updated_at.ge(since))
                    .select(columns!())
                    .load(conn)?)
            })
            .await?;
        let n = rows.len();
        self.apply(rows, &[]);
        Ok(n)
    }

    /// Re-reads these vacancies now (after a write in this process); missing ones are dropped.
    pub async fn refresh(&self, db: &Db, ids: Vec<VacancyId>) -> Result<(), ApiError> {
        let wanted = ids.clone();
        let rows: Vec<Row> = db
            .run(move |conn| {
                Ok(vacancies::table
                    .filter(vacancies::id.eq_any(&wanted))
                    .select(columns!())
                    .load(conn)?)
            })
            .await?;
        self.apply(rows, &ids);
        Ok(())
    }

    fn apply(&self, rows: Vec<Row>, gone: &[VacancyId]) {
        if rows.is_empty() && gone.is_empty() {
            return;
        }
        let newest = rows.iter().map(|r| r.updated_at).max();
        let current = self.snapshot();
        let mut drop: Vec<bool> = vec![false; current.entries.len()];
        let mark = |id: &str, drop: &mut Vec<bool>| {
            if let Some(&i) = current.by_id.get(&key_of(id)) {
                drop[i] = true;
            }
        };
        for id in gone {
            mark(id.as_str(), &mut drop);
        }
        let mut added = Vec::new();
        for row in rows {
            mark(row.id.as_str(), &mut drop);
            if let Some(entry) = row.entry() {
                added.push(entry);
            }
        }
        let mut next: Vec<Entry> = current
            .entries
            .iter()
            .zip(&drop)
            .filter(|(_, d)| !**d)
            .map(|(e, _)| e.clone())
            .collect();
        next.extend(added);
        self.replace(next);
        self.note_seen(newest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn entry(rng: &mut rand::rngs::StdRng) -> Entry {
        Entry {
            id: VacancyId::generate(),
            key: 0,
            latitude: rng.random_range(50.7..53.6),
            longitude: rng.random_range(3.3..7.3),
            competence_mask: 1,
            kind: 1,
            hours_min: 8,
            hours_max: 40,
            max_distance_km: None,
            requires_start_qualification: false,
            published_at: None,
            expires_at: None,
        }
    }

    #[test]
    fn the_grid_finds_every_entry_in_a_box_and_ids_still_resolve() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut entries: Vec<Entry> = (0..5_000).map(|_| entry(&mut rng)).collect();
        for e in &mut entries {
            e.key = key_of(e.id.as_str());
        }
        // A far-away stray and an exact duplicate position must not break the cells.
        entries[0].latitude = 40.0;
        entries[1].latitude = entries[2].latitude;
        entries[1].longitude = entries[2].longitude;
        let ids: Vec<VacancyId> = entries.iter().map(|e| e.id.clone()).collect();
        let snapshot = Snapshot::new(entries);
        assert_eq!(snapshot.entries.len(), 5_000);
        for id in &ids {
            assert_eq!(&snapshot.get(id.as_str()).expect("resolves").id, id);
        }
        for _ in 0..200 {
            let (lat, lon) = (rng.random_range(50.0..54.0), rng.random_range(3.0..8.0));
            let km = rng.random_range(1.0..100.0);
            let bbox @ (lat0, lat1, lon0, lon1) =
                crate::matching::score::bounding_box(lat, lon, km);
            let inside = |e: &Entry| {
                (lat0..=lat1).contains(&e.latitude) && (lon0..=lon1).contains(&e.longitude)
            };
            let mut expected: Vec<usize> = (0..snapshot.entries.len())
                .filter(|&i| inside(&snapshot.entries[i]))
                .collect();
            let mut found: Vec<usize> = snapshot
                .near(bbox)
                .filter(|&i| inside(&snapshot.entries[i]))
                .collect();
            expected.sort_unstable();
            found.sort_unstable();
            assert_eq!(found, expected, "box around ({lat}, {lon}), {km} km");
        }
        assert_eq!(
            Snapshot::new(Vec::new())
                .near((50.0, 54.0, 3.0, 8.0))
                .count(),
            0
        );
    }
}
