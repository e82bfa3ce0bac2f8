//! Placements and aftercare. A match, an introduction or a coach's own record becomes a
//! placement; whoever records it has confirmed it, the other parties confirm. The placing
//! coach follows it up 2, 6 and 13 weeks after the start (the Drechtsteden MatchMakers' three
//! months of aftercare); a placement that ends early can be reopened as a search in one step.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};

use crate::access::{self, PlacementParty, Principal};
use crate::audit::Action;
use crate::db::DbConn;
use crate::db::ids::{AccountId, OrganisationId, PlacementId};
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::outcomes::model::*;
use crate::outcomes::store::{self, FollowUpRow, PlacementRow, PlacementsOf};
use crate::paging::{self, List};
use crate::state::AppState;

/// The aftercare weeks after the start.
pub const FOLLOW_UP_WEEKS: [i32; 3] = [2, 6, 13];

fn placement_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::PlacementNotFound,
        "There is no placement with this id that you are a party to.",
    )
}

fn match_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::MatchNotFound,
        "There is no match with this id that you are part of.",
    )
}

fn field(errors: &mut Vec<FieldError>, name: &str, code: &str, message: &str) {
    errors.push(FieldError::new(name, code, message));
}

/// The youth's own word (recording or confirming) that a running job, BBL job or return to
/// school started ends their search: their profile is paused (a side job or an internship
/// does not). Returns whether it was; the caller then forgets the youth's cached feed.
fn pause_search(
    conn: &mut DbConn,
    row: &PlacementRow,
    side: PlacementSide,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let ends = matches!(
        PlacementKind::parse(&row.kind),
        Some(PlacementKind::Job | PlacementKind::Bbl | PlacementKind::BackToSchool)
    );
    if side != PlacementSide::Youth || row.status != "active" || !ends {
        return Ok(false);
    }
    Ok(crate::youth::store::set_status(
        conn,
        &row.youth_id,
        "paused",
        now,
    )?)
}

/// The API view of placements, in a fixed number of queries. `names`: show the youth's name
/// (to coaches, and to an employer once a match released it).
fn views(
    conn: &mut DbConn,
    rows: Vec<PlacementRow>,
    side: PlacementSide,
) -> Result<Vec<Placement>, ApiError> {
    let ids: Vec<PlacementId> = rows.iter().map(|r| r.id.clone()).collect();
    let mut follow_ups: HashMap<PlacementId, Vec<FollowUp>> = HashMap::new();
    for f in store::follow_ups_of(conn, &ids)? {
        follow_ups
            .entry(f.placement_id.clone())
            .or_default()
            .push(FollowUp {
                week: f.week.clamp(0, 255) as u8,
                due_on: f.due_on,
                answered_at: f.answered_at.map(|t| t.and_utc()),
                progress: f.progress.as_deref().and_then(Progress::parse),
                reason: f.reason.as_deref().and_then(EndReason::parse),
                note: f.note,
            });
    }
    let youth: Vec<AccountId> = rows.iter().map(|r| r.youth_id.clone()).collect();
    let names: HashMap<AccountId, String> = if side == PlacementSide::Youth {
        HashMap::new()
    } else {
        crate::youth::store::names_of(conn, &youth)?
            .into_iter()
            .map(|(id, first, last)| {
                let name = [Some(first), last]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>();
                (id, name.join(" "))
            })
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let kind = PlacementKind::parse(&r.kind).unwrap_or(PlacementKind::Job);
            let confirmed = r.youth_confirmed_at.is_some()
                && (r.employer_id.is_none() || r.employer_confirmed_at.is_some())
                && (r.intermediary_id.is_none() || r.coach_confirmed_at.is_some());
            // An employer learns the youth's name only through a match.
            let show_name = match side {
                PlacementSide::Youth => false,
                PlacementSide::Employer => r.match_id.is_some(),
                PlacementSide::Coach => true,
            };
            Placement {
                youth_name: show_name.then(|| names.get(&r.youth_id).cloned()).flatten(),
                kind,
                organisation_name: r.organisation_name,
                employer_id: r.employer_id,
                intermediary_id: r.intermediary_id,
                match_id: r.match_id,
                introduction_id: r.introduction_id,
                start_date: r.start_date,
                end_date: r.end_date,
                hours_per_week: r.hours_per_week.map(|h| h.clamp(0, 255) as u8),
                contract: r.contract.as_deref().and_then(ContractType::parse),
                recorded_as: PlacementSide::parse(&r.recorded_as).unwrap_or(PlacementSide::Coach),
                confirmed_by: Confirmations {
                    youth: r.youth_confirmed_at.map(|t| t.and_utc()),
                    employer: r.employer_confirmed_at.map(|t| t.and_utc()),
                    coach: r.coach_confirmed_at.map(|t| t.and_utc()),
                },
                confirmed,
                status: PlacementStatus::parse(&r.status).unwrap_or(PlacementStatus::Ended),
                ended_on: r.ended_on,
                end_reason: r.end_reason.as_deref().and_then(EndReason::parse),
                reopened_at: r.reopened_at.map(|t| t.and_utc()),
                follow_ups: follow_ups.remove(&r.id).unwrap_or_default(),
                created_at: r.created_at.and_utc(),
                youth_id: r.youth_id,
                id: r.id,
            }
        })
        .collect())
}

