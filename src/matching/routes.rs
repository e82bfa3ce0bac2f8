//! HTTP handlers for feeds, swipes, matches and messages.

use actix_web::http::header::ContentType;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, delete, get, post, put};

use crate::access::{Principal, Scope, UncheckedPrincipal, wrong_role};
use crate::auth::model::Role;
use crate::db::ids::{MatchId, MessageId, VacancyId};
use crate::employers::routes::vacancy_id;
use crate::error::{ApiError, Problem, ProblemCode};
use crate::json::Body;
use crate::matching::model::*;
use crate::matching::{feed, service};
use crate::paging::{List, PageQuery};
use crate::state::AppState;

fn match_id(raw: &str) -> Result<MatchId, ApiError> {
    MatchId::parse(raw).ok_or_else(|| {
        ApiError::new(
            ProblemCode::MatchNotFound,
            "There is no match with this id that you are part of.",
        )
    })
}

/// Your feed: open vacancies that fit you, best first, that you have not swiped.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of vacancy cards", body = FeedPage),
        (status = 403, description = "`wrong_role`: feeds are for youth; `scope_not_granted`: a coach needs `view_profile`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`profile_not_found`: this youth account has no profile (an account created without one)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`profile_incomplete` (says what is missing) or `profile_paused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/feed")]
pub async fn list_feed(
    state: Data<AppState>,
    user: UncheckedPrincipal,
    query: Result<Query<PageQuery>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    // The session check rides along with the feed's first cache read. Whatever is refused
    // before that still answers 401 first for a revoked session, as every other route does.
    let refusal: actix_web::Error = if user.role() != Role::Youth {
        wrong_role().into()
    } else {
        match query.map(|q| q.parse(List::Feed)) {
            Ok(Ok(page)) => {
                // Already the JSON of a `FeedPage` (cards are serialized once, not per page).
                let body = feed::youth_feed(&state, user, &page).await?;
                return Ok(HttpResponse::Ok()
                    .content_type(ContentType::json())
                    .body(body));
            }
            Ok(Err(e)) => e.into(),
            Err(e) => e,
        }
    };
    user.ensure_active(&state).await?;
    Err(refusal)
}

/// Like or pass a vacancy. The same swipe twice answers the same; a pass can become a like,
/// a like a pass only while there is no match. A like that completes a pair makes a match.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("vacancy_id" = Uuid, Path, description = "Vacancy id")),
    request_body = SwipeBody,
    responses(
        (status = 200, description = "Saved", body = SwipeResult),
        (status = 403, description = "`wrong_role`; `scope_not_granted`: a coach needs `swipe_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`vacancy_not_found`: no open vacancy with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_matched`: end the match instead", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: the daily number of swipes is reached", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until swiping is possible again"))),
    )
)]
#[put("/me/swipes/{vacancy_id}")]
pub async fn swipe_vacancy(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: Body<SwipeBody>,
) -> Result<Json<SwipeResult>, ApiError> {
    Ok(Json(
        service::youth_swipe(
            &state,
            user.youth(Scope::SwipeOnBehalf)?,
            vacancy_id(&id)?,
            body.into_inner().decision,
        )
        .await?,
    ))
}

/// Anonymous candidate cards for your vacancy, best first: no name, age, photo, contact
/// details or sensitive characteristics until a match.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("vacancy_id" = Uuid, Path, description = "Vacancy id"), PageQuery),
    responses(
        (status = 200, description = "A page of candidate cards", body = CandidatePage),
        (status = 403, description = "`not_your_vacancy`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`vacancy_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`vacancy_closed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/vacancies/{vacancy_id}/candidates")]
pub async fn list_candidates(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.parse(List::Candidates)?;
    // Already the JSON of a `CandidatePage` (a page asked again is served as it was answered).
    let body = feed::candidates(&state, &user, vacancy_id(&id)?, &page).await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
}

