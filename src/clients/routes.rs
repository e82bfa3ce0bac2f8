//! HTTP handlers of employer clients and introductions: parse, call the service (which asks
//! `access`), map.

use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, delete, get, patch, post};

use crate::access::Principal;
use crate::clients::introductions;
use crate::clients::model::*;
use crate::clients::service::{self, Answer};
use crate::db::ids::{ClientActivityId, ClientId, IntroductionId};
use crate::error::{ApiError, Problem, ProblemCode};
use crate::json::Body;
use crate::paging::{List, PageQuery};
use crate::state::AppState;

fn client_id(raw: &str) -> Result<ClientId, ApiError> {
    ClientId::parse(raw).ok_or_else(|| {
        ApiError::new(
            ProblemCode::ClientNotFound,
            "There is no client relation with this id of your organisation.",
        )
    })
}

fn introduction_id(raw: &str) -> Result<IntroductionId, ApiError> {
    IntroductionId::parse(raw).ok_or_else(|| {
        ApiError::new(
            ProblemCode::IntroductionNotFound,
            "There is no introduction with this id that you can see.",
        )
    })
}

/// Propose a client relation to an employer with an account, or create an employer without
/// one as your client (its owner can claim it through the mailed link).
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    request_body = NewClient,
    responses(
        (status = 201, description = "Proposed (the employer's owner is mailed), or created and active", body = Client),
        (status = 403, description = "`wrong_role`: coaches only, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`organisation_not_found`: no employer with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_a_client`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients")]
pub async fn create_client(
    state: Data<AppState>,
    user: Principal,
    body: Body<NewClient>,
) -> Result<HttpResponse, ApiError> {
    let client = service::create_client(&state, user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(client))
}

/// Your organisation's client relations: a coach sees the employers their organisation
/// recruits for, an employer the intermediaries that recruit for it.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(ClientFilter, PageQuery),
    responses(
        (status = 200, description = "A page of client relations, newest first", body = ClientPage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients")]
pub async fn list_clients(
    state: Data<AppState>,
    user: Principal,
    filter: Query<ClientFilter>,
    page: Query<PageQuery>,
) -> Result<Json<ClientPage>, ApiError> {
    let page = page.parse(List::Clients)?;
    let cursor = page.after(ClientId::parse)?;
    Ok(Json(
        service::list_clients(&state, user, filter.into_inner().status, cursor, page.limit).await?,
    ))
}

/// One client relation, for either side.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "Client relation id")),
    responses(
        (status = 200, description = "The relation", body = Client),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`client_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients/{client_id}")]
pub async fn get_client(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(
        service::get_client(&state, user, client_id(&id)?).await?,
    ))
}

/// Change whether the intermediary's coaches may like and pass your candidates (the
/// employer's owner; for a client nobody claimed yet, its intermediary).
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "Client relation id")),
    request_body = ClientPatch,
    responses(
        (status = 200, description = "Changed", body = Client),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_the_owner`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`client_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`client_relation_closed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/clients/{client_id}")]
pub async fn update_client(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: Body<ClientPatch>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(
        service::update_client(&state, user, client_id(&id)?, body.into_inner()).await?,
    ))
}

/// Accept an intermediary's proposal to recruit for you (the employer's owner).
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "Client relation id")),
    responses(
        (status = 200, description = "Active", body = Client),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_the_owner`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`client_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`client_relation_closed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{client_id}/accept")]
pub async fn accept_client(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(
        service::answer_client(&state, user, client_id(&id)?, Answer::Accept).await?,
    ))
}

/// Decline an intermediary's proposal (the employer's owner).
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "Client relation id")),
    responses(
        (status = 200, description = "Declined", body = Client),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_the_owner`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`client_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`client_relation_closed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{client_id}/decline")]
pub async fn decline_client(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(
        service::answer_client(&state, user, client_id(&id)?, Answer::Decline).await?,
    ))
}

