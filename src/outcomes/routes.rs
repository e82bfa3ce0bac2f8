//! HTTP handlers of placements, aftercare and output reports.

use actix_web::http::header::{ACCEPT, CONTENT_TYPE};
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpRequest, HttpResponse, get, post};

use crate::access::Principal;
use crate::db::ids::PlacementId;
use crate::error::{ApiError, Problem, ProblemCode};
use crate::json::Body;
use crate::outcomes::model::*;
use crate::outcomes::{placements, reports};
use crate::paging::{List, PageQuery};
use crate::state::AppState;

fn placement_id(raw: &str) -> Result<PlacementId, ApiError> {
    PlacementId::parse(raw).ok_or_else(|| {
        ApiError::new(
            ProblemCode::PlacementNotFound,
            "There is no placement with this id that you are a party to.",
        )
    })
}

/// Record a placement: a job, internship, BBL learning-work job, side job or a return to
/// school. Your side counts as confirmed; the other parties confirm. With a coach (the one
/// recording it, or whose introduction led to it), follow-ups are due 2, 6 and 13 weeks
/// after the start. A youth's own job, BBL job or return to school pauses their search.
#[utoipa::path(
    tag = "placements",
    security(("bearer" = [])),
    request_body = NewPlacement,
    responses(
        (status = 201, description = "Recorded", body = Placement),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`, `introduction_not_found`, `vacancy_not_found`, `youth_not_in_caseload`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_placed`: this match has a placement", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/placements")]
pub async fn create_placement(
    state: Data<AppState>,
    user: Principal,
    body: Body<NewPlacement>,
) -> Result<HttpResponse, ApiError> {
    let placement = placements::record(&state, user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(placement))
}

/// Your placements (youth), your organisation's (employers), or those your organisation
/// follows up of youth you may act for (coaches); newest first.
#[utoipa::path(
    tag = "placements",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of placements", body = PlacementPage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/placements")]
pub async fn list_placements(
    state: Data<AppState>,
    user: Principal,
    page: Query<PageQuery>,
) -> Result<Json<PlacementPage>, ApiError> {
    let page = page.parse(List::Placements)?;
    let cursor = page.after(PlacementId::parse)?;
    Ok(Json(
        placements::list(&state, user, cursor, page.limit).await?,
    ))
}

/// Your aftercare: follow-ups of the placements you follow up that are not answered yet,
/// the earliest due first.
#[utoipa::path(
    tag = "placements",
    security(("bearer" = [])),
    params(FollowUpDueFilter, PageQuery),
    responses(
        (status = 200, description = "A page of follow-ups", body = DueFollowUpPage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/placements/follow-ups")]
pub async fn list_placement_follow_ups(
    state: Data<AppState>,
    user: Principal,
    filter: Query<FollowUpDueFilter>,
    page: Query<PageQuery>,
) -> Result<Json<DueFollowUpPage>, ApiError> {
    let page = page.parse(List::PlacementFollowUps)?;
    let cursor = page.after(placements::follow_up_position)?;
    Ok(Json(
        placements::due_follow_ups(&state, user, filter.into_inner().due, cursor, page.limit)
            .await?,
    ))
}

/// One placement, for its parties.
#[utoipa::path(
    tag = "placements",
    security(("bearer" = [])),
    params(("placement_id" = Uuid, Path, description = "Placement id")),
    responses(
        (status = 200, description = "The placement", body = Placement),
        (status = 403, description = "`no_organisation`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`placement_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/placements/{placement_id}")]
pub async fn get_placement(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Placement>, ApiError> {
    Ok(Json(
        placements::get(&state, user, placement_id(&id)?).await?,
    ))
}

/// Confirm a placement someone else recorded (again changes nothing).
#[utoipa::path(
    tag = "placements",
    security(("bearer" = [])),
    params(("placement_id" = Uuid, Path, description = "Placement id")),
    responses(
        (status = 200, description = "Confirmed by your side", body = Placement),
        (status = 403, description = "`no_organisation`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`placement_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/placements/{placement_id}/confirm")]
pub async fn confirm_placement(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Placement>, ApiError> {
    Ok(Json(
        placements::confirm(&state, user, placement_id(&id)?).await?,
    ))
}

/// Answer a follow-up (the placing organisation's coach): on track, at risk, or ended with a
/// reason (which ends the placement).
#[utoipa::path(
    tag = "placements",
    security(("bearer" = [])),
    params(("placement_id" = Uuid, Path, description = "Placement id")),
    request_body = FollowUpAnswer,
    responses(
        (status = 201, description = "Answered; the placement as it is now", body = Placement),
        (status = 403, description = "`wrong_role`: coaches only, `no_organisation`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`placement_not_found`, `follow_up_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`follow_up_answered`, `placement_ended`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/placements/{placement_id}/follow-ups")]
pub async fn create_placement_follow_up(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: Body<FollowUpAnswer>,
) -> Result<HttpResponse, ApiError> {
    let placement =
        placements::answer_follow_up(&state, user, placement_id(&id)?, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(placement))
}

/// Reopen a placement that ended as an active search for the youth, in one step (the youth
/// or the placing coach): the youth's profile is active again and their feed starts afresh.
#[utoipa::path(
    tag = "placements",
    security(("bearer" = [])),
    params(("placement_id" = Uuid, Path, description = "Placement id")),
    responses(
        (status = 200, description = "Reopened", body = Placement),
        (status = 403, description = "`wrong_role`: not the employer, `no_organisation`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`placement_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`placement_not_ended`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/placements/{placement_id}/reopen")]
pub async fn reopen_placement(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Placement>, ApiError> {
    Ok(Json(
        placements::reopen(&state, user, placement_id(&id)?).await?,
    ))
}

/// Output monitoring over one calendar year: of your organisation's caseload (coaches and
/// coordinators of an intermediary) or of everyone (admins); by month or by age band, start
/// qualification, kind of work, province (`province`: the twelve, `abroad` and `unknown`, from
/// the youth's location), the place as the youth wrote it (`region`), and, for UWV and
/// municipalities, benefit and work limitation. Figures of fewer than 10 youth are
/// suppressed, and so are the figures needed to keep them from following from the total. JSON, or CSV with `Accept: text/csv`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "The report", content(
            (OutcomeReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "`invalid_query`: a year before 2016 or after 2100", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`, `sensitive_selection_not_allowed`: grouping by benefit or work limitation outside UWV and municipalities", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/outcomes")]
pub async fn get_outcome_report(
    state: Data<AppState>,
    user: Principal,
    req: HttpRequest,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = reports::outcomes(&state, user, query.into_inner()).await?;
    let csv = req
        .headers()
        .get(ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    if csv {
        return Ok(HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"outcomes-{}.csv\"", report.year),
            ))
            .body(reports::to_csv(&report)));
    }
    Ok(HttpResponse::Ok().json(&*report))
}
