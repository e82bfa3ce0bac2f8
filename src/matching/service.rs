//! Swipes, matches and the conversation after a match.
//!
//! A youth's swipe that cannot make a match (the employer has not liked them) is one row of
//! a batched conditional upsert (`batch`, `store::record_youth_decisions`). Every other swipe writes its side's
//! decision on the pair's single row inside one write transaction, with the row locked (see
//! `store::lock_pair`). Whichever side likes second sees the other's like and creates the
//! match, together with one email to each side through the outbox; when both like at the
//! same instant, the lock makes one of them second. A unique key on (youth, vacancy) in
//! `matches` backs this up.

use chrono::{NaiveDateTime, TimeDelta};

use crate::access::{self, MatchParty, Principal, Scope, YouthAccess};
use crate::audit::Action;
use crate::auth::model::{Language, Role};
use crate::db::DbConn;
use crate::db::ids::{AccountId, MatchId, MessageId, VacancyId};
use crate::employers::model::{OrganisationSummary, ShownStatus, VacancyStatus};
use crate::employers::service::is_public;
use crate::employers::store::VacancyRow;
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::matching::model::*;
use crate::matching::store::{self, MatchOwner, MatchRow, MessageRow, SwipeRow};
use crate::matching::{feed, index};
use crate::notifications::{Outbox, templates};
use crate::paging::{self, List};
use crate::state::AppState;

/// A side is mailed about new messages at most this often per conversation.
const MESSAGE_MAIL_INTERVAL: TimeDelta = TimeDelta::hours(1);

pub(crate) fn vacancy_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::VacancyNotFound,
        "There is no vacancy with this id that you can see.",
    )
}

fn candidate_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::CandidateNotFound,
        "There is no such candidate for this vacancy.",
    )
}

fn match_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::MatchNotFound,
        "There is no match with this id that you are part of.",
    )
}

async fn count_swipe(state: &AppState, account: &AccountId) -> Result<(), ApiError> {
    crate::ratelimit::hit(
        state,
        "swipes",
        account.as_str(),
        state.settings.rate_limits.swipes,
    )
    .await
}

fn language_of(row: &crate::auth::store::AccountRow) -> Language {
    Language::parse(&row.language).unwrap_or_default()
}

/// Creates the match of a pair whose second like this is, and mails both sides once.
fn create_match(
    conn: &mut DbConn,
    pair: &SwipeRow,
    vacancy: &VacancyRow,
    organisation: &str,
    contact: Option<&AccountId>,
    now: NaiveDateTime,
    base_url: &str,
) -> Result<MatchId, ApiError> {
    let row = MatchRow {
        id: MatchId::generate(),
        youth_id: pair.youth_id.clone(),
        vacancy_id: vacancy.id.clone(),
        organisation_id: vacancy.organisation_id.clone(),
        employer_contact_id: contact.cloned(),
        created_at: now,
        ended_at: None,
        ended_by: None,
        youth_notified_at: None,
        employer_notified_at: None,
        introduction_id: None,
    };
    store::insert_match(conn, &row)?;
    // A match after a coach's introduction: the coach is told and may join the conversation.
    if let Some(intro) = crate::clients::introductions::on_match(
        conn,
        &row.youth_id,
        &vacancy.id,
        &vacancy.title,
        now,
    )? {
        store::set_introduction(conn, &row.id, &intro)?;
    }
    let link = format!("{base_url}/matches/{}", row.id);
    if let Some(youth) = crate::auth::store::find_account(conn, &row.youth_id)? {
        let mail = templates::match_made(
            language_of(&youth),
            &youth.display_name,
            &vacancy.title,
            organisation,
            &link,
            true,
        );
        Outbox::enqueue(conn, now, &youth.email, mail)?;
    }
    if let Some(contact) = contact
        .map(|c| crate::auth::store::find_account(conn, c))
        .transpose()?
        .flatten()
    {
        let mail = templates::match_made(
            language_of(&contact),
            &contact.display_name,
            &vacancy.title,
            organisation,
            &link,
            false,
        );
        Outbox::enqueue(conn, now, &contact.email, mail)?;
    }
    Ok(row.id)
}

/// Who decides about a pair.
enum Side<'a> {
    Youth,
    /// A member of the vacancy's organisation; they become the contact if it matches.
    Employer {
        member: &'a AccountId,
    },
}