/// Like or pass a candidate of your vacancy (same rules as a youth's swipe); a coach does so
/// for a client that allows it.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("vacancy_id" = Uuid, Path, description = "Vacancy id"), ("candidate_id" = String, Path, description = "Candidate id from a candidate card")),
    request_body = SwipeBody,
    responses(
        (status = 200, description = "Saved", body = SwipeResult),
        (status = 403, description = "`wrong_role`, `not_your_vacancy`, `not_on_behalf`, `client_swipe_not_allowed`: a coach recruiting for a client that does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`vacancy_not_found`, `candidate_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_matched`, `vacancy_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until swiping is possible again"))),
    )
)]
#[put("/vacancies/{vacancy_id}/swipes/{candidate_id}")]
pub async fn swipe_candidate(
    state: Data<AppState>,
    user: Principal,
    path: Path<(String, String)>,
    body: Body<SwipeBody>,
) -> Result<Json<SwipeResult>, ApiError> {
    let (id, candidate) = path.into_inner();
    Ok(Json(
        service::employer_swipe(
            &state,
            user,
            vacancy_id(&id)?,
            &candidate,
            body.into_inner().decision,
        )
        .await?,
    ))
}

/// Your matches (youth), or your organisation's (employers; optionally of one vacancy).
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(MatchFilter, PageQuery),
    responses(
        (status = 200, description = "A page of matches, newest first", body = MatchPage),
        (status = 400, description = "`invalid_query`: a coach lists the matches of one client vacancy (`vacancy_id`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`vacancy_not_found`: coaches, no vacancy of an active client", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`; `scope_not_granted`: a coach needs `view_matches`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/matches")]
pub async fn list_matches(
    state: Data<AppState>,
    user: Principal,
    filter: Query<MatchFilter>,
    page: Query<PageQuery>,
) -> Result<Json<MatchPage>, ApiError> {
    let page = page.parse(List::Matches)?;
    let before = page.after(MatchId::parse)?;
    let vacancy = match filter.into_inner().vacancy_id {
        None => None,
        Some(raw) => Some(VacancyId::parse(&raw).ok_or_else(|| {
            ApiError::new(ProblemCode::InvalidQuery, "vacancy_id is not a vacancy id.")
        })?),
    };
    Ok(Json(
        service::list_matches(&state, user, vacancy, before, page.limit).await?,
    ))
}

/// One match, with the other side's contact details.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "Match id")),
    responses(
        (status = 200, description = "The match", body = Match),
        (status = 403, description = "`scope_not_granted`: a coach needs `view_matches`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/matches/{match_id}")]
pub async fn get_match(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Match>, ApiError> {
    Ok(Json(
        service::get_match(&state, user, match_id(&id)?).await?,
    ))
}

/// End a match (either side); the other side is told.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "Match id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 403, description = "`scope_not_granted`: a coach needs `message_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/matches/{match_id}")]
pub async fn delete_match(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    service::end_match(&state, user, match_id(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The conversation of a match, newest first. Reading changes nothing: the app says what its
/// user has seen with `PUT /v1/matches/{match_id}/read-marker`.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "Match id"), PageQuery),
    responses(
        (status = 200, description = "A page of messages", body = MessagePage),
        (status = 403, description = "`scope_not_granted`: a coach needs `view_matches`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/matches/{match_id}/messages")]
pub async fn list_messages(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    query: Query<PageQuery>,
) -> Result<Json<MessagePage>, ApiError> {
    let page = query.parse(List::Messages)?;
    let before = page.after(MessageId::parse)?;
    Ok(Json(
        service::messages(&state, user, match_id(&id)?, before, page.limit).await?,
    ))
}

/// Move the reader's read marker: the other side's messages up to and including `up_to` are
/// read (read receipts and unread counts follow; a marker never moves back). Only the parties themselves: a coach reading for a youth marks nothing,
/// since the youth has still not seen it.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "Match id")),
    request_body = ReadMarker,
    responses(
        (status = 204, description = "Read up to the message"),
        (status = 403, description = "`not_on_behalf`: a coach cannot mark a youth's messages read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/matches/{match_id}/read-marker")]
pub async fn update_read_marker(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: Body<ReadMarker>,
) -> Result<HttpResponse, ApiError> {
    let up_to = MessageId::parse(&body.into_inner().up_to).ok_or_else(|| {
        ApiError::validation(vec![crate::error::FieldError::new(
            "up_to",
            "invalid_id",
            "must be the id of a message",
        )])
    })?;
    service::mark_read(&state, user, match_id(&id)?, up_to).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a message to the other side of a match.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "Match id")),
    request_body = NewMessage,
    responses(
        (status = 201, description = "Sent", body = Message),
        (status = 403, description = "`scope_not_granted`: a coach needs `message_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`match_ended`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/matches/{match_id}/messages")]
pub async fn create_message(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: Body<NewMessage>,
) -> Result<HttpResponse, ApiError> {
    let message = service::send_message(&state, user, match_id(&id)?, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(message))
}