fn view(conn: &mut DbConn, row: PlacementRow, side: PlacementSide) -> Result<Placement, ApiError> {
    views(conn, vec![row], side)?
        .pop()
        .ok_or_else(placement_not_found)
}

/// Where a placement is and who follows it up, taken from its match or introduction.
struct Source {
    youth: AccountId,
    organisation_name: String,
    employer: Option<OrganisationId>,
    intermediary: Option<(OrganisationId, Option<AccountId>)>,
    match_id: Option<crate::db::ids::MatchId>,
    introduction: Option<crate::db::ids::IntroductionId>,
}

/// Checks the body against the caller and finds what the placement is about.
fn source(
    conn: &mut DbConn,
    party: &PlacementParty,
    body: &NewPlacement,
    name: Option<String>,
) -> Result<Source, ApiError> {
    let coach_org = match party {
        PlacementParty::Coach(c) => {
            Some((c.coach.organisation.clone(), Some(c.coach.account.clone())))
        }
        _ => None,
    };
    if let Some(m) = &body.match_id {
        let row = crate::matching::store::find_match(conn, m)?.ok_or_else(match_not_found)?;
        if !party.party_to_match(&row) {
            return Err(match_not_found());
        }
        let organisation_name =
            crate::caseloads::store::organisation_kind(conn, &row.organisation_id)?
                .map(|(n, _)| n)
                .unwrap_or_default();
        // A match after an introduction: its coach does the aftercare.
        let introduced = match &row.introduction_id {
            Some(i) => crate::clients::store::find_introduction(conn, i)?,
            None => None,
        };
        return Ok(Source {
            youth: row.youth_id,
            organisation_name,
            employer: Some(row.organisation_id),
            intermediary: coach_org.or_else(|| {
                introduced
                    .as_ref()
                    .map(|i| (i.organisation_id.clone(), i.coach_id.clone()))
            }),
            match_id: Some(row.id),
            introduction: row.introduction_id,
        });
    }
    if let Some(i) = &body.introduction_id {
        let intro = crate::clients::store::find_introduction(conn, i)?
            .filter(|x| party.introduced(x))
            .ok_or_else(|| {
                ApiError::new(
                    ProblemCode::IntroductionNotFound,
                    "There is no introduction with this id that you can see.",
                )
            })?;
        let (vacancy, org, _) = crate::employers::store::find_vacancy(conn, &intro.vacancy_id)?
            .ok_or_else(crate::matching::service::vacancy_not_found)?;
        let m = crate::matching::store::match_of_pair(conn, &intro.youth_id, &intro.vacancy_id)?;
        return Ok(Source {
            youth: intro.youth_id.clone(),
            organisation_name: org,
            employer: Some(vacancy.organisation_id),
            intermediary: coach_org,
            match_id: m.map(|m| m.id),
            introduction: Some(intro.id),
        });
    }
    let PlacementParty::Employer(_) = party else {
        let youth = match party {
            PlacementParty::Youth(y) => y.clone(),
            PlacementParty::Coach(c) => c.youth.clone(),
            PlacementParty::Employer(_) => return Err(ApiError::internal("unreachable side")),
        };
        let organisation_name = name.ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "organisation_name",
                "required",
                "name the employer or school (or give match_id)",
            )])
        })?;
        return Ok(Source {
            youth,
            organisation_name,
            employer: None,
            intermediary: coach_org,
            match_id: None,
            introduction: None,
        });
    };
    Err(ApiError::validation(vec![FieldError::new(
        "match_id",
        "required",
        "an employer records a placement from one of its matches",
    )]))
}