/// Records one side's decision on a (youth, vacancy) pair, inside the caller's write
/// transaction, and makes the match when it completes a mutual like. The same rules hold for
/// both sides: the same decision again changes nothing and answers the same, and a like can
/// become a pass only while there is no match.
#[allow(clippy::too_many_arguments)]
fn decide(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyRow,
    organisation: &str,
    side: Side<'_>,
    decision: Decision,
    now: NaiveDateTime,
    base_url: &str,
) -> Result<SwipeResult, ApiError> {
    let pair = store::lock_pair(conn, youth, &vacancy.id, now)?;
    let (mine, theirs) = match side {
        Side::Youth => (&pair.youth_decision, &pair.employer_decision),
        Side::Employer { .. } => (&pair.employer_decision, &pair.youth_decision),
    };
    // A match needs both likes and a like cannot be taken back once matched, so only a pair
    // the other side likes can have one: most swipes skip this query.
    let existing = if theirs.as_deref() == Some("like") {
        store::match_of_pair(conn, youth, &vacancy.id)?.map(|m| m.id)
    } else {
        None
    };
    if mine.as_deref() == Some(decision.as_str()) {
        return Ok(SwipeResult {
            decision,
            match_id: existing,
        });
    }
    if decision == Decision::Pass && existing.is_some() {
        return Err(ApiError::new(
            ProblemCode::AlreadyMatched,
            "This is a match: end the match instead of passing.",
        ));
    }
    let completes = decision == Decision::Like && theirs.as_deref() == Some("like");
    let contact = match side {
        Side::Youth => {
            store::set_youth_decision(conn, youth, &vacancy.id, decision.as_str(), now)?;
            pair.employer_decided_by.as_ref()
        }
        Side::Employer { member } => {
            store::set_employer_decision(conn, youth, &vacancy.id, decision.as_str(), member, now)?;
            Some(member)
        }
    };
    if decision == Decision::Pass && matches!(side, Side::Employer { .. }) {
        crate::clients::introductions::on_pass(conn, youth, &vacancy.id, &vacancy.title, now)?;
    }
    let match_id = match existing {
        None if completes => Some(create_match(
            conn,
            &pair,
            vacancy,
            organisation,
            contact,
            now,
            base_url,
        )?),
        other => other,
    };
    Ok(SwipeResult { decision, match_id })
}

/// A youth's decision on an open vacancy inside the caller's write transaction (the answer
/// to an introduction): the same rules as a swipe.
pub(crate) fn youth_decides(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
    decision: Decision,
    now: NaiveDateTime,
    base_url: &str,
) -> Result<SwipeResult, ApiError> {
    let (row, org, _) =
        crate::employers::store::find_vacancy(conn, vacancy)?.ok_or_else(vacancy_not_found)?;
    if !is_public(&row, now) {
        return Err(vacancy_not_found());
    }
    let result = decide(
        conn,
        youth,
        &row,
        &org,
        Side::Youth,
        decision,
        now,
        base_url,
    )?;
    store::set_youth_decided_by(conn, youth, vacancy, None)?;
    Ok(result)
}

/// A youth (or their coach with `swipe_on_behalf`) likes or passes a vacancy in their feed.
pub async fn youth_swipe(
    state: &AppState,
    access: YouthAccess,
    vacancy: VacancyId,
    decision: Decision,
) -> Result<SwipeResult, ApiError> {
    let youth = access.youth().clone();
    count_swipe(state, &youth).await?;
    let now = state.clock.now_naive();
    // Most swipes cannot make a match (the employer has not liked the youth): one upsert,
    // with the open check from the index. The rest, and any doubt, take the locked path, as
    // does a coach's swipe (it names the coach and is audited in the same transaction).
    let open = state
        .vacancy_index
        .snapshot()
        .is_open(index::key_of(vacancy.as_str()), now);
    if open && access.coach().is_none() {
        let written = state
            .swipes
            .record(store::YouthDecision {
                youth: youth.clone(),
                vacancy: vacancy.clone(),
                decision: decision.as_str(),
                at: now,
            })
            .await?;
        if written {
            feed::drop_from_youth_feed(state, &youth, &vacancy).await;
            return Ok(SwipeResult {
                decision,
                match_id: None,
            });
        }
    }
    let base_url = state.settings.public_base_url.clone();
    let (who, id) = (youth.clone(), vacancy.clone());
    let result = state
        .db
        .write(move |conn| {
            let (row, org, _) =
                crate::employers::store::find_vacancy(conn, &id)?.ok_or_else(vacancy_not_found)?;
            if !is_public(&row, now) {
                return Err(vacancy_not_found());
            }
            let result = decide(
                conn,
                &who,
                &row,
                &org,
                Side::Youth,
                decision,
                now,
                &base_url,
            )?;
            store::set_youth_decided_by(conn, &who, &id, access.coach().map(|c| &c.coach))?;
            if access.coach().is_none() {
                crate::youth::store::touch(conn, std::slice::from_ref(&who), now)?;
            }
            access.audit(conn, now, Action::SwipeOnBehalf, Some(id.as_str()))?;
            Ok(result)
        })
        .await?;
    feed::drop_from_youth_feed(state, &youth, &vacancy).await;
    Ok(result)
}

