//! A page of anonymous candidate cards for a vacancy, for members of its organisation.

use crate::db::ids::{AccountId, VacancyId};
use crate::employers::model::ShownStatus;
use crate::employers::service::is_public;
use crate::error::{ApiError, ProblemCode};
use crate::matching::index;
use crate::matching::model::{CandidateCard, CandidatePage};
use crate::matching::score::Reason;
use crate::matching::store;
use crate::paging::{self, List, Page};
use crate::state::AppState;

use super::entry::*;
use super::rank::*;
use super::*;

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
    count_shown(state, &cards);
    Ok(CandidatePage {
        items: cards.into_iter().map(|(card, _)| card).collect(),
        next_cursor: next,
    })
}

/// Counts each card shown for its youth (their log shows how often employers saw their
/// anonymous card). Not a personal access: counted, not logged, and off the answer's path.
pub(super) fn count_shown(state: &AppState, cards: &[(CandidateCard, Item)]) {
    state.card_views.shown(
        cards
            .iter()
            .filter_map(|(_, item)| AccountId::parse(&item.id())),
    );
}
