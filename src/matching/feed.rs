//! Feeds: computed, not stored. A youth's feed scores the open vacancies of the in-process
//! index; a vacancy's candidates come from SQL (cheap filters on indexed columns) and are
//! scored in Rust. The top ids go into the cache with a TTL. A youth's page checks its ids
//! against the index (still open) and the feed's swiped set (written when a swipe commits);
//! a candidate page re-reads its rows with a filter on the truth. Either way a stale list
//! cannot bring back a closed vacancy or a swiped card.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use crate::access::{Scope, UncheckedPrincipal};
use crate::audit::Action;
use crate::competences::catalogue;
use crate::db::ids::{AccountId, VacancyId};
use crate::employers::model::Vacancy;
use crate::employers::model::{OrganisationSummary, ShownStatus};
use crate::employers::service::{self as employers, is_public};
use crate::error::{ApiError, ProblemCode};
use crate::matching::index;
use crate::matching::model::{CandidateCard, CandidatePage, FeedCard, Why};
use crate::matching::score::{self, OtherSide, Pair, Reason};
use crate::matching::store;
use crate::paging::{self, List, Page};
use crate::state::AppState;
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
    /// The id (a vacancy's, or a youth's in a candidate feed) as its UUID's bits: how the
    /// index and the card cache key it; the text is rebuilt only where needed.
    key: u128,
    distance_km: f64,
    score: f64,
    matched: i64,
    reasons: u8,
}

impl Item {
    /// The id as text (ids are UUIDs this service wrote in this form).
    fn id(&self) -> String {
        uuid::Uuid::from_u128(self.key).to_string()
    }

    fn encode(&self) -> String {
        format!(
            "{}|{:.2}|{:.5}|{}|{}",
            uuid::Uuid::from_u128(self.key),
            self.distance_km,
            self.score,
            self.matched,
            self.reasons
        )
    }

    /// The score as ranked (to 5 decimals, as cached): with the key, an entry's place.
    fn rank(&self) -> i64 {
        (self.score * 1e5).round() as i64
    }

    /// Whether this entry is ranked after `place` (lower rank, or equal rank and higher key).
    fn comes_after(&self, place: &Place) -> bool {
        (Reverse(self.rank()), self.key) > (Reverse(place.0), place.1)
    }

    fn decode(raw: &str) -> Option<Item> {
        let mut parts = raw.split('|');
        let id = uuid::Uuid::parse_str(parts.next()?).ok()?;
        Some(Item {
            key: id.as_u128(),
            distance_km: parts.next()?.parse().ok()?,
            score: parts.next()?.parse().ok()?,
            matched: parts.next()?.parse().ok()?,
            // Entries cached before reasons were kept have none.
            reasons: parts.next().and_then(|r| r.parse().ok()).unwrap_or(0),
        })
    }
}

fn rank(mut items: Vec<Item>) -> Vec<Item> {
    // By the score as cached, equal ones in id order (a UUID's bits sort like its text), so
    // a cursor's place splits a cached list exactly where a fresh one would.
    items.sort_by_key(|i| (Reverse(i.rank()), i.key));
    items.truncate(FEED_SIZE);
    items
}

/// An entry's place in a ranked list: its rank and its key. A page's cursor is the place of
/// its last entry; the next page is what comes after it.
type Place = (i64, u128);

/// The cursor position of a youth's feed entry: `rank.vacancy_id`.
fn feed_position(item: &Item) -> String {
    format!("{}.{}", item.rank(), uuid::Uuid::from_u128(item.key))
}

fn feed_place(position: &str) -> Option<Place> {
    let (rank, id) = position.split_once('.')?;
    Some((
        rank.parse().ok()?,
        uuid::Uuid::parse_str(id).ok()?.as_u128(),
    ))
}

/// Where the page after this one starts: after its last entry when it is full; after the
/// last entry looked at when the window read was full (more may follow, past stale ones);
/// else nowhere.
fn next_place<'a>(
    page: Option<&'a Item>,
    full: bool,
    window: &'a [Item],
    read_all: bool,
) -> Option<&'a Item> {
    if full {
        page
    } else if !read_all {
        window.last()
    } else {
        None
    }
}

