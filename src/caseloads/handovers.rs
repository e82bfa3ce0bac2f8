//! Handing one youth to another coach: the responsible coach (or the coordinator) offers,
//! the receiving coach accepts or declines. On acceptance the consent moves with its history,
//! the old coach's delegated tokens end, and the youth is told who their new coach is.

use chrono::NaiveDateTime;

use crate::access::{self, Principal, revocation};
use crate::caseloads::model::*;
use crate::caseloads::service;
use crate::caseloads::store::{self, HandoverRow};
use crate::db::DbConn;
use crate::db::ids::{AccountId, HandoverId};
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::paging::{self, List, Page};
use crate::state::AppState;

fn not_found() -> ApiError {
    ApiError::new(
        ProblemCode::HandoverNotFound,
        "There is no handover with this id waiting for you.",
    )
}

fn view(conn: &mut DbConn, row: HandoverRow) -> Result<Handover, ApiError> {
    let consent = store::find_consent(conn, &row.consent_id)?.ok_or_else(not_found)?;
    let youth = consent.youth_id.ok_or_else(not_found)?;
    let first = crate::youth::store::find_profile(conn, &youth)?
        .map(|p| p.first_name)
        .unwrap_or_default();
    let ids: Vec<AccountId> = row
        .from_coach
        .iter()
        .chain(std::iter::once(&row.to_coach))
        .cloned()
        .collect();
    let names: std::collections::HashMap<AccountId, String> =
        store::names(conn, &ids)?.into_iter().collect();
    let summary = |id: &AccountId| CoachSummary {
        id: id.clone(),
        name: names.get(id).cloned().unwrap_or_default(),
    };
    Ok(Handover {
        id: row.id.clone(),
        youth_id: youth,
        youth_first_name: first,
        from_coach: row.from_coach.as_ref().map(summary),
        to_coach: summary(&row.to_coach),
        reason: row.reason,
        status: match row.status.as_str() {
            "accepted" => HandoverStatus::Accepted,
            "declined" => HandoverStatus::Declined,
            "withdrawn" => HandoverStatus::Withdrawn,
            _ => HandoverStatus::Pending,
        },
        created_at: row.created_at.and_utc(),
        decided_at: row.decided_at.map(|t| t.and_utc()),
    })
}

/// Offers one youth to another coach of the organisation.
pub async fn offer(
    state: &AppState,
    principal: Principal,
    youth: AccountId,
    body: HandoverBody,
) -> Result<Handover, ApiError> {
    let mut errors = Vec::new();
    let reason = crate::auth::model::parse_text(&mut errors, "reason", &body.reason, 500);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let reason = reason.unwrap_or_default();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let coach = access::coach_membership(conn, &principal)?;
            let access = access::caseload_access(conn, coach, &youth, now)?;
            if !access.may_hand_over() {
                return Err(ApiError::new(
                    ProblemCode::NotACoordinator,
                    "Only the responsible coach or a coordinator hands a youth over.",
                ));
            }
            match store::member_state(conn, &access.coach.organisation, &body.to_coach_id)? {
                Some(m) if !m.deactivated => {}
                _ => {
                    return Err(ApiError::new(
                        ProblemCode::MemberNotFound,
                        "There is no active coach with this id in your organisation.",
                    ));
                }
            }
            if access.consent.coach_id.as_ref() == Some(&body.to_coach_id) {
                return Err(ApiError::validation(vec![FieldError::new(
                    "to_coach_id",
                    "already_responsible",
                    "this coach is already the youth's coach",
                )]));
            }
            let row = HandoverRow {
                id: HandoverId::generate(),
                consent_id: access.consent.id.clone(),
                from_coach: access.consent.coach_id.clone(),
                to_coach: body.to_coach_id,
                asked_by: Some(access.coach.account.clone()),
                reason,
                status: "pending".into(),
                created_at: now,
                decided_at: None,
            };
            store::insert_handover(conn, &row)?;
            view(conn, row)
        })
        .await
}

/// Handovers waiting for the caller's answer.
pub async fn incoming(
    state: &AppState,
    principal: Principal,
    page: Page,
) -> Result<HandoverPage, ApiError> {
    let cursor = page.after(HandoverId::parse)?;
    let limit = page.limit();
    state
        .db
        .run(move |conn| {
            let coach = access::coach_membership(conn, &principal)?;
            let rows =
                store::handovers_to(conn, &coach.account, cursor.as_ref(), limit as i64 + 1)?;
            let (rows, next_cursor) =
                paging::split(rows, limit, List::Handovers, |r| r.id.to_string());
            let items = rows
                .into_iter()
                .map(|r| view(conn, r))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(HandoverPage { items, next_cursor })
        })
        .await
}

/// The receiving coach accepts (`true`) or declines.
pub async fn decide(
    state: &AppState,
    principal: Principal,
    id: HandoverId,
    accept: bool,
) -> Result<Handover, ApiError> {
    let now: NaiveDateTime = state.clock.now_naive();
    let (handover, moved) = state
        .db
        .write(move |conn| {
            let coach = access::coach_membership(conn, &principal)?;
            let row = store::find_handover(conn, &id)?
                .filter(|h| h.to_coach == coach.account)
                .ok_or_else(not_found)?;
            let consent = store::find_consent(conn, &row.consent_id)?.ok_or_else(not_found)?;
            // The consent must still be live, and still this organisation's.
            let live = consent.organisation_id == coach.organisation
                && service::status_of(&consent, now) == ConsentStatus::Active;
            if accept && !live {
                return Err(ApiError::new(
                    ProblemCode::ConsentEnded,
                    "The youth's consent has ended; decline the handover instead.",
                ));
            }
            let status = if accept { "accepted" } else { "declined" };
            if !store::decide_handover(conn, &id, status, now)? {
                return Err(ApiError::new(
                    ProblemCode::ConsentEnded,
                    "This handover was already answered or withdrawn.",
                ));
            }
            let mut moved = None;
            if accept {
                let me = crate::auth::store::find_account(conn, &coach.account)?
                    .map(|a| a.display_name)
                    .unwrap_or_default();
                moved = Some(consent.id.clone());
                let to = service::NewCoach {
                    coach: &coach.account,
                    name: &me,
                    organisation_name: &coach.organisation_name,
                };
                service::hand_to(conn, consent, to, &coach.account, &row.reason, now)?;
            }
            let row = store::find_handover(conn, &id)?.ok_or_else(not_found)?;
            Ok((view(conn, row)?, moved))
        })
        .await?;
    if let Some(consent) = moved {
        revocation::consent_changed(state, &consent, false).await;
    }
    Ok(handover)
}
