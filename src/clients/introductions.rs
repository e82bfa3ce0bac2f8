//! Introductions: a coach proposes a youth of their caseload for a vacancy; the youth's yes is
//! their like, and the employer sees that anonymous card first among the vacancy's candidates.
//! The employer's answer is the outcome the coach is told; after a match the coach may join
//! the conversation.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::access::{self, Principal, Scope};
use crate::audit::Action;
use crate::auth::model::Language;
use crate::clients::model::*;
use crate::clients::store::{self, IntroductionRow, IntroductionsOf};
use crate::db::DbConn;
use crate::db::ids::{AccountId, IntroductionId, OrganisationId, VacancyId};
use crate::employers::model::OrganisationSummary;
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::matching::model::{Decision, SwipeResult};
use crate::notifications::{Outbox, templates};
use crate::paging::{self, List};
use crate::state::AppState;

fn introduction_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::IntroductionNotFound,
        "There is no introduction with this id that you can see.",
    )
}

fn check_note(note: &str) -> Result<String, ApiError> {
    let n = note.chars().count();
    if !(1..=500).contains(&n) || note.trim().is_empty() || !crate::auth::model::is_plain_text(note)
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "note",
            "invalid_text",
            "write 1 to 500 characters of plain text",
        )]));
    }
    Ok(note.trim().to_owned())
}

/// The API view of introductions, in a fixed number of queries; `with_youth` for coaches.
fn views(
    conn: &mut DbConn,
    rows: Vec<IntroductionRow>,
    with_youth: bool,
) -> Result<Vec<Introduction>, ApiError> {
    let vacancy_ids: Vec<VacancyId> = rows.iter().map(|r| r.vacancy_id.clone()).collect();
    let vacancies: HashMap<VacancyId, (crate::employers::store::VacancyRow, String, String)> =
        crate::matching::store::cards_by_ids(conn, &vacancy_ids)?
            .into_iter()
            .map(|(v, org, city)| (v.id.clone(), (v, org, city)))
            .collect();
    let org_ids: Vec<OrganisationId> = rows.iter().map(|r| r.organisation_id.clone()).collect();
    let orgs: HashMap<OrganisationId, OrganisationSummary> = store::summaries(conn, &org_ids)?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let Some((v, org, city)) = vacancies.get(&r.vacancy_id) else {
            continue;
        };
        items.push(Introduction {
            vacancy: IntroducedVacancy {
                id: v.id.clone(),
                title: v.title.clone(),
                organisation: OrganisationSummary {
                    id: v.organisation_id.clone(),
                    name: org.clone(),
                    city: city.clone(),
                },
                place_name: v.place_name.clone(),
            },
            introduced_by: IntroducedBy {
                organisation_name: orgs
                    .get(&r.organisation_id)
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
                organisation_id: r.organisation_id,
            },
            note: r.note,
            status: IntroductionStatus::parse(&r.status).unwrap_or(IntroductionStatus::Declined),
            outcome: r.outcome.as_deref().and_then(IntroductionOutcome::parse),
            youth_id: with_youth.then_some(r.youth_id),
            created_at: r.created_at.and_utc(),
            answered_at: r.answered_at.map(|t| t.and_utc()),
            id: r.id,
        });
    }
    Ok(items)
}

/// A coach who may act for the youth (the responsible coach, or a colleague the youth
/// allowed) and holds `message_on_behalf` proposes the youth for an open vacancy.
pub async fn create(
    state: &AppState,
    user: Principal,
    youth: AccountId,
    body: NewIntroduction,
) -> Result<Introduction, ApiError> {
    let note = check_note(&body.note)?;
    let vacancy = body.vacancy_id;
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let coach = access::coach_membership(conn, &user)?;
            let caseload = access::caseload_access(conn, coach, &youth, now)?;
            caseload.require_to_act(Scope::MessageOnBehalf)?;
            let (row, _, _) = crate::employers::store::find_vacancy(conn, &vacancy)?
                .filter(|(v, _, _)| crate::employers::service::is_public(v, now))
                .ok_or_else(crate::matching::service::vacancy_not_found)?;
            if crate::matching::store::match_of_pair(conn, &youth, &vacancy)?.is_some() {
                return Err(ApiError::new(
                    ProblemCode::AlreadyMatched,
                    "The youth and this vacancy are already a match.",
                ));
            }
            if store::introduction_of_pair(conn, &youth, &vacancy)?.is_some() {
                return Err(ApiError::new(
                    ProblemCode::AlreadyIntroduced,
                    "This youth was already introduced for this vacancy.",
                ));
            }
            let intro = IntroductionRow {
                id: IntroductionId::generate(),
                vacancy_id: vacancy.clone(),
                youth_id: youth.clone(),
                organisation_id: caseload.coach.organisation.clone(),
                coach_id: Some(caseload.coach.account.clone()),
                note,
                status: IntroductionStatus::Proposed.as_str().to_owned(),
                outcome: None,
                created_at: now,
                answered_at: None,
                outcome_at: None,
            };
            store::insert_introduction(conn, &intro)?;
            caseload.audit(conn, now, Action::Introduce, Some(vacancy.as_str()))?;
            if let Some(account) = crate::auth::store::find_account(conn, &youth)? {
                let mail = templates::introduction_proposed(
                    Language::parse(&account.language).unwrap_or_default(),
                    &account.display_name,
                    &caseload.coach.organisation_name,
                    &row.title,
                    &format!("{base_url}/introductions/{}", intro.id),
                );
                Outbox::enqueue(conn, now, &account.email, mail)?;
            }
            views(conn, vec![intro], true)?
                .pop()
                .ok_or_else(introduction_not_found)
        })
        .await
}