/// The ranked entries of a vacancy's candidate feed: from the cache, or computed and cached.
/// (A candidate page re-reads its rows from the database, which is the truth check.)
async fn candidate_entries(
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

/// A vacancy's required competences in its order, with their catalogue bits looked up once
/// (not per card per page), to explain a ranking.
struct Required {
    codes: Vec<(String, u8)>,
    mask: i64,
}

impl Required {
    fn of(codes: &[String]) -> Required {
        let codes: Vec<(String, u8)> = codes
            .iter()
            .filter_map(|code| catalogue::by_code(code).map(|c| (code.clone(), c.bit)))
            .collect();
        let mask = codes.iter().fold(0i64, |m, (_, bit)| m | (1i64 << bit));
        Required { codes, mask }
    }

    /// Why a pair with these `matched` competences ranked as it did.
    fn why(&self, matched: i64, reasons: Vec<Reason>) -> Why {
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
    let index = state.vacancy_index.snapshot();
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
            key: index.entries[r.position].key(),
            distance_km: r.distance_km,
            score: r.score,
            matched: r.matched,
            reasons: r.reasons,
        })
        .collect();
    Ok(rank(items))
}

/// What a youth's feed is ranked for.
struct Seeker<'a> {
    latitude: f64,
    longitude: f64,
    radius_km: i32,
    kinds: i32,
    hours: (i32, i32),
    competence_mask: i64,
    lacks_start_qualification: bool,
    swiped: &'a index::KeyMap<()>,
    /// The employer's decision per vacancy, where they made one.
    employer: &'a index::KeyMap<&'a str>,
    now: chrono::NaiveDateTime,
}

