//! A page of anonymous candidate cards for a vacancy, for members of its organisation.
//!
//! The warm path is one trip to the database: the ranked list is read from the cache first,
//! then the vacancy, the caller's right to see its candidates, its introduced cards and the
//! truth of the page's rows (active, not answered by the employer) are read together. A miss
//! (or a page whose rows turned out stale) takes a second trip. A page asked again is served
//! as it was answered while the marks of its truth say nothing changed (see `checked`): the
//! vacancy and the caller's right are still read every time, the cards are not.

use std::collections::{HashMap, HashSet};

use actix_web::web::Bytes;

use crate::db::DbConn;
use crate::db::ids::{AccountId, IntroductionId, VacancyId};
use crate::employers::model::ShownStatus;
use crate::employers::service::is_public;
use crate::employers::store::VacancyRow;
use crate::error::{ApiError, ProblemCode};
use crate::matching::index;
use crate::matching::model::{CandidateCard, CandidateIntroduction, CandidatePage};
use crate::matching::score::Reason;
use crate::matching::store::{self, CardRow};
use crate::paging::{self, List, Page};
use crate::state::AppState;

use super::checked::{Basis, CandidatePages, KeptPage};
use super::entry::*;
use super::rank::*;
use super::*;

/// Where a page of candidates starts: among the introduced cards (after the one with this
/// introduction id), or in the ranked list after a place.
enum At {
    Introduced(Option<IntroductionId>),
    Ranked(Place),
}

/// How many rows a page of `limit` cards reads: a few more than it shows, so that a stale
/// entry or two (swiped or paused since the list was ranked) do not cost a second trip.
fn rows_for(limit: usize) -> usize {
    limit + limit / 4 + 2
}

/// The ranked entries a page looks at: those after `after`, none of `exclude`, at most
/// `want`; and whether they are the rest of the list (nothing was left unread).
fn window(
    items: Vec<Item>,
    n: usize,
    after: Option<Place>,
    exclude: &HashSet<u128>,
    want: usize,
) -> (Vec<Item>, bool) {
    let listed = items.len();
    let mut window: Vec<Item> = items
        .into_iter()
        .filter(|i| after.as_ref().is_none_or(|place| i.comes_after(place)))
        .filter(|i| !exclude.contains(&i.key))
        .collect();
    let cut = window.len() > want;
    window.truncate(want);
    (window, listed < n && !cut)
}

fn ids_of(window: &[Item]) -> Vec<AccountId> {
    window
        .iter()
        .filter_map(|i| AccountId::parse(&i.id()))
        .collect()
}

/// A window of the ranked list with its rows as the database has them now.
struct Checked {
    window: Vec<Item>,
    read_all: bool,
    rows: Vec<CardRow>,
}

/// What the first trip to the database found.
enum Found {
    /// A kept page that is still true.
    Kept(std::sync::Arc<KeptPage>),
    /// The vacancy and what a page is built from.
    Fresh {
        row: Box<VacancyRow>,
        basis: Basis,
        introduced: Vec<Introduced>,
        exclude: HashSet<u128>,
        checked: Option<Checked>,
    },
}

/// A closed or filled vacancy has no candidates.
fn is_closed(row: &VacancyRow) -> bool {
    let status = crate::employers::model::VacancyStatus::parse(&row.status);
    matches!(status, Some(s) if ShownStatus::of(s, false).is_final())
}

