//! Feeds: computed, not stored. Candidates come from SQL (cheap filters on indexed columns),
//! are scored in Rust, and the top ids go into the cache with a TTL. A page reads its ids
//! from the cache and fetches just those rows, with a filter that re-checks the truth (still
//! open, not swiped), so a stale cache can never bring a swiped card back.

use crate::competences::catalogue;
use crate::db::ids::{AccountId, VacancyId};
use crate::employers::model::{OrganisationSummary, ShownStatus};
use crate::employers::service::{self as employers, is_public};
use crate::error::ApiError;
use crate::matching::model::{CandidateCard, Candidates, Feed, FeedCard, Why};
use crate::matching::score::{self, OtherSide, Pair, Reason};
use crate::matching::store;
use crate::startup::AppState;
use crate::work::EducationLevel;
use crate::youth::model::ProfileStatus;

/// How many ranked ids a feed keeps.
pub const FEED_SIZE: usize = 200;

pub fn youth_key(youth: &AccountId) -> String {
    format!("feed:y:{youth}")
}

pub fn candidates_key(vacancy: &VacancyId) -> String {
    format!("feed:v:{vacancy}")
}

/// A ranked entry as cached: `id|distance_km|score|matched_mask|reason_bits`. The reasons
/// are the ones the score was computed with, so a card explains exactly its ranking.
#[derive(Debug, Clone)]
struct Item {
    id: String,
    distance_km: f64,
    score: f64,
    matched: i64,
    reasons: u8,
}

impl Item {
    fn encode(&self) -> String {
        format!(
            "{}|{:.2}|{:.5}|{}|{}",
            self.id, self.distance_km, self.score, self.matched, self.reasons
        )
    }

    fn decode(raw: &str) -> Option<Item> {
        let mut parts = raw.split('|');
        Some(Item {
            id: parts.next()?.to_owned(),
            distance_km: parts.next()?.parse().ok()?,
            score: parts.next()?.parse().ok()?,
            matched: parts.next()?.parse().ok()?,
            // Entries cached before reasons were kept have none.
            reasons: parts.next().and_then(|r| r.parse().ok()).unwrap_or(0),
        })
    }
}

fn rank(mut items: Vec<Item>) -> Vec<Item> {
    items.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    items.truncate(FEED_SIZE);
    items
}

/// The ranked items of a feed: from the cache, or computed and cached.
async fn head<F, Fut>(
    state: &AppState,
    key: &str,
    n: usize,
    compute: F,
) -> Result<Vec<Item>, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Item>, ApiError>>,
{
    if let Some(cached) = state.cache.list_head(key, n).await {
        return Ok(cached.iter().filter_map(|r| Item::decode(r)).collect());
    }
    let items = compute().await?;
    // The TTL (`FEED_CACHE_TTL_SECONDS`) bounds how long new vacancies and edits take to reach
    // a cached feed; closing and swiping take effect at once through the truth filter.
    let ttl = state.settings.feed_ttl;
    if !ttl.is_zero() {
        let encoded: Vec<String> = items.iter().map(Item::encode).collect();
        state.cache.list_set(key, &encoded, ttl).await;
    }
    Ok(items.into_iter().take(n).collect())
}

fn why(matched: i64, required_order: &[String], coverage: f64, reasons: Vec<Reason>) -> Why {
    let matched_competences = required_order
        .iter()
        .filter(|code| catalogue::by_code(code).is_some_and(|c| matched & (1i64 << c.bit) != 0))
        .cloned()
        .collect();
    Why {
        matched_competences,
        coverage,
        reasons,
    }
}

fn education_gap(required: Option<EducationLevel>, youth: Option<EducationLevel>) -> bool {
    required.is_some_and(EducationLevel::is_start_qualification)
        && !youth.is_some_and(EducationLevel::is_start_qualification)
}

fn round_km(km: f64) -> f64 {
    (km * 10.0).round() / 10.0
}

