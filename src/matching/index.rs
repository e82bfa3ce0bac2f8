//! The in-process index of open vacancies: just what ranking needs (position, competence
//! mask, kind, hours, limits, dates), about 100 bytes a vacancy, so a cold feed scans memory
//! instead of pulling thousands of rows from the database.
//!
//! The database stays the truth. Writes made by this process update the index at once;
//! writes by other instances arrive through `catch_up` (rows changed since the last look,
//! every few seconds) and a full `reload` (every minute, which also drops deleted rows). A
//! feed page still re-checks its cards against the database, so a vacancy closed elsewhere
//! never shows for longer than that.

use std::collections::HashMap;
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

/// One consistent view of the index.
#[derive(Default)]
pub struct Snapshot {
    pub entries: Vec<Entry>,
    /// Position by id, keyed by the UUID's 128 bits (a third of the memory of the text).
    by_id: HashMap<u128, usize>,
}

fn key(id: &str) -> u128 {
    uuid::Uuid::parse_str(id)
        .map(|u| u.as_u128())
        .unwrap_or_default()
}

impl Snapshot {
    fn new(entries: Vec<Entry>) -> Snapshot {
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (key(e.id.as_str()), i))
            .collect();
        Snapshot { entries, by_id }
    }

    /// The entry of an open vacancy, if it is in the index.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(&key(id)).map(|&i| &self.entries[i])
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
            if let Some(&i) = current.by_id.get(&key(id)) {
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