/// Records a placement; the recorder's side counts as confirmed.
pub async fn record(
    state: &AppState,
    user: Principal,
    body: NewPlacement,
) -> Result<Placement, ApiError> {
    let now = state.clock.now_naive();
    let today = now.date();
    let mut errors = Vec::new();
    let name = body
        .organisation_name
        .as_deref()
        .and_then(|n| crate::auth::model::parse_text(&mut errors, "organisation_name", n, 120));
    if (body.start_date - today).num_days().abs() > 366 {
        field(
            &mut errors,
            "start_date",
            "out_of_range",
            "must be within a year of today",
        );
    }
    if body.end_date.is_some_and(|e| e < body.start_date) {
        field(
            &mut errors,
            "end_date",
            "before_start",
            "must not be before start_date",
        );
    }
    if body.hours_per_week.is_some_and(|h| !(1..=40).contains(&h)) {
        field(
            &mut errors,
            "hours_per_week",
            "out_of_range",
            "must be 1 to 40",
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (youth, paused, placement) = state
        .db
        .write(move |conn| {
            let party = access::placement_recorder(conn, &user, body.youth_id.as_ref(), now)?;
            let src = source(conn, &party, &body, name)?;
            if let Some(m) = &src.match_id
                && store::of_match(conn, m)?.is_some()
            {
                return Err(ApiError::new(
                    ProblemCode::AlreadyPlaced,
                    "This match already has a placement: confirm that one.",
                ));
            }
            let side = party.side();
            let row = PlacementRow {
                id: PlacementId::generate(),
                youth_id: src.youth.clone(),
                kind: body.kind.as_str().to_owned(),
                organisation_name: src.organisation_name,
                employer_id: src.employer,
                intermediary_id: src.intermediary.as_ref().map(|(o, _)| o.clone()),
                coach_id: src.intermediary.as_ref().and_then(|(_, c)| c.clone()),
                match_id: src.match_id,
                introduction_id: src.introduction,
                start_date: body.start_date,
                end_date: body.end_date,
                hours_per_week: body.hours_per_week.map(i32::from),
                contract: body.contract.map(|c| c.as_str().to_owned()),
                recorded_by: Some(party.account().clone()),
                recorded_as: side.as_str().to_owned(),
                youth_confirmed_at: (side == PlacementSide::Youth).then_some(now),
                employer_confirmed_at: (side == PlacementSide::Employer).then_some(now),
                coach_confirmed_at: (side == PlacementSide::Coach).then_some(now),
                status: PlacementStatus::Active.as_str().to_owned(),
                ended_on: None,
                end_reason: None,
                reopened_at: None,
                created_at: now,
                updated_at: now,
            };
            let follow_ups: Vec<FollowUpRow> = match &row.intermediary_id {
                None => Vec::new(),
                Some(_) => FOLLOW_UP_WEEKS
                    .iter()
                    .map(|&w| FollowUpRow {
                        placement_id: row.id.clone(),
                        week: w,
                        due_on: row.start_date + TimeDelta::weeks(i64::from(w)),
                        coach_id: row.coach_id.clone(),
                        answered_at: None,
                        answered_by: None,
                        progress: None,
                        reason: None,
                        note: None,
                    })
                    .collect(),
            };
            store::insert(conn, &row, &follow_ups)?;
            party.audit(
                conn,
                now,
                &row.youth_id,
                Action::RecordPlacement,
                row.id.as_str(),
            )?;
            let paused = pause_search(conn, &row, side, now)?;
            Ok((row.youth_id.clone(), paused, view(conn, row, side)?))
        })
        .await?;
    if paused {
        crate::matching::feed::forget_youth_feed(state, &youth).await;
    }
    Ok(placement)
}

pub async fn get(
    state: &AppState,
    user: Principal,
    id: PlacementId,
) -> Result<Placement, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let row = store::find(conn, &id)?.ok_or_else(placement_not_found)?;
            let party = access::placement_party(conn, &user, &row, now)?;
            party.audit(
                conn,
                now,
                &row.youth_id,
                Action::ViewPlacement,
                row.id.as_str(),
            )?;
            view(conn, row, party.side())
        })
        .await
}