/// A member of the owning organisation likes or passes a candidate of a vacancy.
pub async fn employer_swipe(
    state: &AppState,
    user: Principal,
    vacancy: VacancyId,
    candidate: &str,
    decision: Decision,
) -> Result<SwipeResult, ApiError> {
    user.require(&[Role::Employer, Role::Intermediary])?;
    count_swipe(state, &user.account_id).await?;
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    let youth = state.candidate_ids.decode(&vacancy, candidate);
    let (caller, id) = (user.clone(), vacancy.clone());
    let swiped = youth.clone();
    // The client's log names the candidate by their id for this vacancy, never by account.
    let candidate_ref = format!("{vacancy}/{candidate}");
    let result = state
        .db
        .write(move |conn| {
            let (row, org, _) =
                crate::employers::store::find_vacancy(conn, &id)?.ok_or_else(vacancy_not_found)?;
            let manager = crate::access::vacancy_manager(
                conn,
                &caller,
                &row.organisation_id,
                is_public(&row, now),
                "Only members of the organisation (or of an intermediary it is a client of) swipe its candidates.",
            )?;
            manager.may_swipe()?;
            let member = manager.account().clone();
            let status = VacancyStatus::parse(&row.status).unwrap_or(VacancyStatus::Closed);
            if ShownStatus::of(status, false).is_final() {
                return Err(ApiError::new(
                    ProblemCode::VacancyClosed,
                    "A closed or filled vacancy takes no more swipes.",
                ));
            }
            let youth = youth.ok_or_else(candidate_not_found)?;
            if crate::youth::store::find_profile(conn, &youth)?.is_none() {
                return Err(candidate_not_found());
            }
            let result = decide(
                conn,
                &youth,
                &row,
                &org,
                Side::Employer { member: &member },
                decision,
                now,
                &base_url,
            )?;
            let action = match decision {
                Decision::Like => crate::clients::model::ClientAction::CandidateLiked,
                Decision::Pass => crate::clients::model::ClientAction::CandidatePassed,
            };
            manager.record(conn, now, action, Some(&candidate_ref))?;
            Ok(result)
        })
        .await?;
    if let Some(youth) = swiped {
        feed::drop_from_candidates(state, &vacancy, &youth).await;
    }
    Ok(result)
}

// ---- Matches ------------------------------------------------------------------------------

/// The match and the caller's side of it, or 404 (for a match of others too).
fn find_as_party(
    conn: &mut DbConn,
    id: &MatchId,
    user: &Principal,
    scope: Scope,
    now: NaiveDateTime,
) -> Result<(MatchRow, MatchParty), ApiError> {
    let m = store::find_match(conn, id)?.ok_or_else(match_not_found)?;
    let introduced_by = match &m.introduction_id {
        Some(i) if user.role == Role::Intermediary => {
            crate::clients::store::find_introduction(conn, i)?.map(|i| i.organisation_id)
        }
        _ => None,
    };
    let party = access::match_party(
        conn,
        user,
        (&m.youth_id, &m.organisation_id),
        introduced_by.as_ref(),
        scope,
        now,
    )?
    .ok_or_else(match_not_found)?;
    Ok((m, party))
}

