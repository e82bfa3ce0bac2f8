//! Ranking: a youth's feed from the in-process vacancy index, a vacancy's candidates from
//! SQL scored in Rust. Used by the youth's own feed and, with a delegated token, the coach's
//! view of it (the same code: the coach sees exactly what the youth sees).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::competences::catalogue;
use crate::db::ids::AccountId;
use crate::error::{ApiError, ProblemCode};
use crate::matching::index;
use crate::matching::model::Why;
use crate::matching::score::{self, OtherSide, Pair, Reason};
use crate::matching::store;
use crate::state::AppState;
use crate::work::EducationLevel;
use crate::youth::model::ProfileStatus;

use super::entry::*;
use super::*;

/// The ranked entries of a vacancy's candidate feed: from the cache, or computed and cached.
/// (A candidate page re-reads its rows from the database, which is the truth check.)
pub(super) async fn candidate_entries(
    state: &AppState,
    vacancy: &crate::employers::store::VacancyRow,
    n: usize,
) -> Result<Vec<Item>, ApiError> {
    let key = candidates_key(&vacancy.id);
    if let Some(cached) = state.cache.list_head(&key, n).await {
        return Ok(cached.iter().filter_map(|r| Item::decode(r)).collect());
    }
    let items = compute_candidates(state, vacancy.clone()).await?;
    let ttl = state.settings.feed_ttl;
    if !ttl.is_zero() {
        let encoded: Vec<String> = items.iter().map(Item::encode).collect();
        state.cache.list_set(&key, &encoded, ttl).await;
    }
    Ok(items.into_iter().take(n).collect())
}

pub(super) fn education_gap(
    required: Option<EducationLevel>,
    youth: Option<EducationLevel>,
) -> bool {
    required.is_some_and(EducationLevel::is_start_qualification)
        && !youth.is_some_and(EducationLevel::is_start_qualification)
}

pub(super) fn round_km(km: f64) -> f64 {
    score::shown_km(km)
}

/// Scores every candidate vacancy for a youth: the profile and the youth's decisions come
/// from the database, the open vacancies from the in-process index.
pub(super) async fn compute_youth(
    state: &AppState,
    youth: &AccountId,
) -> Result<Vec<Item>, ApiError> {
    let now = state.clock.now_naive();
    let id = youth.clone();
    let today = now.date();
    let (profile, decisions) = state
        .db
        .run(move |conn| {
            let row = crate::youth::store::find_profile(conn, &id)?.ok_or_else(|| {
                ApiError::new(
                    ProblemCode::ProfileNotFound,
                    "This account has no youth profile.",
                )
            })?;
            let view = crate::youth::service::view(row.clone(), today);
            if view.status == ProfileStatus::Paused {
                return Err(ApiError::new(
                    ProblemCode::ProfilePaused,
                    "Your profile is paused: set it to active to see vacancies.",
                ));
            }
            let needed: Vec<String> = view
                .missing
                .iter()
                .filter_map(|m| {
                    serde_json::to_value(m)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                })
                .collect();
            if !needed.is_empty() {
                return Err(ApiError::new(
                    ProblemCode::ProfileIncomplete,
                    format!(
                        "Complete your profile first; missing: {}.",
                        needed.join(", ")
                    ),
                ));
            }
            Ok((row, store::decisions_of(conn, &id)?))
        })
        .await?;
    let (Some(lat), Some(lon), Some(hmin), Some(hmax)) = (
        profile.latitude,
        profile.longitude,
        profile.hours_min,
        profile.hours_max,
    ) else {
        return Err(ApiError::new(
            ProblemCode::ProfileIncomplete,
            "Complete your profile first.",
        ));
    };
    let index = state.vacancy_index.snapshot();
    // The scan stays on this worker: it is bounded (nearest cells first, stopping once nothing
    // farther can enter the best 200), and handing it to the blocking pool cost more than it
    // saved (cold feed −5 % req/s, p99 +15 % in `bench/run --only cold`).

    // Keyed like the index (hashing each entry's id text was a tenth of a cold page).
    let swiped: index::KeyMap<()> = decisions
        .iter()
        .filter(|d| d.1.is_some())
        .map(|d| (index::key_of(d.0.as_str()), ()))
        .collect();
    let employer: index::KeyMap<&str> = decisions
        .iter()
        .filter_map(|d| d.2.as_deref().map(|e| (index::key_of(d.0.as_str()), e)))
        .collect();
    let education = profile
        .education_level
        .as_deref()
        .and_then(EducationLevel::parse);
    // The same point the employers' side computes from (see `score::youth_position`).
    let (lat, lon) = score::youth_position(lat, lon);
    let seeker = Seeker {
        latitude: lat,
        longitude: lon,
        radius_km: profile.search_radius_km,
        kinds: profile.kinds,
        hours: (hmin, hmax),
        competence_mask: profile.competence_mask,
        lacks_start_qualification: !education.is_some_and(EducationLevel::is_start_qualification),
        swiped: &swiped,
        employer: &employer,
        now,
    };
    let best = best_vacancies(&index, &seeker);
    let items = best
        .heap
        .into_iter()
        .map(|Reverse(r)| Item {
            key: index.entry(r.position).key(),
            distance_km: r.distance_km,
            score: r.score,
            matched: r.matched,
            reasons: r.reasons,
        })
        .collect();
    Ok(rank(items))
}

