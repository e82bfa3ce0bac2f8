//! HTTP handlers for organisations, invitations and vacancies.

use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::access::Principal;
use crate::auth::model::{Me, Session};
use crate::db::ids::{OrganisationId, VacancyId};
use crate::employers::model::*;
use crate::employers::service;
use crate::error::{ApiError, Problem, ProblemCode};
use crate::json::Body;
use crate::paging::{List, PageQuery};
use crate::state::AppState;

fn org_id(raw: &str) -> Result<OrganisationId, ApiError> {
    OrganisationId::parse(raw).ok_or_else(|| {
        ApiError::new(
            ProblemCode::OrganisationNotFound,
            "There is no organisation with this id that you belong to.",
        )
    })
}

/// A vacancy id from a path; anything that is not one is simply not found.
pub fn vacancy_id(raw: &str) -> Result<VacancyId, ApiError> {
    VacancyId::parse(raw).ok_or_else(|| {
        ApiError::new(
            ProblemCode::VacancyNotFound,
            "There is no vacancy with this id that you can see.",
        )
    })
}

/// Your organisation (members only).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("organisation_id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = Organisation),
        (status = 404, description = "`organisation_not_found`: no such organisation, or you are not a member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{organisation_id}")]
pub async fn get_organisation(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Organisation>, ApiError> {
    Ok(Json(
        service::get_organisation(&state, user, org_id(&id)?).await?,
    ))
}

/// Change your organisation's name, KvK number or city (members only).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("organisation_id" = Uuid, Path, description = "Organisation id")),
    request_body = OrganisationPatch,
    responses(
        (status = 200, description = "Saved", body = Organisation),
        (status = 404, description = "`organisation_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organisations/{organisation_id}")]
pub async fn update_organisation(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: Body<OrganisationPatch>,
) -> Result<Json<Organisation>, ApiError> {
    Ok(Json(
        service::patch_organisation(&state, user, org_id(&id)?, body.into_inner()).await?,
    ))
}

/// The members of your organisation and their roles, owners first.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("organisation_id" = Uuid, Path, description = "Organisation id"), PageQuery),
    responses(
        (status = 200, description = "A page of members", body = MemberPage),
        (status = 404, description = "`organisation_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{organisation_id}/members")]
pub async fn list_members(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    page: Query<PageQuery>,
) -> Result<Json<MemberPage>, ApiError> {
    let page = page.parse(List::Members)?;
    Ok(Json(
        service::members(&state, user, org_id(&id)?, page).await?,
    ))
}

/// Invite a colleague by email: they get a one-time link to join.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("organisation_id" = Uuid, Path, description = "Organisation id")),
    request_body = InvitationBody,
    responses(
        (status = 202, description = "The invitation is on its way"),
        (status = 403, description = "`not_a_coordinator`: in an intermediary organisation only coordinators invite (coaches)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`organisation_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_a_member`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{organisation_id}/invitations")]
pub async fn create_invitation(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: Body<InvitationBody>,
) -> Result<HttpResponse, ApiError> {
    service::invite(&state, user, org_id(&id)?, body.into_inner()).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Join an organisation with an invitation sent to your address (employer accounts without
/// an organisation).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    request_body = AcceptInvitation,
    responses(
        (status = 200, description = "Joined as a member", body = Me),
        (status = 400, description = "`invalid_invitation`: used, expired or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_role`, `invitation_for_someone_else`, or `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_in_organisation`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/invitations/accept")]
pub async fn accept_invitation(
    state: Data<AppState>,
    user: Principal,
    body: Body<AcceptInvitation>,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(
        service::accept_invitation(&state, user, body.into_inner()).await?,
    ))
}

/// Register a new employer account through an invitation (the invited email is used).
#[utoipa::path(
    tag = "accounts",
    request_body = RegisterInvited,
    params(crate::auth::model::LanguageHeader),
    responses(
        (status = 201, description = "Registered, joined and signed in", body = Session),
        (status = 400, description = "`invalid_invitation`: used, expired or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_taken`: sign in and accept instead", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a new attempt is allowed"))),
    )
)]
#[post("/auth/register/invited")]
pub async fn create_invited_account(
    state: Data<AppState>,
    req: HttpRequest,
    body: Body<RegisterInvited>,
) -> Result<HttpResponse, ApiError> {
    let accept = crate::auth::model::LanguageHeader::of(&req);
    let registered = service::register_invited(
        &state,
        body.into_inner(),
        &crate::ratelimit::client_ip(&req),
        accept,
    )
    .await?;
    Ok(HttpResponse::Created().json(registered))
}

/// Post a vacancy for your organisation (employers), or for an active client of your
/// organisation (coaches: `organisation_id`). Starts as a draft unless `status` is `open`.
#[utoipa::path(
    tag = "vacancies",
    security(("bearer" = [])),
    request_body = NewVacancy,
    responses(
        (status = 201, description = "Created", body = Vacancy),
        (status = 403, description = "`wrong_role`, `no_organisation`, or `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`organisation_not_found`: not your organisation, nor an active client of it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/vacancies")]
pub async fn create_vacancy(
    state: Data<AppState>,
    user: Principal,
    body: Body<NewVacancy>,
) -> Result<HttpResponse, ApiError> {
    let vacancy = service::create_vacancy(&state, user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(vacancy))
}

/// A vacancy. Members of its organisation see all of it; anyone else signed in sees an open,
/// unexpired vacancy's public fields, and 404 for anything else.
#[utoipa::path(
    tag = "vacancies",
    security(("bearer" = [])),
    params(("vacancy_id" = Uuid, Path, description = "Vacancy id")),
    responses(
        (status = 200, description = "The vacancy", body = Vacancy),
        (status = 404, description = "`vacancy_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/vacancies/{vacancy_id}")]
pub async fn get_vacancy(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Vacancy>, ApiError> {
    Ok(Json(
        service::get_vacancy(&state, user, vacancy_id(&id)?).await?,
    ))
}

/// Change a vacancy, or move it through its status machine with `status`
/// (draft → open; open ↔ paused; open, paused or expired → closed or filled; expired → open).
#[utoipa::path(
    tag = "vacancies",
    security(("bearer" = [])),
    params(("vacancy_id" = Uuid, Path, description = "Vacancy id")),
    request_body = VacancyPatch,
    responses(
        (status = 200, description = "Saved", body = Vacancy),
        (status = 403, description = "`not_your_vacancy`: visible, but not of your organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`vacancy_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`, or `vacancy_closed` (closed and filled vacancies are not edited)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/vacancies/{vacancy_id}")]
pub async fn update_vacancy(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: Body<VacancyPatch>,
) -> Result<Json<Vacancy>, ApiError> {
    Ok(Json(
        service::patch_vacancy(&state, user, vacancy_id(&id)?, body.into_inner()).await?,
    ))
}

/// Delete a vacancy (members only).
#[utoipa::path(
    tag = "vacancies",
    security(("bearer" = [])),
    params(("vacancy_id" = Uuid, Path, description = "Vacancy id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`not_your_vacancy`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`vacancy_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`has_matches`: a vacancy with matches is closed (`status: closed`), not deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/vacancies/{vacancy_id}")]
pub async fn delete_vacancy(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    service::delete_vacancy(&state, user, vacancy_id(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VacancyFilter {
    /// Only vacancies in this status (`open` excludes expired ones).
    #[param(nullable = false)]
    pub status: Option<ShownStatus>,
}

/// Your organisation's vacancies, newest first, a page at a time.
#[utoipa::path(
    tag = "vacancies",
    security(("bearer" = [])),
    params(("organisation_id" = Uuid, Path, description = "Organisation id"), VacancyFilter, PageQuery),
    responses(
        (status = 200, description = "A page of vacancies", body = VacancyPage),
        (status = 404, description = "`organisation_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{organisation_id}/vacancies")]
pub async fn list_vacancies(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    filter: Query<VacancyFilter>,
    page: Query<PageQuery>,
) -> Result<Json<VacancyPage>, ApiError> {
    let page = page.parse(List::Vacancies)?;
    let cursor = page.after(VacancyId::parse)?;
    Ok(Json(
        service::list_vacancies(
            &state,
            user,
            org_id(&id)?,
            filter.into_inner().status,
            cursor,
            page.limit,
        )
        .await?,
    ))
}