/// Scores every candidate vacancy for a youth: the profile and the youth's decisions come
/// from the database, the open vacancies from the in-process index.
async fn compute_youth(state: &AppState, youth: &AccountId) -> Result<Vec<Item>, ApiError> {
    let now = state.clock.now_naive();
    let id = youth.clone();
    let today = now.date();
    let (profile, decisions) = state
        .db
        .run(move |conn| {
            let row = crate::youth::store::find_profile(conn, &id)?.ok_or_else(|| {
                ApiError::not_found("profile_not_found", "This account has no youth profile.")
            })?;
            let view = crate::youth::service::view(row.clone(), today);
            if view.status == ProfileStatus::Paused {
                return Err(ApiError::conflict(
                    "profile_paused",
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
                return Err(ApiError::conflict(
                    "profile_incomplete",
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
        return Err(ApiError::conflict(
            "profile_incomplete",
            "Complete your profile first.",
        ));
    };
    let swiped: std::collections::HashSet<&str> = decisions
        .iter()
        .filter(|d| d.1.is_some())
        .map(|d| d.0.as_str())
        .collect();
    let employer: std::collections::HashMap<&str, &str> = decisions
        .iter()
        .filter_map(|d| d.2.as_deref().map(|e| (d.0.as_str(), e)))
        .collect();
    let radius = f64::from(profile.search_radius_km);
    let (lat0, lat1, lon0, lon1) = score::bounding_box(lat, lon, radius);
    let education = profile
        .education_level
        .as_deref()
        .and_then(EducationLevel::parse);
    let lacks_sq = !education.is_some_and(EducationLevel::is_start_qualification);
    let index = state.vacancy_index.snapshot();
    // Score by index position first; only the kept top ids are turned into strings.
    let mut scored: Vec<(f64, usize, f64, i64, u8)> = index
        .entries
        .iter()
        .enumerate()
        .filter(|(_, v)| {
            profile.kinds & v.kind != 0
                && (lat0..=lat1).contains(&v.latitude)
                && (lon0..=lon1).contains(&v.longitude)
                && v.hours_min <= hmax
                && v.hours_max >= hmin
                && v.expires_at.is_some_and(|e| e > now)
                && !swiped.contains(v.id.as_str())
        })
        .filter_map(|(i, v)| {
            let d = score::distance_km(lat, lon, v.latitude, v.longitude);
            let range = f64::from(
                v.max_distance_km
                    .unwrap_or(i32::MAX)
                    .min(profile.search_radius_km),
            );
            (d <= range).then(|| {
                let age_days = v
                    .published_at
                    .map_or(0.0, |p| (now - p).num_minutes() as f64 / 1440.0);
                let s = score::score(&Pair {
                    required: v.competence_mask,
                    offered: profile.competence_mask,
                    distance_km: d,
                    range_km: range,
                    youth_hours: (hmin, hmax),
                    vacancy_hours: (v.hours_min, v.hours_max),
                    age_days,
                    education_gap: v.requires_start_qualification && lacks_sq,
                    other_side: other_side(employer.get(v.id.as_str()).copied()),
                });
                (s.score, i, d, s.matched, Reason::to_bits(&s.reasons))
            })
        })
        .collect();
    if scored.len() > FEED_SIZE {
        scored.select_nth_unstable_by(FEED_SIZE, |a, b| b.0.total_cmp(&a.0));
        scored.truncate(FEED_SIZE);
    }
    let items = scored
        .into_iter()
        .map(|(score, i, distance_km, matched, reasons)| Item {
            id: index.entries[i].id.to_string(),
            distance_km,
            score,
            matched,
            reasons,
        })
        .collect();
    Ok(rank(items))
}

fn other_side(decision: Option<&str>) -> OtherSide {
    match decision {
        Some("like") => OtherSide::Liked,
        Some("pass") => OtherSide::Passed,
        _ => OtherSide::Undecided,
    }
}

/// A page of a youth's feed: the best-ranked vacancies they have not swiped.
///
/// A page lists its ids from the cache; whether each is still open comes from the vacancy
/// index, whether the youth swiped it from one small query on `swipes` (the truth), and the
/// card itself from the card cache, or the database for the ones not cached.
pub async fn youth_feed(
    state: &AppState,
    youth: AccountId,
    limit: usize,
) -> Result<Feed, ApiError> {
    let key = youth_key(&youth);
    let mut cards = Vec::new();
    // A second pass only when the first found stale entries (swiped or closed since caching).
    for _ in 0..2 {
        let items = head(state, &key, limit * 2, || compute_youth(state, &youth)).await?;
        if items.is_empty() {
            break;
        }
        let now = state.clock.now_naive();
        let index = state.vacancy_index.snapshot();
        let open: Vec<VacancyId> = items
            .iter()
            .filter(|i| {
                index
                    .get(&i.id)
                    .is_some_and(|e| e.expires_at.is_some_and(|x| x > now))
            })
            .filter_map(|i| VacancyId::parse(&i.id))
            .collect();
        let (who, ids) = (youth.clone(), open.clone());
        let swiped = state
            .db
            .run(move |conn| Ok(store::swiped_among(conn, &who, &ids)?))
            .await?;
        let fresh: Vec<&Item> = items
            .iter()
            .filter(|i| {
                open.iter().any(|o| o.as_str() == i.id)
                    && !swiped.iter().any(|s| s.as_str() == i.id)
            })
            .collect();
        let mut stale = 0;
        for item in items.iter().filter(|i| !fresh.iter().any(|f| f.id == i.id)) {
            stale += 1;
            state.cache.list_remove(&key, &item.encode()).await;
        }
        let page: Vec<&Item> = fresh.into_iter().take(limit).collect();
        let views = vacancy_cards(state, page.iter().map(|i| i.id.as_str()).collect()).await?;
        cards = page
            .iter()
            .filter_map(|item| {
                views
                    .iter()
                    .find(|v| v.id.as_str() == item.id)
                    .map(|v| card((**v).clone(), item))
            })
            .collect();
        if stale == 0 || cards.len() >= limit {
            break;
        }
    }
    Ok(Feed { items: cards })
}

/// The public view of these vacancies: from the in-process card cache, the rest from the
/// database (and then cached). Cards live a short time; edits in this process drop them.
async fn vacancy_cards(
    state: &AppState,
    ids: Vec<&str>,
) -> Result<Vec<std::sync::Arc<crate::employers::model::Vacancy>>, ApiError> {
    let mut found = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match state.cards.get(id) {
            Some(v) => found.push(v),
            None => missing.extend(VacancyId::parse(id)),
        }
    }
    if !missing.is_empty() {
        let now = state.clock.now_naive();
        let rows = state
            .db
            .run(move |conn| Ok(store::cards_by_ids(conn, &missing)?))
            .await?;
        for (row, org, city) in rows {
            let view = std::sync::Arc::new(employers::view(row, org, city, false, now));
            state.cards.insert(view.id.to_string(), view.clone());
            found.push(view);
        }
    }
    Ok(found)
}

fn card(v: crate::employers::model::Vacancy, item: &Item) -> FeedCard {
    let coverage = score::coverage(
        catalogue::mask_of(v.competences.iter().filter_map(|c| catalogue::by_code(c))),
        item.matched,
    );
    let mut reasons = Reason::from_bits(item.reasons);
    if v.open_to_youth_without_start_qualification {
        reasons.push(Reason::NoStartQualificationNeeded);
    }
    FeedCard {
        why: why(item.matched, &v.competences, coverage, reasons),
        vacancy_id: v.id,
        title: v.title,
        description: v.description,
        occupation: v.occupation,
        competences: v.competences,
        kind: v.kind,
        hours_min: v.hours_min,
        hours_max: v.hours_max,
        positions: v.positions,
        place_name: v.place_name,
        minimum_education: v.minimum_education,
        open_to_youth_without_start_qualification: v.open_to_youth_without_start_qualification,
        start_date: v.start_date,
        expires_at: v.expires_at,
        organisation: OrganisationSummary {
            id: v.organisation.id,
            name: v.organisation.name,
            city: v.organisation.city,
        },
        distance_km: round_km(item.distance_km),
    }
}

// ---- Candidates for a vacancy ---------------------------------------------------------------

/// Scores every candidate youth for a vacancy.
async fn compute_candidates(
    state: &AppState,
    vacancy: crate::employers::store::VacancyRow,
) -> Result<Vec<Item>, ApiError> {
    let kind = vacancy.kind;
    // Every kinds mask (1..=15) that includes this vacancy's kind.
    let masks: Vec<i32> = (1..16).filter(|m| m & kind != 0).collect();
    let reach = f64::from(vacancy.max_distance_km.unwrap_or(100).min(100));
    let bbox = score::bounding_box(vacancy.latitude, vacancy.longitude, reach);
    let id = vacancy.id.clone();
    let hours = (vacancy.hours_min, vacancy.hours_max);
    let rows = state
        .db
        .run(move |conn| Ok(store::youth_candidates(conn, &id, &masks, bbox, hours)?))
        .await?;
    let now = state.clock.now_naive();
    let required_education = vacancy
        .min_education
        .as_deref()
        .and_then(EducationLevel::parse);
    let items = rows
        .into_iter()
        .filter_map(|y| {
            let (lat, lon) = (y.latitude?, y.longitude?);
            let d = score::distance_km(vacancy.latitude, vacancy.longitude, lat, lon);
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
                id: y.account_id.to_string(),
                distance_km: d,
                score: s.score,
                matched: s.matched,
                reasons: Reason::to_bits(&s.reasons),
            })
        })
        .collect();
    Ok(rank(items))
}

/// A page of anonymous candidate cards for a vacancy (members of its organisation only).
pub async fn candidates(
    state: &AppState,
    user: &crate::auth::AuthUser,
    vacancy: VacancyId,
    limit: usize,
) -> Result<Candidates, ApiError> {
    let now = state.clock.now_naive();
    let (id, account) = (vacancy.clone(), user.account_id.clone());
    let row = state
        .db
        .run(move |conn| {
            let (row, _, _) =
                crate::employers::store::find_vacancy(conn, &id)?.ok_or_else(|| {
                    ApiError::not_found(
                        "vacancy_not_found",
                        "There is no vacancy with this id that you can see.",
                    )
                })?;
            if crate::employers::store::role_in(conn, &row.organisation_id, &account)?.is_none() {
                return Err(if is_public(&row, now) {
                    ApiError::forbidden(
                        "not_your_vacancy",
                        "Only members of the organisation see its candidates.",
                    )
                } else {
                    ApiError::not_found(
                        "vacancy_not_found",
                        "There is no vacancy with this id that you can see.",
                    )
                });
            }
            Ok(row)
        })
        .await?;
    let status = crate::employers::model::VacancyStatus::parse(&row.status);
    if matches!(status, Some(s) if ShownStatus::of(s, false).is_final()) {
        return Err(ApiError::conflict(
            "vacancy_closed",
            "A closed or filled vacancy has no candidates.",
        ));
    }
    let key = candidates_key(&vacancy);
    let required: Vec<String> = serde_json::from_str(&row.competences).unwrap_or_default();
    let today = now.date();
    let mut cards = Vec::new();
    for _ in 0..2 {
        let items = head(state, &key, limit * 2, || {
            compute_candidates(state, row.clone())
        })
        .await?;
        if items.is_empty() {
            break;
        }
        let ids: Vec<AccountId> = items
            .iter()
            .filter_map(|i| AccountId::parse(&i.id))
            .collect();
        let v = vacancy.clone();
        let rows = state
            .db
            .run(move |conn| Ok(store::candidate_rows(conn, &v, &ids)?))
            .await?;
        let mut stale = 0;
        cards.clear();
        for item in &items {
            match rows.iter().find(|r| r.account_id.as_str() == item.id) {
                Some(profile) if cards.len() < limit => {
                    let p = crate::youth::service::view(profile.clone(), today);
                    let coverage = score::coverage(row.competence_mask, item.matched);
                    cards.push(CandidateCard {
                        candidate_id: state.candidate_ids.encode(&vacancy, &profile.account_id),
                        competences: p.competences,
                        profile_text: p.profile_text,
                        pitch: p.pitch,
                        education_level: p.education_level,
                        has_start_qualification: p.has_start_qualification,
                        hours_min: p.hours_min,
                        hours_max: p.hours_max,
                        available_from: p.available_from,
                        driving_licence: p.driving_licence,
                        languages: p.languages,
                        distance_km: round_km(item.distance_km),
                        why: why(
                            item.matched,
                            &required,
                            coverage,
                            Reason::from_bits(item.reasons),
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    stale += 1;
                    state.cache.list_remove(&key, &item.encode()).await;
                }
            }
        }
        if stale == 0 || cards.len() >= limit {
            break;
        }
    }
    Ok(Candidates { items: cards })
}

/// Removes one entry from a cached feed after a swipe.
pub async fn drop_from_youth_feed(state: &AppState, youth: &AccountId, vacancy: &VacancyId) {
    let key = youth_key(youth);
    if let Some(items) = state.cache.list_head(&key, FEED_SIZE).await {
        for raw in items.iter().filter(|r| r.starts_with(vacancy.as_str())) {
            state.cache.list_remove(&key, raw).await;
        }
    }
}

pub async fn drop_from_candidates(state: &AppState, vacancy: &VacancyId, youth: &AccountId) {
    let key = candidates_key(vacancy);
    if let Some(items) = state.cache.list_head(&key, FEED_SIZE).await {
        for raw in items.iter().filter(|r| r.starts_with(youth.as_str())) {
            state.cache.list_remove(&key, raw).await;
        }
    }
}

/// A youth's profile or competences changed: their feed is computed afresh.
pub async fn forget_youth_feed(state: &AppState, youth: &AccountId) {
    state.cache.delete(&youth_key(youth)).await;
}

/// A vacancy changed: its candidate feed is computed afresh.
pub async fn forget_candidates(state: &AppState, vacancy: &VacancyId) {
    state.cache.delete(&candidates_key(vacancy)).await;
}
