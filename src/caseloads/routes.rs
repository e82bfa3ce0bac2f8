//! HTTP handlers of the intermediary portal and the youth's coaches: parse, ask `access`,
//! call the service.

use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, delete, get, patch, post};

use crate::access::Principal;
use crate::caseloads::model::*;
use crate::caseloads::service::{self, Answer};
use crate::db::ids::{AccountId, ConsentId, OrganisationId};
use crate::error::{ApiError, Problem, ProblemCode};
use crate::paging::{List, PageQuery};
use crate::state::AppState;

pub(crate) fn youth_id(raw: &str) -> Result<AccountId, ApiError> {
    AccountId::parse(raw).ok_or_else(|| {
        ApiError::new(
            ProblemCode::YouthNotInCaseload,
            "There is no youth with this id in your caseload.",
        )
    })
}

fn consent_id(raw: &str) -> Result<ConsentId, ApiError> {
    ConsentId::parse(raw).ok_or_else(|| {
        ApiError::new(
            ProblemCode::ConsentNotFound,
            "You have no consent with this id.",
        )
    })
}

fn org_and_member(raw: &(String, String)) -> Result<(OrganisationId, AccountId), ApiError> {
    let org = OrganisationId::parse(&raw.0).ok_or_else(|| {
        ApiError::new(
            ProblemCode::OrganisationNotFound,
            "There is no organisation with this id that you belong to.",
        )
    })?;
    let member = AccountId::parse(&raw.1).ok_or_else(|| {
        ApiError::new(
            ProblemCode::MemberNotFound,
            "There is no active coach with this id in your organisation.",
        )
    })?;
    Ok((org, member))
}

// ---- Admin ----------------------------------------------------------------------------------

/// Create an intermediary organisation (municipality, UWV, youth work, school, agency) and
/// mail its first coordinator an invitation.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewIntermediary,
    responses(
        (status = 201, description = "Created; the coordinator's invitation is in the outbox", body = Intermediary),
        (status = 403, description = "`wrong_role`: only admins, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/organisations")]
pub async fn create_intermediary(
    state: Data<AppState>,
    user: Principal,
    body: crate::json::Body<NewIntermediary>,
) -> Result<HttpResponse, ApiError> {
    let admin = user.admin()?;
    let org = service::create_intermediary(&state, admin, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(org))
}

// ---- Coordinator ----------------------------------------------------------------------------

