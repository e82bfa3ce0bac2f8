//! The in-process index of open vacancies: just what ranking needs (position, competence
//! mask, kind, hours, limits, dates), 56 bytes a vacancy, so a cold feed scans memory
//! instead of pulling thousands of rows from the database.
//!
//! The database stays the truth. Writes made by this process update the index at once;
//! writes by other instances arrive through `catch_up`, every few seconds, from the change
//! feed `vacancy_changes` (a trigger appends a number and the vacancy id on every insert,
//! update and delete), and a full `reload` every ten minutes. A feed page checks "still
//! open" here, so a vacancy closed elsewhere shows for at most that long (a swipe on it is
//! refused by the database). Entries are ordered by grid cell, so a feed visits only the cells
//! near the youth.
//!
//! The change feed cannot skip a commit: numbers are taken in insert order but committed in
//! any order, so the reader keeps a floor (every change up to it applied) and the changes
//! seen above it, reads everything above the floor each time, and waits for a gap below a
//! seen number to fill, for up to [`GAP_WAIT`] (a gap that old is a rolled-back write; a
//! vacancy write commits well within it). Times do not matter, only the numbers, so clocks of
//! the writers (a transaction's timestamp taken long before its commit) cannot hide a change.
//!
//! Rebuilding the snapshot (a copy of every entry) runs on the blocking pool, never on an
//! async worker, so a burst of vacancy writes does not stall the feeds served beside it.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Db;
use crate::db::ids::VacancyId;
use crate::db::schema::{vacancies, vacancy_changes};
use crate::error::ApiError;
use crate::work::EducationLevel;

/// What ranking needs of one open vacancy, packed into 56 bytes (a quarter of the plain
/// struct with its id text), so a scan streams through little memory and a million
/// vacancies fit in a few hundred megabytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// [`key_of`] the id: the UUID's bits, from which the id text is rebuilt.
    pub key: [u64; 2],
    pub competence_mask: i64,
    /// Unix seconds; `i64::MIN` when there is none (never open).
    expires: i64,
    /// Single precision is ~0.5 m here.
    pub latitude: f32,
    pub longitude: f32,
    /// Unix minutes; `None` as `i32::MIN` (counts as new).
    published: i32,
    /// 0 when the vacancy sets no limit of its own.
    max_distance: u16,
    pub kind: u8,
    pub hours_min: u8,
    pub hours_max: u8,
    pub requires_start_qualification: bool,
}

impl Entry {
    /// A random open vacancy somewhere in the Netherlands, for tests of the scans.
    #[cfg(test)]
    pub(crate) fn sample(rng: &mut impl rand::Rng, now: NaiveDateTime) -> Entry {
        let key = key_of(VacancyId::generate().as_str());
        let t = now.and_utc().timestamp();
        let hours_min = rng.random_range(4..=32);
        Entry {
            key: [(key >> 64) as u64, key as u64],
            competence_mask: rng.random::<i64>() & rng.random::<i64>() & 0xfff,
            expires: t + rng.random_range(-86_400..86_400 * 60),
            latitude: rng.random_range(51.0..52.8),
            longitude: rng.random_range(4.0..6.5),
            published: (t / 60 - rng.random_range(0..60 * 24 * 40)) as i32,
            max_distance: if rng.random_bool(0.3) {
                rng.random_range(5..40)
            } else {
                0
            },
            kind: 1 << rng.random_range(0..4),
            hours_min,
            hours_max: rng.random_range(hours_min..=40),
            requires_start_qualification: rng.random_bool(0.3),
        }
    }

    pub fn key(&self) -> u128 {
        (u128::from(self.key[0]) << 64) | u128::from(self.key[1])
    }

    /// The vacancy id as text.
    pub fn id(&self) -> String {
        uuid::Uuid::from_u128(self.key()).to_string()
    }