/// Logs what a match view showed someone other than the youth: a coach reading it, or an
/// employer seeing the contact details the match released.
fn audit_view(
    conn: &mut DbConn,
    party: &MatchParty,
    m: &MatchRow,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    match party {
        MatchParty::Youth(a) => a.audit(conn, now, Action::ViewMatches, Some(m.id.as_str())),
        MatchParty::Organisation(member) if m.ended_at.is_none() => {
            member.audit_contact(conn, now, &m.youth_id, m.id.as_str())
        }
        MatchParty::Organisation(_) => Ok(()),
        MatchParty::Client(c) if m.ended_at.is_none() => {
            crate::audit::record(
                conn,
                crate::audit::Entry {
                    at: now,
                    actor: &c.coach.account,
                    actor_role: "coach",
                    organisation: Some((&c.coach.organisation, c.coach.kind)),
                    subject: &m.youth_id,
                    action: Action::ViewContact,
                    object: Some(m.id.as_str()),
                    purpose: crate::audit::Purpose::MatchContact,
                    on_behalf: false,
                },
            )?;
            Ok(())
        }
        MatchParty::Client(_) => Ok(()),
        MatchParty::Introducer(a) => a.audit(conn, now, Action::ViewMatches, Some(m.id.as_str())),
    }
}

fn view(
    conn: &mut DbConn,
    state_ids: &crate::matching::candidate_id::CandidateIds,
    m: MatchRow,
    youth_side: bool,
) -> Result<Match, ApiError> {
    views(conn, state_ids, vec![m], youth_side)?
        .pop()
        .ok_or_else(match_not_found)
}

