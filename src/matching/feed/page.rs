//! A youth's feed page: the ranked entries still open and not swiped, as JSON written from
//! cached card templates.

use std::sync::Arc;

use crate::access::{Scope, UncheckedPrincipal};
use crate::audit::Action;
use crate::db::ids::VacancyId;
use crate::employers::model::OrganisationSummary;
use crate::employers::model::Vacancy;
use crate::employers::service::{self as employers};
use crate::error::ApiError;
use crate::matching::index;
use crate::matching::model::{FeedCard, Why};
use crate::matching::score::Reason;
use crate::matching::store;
use crate::paging::{self, List, Page};
use crate::state::AppState;

use super::entry::*;
use super::rank::*;
use super::*;

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
pub(super) async fn card_templates(
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
    pub(super) required: Required,
    pub(super) open_to_youth_without_start_qualification: bool,
    /// The card's JSON without `distance_km` and `why`, and without its closing brace.
    pub(super) json: Box<str>,
}

impl CardTemplate {
    pub(super) fn new(v: Vacancy) -> Result<CardTemplate, ApiError> {
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
    pub(super) fn why(&self, item: &Item) -> Why {
        let mut reasons = Reason::from_bits(item.reasons);
        if self.open_to_youth_without_start_qualification {
            reasons.push(Reason::NoStartQualificationNeeded);
        }
        self.required.why(item.matched, reasons)
    }
}

pub(super) fn empty_why() -> Why {
    Why {
        matched_competences: Vec::new(),
        coverage: 0.0,
        reasons: Vec::new(),
    }
}

/// The JSON of a [`FeedPage`](crate::matching::model::FeedPage) with these cards.
pub(super) fn page_json(
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
pub(super) fn card(v: Vacancy, distance_km: f64, why: Why) -> FeedCard {
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