/// What a youth's feed is ranked for.
pub(super) struct Seeker<'a> {
    pub(super) latitude: f64,
    pub(super) longitude: f64,
    pub(super) radius_km: i32,
    pub(super) kinds: i32,
    pub(super) hours: (i32, i32),
    pub(super) competence_mask: i64,
    pub(super) lacks_start_qualification: bool,
    pub(super) swiped: &'a index::KeyMap<()>,
    /// The employer's decision per vacancy, where they made one.
    pub(super) employer: &'a index::KeyMap<&'a str>,
    pub(super) now: chrono::NaiveDateTime,
}

/// The best [`FEED_SIZE`] open vacancies of the index for a youth, unordered.
///
/// Only the grid cells around the youth are visited, nearest first, until cells too far for
/// anything in them to get in; and a pair is scored in full only when its upper bound
/// can beat the current last of the best 200.
/// Positions are kept; the caller turns only the final 200 into ids.
pub(super) fn best_vacancies(index: &index::Snapshot, y: &Seeker<'_>) -> Best {
    let origin = score::Origin::new(y.latitude, y.longitude);
    let (lat0, lat1, lon0, lon1) =
        score::bounding_box(y.latitude, y.longitude, f64::from(y.radius_km));
    // The index keeps positions in single precision; widen the box by more than its rounding.
    let (lat0, lat1, lon0, lon1) = (
        (lat0 - 1e-4) as f32,
        (lat1 + 1e-4) as f32,
        (lon0 - 1e-4) as f32,
        (lon1 + 1e-4) as f32,
    );
    let (hmin, hmax) = y.hours;
    let now = y.now;
    let mut best = Best::new(FEED_SIZE);
    let youth_hours = (hmin, hmax);
    let cells = index.near(
        (
            f64::from(lat0),
            f64::from(lat1),
            f64::from(lon0),
            f64::from(lon1),
        ),
        y.kinds,
        (y.latitude, y.longitude),
    );
    let radius = f64::from(y.radius_km);
    let any_decided = !y.employer.is_empty();
    for (row_km, i) in cells {
        // Cells come nearest first: once even a perfect pair this far cannot get in, stop.
        if score::best_at_distance(row_km, radius, any_decided) < best.floor() {
            break;
        }
        let v = index.entry(i);
        let fits = y.kinds & i32::from(v.kind) != 0
            && i32::from(v.hours_min) <= hmax
            && i32::from(v.hours_max) >= hmin
            && (lat0..=lat1).contains(&v.latitude)
            && (lon0..=lon1).contains(&v.longitude)
            && v.open_at(now)
            && (y.swiped.is_empty() || !y.swiped.contains_key(&v.key()));
        if !fits {
            continue;
        }
        let vacancy_hours = (i32::from(v.hours_min), i32::from(v.hours_max));
        let education_gap = v.requires_start_qualification && y.lacks_start_qualification;
        let other = if y.employer.is_empty() {
            OtherSide::Undecided
        } else {
            other_side(y.employer.get(&v.key()).copied())
        };
        let bound = score::upper_bound(
            v.competence_mask,
            y.competence_mask,
            youth_hours,
            vacancy_hours,
            education_gap,
            other,
        );
        if bound < best.floor() {
            continue;
        }
        let d = origin.km(f64::from(v.latitude), f64::from(v.longitude));
        let range = f64::from(v.max_distance_km().unwrap_or(i32::MAX).min(y.radius_km));
        if d > range {
            continue;
        }
        let s = score::score(&Pair {
            required: v.competence_mask,
            offered: y.competence_mask,
            distance_km: d,
            range_km: range,
            youth_hours,
            vacancy_hours,
            age_days: v.age_days(now),
            education_gap,
            other_side: other,
        });
        best.offer(Ranked {
            score: s.score,
            position: i,
            distance_km: d,
            matched: s.matched,
            reasons: s.reasons,
        });
    }
    best
}