/// Matches as one side sees them, in a fixed number of queries whatever their number (the
/// vacancies, the other side's accounts and profiles, the unread counts, a coach's likes):
/// a page of matches made four queries per match.
fn views(
    conn: &mut DbConn,
    state_ids: &crate::matching::candidate_id::CandidateIds,
    rows: Vec<MatchRow>,
    youth_side: bool,
) -> Result<Vec<Match>, ApiError> {
    use std::collections::HashMap;
    let vacancy_ids: Vec<VacancyId> = rows.iter().map(|m| m.vacancy_id.clone()).collect();
    let vacancies: HashMap<VacancyId, (crate::employers::store::VacancyRow, String, String)> =
        store::cards_by_ids(conn, &vacancy_ids)?
            .into_iter()
            .map(|(v, org, city)| (v.id.clone(), (v, org, city)))
            .collect();
    // The other side: the employer's contact for the youth, the youth for the employer.
    let others: Vec<AccountId> = rows
        .iter()
        .filter(|m| m.ended_at.is_none())
        .filter_map(|m| {
            if youth_side {
                m.employer_contact_id.clone()
            } else {
                Some(m.youth_id.clone())
            }
        })
        .collect();
    let accounts: HashMap<AccountId, crate::auth::store::AccountRow> =
        crate::auth::store::find_accounts(conn, &others)?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
    let profiles: HashMap<AccountId, crate::youth::store::ProfileRow> = if youth_side {
        HashMap::new()
    } else {
        crate::youth::store::find_profiles(conn, &others)?
            .into_iter()
            .map(|p| (p.account_id.clone(), p))
            .collect()
    };
    let match_ids: Vec<MatchId> = rows.iter().map(|m| m.id.clone()).collect();
    let unread = store::unread_of(conn, &match_ids, youth_side)?;
    let by_coach = match rows.first() {
        Some(first) if youth_side => {
            store::decided_by_coach_of(conn, &first.youth_id, &vacancy_ids)?
        }
        _ => HashMap::new(),
    };
    let mut items = Vec::with_capacity(rows.len());
    for m in rows {
        let (vacancy, org, city) = vacancies
            .get(&m.vacancy_id)
            .cloned()
            .ok_or_else(match_not_found)?;
        let contact = if m.ended_at.is_some() {
            None
        } else if youth_side {
            m.employer_contact_id
                .as_ref()
                .and_then(|c| accounts.get(c))
                .map(|a| Contact {
                    name: a.display_name.clone(),
                    email: a.email.clone(),
                    organisation: Some(org.clone()),
                })
        } else {
            accounts.get(&m.youth_id).map(|a| Contact {
                name: profiles
                    .get(&m.youth_id)
                    .map(|p| {
                        [Some(p.first_name.clone()), p.last_name.clone()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_else(|| a.display_name.clone()),
                email: a.email.clone(),
                organisation: None,
            })
        };
        let unread = unread.get(&m.id).copied().unwrap_or(0);
        let liked_by_coach = by_coach.get(&m.vacancy_id).map(|(organisation, at)| {
            crate::youth::model::CoachChange {
                organisation: organisation.clone(),
                at: at.and_utc(),
            }
        });
        items.push(Match {
            candidate_id: (!youth_side).then(|| state_ids.encode(&m.vacancy_id, &m.youth_id)),
            id: m.id,
            vacancy_id: m.vacancy_id,
            vacancy_title: vacancy.title,
            organisation: OrganisationSummary {
                id: m.organisation_id,
                name: org,
                city,
            },
            contact,
            created_at: m.created_at.and_utc(),
            ended_at: m.ended_at.map(|e| e.and_utc()),
            unread_messages: unread.clamp(0, i64::from(u32::MAX)) as u32,
            liked_by_coach,
        });
    }
    Ok(items)
}

pub async fn list_matches(
    state: &AppState,
    user: Principal,
    vacancy: Option<VacancyId>,
    cursor: Option<MatchId>,
    limit: u8,
) -> Result<MatchPage, ApiError> {
    if user.role == Role::Intermediary {
        return list_client_matches(state, user, vacancy, cursor, limit).await;
    }
    let party = match user.role {
        Role::Youth => Some(user.youth(Scope::ViewMatches)?),
        _ => {
            user.require(&[Role::Employer])?;
            None
        }
    };
    let ids = state.candidate_ids.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let member = match &party {
                Some(_) => None,
                None => Some(access::employer_member(
                    conn,
                    &user,
                    "This account belongs to no organisation.",
                )?),
            };
            let owner = match (&party, &member) {
                (Some(a), _) => MatchOwner::Youth(a.youth()),
                (None, Some(m)) => MatchOwner::Organisation(&m.organisation, vacancy.as_ref()),
                (None, None) => return Err(ApiError::internal("no side")),
            };
            let rows = store::list_matches(conn, owner, cursor.as_ref(), i64::from(limit) + 1)?;
            let (rows, next_cursor) = paging::split(rows, usize::from(limit), List::Matches, |r| {
                r.id.to_string()
            });
            let side = match (party, member) {
                (Some(a), _) => MatchParty::Youth(a),
                (None, Some(m)) => MatchParty::Organisation(m),
                (None, None) => return Err(ApiError::internal("no side")),
            };
            for m in &rows {
                audit_view(conn, &side, m, now)?;
            }
            let items = views(conn, &ids, rows, side.youth_side())?;
            Ok(MatchPage { items, next_cursor })
        })
        .await
}

/// A coach's view of the matches of a client's vacancy (`vacancy_id` is required: a coach has
/// no organisation-wide list of someone else's matches).
async fn list_client_matches(
    state: &AppState,
    user: Principal,
    vacancy: Option<VacancyId>,
    cursor: Option<MatchId>,
    limit: u8,
) -> Result<MatchPage, ApiError> {
    let vacancy = vacancy.ok_or_else(|| {
        ApiError::new(
            ProblemCode::InvalidQuery,
            "A coach lists the matches of one client vacancy: give vacancy_id.",
        )
    })?;
    let ids = state.candidate_ids.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let (row, _, _) = crate::employers::store::find_vacancy(conn, &vacancy)?
                .ok_or_else(vacancy_not_found)?;
            let client = access::client_coach(conn, &user, &row.organisation_id)?
                .ok_or_else(vacancy_not_found)?;
            let rows = store::list_matches(
                conn,
                MatchOwner::Organisation(&row.organisation_id, Some(&vacancy)),
                cursor.as_ref(),
                i64::from(limit) + 1,
            )?;
            let (rows, next_cursor) = paging::split(rows, usize::from(limit), List::Matches, |r| {
                r.id.to_string()
            });
            client.record(
                conn,
                now,
                crate::clients::model::ClientAction::MatchesViewed,
                Some(vacancy.as_str()),
            )?;
            let side = MatchParty::Client(client);
            for m in &rows {
                audit_view(conn, &side, m, now)?;
            }
            let items = views(conn, &ids, rows, false)?;
            Ok(MatchPage { items, next_cursor })
        })
        .await
}