/// Deactivate a coach who leaves: their sessions and delegated tokens stop at once, and they
/// cannot sign in again. Their caseload stays until it is transferred.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(
        ("organisation_id" = Uuid, Path, description = "Organisation id"),
        ("account_id" = Uuid, Path, description = "The coach's account id"),
    ),
    responses(
        (status = 204, description = "Deactivated (also when already deactivated)"),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_a_coordinator`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`organisation_not_found`, `member_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{organisation_id}/members/{account_id}/deactivate")]
pub async fn deactivate_member(
    state: Data<AppState>,
    user: Principal,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org, member) = org_and_member(&path)?;
    service::deactivate(&state, user, org, member).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Hand a coach's whole caseload (active consents and open invitations) to a colleague, with a
/// reason kept in each consent's history. Each youth is mailed the name of their new coach.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(
        ("organisation_id" = Uuid, Path, description = "Organisation id"),
        ("account_id" = Uuid, Path, description = "The coach whose caseload moves"),
    ),
    request_body = HandoverBody,
    responses(
        (status = 200, description = "Moved", body = HandoverResult),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_a_coordinator`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`organisation_not_found`, `member_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{organisation_id}/members/{account_id}/transfer")]
pub async fn transfer_caseload(
    state: Data<AppState>,
    user: Principal,
    path: Path<(String, String)>,
    body: crate::json::Body<HandoverBody>,
) -> Result<Json<HandoverResult>, ApiError> {
    let (org, member) = org_and_member(&path)?;
    Ok(Json(
        service::handover(&state, user, org, member, body.into_inner()).await?,
    ))
}

// ---- Coach ----------------------------------------------------------------------------------

/// Invite a youth: with `email`, a link is mailed (valid 7 days); without, the answer holds an
/// 8-character code (valid 24 hours) for the youth to type in the app.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    request_body = NewCoachInvitation,
    responses(
        (status = 201, description = "Invited", body = CoachInvitation),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/caseload/invitations")]
pub async fn create_coach_invitation(
    state: Data<AppState>,
    user: Principal,
    body: crate::json::Body<NewCoachInvitation>,
) -> Result<HttpResponse, ApiError> {
    let invitation = service::invite_youth(&state, user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// The caseload: a coach's own youth and those shared with colleagues; a coordinator's whole
/// organisation. Each entry is an access to the youth's data and is logged for them.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(CaseloadFilter, PageQuery),
    responses(
        (status = 200, description = "A page of the caseload", body = CaseloadPage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/caseload")]
pub async fn list_caseload(
    state: Data<AppState>,
    user: Principal,
    filter: Query<CaseloadFilter>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.parse(List::Caseload)?;
    let filter = filter.into_inner();
    if filter.quiet_days.is_some_and(|d| !(1..=365).contains(&d)) {
        return Err(ApiError::new(
            ProblemCode::InvalidQuery,
            "quiet_days must be 1 to 365.",
        ));
    }
    // Already the JSON of a `CaseloadPage` (it may come from the page cache).
    let body = service::caseload(&state, user, filter, page).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// Select youth of your caseload by characteristics: age, education, start qualification,
/// kind of work, hours, place and radius, competences, availability, last activity; and, for
/// UWV and municipalities only, benefit, work limitation and participation step (among youth
/// who granted `view_sensitive`). Every search is audited with its filters.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(SearchFilter, PageQuery),
    responses(
        (status = 200, description = "A page of the youth found, by id", body = CaseloadPage),
        (status = 400, description = "`invalid_query`: a filter out of range, a place without all of lat, lon and radius_km, an unknown competence", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`, `sensitive_selection_not_allowed`: a sensitive filter by an organisation that is not `uwv` or `municipality`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/caseload/search")]
pub async fn list_selected_youth(
    state: Data<AppState>,
    user: Principal,
    filter: Query<SearchFilter>,
    page: Query<PageQuery>,
) -> Result<Json<CaseloadPage>, ApiError> {
    let page = page.parse(List::Search)?;
    let cursor = page.after(AccountId::parse)?;
    Ok(Json(
        crate::caseloads::search::search(&state, user, filter.into_inner(), cursor, page.limit)
            .await?,
    ))
}

/// Your youth with a follow-up that is overdue or due this week (to Sunday), soonest first.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(FollowUpFilter, PageQuery),
    responses(
        (status = 200, description = "A page of the caseload", body = CaseloadPage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/caseload/follow-ups")]
pub async fn list_follow_ups(
    state: Data<AppState>,
    user: Principal,
    filter: Query<FollowUpFilter>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.parse(List::Caseload)?;
    let body = service::follow_ups(&state, user, filter.due, page).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// One youth of the caseload.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(("youth_id" = Uuid, Path, description = "The youth's account id")),
    responses(
        (status = 200, description = "The entry", body = CaseloadEntry),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`youth_not_in_caseload`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/caseload/youth/{youth_id}")]
pub async fn get_caseload_entry(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<CaseloadEntry>, ApiError> {
    Ok(Json(
        service::get_entry(&state, user, youth_id(&id)?).await?,
    ))
}

/// Set or clear the next follow-up date of a youth.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(("youth_id" = Uuid, Path, description = "The youth's account id")),
    request_body = CaseloadPatch,
    responses(
        (status = 200, description = "Saved", body = CaseloadEntry),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`youth_not_in_caseload`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/caseload/youth/{youth_id}")]
pub async fn update_caseload_entry(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: crate::json::Body<CaseloadPatch>,
) -> Result<Json<CaseloadEntry>, ApiError> {
    Ok(Json(
        service::patch_entry(&state, user, youth_id(&id)?, body.into_inner()).await?,
    ))
}

/// Notes on a youth by the organisation's coaches who may see them, newest first.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(("youth_id" = Uuid, Path, description = "The youth's account id"), PageQuery),
    responses(
        (status = 200, description = "A page of notes", body = NotePage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`youth_not_in_caseload`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/caseload/youth/{youth_id}/notes")]
pub async fn list_notes(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    page: Query<PageQuery>,
) -> Result<Json<NotePage>, ApiError> {
    let page = page.parse(List::Notes)?;
    Ok(Json(
        service::notes(&state, user, youth_id(&id)?, page).await?,
    ))
}

/// Write a note on a youth.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(("youth_id" = Uuid, Path, description = "The youth's account id")),
    request_body = NewNote,
    responses(
        (status = 201, description = "Saved", body = Note),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`youth_not_in_caseload`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/caseload/youth/{youth_id}/notes")]
pub async fn create_note(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: crate::json::Body<NewNote>,
) -> Result<HttpResponse, ApiError> {
    let note = service::add_note(&state, user, youth_id(&id)?, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(note))
}

/// RFC 8693 token exchange: signed in with your own token, get a token to act for a youth of
/// your caseload (at most 15 minutes, no refresh token). Its `sub` is the youth, `act` names
/// you; it carries exactly the scopes the youth granted (or the narrower `scope` asked), and
/// every youth route accepts it within them. Password, email, consents and the account are
/// never reachable with it (`not_on_behalf`).
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    request_body = TokenExchangeBody,
    responses(
        (status = 200, description = "The delegated token", body = DelegatedToken),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`, `scope_not_granted`: a scope asked for is not granted", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`youth_not_in_caseload`: no active consent you may act under", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token-exchange")]
pub async fn exchange_token(
    state: Data<AppState>,
    user: Principal,
    body: crate::json::Body<TokenExchangeBody>,
) -> Result<Json<DelegatedToken>, ApiError> {
    Ok(Json(
        service::exchange(&state, user, body.into_inner()).await?,
    ))
}

// ---- Handing one youth over -----------------------------------------------------------------

fn handover_id(raw: &str) -> Result<crate::db::ids::HandoverId, ApiError> {
    crate::db::ids::HandoverId::parse(raw).ok_or_else(|| {
        ApiError::new(
            ProblemCode::HandoverNotFound,
            "There is no handover with this id waiting for you.",
        )
    })
}

/// Offer one youth to another coach of the organisation (the responsible coach or a
/// coordinator); the receiving coach accepts or declines. A newer offer replaces an open one.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(("youth_id" = Uuid, Path, description = "The youth's account id")),
    request_body = HandoverBody,
    responses(
        (status = 201, description = "Offered", body = Handover),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`, `not_a_coordinator`: only the responsible coach or a coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`youth_not_in_caseload`, `member_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/caseload/youth/{youth_id}/handovers")]
pub async fn create_handover(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: crate::json::Body<HandoverBody>,
) -> Result<HttpResponse, ApiError> {
    let handover =
        crate::caseloads::handovers::offer(&state, user, youth_id(&id)?, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(handover))
}

/// Handovers waiting for your answer, oldest first.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of handovers", body = HandoverPage),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/caseload/handovers")]
pub async fn list_handovers(
    state: Data<AppState>,
    user: Principal,
    page: Query<PageQuery>,
) -> Result<Json<HandoverPage>, ApiError> {
    let page = page.parse(List::Handovers)?;
    Ok(Json(
        crate::caseloads::handovers::incoming(&state, user, page).await?,
    ))
}

/// Accept a youth offered to you: you become their coach; the youth is told.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(("handover_id" = Uuid, Path, description = "Handover id")),
    responses(
        (status = 200, description = "Accepted", body = Handover),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`handover_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`consent_ended`: already answered, withdrawn, or the youth's consent ended", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/caseload/handovers/{handover_id}/accept")]
pub async fn accept_handover(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Handover>, ApiError> {
    Ok(Json(
        crate::caseloads::handovers::decide(&state, user, handover_id(&id)?, true).await?,
    ))
}

/// Decline a youth offered to you; they stay with their coach.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(("handover_id" = Uuid, Path, description = "Handover id")),
    responses(
        (status = 200, description = "Declined", body = Handover),
        (status = 403, description = "`wrong_role`, `no_organisation`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`handover_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`consent_ended`: already answered or withdrawn", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/caseload/handovers/{handover_id}/decline")]
pub async fn decline_handover(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<Handover>, ApiError> {
    Ok(Json(
        crate::caseloads::handovers::decide(&state, user, handover_id(&id)?, false).await?,
    ))
}

// ---- Youth ----------------------------------------------------------------------------------

/// Open a coach's invitation with its code or link token: you see which organisation asks,
/// and accept (choosing what to share) or decline. Never on your behalf.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    request_body = ClaimBody,
    responses(
        (status = 201, description = "The invitation, pending your answer", body = CoachConsent),
        (status = 400, description = "`invalid_invitation`: unknown, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_role`, `not_on_behalf`, `invitation_for_someone_else`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_coached`: you already work with this organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/coaches")]
pub async fn claim_coach_invitation(
    state: Data<AppState>,
    user: Principal,
    body: crate::json::Body<ClaimBody>,
) -> Result<HttpResponse, ApiError> {
    let youth = user.youth_self()?;
    let consent = service::claim(&state, youth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(consent))
}

/// Your coaches: open invitations, consents and their history, newest first.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of coaches", body = CoachConsentPage),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/coaches")]
pub async fn list_coaches(
    state: Data<AppState>,
    user: Principal,
    page: Query<PageQuery>,
) -> Result<Json<CoachConsentPage>, ApiError> {
    let youth = user.youth_self()?;
    let page = page.parse(List::Coaches)?;
    Ok(Json(service::list_coaches(&state, youth, page).await?))
}

/// The history of one of your consents, newest first: when it was asked, given, changed,
/// renewed, handed to another coach or ended, and by whom.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(("consent_id" = Uuid, Path, description = "Consent id"), PageQuery),
    responses(
        (status = 200, description = "A page of the consent's history", body = ConsentEventPage),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`consent_not_found`: not one of yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/coaches/{consent_id}/history")]
pub async fn list_consent_events(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    page: Query<PageQuery>,
) -> Result<Json<ConsentEventPage>, ApiError> {
    let youth = user.youth_self()?;
    let page = page.parse(List::ConsentEvents)?;
    Ok(Json(
        service::consent_history(&state, youth, consent_id(&id)?, page).await?,
    ))
}

/// Accept: choose each scope you share (nothing is shared by default). From 16 years.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(("consent_id" = Uuid, Path, description = "Consent id")),
    request_body = ScopesBody,
    responses(
        (status = 200, description = "Given for 12 months", body = CoachConsent),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`consent_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`too_young_to_consent`, `profile_incomplete`: no birth date, `consent_ended`, `already_coached`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/coaches/{consent_id}/accept")]
pub async fn accept_consent(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: crate::json::Body<ScopesBody>,
) -> Result<Json<CoachConsent>, ApiError> {
    let youth = user.youth_self()?;
    let answer = Answer::Accept(body.into_inner().scopes);
    Ok(Json(
        service::answer(&state, youth, consent_id(&id)?, answer).await?,
    ))
}

/// Decline an invitation.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(("consent_id" = Uuid, Path, description = "Consent id")),
    responses(
        (status = 200, description = "Declined", body = CoachConsent),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`consent_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`consent_ended`: already answered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/coaches/{consent_id}/decline")]
pub async fn decline_consent(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<CoachConsent>, ApiError> {
    let youth = user.youth_self()?;
    Ok(Json(
        service::answer(&state, youth, consent_id(&id)?, Answer::Decline).await?,
    ))
}

/// Change what you share; it holds from the coach's next request.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(("consent_id" = Uuid, Path, description = "Consent id")),
    request_body = ScopesBody,
    responses(
        (status = 200, description = "Changed", body = CoachConsent),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`consent_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`consent_ended`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me/coaches/{consent_id}")]
pub async fn update_consent(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
    body: crate::json::Body<ScopesBody>,
) -> Result<Json<CoachConsent>, ApiError> {
    let youth = user.youth_self()?;
    let answer = Answer::Change(body.into_inner().scopes);
    Ok(Json(
        service::answer(&state, youth, consent_id(&id)?, answer).await?,
    ))
}

/// Renew a consent for another 12 months.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(("consent_id" = Uuid, Path, description = "Consent id")),
    responses(
        (status = 200, description = "Renewed", body = CoachConsent),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`consent_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`consent_ended`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/coaches/{consent_id}/renew")]
pub async fn renew_consent(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<Json<CoachConsent>, ApiError> {
    let youth = user.youth_self()?;
    Ok(Json(
        service::answer(&state, youth, consent_id(&id)?, Answer::Renew).await?,
    ))
}

/// Revoke a consent (or an invitation not yet answered): the coach's access stops on their
/// next request, on every instance.
#[utoipa::path(
    tag = "coaches",
    security(("bearer" = [])),
    params(("consent_id" = Uuid, Path, description = "Consent id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "`wrong_role`, `not_on_behalf`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`consent_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`consent_ended`: already ended", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/coaches/{consent_id}")]
pub async fn revoke_consent(
    state: Data<AppState>,
    user: Principal,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let youth = user.youth_self()?;
    service::answer(&state, youth, consent_id(&id)?, Answer::Revoke).await?;
    Ok(HttpResponse::NoContent().finish())
}