/// The youth's answer: yes is a like of the vacancy (a match at once when the employer
/// already liked them), no is a pass. Only the youth themself answers.
pub async fn answer(
    state: &AppState,
    user: Principal,
    id: IntroductionId,
    accept: bool,
) -> Result<SwipeResult, ApiError> {
    let youth = user.youth_self()?;
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    let who = youth.clone();
    let (vacancy, result) = state
        .db
        .write(move |conn| {
            let intro = access::own_introduction(&who, store::find_introduction(conn, &id)?)?;
            if intro.status != IntroductionStatus::Proposed.as_str() {
                return Err(ApiError::new(
                    ProblemCode::IntroductionAnswered,
                    "You already answered this introduction.",
                ));
            }
            if !store::answer_introduction(conn, &id, accept, now)? {
                return Err(ApiError::new(
                    ProblemCode::IntroductionAnswered,
                    "You already answered this introduction.",
                ));
            }
            let decision = if accept {
                Decision::Like
            } else {
                Decision::Pass
            };
            let result = crate::matching::service::youth_decides(
                conn,
                &who,
                &intro.vacancy_id,
                decision,
                now,
                &base_url,
            )?;
            crate::youth::store::touch(conn, std::slice::from_ref(&who), now)?;
            Ok((intro.vacancy_id, result))
        })
        .await?;
    crate::matching::feed::drop_from_youth_feed(state, &youth, &vacancy).await;
    // The card moves to the front of the candidates: the ranked list forgets it.
    crate::matching::feed::drop_from_candidates(state, &vacancy, &youth).await;
    Ok(result)
}

pub async fn list_for_youth(
    state: &AppState,
    user: Principal,
    cursor: Option<IntroductionId>,
    limit: u8,
) -> Result<IntroductionPage, ApiError> {
    let access = user.youth(Scope::ViewMatches)?;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let rows = store::list_introductions(
                conn,
                IntroductionsOf::Youth(access.youth()),
                cursor.as_ref(),
                i64::from(limit) + 1,
            )?;
            let (rows, next_cursor) =
                paging::split(rows, usize::from(limit), List::Introductions, |r| {
                    r.id.to_string()
                });
            access.audit(conn, now, Action::ViewMatches, None)?;
            Ok(IntroductionPage {
                items: views(conn, rows, false)?,
                next_cursor,
            })
        })
        .await
}

/// The organisation's introductions of youth this coach still sees in the caseload.
pub async fn list_for_coach(
    state: &AppState,
    user: Principal,
    cursor: Option<IntroductionId>,
    limit: u8,
) -> Result<IntroductionPage, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .run(move |conn| {
            let coach = access::coach_membership(conn, &user)?;
            let rows = store::list_introductions(
                conn,
                IntroductionsOf::Organisation(&coach.organisation),
                cursor.as_ref(),
                i64::from(limit) + 1,
            )?;
            let (rows, next_cursor) =
                paging::split(rows, usize::from(limit), List::Introductions, |r| {
                    r.id.to_string()
                });
            // A youth who ended their consent leaves the list (a page may come out short).
            let mut seen = Vec::with_capacity(rows.len());
            for r in rows {
                if access::caseload_access(conn, coach.clone(), &r.youth_id, now).is_ok() {
                    seen.push(r);
                }
            }
            Ok(IntroductionPage {
                items: views(conn, seen, true)?,
                next_cursor,
            })
        })
        .await
}

// ---- What the matching side tells introductions -------------------------------------------

fn tell_coach(
    conn: &mut DbConn,
    intro: &IntroductionRow,
    title: &str,
    matched: bool,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let coach = match &intro.coach_id {
        Some(c) => crate::auth::store::find_account(conn, c)?,
        None => None,
    };
    if let Some(coach) = coach {
        let mail = templates::introduction_outcome(
            Language::parse(&coach.language).unwrap_or_default(),
            &coach.display_name,
            title,
            matched,
        );
        Outbox::enqueue(conn, now, &coach.email, mail)?;
    }
    Ok(())
}

/// A match was made (in its transaction): when it follows an accepted introduction, the
/// outcome is recorded, the match remembers it (its coach may join the conversation) and the
/// coach is told. Returns the introduction's id.
pub fn on_match(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
    title: &str,
    now: NaiveDateTime,
) -> Result<Option<IntroductionId>, ApiError> {
    let Some(intro) = store::set_outcome(conn, youth, vacancy, "matched", now)? else {
        return Ok(None);
    };
    tell_coach(conn, &intro, title, true, now)?;
    Ok(Some(intro.id))
}

/// The employer passed a candidate (in its transaction): an accepted introduction of the pair
/// gets its outcome and the coach is told.
pub fn on_pass(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
    title: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if let Some(intro) = store::set_outcome(conn, youth, vacancy, "passed", now)? {
        tell_coach(conn, &intro, title, false, now)?;
    }
    Ok(())
}