pub async fn get_match(state: &AppState, user: Principal, id: MatchId) -> Result<Match, ApiError> {
    let ids = state.candidate_ids.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let (m, party) = find_as_party(conn, &id, &user, Scope::ViewMatches, now)?;
            audit_view(conn, &party, &m, now)?;
            view(conn, &ids, m, party.youth_side())
        })
        .await
}

/// Ends a match; the other side is told by mail. Ending an ended match changes nothing.
pub async fn end_match(state: &AppState, user: Principal, id: MatchId) -> Result<(), ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let (m, party) = find_as_party(conn, &id, &user, Scope::MessageOnBehalf, now)?;
            if let MatchParty::Introducer(_) = &party {
                // The introducer talks along; ending is the youth's or the employer's call.
                return Err(access::wrong_role());
            }
            let youth_side = party.youth_side();
            if let MatchParty::Youth(a) = &party {
                a.audit(conn, now, Action::EndMatchOnBehalf, Some(id.as_str()))?;
            }
            if !store::end_match(
                conn,
                &id,
                if youth_side { "youth" } else { "employer" },
                now,
            )? {
                return Ok(());
            }
            let (vacancy, _, _) = crate::employers::store::find_vacancy(conn, &m.vacancy_id)?
                .ok_or_else(match_not_found)?;
            let other = if youth_side {
                m.employer_contact_id.clone()
            } else {
                Some(m.youth_id.clone())
            };
            if let Some(other) = other
                .map(|o| crate::auth::store::find_account(conn, &o))
                .transpose()?
                .flatten()
            {
                Outbox::enqueue(
                    conn,
                    now,
                    &other.email,
                    templates::match_ended(
                        language_of(&other),
                        &other.display_name,
                        &vacancy.title,
                    ),
                )?;
            }
            Ok(())
        })
        .await
}

// ---- Messages -----------------------------------------------------------------------------

/// The reader has seen the conversation up to `up_to`: what the other side sent until then is
/// read. A GET no longer does this (it had a side effect a cache or a prefetch could trigger).
pub async fn mark_read(
    state: &AppState,
    user: Principal,
    id: MatchId,
    up_to: MessageId,
) -> Result<(), ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let (_, party) = find_as_party(conn, &id, &user, Scope::ViewMatches, now)?;
            party.reading_for_themself()?;
            Ok(store::mark_read(
                conn,
                &id,
                party.youth_side(),
                &up_to,
                now,
            )?)
        })
        .await
}

pub async fn messages(
    state: &AppState,
    user: Principal,
    id: MatchId,
    cursor: Option<MessageId>,
    limit: u8,
) -> Result<MessagePage, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let (m, party) = find_as_party(conn, &id, &user, Scope::ViewMatches, now)?;
            let youth_side = party.youth_side();
            let rows = store::list_messages(conn, &id, cursor.as_ref(), i64::from(limit) + 1)?;
            let (rows, next_cursor) =
                paging::split(rows, usize::from(limit), List::Messages, |r| {
                    r.id.to_string()
                });
            // Reading changes nothing (see `mark_read`); a coach's reading is logged.
            match &party {
                MatchParty::Youth(a) if a.coach().is_some() => {
                    a.audit(conn, now, Action::ViewConversation, Some(id.as_str()))?
                }
                MatchParty::Introducer(a) => {
                    a.audit(conn, now, Action::ViewConversation, Some(id.as_str()))?
                }
                _ => {}
            }
            let me = party.coach().map(|c| c.account.clone());
            let mut names: Vec<(AccountId, String)> = Vec::new();
            let mut items = Vec::new();
            for r in rows {
                let sender_name = match &r.sender_id {
                    Some(s) => match names.iter().find(|(a, _)| a == s) {
                        Some((_, n)) => Some(n.clone()),
                        None => {
                            let n =
                                crate::auth::store::find_account(conn, s)?.map(|a| a.display_name);
                            if let Some(n) = &n {
                                names.push((s.clone(), n.clone()));
                            }
                            n
                        }
                    },
                    None => None,
                };
                let author = MessageAuthor::of(&r, &m.youth_id);
                items.push(Message {
                    on_behalf: MessageAuthor::on_behalf(&r, &m.youth_id),
                    author,
                    // A coach in the thread writes their own messages, not their side's.
                    mine: match &me {
                        Some(me) => r.sender_id.as_ref() == Some(me),
                        None => r.from_youth == youth_side,
                    },
                    id: r.id,
                    sender_name,
                    text: r.body,
                    created_at: r.created_at.and_utc(),
                    read_at: r.read_at.map(|t| t.and_utc()),
                });
            }
            Ok(MessagePage { items, next_cursor })
        })
        .await
}