/// The caller's placements: a youth's own, an employer's, or the placing organisation's
/// (of youth the coach may act for).
pub async fn list(
    state: &AppState,
    user: Principal,
    cursor: Option<PlacementId>,
    limit: u8,
) -> Result<PlacementPage, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            // Whose list: the placing organisation's (coaches), the employer's, or the youth's.
            let (org, side) = if user.role == crate::auth::model::Role::Intermediary {
                let coach = access::coach_membership(conn, &user)?;
                (Some(coach.organisation), PlacementSide::Coach)
            } else {
                match access::placement_recorder(conn, &user, None, now)? {
                    PlacementParty::Employer(m) => (Some(m.organisation), PlacementSide::Employer),
                    party => (None, party.side()),
                }
            };
            let of = match (&org, side) {
                (Some(o), PlacementSide::Coach) => PlacementsOf::Intermediary(o),
                (Some(o), _) => PlacementsOf::Employer(o),
                (None, _) => PlacementsOf::Youth(&user.account_id),
            };
            let rows = store::list(conn, of, cursor.as_ref(), i64::from(limit) + 1)?;
            let (rows, next_cursor) =
                paging::split(rows, usize::from(limit), List::Placements, |r| {
                    r.id.to_string()
                });
            // Each one as its party sees it; a coach only those they may still act for.
            let mut shown = Vec::with_capacity(rows.len());
            for r in rows {
                if let Ok(party) = access::placement_party(conn, &user, &r, now) {
                    party.audit(conn, now, &r.youth_id, Action::ViewPlacement, r.id.as_str())?;
                    shown.push(r);
                }
            }
            Ok(PlacementPage {
                items: views(conn, shown, side)?,
                next_cursor,
            })
        })
        .await
}

/// A party confirms the placement (again changes nothing). The youth's confirmation of a job,
/// BBL job or return to school pauses their search.
pub async fn confirm(
    state: &AppState,
    user: Principal,
    id: PlacementId,
) -> Result<Placement, ApiError> {
    let now = state.clock.now_naive();
    let (youth, paused, placement) = state
        .db
        .write(move |conn| {
            let row = store::find(conn, &id)?.ok_or_else(placement_not_found)?;
            let party = access::placement_party(conn, &user, &row, now)?;
            let side = party.side();
            let mut paused = false;
            if store::confirm(conn, &id, side, now)? {
                party.audit(
                    conn,
                    now,
                    &row.youth_id,
                    Action::RecordPlacement,
                    row.id.as_str(),
                )?;
                paused = pause_search(conn, &row, side, now)?;
            }
            let row = store::find(conn, &id)?.ok_or_else(placement_not_found)?;
            Ok((row.youth_id.clone(), paused, view(conn, row, side)?))
        })
        .await?;
    if paused {
        crate::matching::feed::forget_youth_feed(state, &youth).await;
    }
    Ok(placement)
}