/// A page of anonymous candidate cards for a vacancy, for members of its organisation and
/// the coaches of an intermediary it is an active client of: first the youth a coach
/// introduced (who said yes and whom the employer has not answered), then the ranked list.
/// The answer is the JSON of a [`CandidatePage`].
pub async fn candidates(
    state: &AppState,
    user: &crate::access::Principal,
    vacancy: VacancyId,
    page: &Page,
) -> Result<Bytes, ApiError> {
    let limit = page.limit();
    let now = state.clock.now_naive();
    // The cursor names its vacancy, and the candidate by their id for this vacancy, never by
    // account (`vacancy.rank.candidate`), or the introduction (`vacancy.i.introduction`). It
    // is judged only for a member (a bad one is an error after the access check).
    let at = page.after(|p| {
        let mut parts = p.splitn(3, '.');
        (parts.next()? == vacancy.as_str()).then_some(())?;
        let second = parts.next()?;
        if second == "i" {
            return Some(At::Introduced(Some(IntroductionId::parse(parts.next()?)?)));
        }
        let rank = second.parse().ok()?;
        let youth = state.candidate_ids.decode(&vacancy, parts.next()?)?;
        Some(At::Ranked((rank, index::key_of(youth.as_str()))))
    });
    let after = match &at {
        Ok(Some(At::Ranked(place))) => Some(*place),
        _ => None,
    };
    let key = CandidatePages::key(&vacancy, limit, page.position());
    // A kept page (only ever one of a good cursor) needs no ranked list unless it is stale.
    let kept = if at.is_ok() {
        state.candidate_pages.get(&key)
    } else {
        None
    };
    // Introduced cards are built only for a page that starts among them; every page leaves
    // the introduced youth out of its ranked part.
    let with_introduced = after.is_none();
    let want = rows_for(limit);
    let n = if after.is_some() { FEED_SIZE } else { want };
    let listed: Option<Vec<Item>> = match kept {
        Some(_) => None,
        None => state
            .cache
            .list_head(&candidates_key(&vacancy), n)
            .await
            .map(|raw| raw.iter().filter_map(|r| Item::decode(r)).collect()),
    };
    let (id, caller) = (vacancy.clone(), user.clone());
    let pages = std::sync::Arc::clone(&state.candidate_pages);
    let found = state
        .db
        .run(move |conn| {
            let (row, marks, role) = store::vacancy_with_marks(conn, &id, &caller.account_id)?
                .ok_or_else(|| {
                    ApiError::new(
                        ProblemCode::VacancyNotFound,
                        "There is no vacancy with this id that you can see.",
                    )
                })?;
            crate::access::vacancy_manager_with_role(
                conn,
                &caller,
                &row.organisation_id,
                role,
                is_public(&row, now),
                "Only members of the organisation (or of an intermediary it is a client of) see its candidates.",
            )?;
            if let Some(kept) = kept
                && !is_closed(&row)
                && pages.still_true(conn, &kept, row.updated_at, marks)?
            {
                return Ok(Found::Kept(kept));
            }
            // Taken before any row is read: the rows are at least as new as the marks.
            let basis = pages.basis(row.updated_at, marks);
            let waiting =
                crate::clients::store::waiting_for_employer(conn, &row.id, None, INTRODUCED_MAX)?;
            let exclude: HashSet<u128> = waiting
                .iter()
                .map(|i| index::key_of(i.youth_id.as_str()))
                .collect();
            let introduced = if with_introduced {
                introduced_cards(conn, &row, waiting)?
            } else {
                Vec::new()
            };
            let checked = match listed {
                Some(items) => {
                    let (window, read_all) = window(items, n, after, &exclude, want);
                    let rows = store::card_rows(conn, &id, &ids_of(&window))?;
                    Some(Checked {
                        window,
                        read_all,
                        rows,
                    })
                }
                None => None,
            };
            Ok(Found::Fresh {
                row: Box::new(row),
                basis,
                introduced,
                exclude,
                checked,
            })
        })
        .await?;
    let (row, basis, introduced, exclude, checked) = match found {
        Found::Kept(kept) => {
            state.candidate_pages.note_served();
            state.card_views.shown(kept.shown.iter().cloned());
            return Ok(kept.body.clone());
        }
        Found::Fresh {
            row,
            basis,
            introduced,
            exclude,
            checked,
        } => (row, basis, introduced, exclude, checked),
    };
    let at = at?.unwrap_or(At::Introduced(None));
    if is_closed(&row) {
        return Err(ApiError::new(
            ProblemCode::VacancyClosed,
            "A closed or filled vacancy has no candidates.",
        ));
    }
    // Every youth the page looks at: a change of any of them makes the kept page stale.
    let mut looked: Vec<u128> = exclude.iter().copied().collect();
    let mut items: Vec<CandidateCard> = Vec::new();
    let mut shown: Vec<AccountId> = Vec::new();
    let mut next_cursor = None;
    let mut full_of_introduced = false;
    let ranked_after = match at {
        At::Ranked(place) => Some(place),
        At::Introduced(after) => {
            let mut rest = introduced
                .into_iter()
                .filter(|i| after.as_ref().is_none_or(|a| &i.id > a))
                .peekable();
            let mut last = None;
            while items.len() < limit {
                let Some(mut i) = rest.next() else {
                    break;
                };
                i.card.candidate_id = state.candidate_ids.encode(&vacancy, &i.youth);
                items.push(i.card);
                shown.push(i.youth);
                last = Some(i.id);
            }
            if rest.peek().is_some() || items.len() == limit {
                // A page full of introduced cards: the next starts after its last one.
                full_of_introduced = true;
                next_cursor =
                    last.map(|i| paging::cursor(List::Candidates, &format!("{vacancy}.i.{i}")));
            }
            None
        }
    };
    if !full_of_introduced {
        let ranked = ranked(
            state,
            &row,
            &vacancy,
            ranked_after,
            limit - items.len(),
            &exclude,
            checked,
        )
        .await?;
        looked.extend(ranked.looked);
        for (card, item) in ranked.cards {
            shown.extend(AccountId::parse(&item.id()));
            items.push(card);
        }
        next_cursor = ranked.next;
    }
    let body = Bytes::from(
        serde_json::to_vec(&CandidatePage { items, next_cursor })
            .map_err(|e| ApiError::internal(format!("candidate page: {e}")))?,
    );
    // Counted, not logged: how often employers saw each youth's anonymous card.
    state.card_views.shown(shown.iter().cloned());
    state
        .candidate_pages
        .keep(key, basis, body.clone(), shown, looked);
    Ok(body)
}