    /// Still open at `now`: not past its expiry.
    pub fn open_at(&self, now: NaiveDateTime) -> bool {
        self.expires > now.and_utc().timestamp()
    }

    /// Days since publishing, at `now`.
    pub fn age_days(&self, now: NaiveDateTime) -> f64 {
        if self.published == i32::MIN {
            return 0.0;
        }
        let minutes = now.and_utc().timestamp() / 60 - i64::from(self.published);
        minutes as f64 / 1440.0
    }

    pub fn max_distance_km(&self) -> Option<i32> {
        (self.max_distance > 0).then_some(i32::from(self.max_distance))
    }
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
}

/// A small count from the database as a byte (the API keeps them far below 255).
fn byte(n: i32) -> u8 {
    n.clamp(0, 255) as u8
}

impl Row {
    fn entry(self) -> Option<Entry> {
        let key = key_of(self.id.as_str());
        (self.status == "open").then(|| Entry {
            requires_start_qualification: self
                .min_education
                .as_deref()
                .and_then(EducationLevel::parse)
                .is_some_and(EducationLevel::is_start_qualification),
            key: [(key >> 64) as u64, key as u64],
            latitude: self.latitude as f32,
            longitude: self.longitude as f32,
            competence_mask: self.competence_mask,
            kind: byte(self.kind),
            hours_min: byte(self.hours_min),
            hours_max: byte(self.hours_max),
            max_distance: self
                .max_distance_km
                .map_or(0, |d| d.clamp(1, 65_535) as u16),
            published: self.published_at.map_or(i32::MIN, |p| {
                (p.and_utc().timestamp() / 60).clamp(i64::from(i32::MIN) + 1, i64::from(i32::MAX))
                    as i32
            }),
            expires: self
                .expires_at
                .map_or(i64::MIN, |e| e.and_utc().timestamp()),
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

/// One consistent view of the index: a base sorted into grid cells, shared between views,
/// and the vacancies changed since it was built.
///
/// A write changes a handful of vacancies; rebuilding the whole base for it (a copy and a
/// sort of every entry) took a core's worth of time from the feeds served beside it when
/// vacancies were written steadily (warm feed p99 ×4.5 in `bench/run`'s `writes`). A change
/// now makes a new view of the same base with a small overlay; the base is rebuilt only when
/// the overlay has grown past [`MAX_OVERLAY`] (and by every full reload).
#[derive(Default)]
pub struct Snapshot {
    base: Arc<Base>,
    /// Vacancies changed since the base was built: their entry now, `None` when no longer open.
    changed: KeyMap<Option<Entry>>,
    /// The `Some` entries of `changed`, at positions from `base.entries.len()` on.
    added: Vec<Entry>,
    /// Base positions whose vacancy is in `changed` (their base entry is out of date).
    stale: Vec<u64>,
}

/// Changes kept beside the base before it is rebuilt with them.
const MAX_OVERLAY: usize = 2048;

#[derive(Default)]
struct Base {
    /// Ordered by grid cell (row by row), so the entries near a point are a few slices.
    entries: Vec<Entry>,
    /// Position by id, keyed by the UUID's 128 bits (a third of the memory of the text).
    by_id: KeyMap<u32>,
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

/// Each row of cells is split into one lane per kind of work (a vacancy has one kind), so a
/// youth who wants two kinds scans two lanes, not entries of all four.
const LANES: usize = 4;

fn lane(kind: u8) -> usize {
    (kind.trailing_zeros() as usize).min(LANES - 1)
}

/// A fixed grid over the box the entries span; cell `(row, lane, col)` holds the entries from
/// `starts[i]` to `starts[i + 1]`, `i = (row * LANES + lane) * cols + col`, so the cells of
/// one row and lane across a span of columns are one slice.
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
        (self.row(f64::from(e.latitude)) * LANES + lane(e.kind)) * self.cols
            + self.col(f64::from(e.longitude))
    }
}

impl Snapshot {
    pub(crate) fn new(entries: Vec<Entry>) -> Snapshot {
        let base = Base::new(entries);
        let stale = vec![0; base.entries.len().div_ceil(64)];
        Snapshot {
            base: Arc::new(base),
            changed: KeyMap::default(),
            added: Vec::new(),
            stale,
        }
    }

    /// How many open vacancies the view holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        let stale: usize = self.stale.iter().map(|w| w.count_ones() as usize).sum();
        self.base.entries.len() - stale + self.added.len()
    }

    /// The entry at a position [`Snapshot::near`] yielded.
    pub fn entry(&self, position: usize) -> &Entry {
        let n = self.base.entries.len();
        if position < n {
            &self.base.entries[position]
        } else {
            &self.added[position - n]
        }
    }

    fn is_stale(&self, position: usize) -> bool {
        self.stale
            .get(position / 64)
            .is_some_and(|w| w & (1 << (position % 64)) != 0)
    }

    /// This view with these vacancies changed (`None`: no longer open), sharing the base.
    fn with_changes(&self, changes: KeyMap<Option<Entry>>) -> Snapshot {
        let mut changed = self.changed.clone();
        changed.extend(changes);
        if changed.len() > MAX_OVERLAY {
            let mut all: Vec<Entry> = self
                .base
                .entries
                .iter()
                .filter(|e| !changed.contains_key(&e.key()))
                .copied()
                .collect();
            all.extend(changed.values().flatten().copied());
            return Snapshot::new(all);
        }
        let mut stale = vec![0u64; self.base.entries.len().div_ceil(64)];
        for key in changed.keys() {
            if let Some(&i) = self.base.by_id.get(key) {
                stale[i as usize / 64] |= 1 << (i % 64);
            }
        }
        let added = changed.values().flatten().copied().collect();
        Snapshot {
            base: Arc::clone(&self.base),
            changed,
            added,
            stale,
        }
    }
}

impl Base {
    /// Sorts the entries into grid cells (a counting sort: two passes, no comparisons).
    fn new(entries: Vec<Entry>) -> Base {
        let (mut lat0, mut lat1, mut lon0, mut lon1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for e in &entries {
            let (lat, lon) = (f64::from(e.latitude), f64::from(e.longitude));
            lat0 = lat0.min(lat);
            lat1 = lat1.max(lat);
            lon0 = lon0.min(lon);
            lon1 = lon1.max(lon);
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
        let mut starts = vec![0u32; grid.rows * LANES * grid.cols + 1];
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
            .map(|(i, e)| (e.key(), i as u32))
            .collect();
        Base {
            entries,
            by_id,
            grid,
        }
    }
}

impl Snapshot {
    /// The entry of an open vacancy, if it is in the index.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.get_by_key(key_of(id))
    }

    /// Whether the vacancy under this key is open (in the index, not expired) at `now`.
    pub fn is_open(&self, key: u128, now: NaiveDateTime) -> bool {
        self.get_by_key(key).is_some_and(|e| e.open_at(now))
    }

    /// The same, by [`key_of`] the id.
    pub fn get_by_key(&self, key: u128) -> Option<&Entry> {
        if let Some(changed) = self.changed.get(&key) {
            return changed.as_ref();
        }
        self.base
            .by_id
            .get(&key)
            .map(|&i| &self.base.entries[i as usize])
    }

    /// Index positions of the entries of these kinds (a mask of kind bits) in the grid cells
    /// that overlap this box: a superset of the entries inside it, so callers still check
    /// each one's position. Each comes with a lower bound of its distance in km from `from`
    /// (its cell's nearest edge), and cells come nearest first, so the bound never decreases
    /// along the way: a top-k scan can stop once it is too far for anything to get in.
    pub fn near(
        &self,
        (lat_min, lat_max, lon_min, lon_max): (f64, f64, f64, f64),
        kinds: i32,
        (from_lat, from_lon): (f64, f64),
    ) -> impl Iterator<Item = (f64, usize)> + '_ {
        // The changed vacancies first, at distance bound 0 (few; the caller checks the box).
        let n = self.base.entries.len();
        let changed = self
            .added
            .iter()
            .enumerate()
            .filter(move |(_, e)| kinds & i32::from(e.kind) != 0)
            .map(move |(j, _)| (0.0, n + j));
        let g = &self.base.grid;
        let outside = self.base.entries.is_empty()
            || lat_max < g.lat0
            || lon_max < g.lon0
            || lat_min > g.lat0 + g.rows as f64 * CELL_LAT
            || lon_min > g.lon0 + g.cols as f64 * CELL_LON;
        let (r0, r1, c0, c1) = if outside {
            (1, 0, 1, 0)
        } else {
            (
                g.row(lat_min),
                g.row(lat_max),
                g.col(lon_min),
                g.col(lon_max),
            )
        };
        // `score::Origin::km` is 111.19 km per degree of latitude, and per degree of longitude
        // that times a cosine that, within this box, is at least `cos_low`. The edge rows and
        // columns also hold whatever the grid's caps clamped into them: no outer edge there.
        let (sin, cos) = from_lat.to_radians().sin_cos();
        let half_height = (lat_max - lat_min).abs().max(0.0).to_radians() / 2.0;
        let cos_low = (cos - sin.abs() * half_height).max(0.0);
        let gap = |lo: f64, hi: f64, at: f64| (lo - at).max(at - hi).max(0.0);
        let lat_gap = |r: usize| {
            let lo = if r == 0 {
                f64::NEG_INFINITY
            } else {
                g.lat0 + r as f64 * CELL_LAT
            };
            let hi = if r + 1 >= g.rows {
                f64::INFINITY
            } else {
                g.lat0 + (r + 1) as f64 * CELL_LAT
            };
            gap(lo, hi, from_lat) * 111.0
        };
        let lon_gap = |c: usize| {
            let lo = if c == 0 {
                f64::NEG_INFINITY
            } else {
                g.lon0 + c as f64 * CELL_LON
            };
            let hi = if c + 1 >= g.cols {
                f64::INFINITY
            } else {
                g.lon0 + (c + 1) as f64 * CELL_LON
            };
            gap(lo, hi, from_lon) * 111.0 * cos_low
        };
        let lanes: Vec<usize> = (0..LANES).filter(|l| kinds & (1 << l) != 0).collect();
        let mut cells: Vec<(f64, usize, usize)> = (r0..=r1)
            .flat_map(|r| (c0..=c1).map(move |c| (r, c)))
            .map(|(r, c)| (lat_gap(r).hypot(lon_gap(c)), r, c))
            .collect();
        cells.sort_by(|a, b| a.0.total_cmp(&b.0));
        let base = cells.into_iter().flat_map(move |(km, r, c)| {
            lanes.clone().into_iter().flat_map(move |l| {
                let cell = (r * LANES + l) * g.cols + c;
                (g.starts[cell] as usize..g.starts[cell + 1] as usize).map(move |i| (km, i))
            })
        });
        let any_stale = !self.changed.is_empty();
        changed.chain(base.filter(move |(_, i)| !any_stale || !self.is_stale(*i)))
    }
}

/// How long a gap in the change feed is waited for before it counts as a rolled-back write.
pub const GAP_WAIT: Duration = Duration::from_secs(60);
/// Changes read per catch-up at most; more wait for the next one.
const CHANGES_PER_LOOK: i64 = 10_000;

/// Where this index stands in the change feed.
#[derive(Default)]
struct FeedPosition {
    /// Every change numbered up to this one is applied (none read yet: `None`).
    floor: Option<i64>,
    /// Changes applied above the floor.
    seen: BTreeSet<i64>,
    /// Gaps below a seen change, with when each was first noticed.
    gaps: HashMap<i64, Instant>,
}

impl FeedPosition {
    /// Takes note of changes applied, and moves the floor up past every number that is
    /// applied or was waited for long enough.
    fn note(&mut self, applied: impl IntoIterator<Item = i64>) {
        let Some(mut floor) = self.floor else {
            return;
        };
        self.seen.extend(applied.into_iter().filter(|n| *n > floor));
        let Some(&top) = self.seen.last() else {
            return;
        };
        let now = Instant::now();
        for n in floor + 1..top {
            if !self.seen.contains(&n) {
                self.gaps.entry(n).or_insert(now);
            }
        }
        loop {
            let next = floor + 1;
            if self.seen.remove(&next) {
                self.gaps.remove(&next);
            } else if self
                .gaps
                .get(&next)
                .is_some_and(|since| since.elapsed() >= GAP_WAIT)
            {
                self.gaps.remove(&next);
                tracing::info!(
                    change = next,
                    "a gap in the vacancy change feed was given up on (a rolled-back write)"
                );
            } else {
                break;
            }
            floor = next;
        }
        self.floor = Some(floor);
    }

    fn is_seen(&self, n: i64) -> bool {
        self.floor.is_some_and(|f| n <= f) || self.seen.contains(&n)
    }
}

#[derive(Default)]
pub struct VacancyIndex {
    entries: RwLock<Arc<Snapshot>>,
    /// Held from reading the current view to installing the next: two writes applied at once
    /// (a request's refresh and the catch-up, on two blocking threads) would otherwise each
    /// build on the same view, and the one installed last would drop the other's change.
    writing: Mutex<()>,
    position: Mutex<FeedPosition>,
}

/// The changes read since the floor: (number, vacancy id).
type Change = (i64, VacancyId);

impl VacancyIndex {
    /// The current entries (cheap: a shared snapshot).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.entries.read() {
            Ok(e) => Arc::clone(&e),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    fn replace(&self, entries: Vec<Entry>) {
        let snapshot = Snapshot::new(entries);
        let _writing = match self.writing.lock() {
            Ok(w) => w,
            Err(p) => p.into_inner(),
        };
        self.install(snapshot);
    }

    fn position(&self) -> std::sync::MutexGuard<'_, FeedPosition> {
        match self.position.lock() {
            Ok(p) => p,
            Err(p) => p.into_inner(),
        }
    }

    /// Loads every open vacancy afresh, in pages of 10,000 (by id), so that the peak memory
    /// of a reload is one page of rows, not all of them. The change feed then goes on from
    /// the last change older than [`GAP_WAIT`]: a write still in flight during the reload is
    /// read again afterwards (applying a change twice is harmless).
    pub async fn reload(self: &Arc<Self>, db: &Db) -> Result<usize, ApiError> {
        const PAGE: i64 = 10_000;
        let floor = db.run(|conn| Ok(settled_change(conn)?)).await?;
        let mut entries = Vec::new();
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
            entries.extend(rows.into_iter().filter_map(Row::entry));
            if !full {
                break;
            }
        }
        entries.shrink_to_fit();
        let n = entries.len();
        let index = Arc::clone(self);
        actix_web::web::block(move || index.replace(entries))
            .await
            .map_err(|e| ApiError::internal(format!("index rebuild: {e}")))?;
        let mut position = self.position();
        position.floor = Some(floor);
        position.seen.clear();
        position.gaps.clear();
        Ok(n)
    }