/// End a client relation (the employer's owner or the intermediary's coordinator): the
/// intermediary's coaches lose access to the client's vacancies, candidates and matches at
/// once. The relation stays in both sides' lists as `ended`.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "Client relation id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_the_owner`, `not_a_coordinator`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`client_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`client_relation_closed`: already ended or declined", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/clients/{client_id}")]
pub async fn delete_client(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    service::end_client(&state, user, client_id(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What was done in a client relation, by whom: the employer sees what the intermediary did
/// for it (vacancies posted and changed, candidates liked or passed, matches viewed).
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "Client relation id"), PageQuery),
    responses(
        (status = 200, description = "A page of activity, newest first", body = ClientActivityPage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`client_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients/{client_id}/activity")]
pub async fn list_client_activity(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    page: Query<PageQuery>,
) -> Result<Json<ClientActivityPage>, ApiError> {
    let page = page.parse(List::ClientActivity)?;
    let cursor = page.after(ClientActivityId::parse)?;
    Ok(Json(
        service::list_activity(&state, user, client_id(&id)?, cursor, page.limit).await?,
    ))
}

// ---- Introductions ----------------------------------------------------------------------

/// Propose a youth of your caseload for a vacancy, with a short note. Needs the youth's
/// `message_on_behalf`; the youth is mailed and answers in the app.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(("youth_id" = Uuid, Path, description = "The youth's account id")),
    request_body = NewIntroduction,
    responses(
        (status = 201, description = "Proposed to the youth", body = Introduction),
        (status = 403, description = "`wrong_role`, `no_organisation`, `scope_not_granted`: needs `message_on_behalf`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`youth_not_in_caseload`, `vacancy_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_introduced`, `already_matched`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/caseload/youth/{youth_id}/introductions")]
pub async fn create_introduction(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: Body<NewIntroduction>,
) -> Result<HttpResponse, ApiError> {
    let youth = crate::caseloads::routes::youth_id(&id)?;
    let intro = introductions::create(&state, user, youth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(intro))
}

/// Your organisation's introductions and how they went, newest first.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of introductions", body = IntroductionPage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/caseload/introductions")]
pub async fn list_caseload_introductions(
    state: Data<AppState>,
    user: Principal,
    page: Query<PageQuery>,
) -> Result<Json<IntroductionPage>, ApiError> {
    let page = page.parse(List::Introductions)?;
    let cursor = page.after(IntroductionId::parse)?;
    Ok(Json(
        introductions::list_for_coach(&state, user, cursor, page.limit).await?,
    ))
}

/// The vacancies your coaches proposed you for, newest first (a coach acting for you needs
/// `view_matches`).
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of introductions", body = IntroductionPage),
        (status = 403, description = "`wrong_role`, `scope_not_granted`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/introductions")]
pub async fn list_introductions(
    state: Data<AppState>,
    user: Principal,
    page: Query<PageQuery>,
) -> Result<Json<IntroductionPage>, ApiError> {
    let page = page.parse(List::Introductions)?;
    let cursor = page.after(IntroductionId::parse)?;
    Ok(Json(
        introductions::list_for_youth(&state, user, cursor, page.limit).await?,
    ))
}

/// Say yes to an introduction: that is your like for the vacancy, and the employer sees your
/// anonymous card first, marked as introduced. Only you, never a coach on your behalf.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(("introduction_id" = Uuid, Path, description = "Introduction id")),
    responses(
        (status = 200, description = "Accepted; `match_id` is set when the employer had already liked you", body = crate::matching::model::SwipeResult),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`introduction_not_found`, `vacancy_not_found`: the vacancy closed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`introduction_answered`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/introductions/{introduction_id}/accept")]
pub async fn accept_introduction(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<crate::matching::model::SwipeResult>, ApiError> {
    Ok(Json(
        introductions::answer(&state, user, introduction_id(&id)?, true).await?,
    ))
}

/// Say no to an introduction: that is a pass on the vacancy.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(("introduction_id" = Uuid, Path, description = "Introduction id")),
    responses(
        (status = 200, description = "Declined", body = crate::matching::model::SwipeResult),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`introduction_not_found`, `vacancy_not_found`: the vacancy closed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`introduction_answered`, `already_matched`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/introductions/{introduction_id}/decline")]
pub async fn decline_introduction(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<crate::matching::model::SwipeResult>, ApiError> {
    Ok(Json(
        introductions::answer(&state, user, introduction_id(&id)?, false).await?,
    ))
}