/// At most this many introduced cards are shown first (oldest introduction first).
const INTRODUCED_MAX: i64 = 200;

/// An introduced card, with its introduction and youth (its candidate id is set per page).
struct Introduced {
    id: IntroductionId,
    youth: AccountId,
    card: CandidateCard,
}

/// The cards of a vacancy's introductions waiting for the employer (oldest first).
fn introduced_cards(
    conn: &mut DbConn,
    row: &VacancyRow,
    intros: Vec<crate::clients::store::IntroductionRow>,
) -> Result<Vec<Introduced>, ApiError> {
    if intros.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<AccountId> = intros.iter().map(|i| i.youth_id.clone()).collect();
    // The same truth filter as every card: active, and not answered by the employer.
    let mut profiles: HashMap<AccountId, CardRow> = store::card_rows(conn, &row.id, &ids)?
        .into_iter()
        .map(|p| (p.account_id.clone(), p))
        .collect();
    let orgs: Vec<crate::db::ids::OrganisationId> =
        intros.iter().map(|i| i.organisation_id.clone()).collect();
    let names: HashMap<_, _> = crate::clients::store::summaries(conn, &orgs)?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let required =
        Required::of(&serde_json::from_str::<Vec<String>>(&row.competences).unwrap_or_default());
    let mut cards = Vec::new();
    for intro in intros {
        let Some(profile) = profiles.remove(&intro.youth_id) else {
            continue;
        };
        let km = match (profile.latitude, profile.longitude) {
            (Some(lat), Some(lon)) => {
                let (lat, lon) = crate::matching::score::youth_position(lat, lon);
                crate::matching::score::Origin::new(row.latitude, row.longitude).km(lat, lon)
            }
            _ => 0.0,
        };
        let why = required.why(profile.competence_mask & row.competence_mask, Vec::new());
        let card = card(
            profile,
            String::new(),
            round_km(crate::matching::score::shown_km(km)),
            why,
            Some(CandidateIntroduction {
                organisation_name: names
                    .get(&intro.organisation_id)
                    .cloned()
                    .unwrap_or_default(),
                note: intro.note.clone(),
            }),
        );
        cards.push(Introduced {
            id: intro.id,
            youth: intro.youth_id,
            card,
        });
    }
    Ok(cards)
}