    /// Applies the changes written since the last look (by any instance); answers how many
    /// vacancies were re-read.
    pub async fn catch_up(self: &Arc<Self>, db: &Db) -> Result<usize, ApiError> {
        let Some(floor) = self.position().floor else {
            return self.reload(db).await;
        };
        let changes: Vec<Change> = db
            .run(move |conn| {
                Ok(vacancy_changes::table
                    .filter(vacancy_changes::seq.gt(floor))
                    .order(vacancy_changes::seq.asc())
                    .limit(CHANGES_PER_LOOK)
                    .select((vacancy_changes::seq, vacancy_changes::vacancy_id))
                    .load(conn)?)
            })
            .await?;
        let fresh: Vec<&Change> = {
            let position = self.position();
            changes
                .iter()
                .filter(|(n, _)| !position.is_seen(*n))
                .collect()
        };
        let mut ids: Vec<VacancyId> = fresh.iter().map(|(_, id)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        let n = ids.len();
        if !ids.is_empty() {
            self.refresh(db, ids).await?;
        }
        self.position().note(fresh.iter().map(|(n, _)| *n));
        Ok(n)
    }

    /// Re-reads these vacancies now (after a write in this process, or changes from the
    /// feed); missing ones are dropped. The snapshot is rebuilt on the blocking thread.
    pub async fn refresh(self: &Arc<Self>, db: &Db, ids: Vec<VacancyId>) -> Result<(), ApiError> {
        let index = Arc::clone(self);
        db.run(move |conn| {
            let rows: Vec<Row> = vacancies::table
                .filter(vacancies::id.eq_any(&ids))
                .select(columns!())
                .load(conn)?;
            index.apply(rows, &ids);
            Ok(())
        })
        .await
    }

    fn apply(&self, rows: Vec<Row>, gone: &[VacancyId]) {
        if rows.is_empty() && gone.is_empty() {
            return;
        }
        let mut changes: KeyMap<Option<Entry>> =
            gone.iter().map(|id| (key_of(id.as_str()), None)).collect();
        // Asked for and found: its entry now (`None` when no longer open); the rest: deleted.
        changes.extend(
            rows.into_iter()
                .map(|row| (key_of(row.id.as_str()), row.entry())),
        );
        let _writing = match self.writing.lock() {
            Ok(w) => w,
            Err(p) => p.into_inner(),
        };
        let current = self.snapshot();
        // Re-reading unchanged rows (a change applied twice) must not make a new view.
        changes.retain(|key, entry| current.get_by_key(*key).copied() != *entry);
        if changes.is_empty() {
            return;
        }
        self.install(current.with_changes(changes));
    }

    fn install(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        match self.entries.write() {
            Ok(mut e) => *e = snapshot,
            Err(p) => *p.into_inner() = snapshot,
        }
    }
}

/// The newest change that is older than [`GAP_WAIT`] by the database's clock: a reload starts
/// the feed after it. (The one place the dialects differ here: the time arithmetic.)
fn settled_change(conn: &mut crate::db::DbConn) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Newest {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        seq: i64,
    }
    let sql = if crate::db::is_postgres(conn) {
        format!(
            "SELECT COALESCE(MAX(seq), 0)::BIGINT AS seq FROM vacancy_changes \
             WHERE changed_at < (now() AT TIME ZONE 'utc') - interval '{} seconds'",
            GAP_WAIT.as_secs()
        )
    } else {
        format!(
            "SELECT COALESCE(MAX(seq), 0) AS seq FROM vacancy_changes \
             WHERE changed_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-{} seconds')",
            GAP_WAIT.as_secs()
        )
    };
    Ok(diesel::sql_query(sql).get_result::<Newest>(conn)?.seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn entry(rng: &mut rand::rngs::StdRng) -> Entry {
        let key = key_of(VacancyId::generate().as_str());
        Entry {
            key: [(key >> 64) as u64, key as u64],
            latitude: rng.random_range(50.7..53.6),
            longitude: rng.random_range(3.3..7.3),
            competence_mask: 1,
            kind: 1 << rng.random_range(0..4),
            hours_min: 8,
            hours_max: 40,
            max_distance: 0,
            requires_start_qualification: false,
            published: i32::MIN,
            expires: i64::MIN,
        }
    }

    #[test]
    fn an_entry_keeps_what_ranking_needs_and_rebuilds_its_id() {
        let id = VacancyId::generate();
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        let row = Row {
            id: id.clone(),
            latitude: 51.4416,
            longitude: 5.4697,
            competence_mask: 0b1011,
            kind: 4,
            hours_min: 16,
            hours_max: 32,
            max_distance_km: Some(15),
            min_education: Some("mbo2".into()),
            status: "open".into(),
            published_at: Some(at("2026-11-20 12:00:00")),
            expires_at: Some(at("2026-12-01 12:00:30")),
        };
        let e = row.entry().unwrap();
        assert_eq!(e.id(), id.as_str());
        assert_eq!(e.key(), key_of(id.as_str()));
        assert_eq!(
            (e.kind, e.hours_min, e.hours_max, e.max_distance_km()),
            (4, 16, 32, Some(15))
        );
        assert!(e.requires_start_qualification);
        assert!((f64::from(e.latitude) - 51.4416).abs() < 1e-5);
        assert!(e.open_at(at("2026-12-01 12:00:29")) && !e.open_at(at("2026-12-01 12:00:30")));
        assert!((e.age_days(at("2026-11-22 12:00:00")) - 2.0).abs() < 1e-9);
        assert_eq!(std::mem::size_of::<Entry>(), 56);
    }

    #[test]
    fn the_grid_finds_every_entry_in_a_box_and_ids_still_resolve() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut entries: Vec<Entry> = (0..5_000).map(|_| entry(&mut rng)).collect();
        // A far-away stray and an exact duplicate position must not break the cells.
        entries[0].latitude = 40.0;
        entries[1].latitude = entries[2].latitude;
        entries[1].longitude = entries[2].longitude;
        let ids: Vec<String> = entries.iter().map(Entry::id).collect();
        let snapshot = Snapshot::new(entries);
        assert_eq!(snapshot.base.entries.len(), 5_000);
        for id in &ids {
            assert_eq!(&snapshot.get(id).expect("resolves").id(), id);
        }
        for _ in 0..200 {
            let (lat, lon) = (rng.random_range(50.0..54.0), rng.random_range(3.0..8.0));
            let km = rng.random_range(1.0..100.0);
            let bbox @ (lat0, lat1, lon0, lon1) =
                crate::matching::score::bounding_box(lat, lon, km);
            let kinds = rng.random_range(1..16);
            let inside = |e: &Entry| {
                i32::from(e.kind) & kinds != 0
                    && (lat0..=lat1).contains(&f64::from(e.latitude))
                    && (lon0..=lon1).contains(&f64::from(e.longitude))
            };
            let mut expected: Vec<usize> = (0..snapshot.base.entries.len())
                .filter(|&i| inside(&snapshot.base.entries[i]))
                .collect();
            let mut found: Vec<usize> = snapshot
                .near(bbox, kinds, (lat, lon))
                .map(|(km, i)| {
                    let e = &snapshot.base.entries[i];
                    let d = crate::matching::score::Origin::new(lat, lon)
                        .km(f64::from(e.latitude), f64::from(e.longitude));
                    assert!(km <= d + 1e-9, "row bound {km} above distance {d}");
                    i
                })
                .filter(|&i| inside(&snapshot.base.entries[i]))
                .collect();
            expected.sort_unstable();
            found.sort_unstable();
            assert_eq!(found, expected, "box around ({lat}, {lon}), {km} km");
        }
        assert_eq!(
            Snapshot::new(Vec::new())
                .near((50.0, 54.0, 3.0, 8.0), 15, (52.0, 5.0))
                .count(),
            0
        );
    }