/// The placing organisation's coach answers a follow-up; `ended` ends the placement.
pub async fn answer_follow_up(
    state: &AppState,
    user: Principal,
    id: PlacementId,
    answer: FollowUpAnswer,
) -> Result<Placement, ApiError> {
    let now = state.clock.now_naive();
    let today = now.date();
    let mut errors = Vec::new();
    if !FOLLOW_UP_WEEKS.contains(&i32::from(answer.week)) {
        field(&mut errors, "week", "out_of_range", "must be 2, 6 or 13");
    }
    let ended = answer.progress == Progress::Ended;
    if ended && answer.reason.is_none() {
        field(
            &mut errors,
            "reason",
            "required",
            "say why the placement ended",
        );
    }
    if !ended && (answer.reason.is_some() || answer.ended_on.is_some()) {
        field(
            &mut errors,
            "reason",
            "not_ended",
            "only an ended placement has a reason and an end",
        );
    }
    if answer.ended_on.is_some_and(|d| d > today) {
        field(
            &mut errors,
            "ended_on",
            "in_the_future",
            "must not be after today",
        );
    }
    let note = match &answer.note {
        Some(n) if n.chars().count() > 2000 || !crate::auth::model::is_plain_text(n) => {
            field(
                &mut errors,
                "note",
                "invalid_text",
                "at most 2000 characters of plain text",
            );
            None
        }
        Some(n) => Some(n.trim().to_owned()).filter(|n| !n.is_empty()),
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    state
        .db
        .write(move |conn| {
            let row = store::find(conn, &id)?.ok_or_else(placement_not_found)?;
            let party = access::placement_party(conn, &user, &row, now)?;
            party.follows_up()?;
            if row.status != "active" {
                return Err(ApiError::new(
                    ProblemCode::PlacementEnded,
                    "This placement has ended; its follow-ups are closed.",
                ));
            }
            let week = i32::from(answer.week);
            let exists = store::follow_ups_of(conn, std::slice::from_ref(&id))?
                .into_iter()
                .find(|f| f.week == week)
                .ok_or_else(|| {
                    ApiError::new(
                        ProblemCode::FollowUpNotFound,
                        "This placement has no follow-up for that week.",
                    )
                })?;
            if exists.answered_at.is_some()
                || !store::answer_follow_up(
                    conn,
                    &id,
                    week,
                    party.account(),
                    (
                        answer.progress.as_str(),
                        answer.reason.map(|r| r.as_str()),
                        note.as_deref(),
                    ),
                    now,
                )?
            {
                return Err(ApiError::new(
                    ProblemCode::FollowUpAnswered,
                    "This follow-up was already answered.",
                ));
            }
            if let (true, Some(reason)) = (ended, answer.reason) {
                let on = answer.ended_on.unwrap_or(today).max(row.start_date);
                store::end(conn, &id, on, reason.as_str(), now)?;
            }
            party.audit(
                conn,
                now,
                &row.youth_id,
                Action::RecordPlacement,
                row.id.as_str(),
            )?;
            let row = store::find(conn, &id)?.ok_or_else(placement_not_found)?;
            view(conn, row, PlacementSide::Coach)
        })
        .await
}

/// A placement that ended is reopened as an active search in one step: the youth's profile
/// is active again (the youth or their placing coach).
pub async fn reopen(
    state: &AppState,
    user: Principal,
    id: PlacementId,
) -> Result<Placement, ApiError> {
    let now = state.clock.now_naive();
    let (youth, placement) = state
        .db
        .write(move |conn| {
            let row = store::find(conn, &id)?.ok_or_else(placement_not_found)?;
            let party = access::placement_party(conn, &user, &row, now)?;
            party.may_reopen()?;
            if row.status != "ended" {
                return Err(ApiError::new(
                    ProblemCode::PlacementNotEnded,
                    "This placement is still running; it ends through a follow-up first.",
                ));
            }
            store::mark_reopened(conn, &id, now)?;
            crate::youth::store::set_status(conn, &row.youth_id, "active", now)?;
            party.audit(
                conn,
                now,
                &row.youth_id,
                Action::RecordPlacement,
                row.id.as_str(),
            )?;
            let side = party.side();
            let row = store::find(conn, &id)?.ok_or_else(placement_not_found)?;
            Ok((row.youth_id.clone(), view(conn, row, side)?))
        })
        .await?;
    crate::matching::feed::forget_youth_feed(state, &youth).await;
    Ok(placement)
}

/// The caller's (a coach's) open follow-ups, the earliest due first.
pub async fn due_follow_ups(
    state: &AppState,
    user: Principal,
    due: FollowUpDue,
    cursor: Option<(NaiveDate, PlacementId, i32)>,
    limit: u8,
) -> Result<DueFollowUpPage, ApiError> {
    let now = state.clock.now_naive();
    let today = now.date();
    let by = match due {
        FollowUpDue::Overdue => Some(today - TimeDelta::days(1)),
        FollowUpDue::ThisWeek => {
            Some(today + TimeDelta::days(i64::from(6 - today.weekday().num_days_from_monday())))
        }
        FollowUpDue::Open => None,
    };
    state
        .db
        .run(move |conn| {
            let coach = access::coach_membership(conn, &user)?;
            let rows = store::due_for(conn, &coach.account, by, cursor, i64::from(limit) + 1)?;
            let (rows, next_cursor) =
                paging::split(rows, usize::from(limit), List::PlacementFollowUps, |r| {
                    format!("{}.{}.{}", r.due_on, r.placement_id, r.week)
                });
            Ok(DueFollowUpPage {
                items: rows
                    .into_iter()
                    .map(|r| DueFollowUp {
                        youth_name: [Some(r.first_name), r.last_name]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" "),
                        kind: PlacementKind::parse(&r.kind).unwrap_or(PlacementKind::Job),
                        week: r.week.clamp(0, 255) as u8,
                        placement_id: r.placement_id,
                        youth_id: r.youth_id,
                        organisation_name: r.organisation_name,
                        due_on: r.due_on,
                    })
                    .collect(),
                next_cursor,
            })
        })
        .await
}

/// A follow-up list's cursor position: `due_on.placement.week`.
pub fn follow_up_position(p: &str) -> Option<(NaiveDate, PlacementId, i32)> {
    let mut parts = p.splitn(3, '.');
    let due = parts.next()?.parse().ok()?;
    let placement = PlacementId::parse(parts.next()?)?;
    let week = parts.next()?.parse().ok()?;
    Some((due, placement, week))
}

/// The follow-ups due by the end of this week for a coach, as lines for the Monday mail.
pub fn digest_lines(
    conn: &mut DbConn,
    coach: &AccountId,
    now: NaiveDateTime,
) -> Result<Vec<String>, ApiError> {
    let today = now.date();
    let sunday = today + TimeDelta::days(i64::from(6 - today.weekday().num_days_from_monday()));
    Ok(store::due_for(conn, coach, Some(sunday), None, 200)?
        .into_iter()
        .map(|r| {
            let initial = r
                .last_name
                .as_deref()
                .and_then(|l| l.chars().next())
                .map(|c| format!(" {c}."))
                .unwrap_or_default();
            format!(
                "{}{initial}: {} ({})",
                r.first_name, r.organisation_name, r.due_on
            )
        })
        .collect())
}