/// The best [`FEED_SIZE`] open vacancies of the index for a youth, unordered.
///
/// Only the grid cells around the youth are visited, nearest first, until cells too far for
/// anything in them to get in; and a pair is scored in full only when its upper bound
/// can beat the current last of the best 200.
/// Positions are kept; the caller turns only the final 200 into ids.
fn best_vacancies(index: &index::Snapshot, y: &Seeker<'_>) -> Best {
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
        let v = &index.entries[i];
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
struct Ranked {
    score: f64,
    position: usize,
    distance_km: f64,
    matched: i64,
    reasons: u8,
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
struct Best {
    k: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl Best {
    fn new(k: usize) -> Best {
        Best {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// The score to beat to get in: minus infinity until there are `k`.
    fn floor(&self) -> f64 {
        match self.heap.peek() {
            Some(Reverse(last)) if self.heap.len() >= self.k => last.score,
            _ => f64::NEG_INFINITY,
        }
    }

    fn offer(&mut self, r: Ranked) {
        if self.heap.len() < self.k {
            self.heap.push(Reverse(r));
        } else if r.score > self.floor() {
            self.heap.pop();
            self.heap.push(Reverse(r));
        }
    }
}

fn other_side(decision: Option<&str>) -> OtherSide {
    match decision {
        Some("like") => OtherSide::Liked,
        Some("pass") => OtherSide::Passed,
        _ => OtherSide::Undecided,
    }
}

/// A cached feed as read: its raw entries and the ids swiped since it was ranked.
type Cached = (Vec<String>, std::collections::HashSet<String>);

/// The ranked entries of a youth's feed and the ids swiped since it was ranked: from what
/// was read from the cache, or ranked now (and then nothing is swiped since).
async fn youth_entries(
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

/// A page of a youth's feed: the best-ranked vacancies they have not swiped, after the
/// page's cursor.
///
/// A warm first page touches no database: the ranked ids and the ids swiped since come from
/// the cache in one round trip, whether each vacancy is still open from the vacancy index,
/// and the cards from the card cache (the database only for cards not cached). A later page
/// reads the whole cached list to find where it starts.
///
/// Returns the page as the JSON of a [`FeedPage`](crate::matching::model::FeedPage): the
/// vacancy part of each card is serialized once per cached card ([`CardTemplate`]), only the
/// youth's part per page.
///
/// The caller's session is checked against the revoked list in the same cache round trip as
/// the first read of the feed.
pub async fn youth_feed(
    state: &AppState,
    caller: UncheckedPrincipal,
    page: &Page,
) -> Result<Vec<u8>, ApiError> {
    let limit = page.limit();
    let key = youth_key(caller.account_id());
    // A few spare entries for ones found stale; a page short of cards reads again. A later
    // page reads the whole list to find where it starts.
    let n = if page.has_cursor() {
        FEED_SIZE
    } else {
        limit + limit / 2
    };
    let (session, mut cached) = state
        .cache
        .feed_read(&key, n, Some(&caller.session_key()))
        .await;
    let access = caller
        .confirm(state, session)
        .await?
        .youth(Scope::ViewProfile)?;
    if access.coach().is_some() {
        // A coach sees the feed as the youth does; reading it consumes nothing.
        let (a, now) = (access.clone(), state.clock.now_naive());
        state
            .db
            .run(move |conn| a.audit(conn, now, Action::ViewFeed, None))
            .await?;
    }
    let youth = access.youth().clone();
    // Judged only now: an ended session answers 401 whatever cursor it sends.
    let after = page.after(feed_place)?;
    let mut cards = Vec::new();
    let mut next = None;
    // A second pass only when the first found stale entries (swiped or closed since ranking).
    for pass in 0..2 {
        if pass > 0 {
            cached = state.cache.feed_read(&key, n, None).await.1;
        }
        let (items, gone) = youth_entries(state, &youth, n, cached.take()).await?;
        let read_all = items.len() < n;
        let window: Vec<Item> = match &after {
            Some(place) => items.into_iter().filter(|i| i.comes_after(place)).collect(),
            None => items,
        };
        if window.is_empty() {
            break;
        }
        let now = state.clock.now_naive();
        let index = state.vacancy_index.snapshot();
        let (fresh, stale): (Vec<&Item>, Vec<&Item>) = window
            .iter()
            .partition(|i| !gone.contains_key(&i.key) && index.is_open(i.key, now));
        if !stale.is_empty() {
            let encoded: Vec<String> = stale.iter().map(|i| i.encode()).collect();
            state.cache.list_remove_many(&key, &encoded).await;
        }
        let page: Vec<&Item> = fresh.into_iter().take(limit).collect();
        next = next_place(page.last().copied(), page.len() == limit, &window, read_all)
            .map(|i| paging::cursor(List::Feed, &feed_position(i)));
        let templates = card_templates(state, &page).await?;
        cards = page
            .iter()
            .zip(templates)
            .filter_map(|(item, t)| t.map(|t| (t, (*item).clone())))
            .collect();
        if stale.is_empty() || cards.len() >= limit {
            break;
        }
    }
    page_json(&cards, next.as_deref())
}

/// The card templates of a page, in its order: from the card cache, the rest from the
/// database (and then cached). `None` for a vacancy that is gone.
async fn card_templates(
    state: &AppState,
    page: &[&Item],
) -> Result<Vec<Option<Arc<CardTemplate>>>, ApiError> {
    let now = std::time::Instant::now();
    let mut found: Vec<Option<Arc<CardTemplate>>> =
        page.iter().map(|i| state.cards.get(i.key, now)).collect();
    let missing: Vec<VacancyId> = page
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .filter_map(|(i, _)| VacancyId::parse(&i.id()))
        .collect();
    if !missing.is_empty() {
        let now = state.clock.now_naive();
        let rows = state
            .db
            .run(move |conn| Ok(store::cards_by_ids(conn, &missing)?))
            .await?;
        for (row, org, city) in rows {
            let key = index::key_of(row.id.as_str());
            let template = Arc::new(CardTemplate::new(employers::view(
                row, org, city, false, now,
            ))?);
            state.cards.insert(key, template.clone());
            for (item, slot) in page.iter().zip(found.iter_mut()) {
                if item.key == key {
                    *slot = Some(template.clone());
                }
            }
        }
    }
    Ok(found)
}

/// Drops a vacancy's cached card (after an edit in this process; other instances' copies
/// live out their 30 seconds).
pub fn forget_card(state: &AppState, vacancy: &VacancyId) {
    state.cards.forget(index::key_of(vacancy.as_str()));
}

/// A feed card's vacancy part, serialized once and shared by every page while cached; a page
/// adds the youth's own part (`distance_km`, `why`) to it.
pub struct CardTemplate {
    required: Required,
    open_to_youth_without_start_qualification: bool,
    /// The card's JSON without `distance_km` and `why`, and without its closing brace.
    json: Box<str>,
}

impl CardTemplate {
    fn new(v: Vacancy) -> Result<CardTemplate, ApiError> {
        let required = Required::of(&v.competences);
        let open = v.open_to_youth_without_start_qualification;
        let mut value = serde_json::to_value(card(v, 0.0, empty_why()))
            .map_err(|e| ApiError::internal(format!("feed card: {e}")))?;
        if let Some(fields) = value.as_object_mut() {
            fields.remove("distance_km");
            fields.remove("why");
        }
        let mut json = value.to_string();
        json.pop();
        Ok(CardTemplate {
            required,
            open_to_youth_without_start_qualification: open,
            json: json.into(),
        })
    }

    /// Why this vacancy is shown to the youth it was ranked for.
    fn why(&self, item: &Item) -> Why {
        let mut reasons = Reason::from_bits(item.reasons);
        if self.open_to_youth_without_start_qualification {
            reasons.push(Reason::NoStartQualificationNeeded);
        }
        self.required.why(item.matched, reasons)
    }
}

fn empty_why() -> Why {
    Why {
        matched_competences: Vec::new(),
        coverage: 0.0,
        reasons: Vec::new(),
    }
}

/// The JSON of a [`FeedPage`](crate::matching::model::FeedPage) with these cards.
fn page_json(
    cards: &[(Arc<CardTemplate>, Item)],
    next_cursor: Option<&str>,
) -> Result<Vec<u8>, ApiError> {
    let failed = |e: serde_json::Error| ApiError::internal(format!("feed page: {e}"));
    let size: usize = cards.iter().map(|(t, _)| t.json.len() + 256).sum();
    let mut out = Vec::with_capacity(size + 16);
    out.extend_from_slice(b"{\"items\":[");
    for (n, (template, item)) in cards.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(template.json.as_bytes());
        if !template.json.ends_with('{') {
            out.push(b',');
        }
        out.extend_from_slice(b"\"distance_km\":");
        serde_json::to_writer(&mut out, &round_km(item.distance_km)).map_err(failed)?;
        out.extend_from_slice(b",\"why\":");
        serde_json::to_writer(&mut out, &template.why(item)).map_err(failed)?;
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"next_cursor\":");
    serde_json::to_writer(&mut out, &next_cursor).map_err(failed)?;
    out.push(b'}');
    Ok(out)
}

/// The typed card (what the contract documents; [`page_json`] writes the same JSON).
fn card(v: Vacancy, distance_km: f64, why: Why) -> FeedCard {
    FeedCard {
        why,
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
        distance_km,
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
    let origin = score::Origin::new(vacancy.latitude, vacancy.longitude);
    let required_education = vacancy
        .min_education
        .as_deref()
        .and_then(EducationLevel::parse);
    let items = rows
        .into_iter()
        .filter_map(|y| {
            let (lat, lon) = (y.latitude?, y.longitude?);
            // The formula the youth's feed uses, so both sides see the same distance.
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
    Ok(rank(items))
}

/// A page of anonymous candidate cards for a vacancy (members of its organisation only).
pub async fn candidates(
    state: &AppState,
    user: &crate::access::Principal,
    vacancy: VacancyId,
    page: &Page,
) -> Result<CandidatePage, ApiError> {
    let limit = page.limit();
    let now = state.clock.now_naive();
    let (id, caller) = (vacancy.clone(), user.clone());
    let row = state
        .db
        .run(move |conn| {
            let (row, _, _) =
                crate::employers::store::find_vacancy(conn, &id)?.ok_or_else(|| {
                    ApiError::new(
                        ProblemCode::VacancyNotFound,
                        "There is no vacancy with this id that you can see.",
                    )
                })?;
            crate::access::vacancy_member(
                conn,
                &caller,
                &row.organisation_id,
                is_public(&row, now),
                "Only members of the organisation see its candidates.",
            )?;
            Ok(row)
        })
        .await?;
    let status = crate::employers::model::VacancyStatus::parse(&row.status);
    if matches!(status, Some(s) if ShownStatus::of(s, false).is_final()) {
        return Err(ApiError::new(
            ProblemCode::VacancyClosed,
            "A closed or filled vacancy has no candidates.",
        ));
    }
    // The cursor, judged only for a member: it names its vacancy, and the candidate by their
    // id for this vacancy, never by account (`vacancy.rank.candidate`).
    let after = page.after(|p| {
        let mut parts = p.splitn(3, '.');
        (parts.next()? == vacancy.as_str()).then_some(())?;
        let rank = parts.next()?.parse().ok()?;
        let youth = state.candidate_ids.decode(&vacancy, parts.next()?)?;
        Some((rank, index::key_of(youth.as_str())))
    })?;
    let key = candidates_key(&vacancy);
    let required =
        Required::of(&serde_json::from_str::<Vec<String>>(&row.competences).unwrap_or_default());
    let today = now.date();
    let n = if after.is_some() {
        FEED_SIZE
    } else {
        limit * 2
    };
    let mut cards: Vec<(CandidateCard, Item)> = Vec::new();
    let mut next = None;
    for _ in 0..2 {
        let items = candidate_entries(state, &row, n).await?;
        let read_all = items.len() < n;
        let window: Vec<Item> = match &after {
            Some(place) => items.into_iter().filter(|i| i.comes_after(place)).collect(),
            None => items,
        };
        if window.is_empty() {
            break;
        }
        let ids: Vec<AccountId> = window
            .iter()
            .filter_map(|i| AccountId::parse(&i.id()))
            .collect();
        let v = vacancy.clone();
        let rows = state
            .db
            .run(move |conn| Ok(store::candidate_rows(conn, &v, &ids)?))
            .await?;
        let rows: index::KeyMap<crate::youth::store::ProfileRow> = rows
            .into_iter()
            .map(|r| (index::key_of(r.account_id.as_str()), r))
            .collect();
        let mut stale = Vec::new();
        cards.clear();
        for item in &window {
            match rows.get(&item.key) {
                Some(profile) if cards.len() < limit => {
                    let p = crate::youth::service::view(profile.clone(), today);
                    let card = CandidateCard {
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
                        why: required.why(item.matched, Reason::from_bits(item.reasons)),
                    };
                    cards.push((card, item.clone()));
                }
                Some(_) => {}
                None => stale.push(item.encode()),
            }
        }
        if !stale.is_empty() {
            state.cache.list_remove_many(&key, &stale).await;
        }
        let last = cards.last().map(|(_, item)| item);
        next = next_place(last, cards.len() == limit, &window, read_all).map(|i| {
            // The place of the last card's candidate, by their id for this vacancy.
            let candidate = AccountId::parse(&i.id())
                .map(|youth| state.candidate_ids.encode(&vacancy, &youth))
                .unwrap_or_default();
            paging::cursor(
                List::Candidates,
                &format!("{vacancy}.{}.{candidate}", i.rank()),
            )
        });
        if stale.is_empty() || cards.len() >= limit {
            break;
        }
    }
    Ok(CandidatePage {
        items: cards.into_iter().map(|(card, _)| card).collect(),
        next_cursor: next,
    })
}

/// Takes a swiped vacancy out of the youth's cached feed (after the swipe has committed).
pub async fn drop_from_youth_feed(state: &AppState, youth: &AccountId, vacancy: &VacancyId) {
    let ttl = state.settings.feed_ttl;
    if !ttl.is_zero() {
        state
            .cache
            .feed_take_out(&youth_key(youth), vacancy.as_str(), ttl)
            .await;
    }
}

pub async fn drop_from_candidates(state: &AppState, vacancy: &VacancyId, youth: &AccountId) {
    let key = candidates_key(vacancy);
    if let Some(items) = state.cache.list_head(&key, FEED_SIZE).await {
        let swiped: Vec<String> = items
            .into_iter()
            .filter(|r| r.starts_with(youth.as_str()))
            .collect();
        state.cache.list_remove_many(&key, &swiped).await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::OrganisationId;

    fn vacancy(title: &str, competences: &[&str], open: bool) -> Vacancy {
        Vacancy {
            id: VacancyId::generate(),
            organisation: OrganisationSummary {
                id: OrganisationId::generate(),
                name: "Bakkerij \"Zoet\" & Zn".into(),
                city: "Eindhoven".into(),
            },
            title: title.into(),
            description: "Brood bakken,\nklanten helpen — één dag per week.\u{2028}".into(),
            occupation: "baker".into(),
            competences: competences.iter().map(|c| c.to_string()).collect(),
            kind: crate::work::WorkKind::SideJob,
            hours_min: 8,
            hours_max: 12,
            positions: 2,
            place_name: "Eindhoven".into(),
            location: crate::youth::model::Location {
                lat: 51.44,
                lon: 5.47,
            },
            max_distance_km: Some(20),
            minimum_education: None,
            open_to_youth_without_start_qualification: open,
            start_date: None,
            expires_at: None,
            status: None,
            valid_days: None,
            published_at: None,
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn the_pruned_grid_scan_keeps_the_same_best_as_scoring_everything() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap();
        let entries: Vec<index::Entry> = (0..20_000)
            .map(|_| index::Entry::sample(&mut rng, now))
            .collect();
        let snapshot = index::Snapshot::new(entries.clone());
        for round in 0..20 {
            let swiped: index::KeyMap<()> = entries
                .iter()
                .step_by(7 + round)
                .map(|e| (e.key(), ()))
                .collect();
            let employer: index::KeyMap<&str> = entries
                .iter()
                .skip(round)
                .step_by(5)
                .map(|e| (e.key(), if round % 2 == 0 { "like" } else { "pass" }))
                .collect();
            let hours_min = rng.random_range(4..=32);
            let y = Seeker {
                latitude: rng.random_range(51.2..52.6),
                longitude: rng.random_range(4.3..6.2),
                radius_km: rng.random_range(5..=60),
                kinds: rng.random_range(1..16),
                hours: (hours_min, rng.random_range(hours_min..=40)),
                competence_mask: rng.random::<i64>() & 0xfff,
                lacks_start_qualification: rng.random(),
                swiped: &swiped,
                employer: &employer,
                now,
            };
            // Everything scored, no grid, no bound.
            let origin = score::Origin::new(y.latitude, y.longitude);
            let mut expected: Vec<f64> = entries
                .iter()
                .filter(|v| {
                    y.kinds & i32::from(v.kind) != 0
                        && i32::from(v.hours_min) <= y.hours.1
                        && i32::from(v.hours_max) >= y.hours.0
                        && v.open_at(now)
                        && !swiped.contains_key(&v.key())
                })
                .filter_map(|v| {
                    let d = origin.km(f64::from(v.latitude), f64::from(v.longitude));
                    let range = f64::from(v.max_distance_km().unwrap_or(i32::MAX).min(y.radius_km));
                    (d <= range).then(|| {
                        score::score(&Pair {
                            required: v.competence_mask,
                            offered: y.competence_mask,
                            distance_km: d,
                            range_km: range,
                            youth_hours: y.hours,
                            vacancy_hours: (i32::from(v.hours_min), i32::from(v.hours_max)),
                            age_days: v.age_days(now),
                            education_gap: v.requires_start_qualification
                                && y.lacks_start_qualification,
                            other_side: other_side(employer.get(&v.key()).copied()),
                        })
                        .score
                    })
                })
                .collect();
            expected.sort_by(|a, b| b.total_cmp(a));
            expected.truncate(FEED_SIZE);
            let mut found: Vec<f64> = best_vacancies(&snapshot, &y)
                .heap
                .into_iter()
                .map(|Reverse(r)| r.score)
                .collect();
            found.sort_by(|a, b| b.total_cmp(a));
            assert_eq!(found, expected, "round {round}");
        }
    }

    #[test]
    fn a_page_written_from_templates_is_the_json_of_the_typed_feed() {
        let vacancies = [
            vacancy(
                "Hulp in de bakkerij",
                &["teamwork", "reliability", "hygiene"],
                true,
            ),
            vacancy("Magazijn", &["physical_fitness", "accuracy"], false),
        ];
        let items: Vec<Item> = vacancies
            .iter()
            .enumerate()
            .map(|(n, v)| Item {
                key: index::key_of(v.id.as_str()),
                distance_km: 2.71 * (n + 1) as f64,
                score: 0.5,
                matched: catalogue::mask_of(
                    v.competences
                        .iter()
                        .take(1)
                        .filter_map(|c| catalogue::by_code(c)),
                ),
                reasons: Reason::to_bits(&[Reason::Nearby]),
            })
            .collect();
        let cards: Vec<(Arc<CardTemplate>, Item)> = vacancies
            .iter()
            .zip(&items)
            .map(|(v, i)| (Arc::new(CardTemplate::new(v.clone()).unwrap()), i.clone()))
            .collect();
        let written: serde_json::Value =
            serde_json::from_slice(&page_json(&cards, Some("Y3Vyc29y")).unwrap()).unwrap();
        let typed = crate::matching::model::FeedPage {
            items: cards
                .iter()
                .zip(&vacancies)
                .map(|((t, i), v)| card(v.clone(), round_km(i.distance_km), t.why(i)))
                .collect(),
            next_cursor: Some("Y3Vyc29y".to_owned()),
        };
        assert_eq!(written, serde_json::to_value(&typed).unwrap());
        assert_eq!(
            written["items"][0]["why"]["matched_competences"],
            serde_json::json!(["teamwork"])
        );
        let empty: serde_json::Value =
            serde_json::from_slice(&page_json(&[], None).unwrap()).unwrap();
        assert_eq!(empty, serde_json::json!({"items": [], "next_cursor": null}));
    }
}