    #[test]
    fn a_view_with_changes_finds_what_a_rebuilt_index_finds() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let entries: Vec<Entry> = (0..3_000).map(|_| entry(&mut rng)).collect();
        let mut truth: KeyMap<Entry> = entries.iter().map(|e| (e.key(), *e)).collect();
        let mut view = Snapshot::new(entries);
        // Rounds of writes: moved, closed, reopened and new vacancies, past the overlay's
        // limit, so the base is rebuilt on the way too.
        for _ in 0..40 {
            let mut changes = Vec::new();
            for _ in 0..100 {
                let keys: Vec<u128> = truth.keys().copied().collect();
                match rng.random_range(0..3) {
                    0 => {
                        let key = keys[rng.random_range(0..keys.len())];
                        truth.remove(&key);
                        changes.push((key, None));
                    }
                    1 => {
                        let key = keys[rng.random_range(0..keys.len())];
                        let mut moved = entry(&mut rng);
                        moved.key = [(key >> 64) as u64, key as u64];
                        truth.insert(key, moved);
                        changes.push((key, Some(moved)));
                    }
                    _ => {
                        let new = entry(&mut rng);
                        truth.insert(new.key(), new);
                        changes.push((new.key(), Some(new)));
                    }
                }
            }
            view = view.with_changes(changes.into_iter().collect());
            assert_eq!(view.len(), truth.len());
            let rebuilt = Snapshot::new(truth.values().copied().collect());
            for _ in 0..20 {
                let (lat, lon) = (rng.random_range(50.0..54.0), rng.random_range(3.0..8.0));
                let bbox @ (lat0, lat1, lon0, lon1) =
                    crate::matching::score::bounding_box(lat, lon, rng.random_range(1.0..80.0));
                let kinds = rng.random_range(1..16);
                let inside = |e: &Entry| {
                    i32::from(e.kind) & kinds != 0
                        && (lat0..=lat1).contains(&f64::from(e.latitude))
                        && (lon0..=lon1).contains(&f64::from(e.longitude))
                };
                let keys = |s: &Snapshot| {
                    let mut k: Vec<u128> = s
                        .near(bbox, kinds, (lat, lon))
                        .map(|(_, i)| *s.entry(i))
                        .filter(|e| inside(e))
                        .map(|e| e.key())
                        .collect();
                    k.sort_unstable();
                    k
                };
                assert_eq!(keys(&view), keys(&rebuilt));
            }
            for (key, e) in &truth {
                assert_eq!(view.get_by_key(*key), Some(e));
            }
        }
    }

    #[test]
    fn writes_applied_at_once_from_two_threads_are_all_kept() {
        let index = Arc::new(VacancyIndex::default());
        let row = |n: usize| Row {
            id: VacancyId::generate(),
            latitude: 51.0 + n as f64 * 0.001,
            longitude: 5.0,
            competence_mask: 1,
            kind: 1,
            hours_min: 8,
            hours_max: 40,
            max_distance_km: None,
            min_education: None,
            status: "open".into(),
            published_at: None,
            expires_at: None,
        };
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let index = Arc::clone(&index);
                std::thread::spawn(move || {
                    for n in 0..300 {
                        let r = row(w * 1000 + n);
                        let id = r.id.clone();
                        index.apply(vec![r], &[id]);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(index.snapshot().len(), 600, "no write dropped another");
    }

    #[test]
    fn the_floor_waits_for_a_gap_below_a_seen_change() {
        let mut p = FeedPosition {
            floor: Some(10),
            ..Default::default()
        };
        // 12 committed before 11: the floor stays below the gap, 12 is not read twice.
        p.note([12]);
        assert_eq!(p.floor, Some(10));
        assert!(p.is_seen(12) && !p.is_seen(11));
        p.note([11]);
        assert_eq!(p.floor, Some(12));
        assert!(p.seen.is_empty() && p.gaps.is_empty());
        // A gap that outlives GAP_WAIT is a rolled-back write: the floor moves past it.
        p.note([14]);
        assert_eq!(p.floor, Some(12));
        if let Some(since) = p.gaps.get_mut(&13)
            && let Some(earlier) = since.checked_sub(GAP_WAIT)
        {
            *since = earlier;
        }
        p.note([]);
        assert_eq!(p.floor, Some(14));
    }
}
