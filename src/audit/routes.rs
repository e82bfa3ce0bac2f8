//! Reading the audit log: the youth their own, a coordinator their organisation's, an admin all.

use actix_web::get;
use actix_web::web::{Data, Json, Path, Query};

use crate::access::{self, OrganisationKind, Principal};
use crate::audit::model::*;
use crate::audit::store::{self, AuditRow, Filter};
use crate::db::ids::{AuditId, OrganisationId};
use crate::error::{ApiError, Problem, ProblemCode};
use crate::paging::{self, List, PageQuery};
use crate::state::AppState;

fn entry(r: &AuditRow) -> AuditEntry {
    AuditEntry {
        id: r.id.clone(),
        at: r.at.and_utc(),
        organisation: match (&r.organisation_id, &r.organisation_kind) {
            (Some(id), Some(kind)) => Some(AuditOrganisation {
                id: id.clone(),
                name: r.organisation_name.clone().unwrap_or_default(),
                kind: OrganisationKind::parse(kind).unwrap_or(OrganisationKind::Employer),
            }),
            _ => None,
        },
        actor_role: r.actor_role.clone(),
        action: Action::parse(&r.action).unwrap_or(Action::ViewProfile),
        object: r.object.clone(),
        purpose: if r.purpose == "match_contact" {
            Purpose::MatchContact
        } else {
            Purpose::Coaching
        },
        on_behalf: r.on_behalf,
    }
}

fn record(r: AuditRow) -> AuditRecord {
    let e = entry(&r);
    AuditRecord {
        id: e.id,
        at: e.at,
        organisation: e.organisation,
        actor_role: e.actor_role,
        action: e.action,
        object: e.object,
        purpose: e.purpose,
        on_behalf: e.on_behalf,
        actor_id: r.actor_id,
        subject_id: r.subject_id,
        request_id: r.request_id,
    }
}

/// One page of the lines `filter` selects, newest first, and the cursor of the next; `guard`
/// runs first, in the same database call (the coordinator's check).
async fn page_of(
    state: &AppState,
    filter: Filter,
    guard: impl FnOnce(&mut crate::db::DbConn) -> Result<(), ApiError> + Send + 'static,
    page: PageQuery,
) -> Result<(Vec<AuditRow>, Option<String>), ApiError> {
    let page = page.parse(List::Audit)?;
    let cursor = page.after(AuditId::parse)?;
    let limit = page.limit();
    state
        .db
        .run(move |conn| {
            guard(conn)?;
            let rows = store::list(conn, &filter, cursor.as_ref(), limit as i64 + 1)?;
            Ok(paging::split(rows, limit, List::Audit, |r| {
                r.id.to_string()
            }))
        })
        .await
}

/// Every access to your data by someone else, newest first: when, which organisation and its
/// kind, which role, what and why. Never on your behalf.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of your log", body = AuditPage),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/audit")]
pub async fn list_my_audit(
    state: Data<AppState>,
    user: Principal,
    page: Query<PageQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let youth = user.youth_self()?;
    let (rows, next_cursor) = page_of(
        &state,
        Filter::Subject(youth),
        |_| Ok(()),
        page.into_inner(),
    )
    .await?;
    Ok(Json(AuditPage {
        items: rows.iter().map(entry).collect(),
        next_cursor,
    }))
}

/// How often employers were shown and liked your anonymous card (counted, not logged).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The counts", body = CardStats),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/card-stats")]
pub async fn get_my_card_stats(
    state: Data<AppState>,
    user: Principal,
) -> Result<Json<CardStats>, ApiError> {
    let youth = user.youth_self()?;
    state
        .db
        .run(move |conn| {
            let shown = store::cards_shown(conn, &youth)?;
            let liked = store::cards_liked(conn, &youth)?;
            Ok(Json(CardStats {
                shown_to_employers: u64::try_from(shown).unwrap_or(0),
                liked_by_employers: u64::try_from(liked).unwrap_or(0),
            }))
        })
        .await
}

/// The audit records of your organisation's staff, newest first (coordinators).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(("organisation_id" = Uuid, Path, description = "Organisation id"), PageQuery),
    responses(
        (status = 200, description = "A page of audit records", body = AuditRecordPage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_a_coordinator`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`organisation_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{organisation_id}/audit")]
pub async fn list_organisation_audit(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    page: Query<PageQuery>,
) -> Result<Json<AuditRecordPage>, ApiError> {
    let org = OrganisationId::parse(&id).ok_or_else(|| {
        ApiError::new(
            ProblemCode::OrganisationNotFound,
            "There is no organisation with this id that you belong to.",
        )
    })?;
    let guard_org = org.clone();
    let guard = move |conn: &mut crate::db::DbConn| {
        access::coordinator_of(conn, &user, &guard_org).map(|_| ())
    };
    let (rows, next_cursor) =
        page_of(&state, Filter::Organisation(org), guard, page.into_inner()).await?;
    Ok(Json(AuditRecordPage {
        items: rows.into_iter().map(record).collect(),
        next_cursor,
    }))
}

/// Every audit record, newest first (admins).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of audit records", body = AuditRecordPage),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/audit")]
pub async fn list_all_audit(
    state: Data<AppState>,
    user: Principal,
    page: Query<PageQuery>,
) -> Result<Json<AuditRecordPage>, ApiError> {
    user.admin()?;
    let (rows, next_cursor) = page_of(&state, Filter::All, |_| Ok(()), page.into_inner()).await?;
    Ok(Json(AuditRecordPage {
        items: rows.into_iter().map(record).collect(),
        next_cursor,
    }))
}