pub async fn send_message(
    state: &AppState,
    user: Principal,
    id: MatchId,
    body: NewMessage,
) -> Result<Message, ApiError> {
    let text = body.text;
    let n = text.chars().count();
    if !(1..=2000).contains(&n)
        || text.trim().is_empty()
        || !crate::auth::model::is_plain_text(&text)
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "text",
            "invalid_text",
            "write 1 to 2000 characters of plain text",
        )]));
    }
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let (m, party) = find_as_party(conn, &id, &user, Scope::MessageOnBehalf, now)?;
            let youth_side = party.youth_side();
            // A coach writes in their own name, and the message says it was on the youth's behalf.
            let (sender, role) = match &party {
                MatchParty::Youth(a) => match a.coach() {
                    Some(c) => (c.coach.clone(), MessageAuthor::Coach),
                    None => (a.youth().clone(), MessageAuthor::Youth),
                },
                MatchParty::Organisation(member) => {
                    (member.account.clone(), MessageAuthor::Employer)
                }
                MatchParty::Client(c) => (c.coach.account.clone(), MessageAuthor::Coach),
                MatchParty::Introducer(a) => (a.coach.account.clone(), MessageAuthor::Coach),
            };
            match &party {
                MatchParty::Youth(a) => {
                    a.audit(conn, now, Action::MessageOnBehalf, Some(id.as_str()))?;
                    if a.coach().is_none() {
                        crate::youth::store::touch(conn, std::slice::from_ref(a.youth()), now)?;
                    }
                }
                MatchParty::Introducer(a) => {
                    a.audit(conn, now, Action::ViewConversation, Some(id.as_str()))?
                }
                _ => {}
            }
            if m.ended_at.is_some() {
                return Err(ApiError::new(
                    ProblemCode::MatchEnded,
                    "This match has ended; the conversation is closed.",
                ));
            }
            let on_behalf = matches!(&party, MatchParty::Youth(a) if a.coach().is_some());
            let row = MessageRow {
                id: MessageId::generate(),
                match_id: id.clone(),
                sender_id: Some(sender.clone()),
                from_youth: youth_side,
                body: text.trim().to_owned(),
                created_at: now,
                read_at: None,
                sender_role: Some(
                    if on_behalf {
                        "coach_on_behalf"
                    } else {
                        role.as_str()
                    }
                    .to_owned(),
                ),
            };
            store::insert_message(conn, &row)?;
            // Mail the other side, at most once an hour per conversation.
            let (recipient, last) = if youth_side {
                (m.employer_contact_id.clone(), m.employer_notified_at)
            } else {
                (Some(m.youth_id.clone()), m.youth_notified_at)
            };
            let due = last.is_none_or(|t| now - t >= MESSAGE_MAIL_INTERVAL);
            let account = match recipient {
                Some(r) if due => crate::auth::store::find_account(conn, &r)?,
                _ => None,
            };
            if let Some(account) = account {
                let (vacancy, _, _) = crate::employers::store::find_vacancy(conn, &m.vacancy_id)?
                    .ok_or_else(match_not_found)?;
                let link = format!("{base_url}/matches/{id}");
                Outbox::enqueue(
                    conn,
                    now,
                    &account.email,
                    templates::new_message(
                        language_of(&account),
                        &account.display_name,
                        &vacancy.title,
                        &link,
                    ),
                )?;
                store::set_notified(conn, &id, !youth_side, now)?;
            }
            let sender = crate::auth::store::find_account(conn, &sender)?.map(|a| a.display_name);
            Ok(Message {
                on_behalf,
                author: role,
                id: row.id,
                mine: true,
                sender_name: sender,
                text: row.body,
                created_at: now.and_utc(),
                read_at: None,
            })
        })
        .await
}