/// A scored index position, ordered by score alone.
pub(super) struct Ranked {
    pub(super) score: f64,
    pub(super) position: usize,
    pub(super) distance_km: f64,
    pub(super) matched: i64,
    pub(super) reasons: u8,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.score.total_cmp(&other.score).is_eq()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.score.total_cmp(&other.score)
    }
}

/// The best `k` scored so far: a min-heap whose top is the current last place.
pub(super) struct Best {
    pub(super) k: usize,
    pub(super) heap: BinaryHeap<Reverse<Ranked>>,
}

impl Best {
    pub(super) fn new(k: usize) -> Best {
        Best {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// The score to beat to get in: minus infinity until there are `k`.
    pub(super) fn floor(&self) -> f64 {
        match self.heap.peek() {
            Some(Reverse(last)) if self.heap.len() >= self.k => last.score,
            _ => f64::NEG_INFINITY,
        }
    }

    pub(super) fn offer(&mut self, r: Ranked) {
        if self.heap.len() < self.k {
            self.heap.push(Reverse(r));
        } else if r.score > self.floor() {
            self.heap.pop();
            self.heap.push(Reverse(r));
        }
    }
}

pub(super) fn other_side(decision: Option<&str>) -> OtherSide {
    match decision {
        Some("like") => OtherSide::Liked,
        Some("pass") => OtherSide::Passed,
        _ => OtherSide::Undecided,
    }
}

/// A cached feed as read: its raw entries and the ids swiped since it was ranked.
pub(super) type Cached = (Vec<String>, std::collections::HashSet<String>);

/// The ranked entries of a youth's feed and the ids swiped since it was ranked: from what
/// was read from the cache, or ranked now (and then nothing is swiped since).
pub(super) async fn youth_entries(
    state: &AppState,
    youth: &AccountId,
    n: usize,
    cached: Option<Cached>,
) -> Result<(Vec<Item>, index::KeyMap<()>), ApiError> {
    if let Some((raw, gone)) = cached {
        // The marker and any odd member simply parse to no key.
        let gone = gone
            .iter()
            .filter_map(|id| uuid::Uuid::parse_str(id).ok())
            .map(|u| (u.as_u128(), ()))
            .collect();
        return Ok((raw.iter().filter_map(|r| Item::decode(r)).collect(), gone));
    }
    let items = compute_youth(state, youth).await?;
    // The TTL (`FEED_CACHE_TTL_SECONDS`) bounds how long new vacancies and edits take to reach
    // a cached feed; closing and swiping take effect at once (the index and the swiped set).
    let ttl = state.settings.feed_ttl;
    if !ttl.is_zero() {
        let encoded: Vec<String> = items.iter().map(Item::encode).collect();
        state
            .cache
            .feed_write(&youth_key(youth), &encoded, ttl)
            .await;
    }
    Ok((
        items.into_iter().take(n).collect(),
        index::KeyMap::default(),
    ))
}

// ---- Candidates for a vacancy ---------------------------------------------------------------

/// Scores every candidate youth for a vacancy.
pub(super) async fn compute_candidates(
    state: &AppState,
    vacancy: crate::employers::store::VacancyRow,
) -> Result<Vec<Item>, ApiError> {
    let kind = vacancy.kind;
    // Every kinds mask (1..=15) that includes this vacancy's kind.
    let masks: Vec<i32> = (1..16).filter(|m| m & kind != 0).collect();
    let reach = f64::from(vacancy.max_distance_km.unwrap_or(100).min(100));
    // A kilometre more than the reach: youth are judged by their grid cell's centre, which can
    // lie inside the reach while the position they gave lies just outside the box.
    let bbox = score::bounding_box(vacancy.latitude, vacancy.longitude, reach + 1.0);
    let id = vacancy.id.clone();
    let hours = (vacancy.hours_min, vacancy.hours_max);
    let rows = state
        .db
        .run(move |conn| Ok(store::youth_candidates(conn, &id, &masks, bbox, hours)?))
        .await?;
    let now = state.clock.now_naive();
    // Scoring up to `store::CANDIDATES_READ` youth is CPU work: on the blocking pool, not on
    // the async worker that serves other requests.
    actix_web::web::block(move || {
        let origin = score::Origin::new(vacancy.latitude, vacancy.longitude);
        let required_education = vacancy
            .min_education
            .as_deref()
            .and_then(EducationLevel::parse);
        let items = rows
            .into_iter()
            .filter_map(|y| {
                // The point and the formula the youth's feed uses, so both sides see the same
                // distance, and no employer sees one finer than the grid.
                let (lat, lon) = score::youth_position(y.latitude?, y.longitude?);
                let d = origin.km(lat, lon);
                let range = f64::from(
                    y.search_radius_km
                        .min(vacancy.max_distance_km.unwrap_or(i32::MAX)),
                );
                if d > range {
                    return None;
                }
                let s = score::score(&Pair {
                    required: vacancy.competence_mask,
                    offered: y.competence_mask,
                    distance_km: d,
                    range_km: range,
                    youth_hours: (y.hours_min.unwrap_or(1), y.hours_max.unwrap_or(40)),
                    vacancy_hours: (vacancy.hours_min, vacancy.hours_max),
                    age_days: (now - y.updated_at).num_minutes() as f64 / 1440.0,
                    education_gap: education_gap(
                        required_education,
                        y.education_level.as_deref().and_then(EducationLevel::parse),
                    ),
                    other_side: other_side(y.youth_decision.as_deref()),
                });
                Some(Item {
                    key: index::key_of(y.account_id.as_str()),
                    distance_km: d,
                    score: s.score,
                    matched: s.matched,
                    reasons: s.reasons,
                })
            })
            .collect();
        rank(items)
    })
    .await
    .map_err(|e| ApiError::internal(format!("candidate ranking: {e}")))
}

/// A vacancy's required competences in its order, with their catalogue bits looked up once
/// (not per card per page), to explain a ranking.
pub(super) struct Required {
    pub(super) codes: Vec<(String, u8)>,
    pub(super) mask: i64,
}

impl Required {
    pub(super) fn of(codes: &[String]) -> Required {
        let codes: Vec<(String, u8)> = codes
            .iter()
            .filter_map(|code| catalogue::by_code(code).map(|c| (code.clone(), c.bit)))
            .collect();
        let mask = codes.iter().fold(0i64, |m, (_, bit)| m | (1i64 << bit));
        Required { codes, mask }
    }

    /// Why a pair with these `matched` competences ranked as it did.
    pub(super) fn why(&self, matched: i64, reasons: Vec<Reason>) -> Why {
        Why {
            matched_competences: self
                .codes
                .iter()
                .filter(|(_, bit)| matched & (1i64 << bit) != 0)
                .map(|(code, _)| code.clone())
                .collect(),
            coverage: score::coverage(self.mask, matched),
            reasons,
        }
    }
}