/// A page of the ranked list after `after` (`limit` cards at most, at least one, none of
/// `exclude`), with the cursor of the page after it. `checked` is a window already read with
/// the vacancy; without one (or when it held too many stale entries) the list is read here.
async fn ranked(
    state: &AppState,
    row: &VacancyRow,
    vacancy: &VacancyId,
    after: Option<Place>,
    limit: usize,
    exclude: &HashSet<u128>,
    mut checked: Option<Checked>,
) -> Result<Ranked, ApiError> {
    let mut cards: Vec<(CandidateCard, Item)> = Vec::new();
    let mut looked = Vec::new();
    let key = candidates_key(vacancy);
    let required =
        Required::of(&serde_json::from_str::<Vec<String>>(&row.competences).unwrap_or_default());
    let want = rows_for(limit);
    let n = if after.is_some() {
        FEED_SIZE
    } else {
        want + exclude.len()
    };
    let mut next = None;
    for _ in 0..2 {
        let prefetched = checked.is_some();
        let Checked {
            window,
            read_all,
            rows,
        } = match checked.take() {
            Some(c) => c,
            None => {
                let items = candidate_entries(state, row, n).await?;
                let (window, read_all) = window(items, n, after, exclude, want);
                let (v, ids) = (vacancy.clone(), ids_of(&window));
                let rows = state
                    .db
                    .run(move |conn| Ok(store::card_rows(conn, &v, &ids)?))
                    .await?;
                Checked {
                    window,
                    read_all,
                    rows,
                }
            }
        };
        // The window read with the vacancy was sized before its introduced youth were known:
        // when they took it up (even all of it) and more is listed, the list is read again.
        let short = prefetched && !read_all;
        looked.extend(window.iter().map(|i| i.key));
        if window.is_empty() && !short {
            break;
        }
        let mut rows: index::KeyMap<CardRow> = rows
            .into_iter()
            .map(|r| (index::key_of(r.account_id.as_str()), r))
            .collect();
        let mut stale = Vec::new();
        cards.clear();
        for item in &window {
            match rows.remove(&item.key) {
                Some(profile) if cards.len() < limit => {
                    let candidate_id = state.candidate_ids.encode(vacancy, &profile.account_id);
                    let card = card(
                        profile,
                        candidate_id,
                        round_km(item.distance_km),
                        required.why(item.matched, Reason::from_bits(item.reasons)),
                        None,
                    );
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
                .map(|youth| state.candidate_ids.encode(vacancy, &youth))
                .unwrap_or_default();
            paging::cursor(
                List::Candidates,
                &format!("{vacancy}.{}.{candidate}", i.rank()),
            )
        });
        // Another round when stale entries were dropped, or for a short first window.
        if cards.len() >= limit || (stale.is_empty() && !short) {
            break;
        }
    }
    Ok(Ranked {
        cards,
        next,
        looked,
    })
}

/// The ranked part of a page: its cards, the cursor after it, and every youth it looked at.
struct Ranked {
    cards: Vec<(CandidateCard, Item)>,
    next: Option<String>,
    looked: Vec<u128>,
}

/// An anonymous card: what an employer may see of a profile before a match, nothing more
/// (the row it is built from holds nothing else: no name, birth date or place).
fn card(
    p: CardRow,
    candidate_id: String,
    distance_km: f64,
    why: crate::matching::model::Why,
    introduced_by: Option<CandidateIntroduction>,
) -> CandidateCard {
    let education_level = p
        .education_level
        .as_deref()
        .and_then(crate::work::EducationLevel::parse);
    CandidateCard {
        candidate_id,
        competences: crate::youth::service::json_list(&p.competences),
        profile_text: p.edited_text.or(p.generated_text),
        pitch: p.pitch,
        education_level,
        has_start_qualification: education_level
            .map(crate::work::EducationLevel::is_start_qualification),
        hours_min: p.hours_min.map(|h| h as u8),
        hours_max: p.hours_max.map(|h| h as u8),
        available_from: p.available_from,
        driving_licence: p.driving_licence,
        languages: crate::youth::service::json_list(&p.languages),
        distance_km,
        why,
        introduced_by,
    }
}
