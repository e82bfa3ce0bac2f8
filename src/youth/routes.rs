//! HTTP handlers for a youth's own profile and sensitive characteristics. Every route acts on
//! the signed-in youth only: there is no id in the path to point at someone else.

use actix_web::web::{Data, Json, Query};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::access::{Principal, Scope};
use crate::auth::model::{Language, LanguageHeader};
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use crate::youth::model::*;
use crate::youth::service;

/// Your profile.
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile, with what is still missing", body = Profile),
        (status = 403, description = "`wrong_role`: only youth have a profile; `scope_not_granted`: a coach without `view_profile`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`profile_not_found`: this youth account has no profile (an account created without one)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/profile")]
pub async fn get_profile(
    state: Data<AppState>,
    user: Principal,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        service::get_profile(&state, user.youth(Scope::ViewProfile)?).await?,
    ))
}

/// Fill in or replace the profile form.
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    request_body = ProfileForm,
    responses(
        (status = 200, description = "Saved", body = Profile),
        (status = 403, description = "`wrong_role`, or `scope_not_granted`: a coach on the youth's behalf needs the scope (`edit_profile` for changes, `view_sensitive` for sensitive data)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`profile_not_found`: this youth account has no profile (an account created without one)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/profile")]
pub async fn replace_profile(
    state: Data<AppState>,
    user: Principal,
    body: crate::json::Body<ProfileForm>,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        service::put_profile(&state, user.youth(Scope::EditProfile)?, body.into_inner()).await?,
    ))
}

/// Change some fields of the profile; `null` clears an optional field.
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "Saved", body = Profile),
        (status = 403, description = "`wrong_role`, or `scope_not_granted`: a coach on the youth's behalf needs the scope (`edit_profile` for changes, `view_sensitive` for sensitive data)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`profile_not_found`: this youth account has no profile (an account created without one)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me/profile")]
pub async fn update_profile(
    state: Data<AppState>,
    user: Principal,
    body: crate::json::Body<ProfilePatch>,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        service::patch_profile(&state, user.youth(Scope::EditProfile)?, body.into_inner()).await?,
    ))
}

/// Choose 3 to 10 competences, most important first.
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    request_body = CompetencesBody,
    responses(
        (status = 200, description = "Saved", body = Profile),
        (status = 403, description = "`wrong_role`, or `scope_not_granted`: a coach on the youth's behalf needs the scope (`edit_profile` for changes, `view_sensitive` for sensitive data)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`profile_not_found`: this youth account has no profile (an account created without one)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/profile/competences")]
pub async fn replace_competences(
    state: Data<AppState>,
    user: Principal,
    body: crate::json::Body<CompetencesBody>,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        service::set_competences(&state, user.youth(Scope::EditProfile)?, body.into_inner())
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct GenerateQuery {
    /// Replace your own edited text too. Without it, an edited text is never overwritten.
    #[serde(default)]
    pub replace_edited: bool,
}

/// Generate the profile text from your competences and profile, and save it.
///
/// In the language of `Accept-Language`; without that header, in the account's language.
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    params(GenerateQuery, LanguageHeader),
    responses(
        (status = 200, description = "Saved as the generated text", body = Profile),
        (status = 400, description = "`invalid_query`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_role`, or `scope_not_granted`: a coach on the youth's behalf needs the scope (`edit_profile` for changes, `view_sensitive` for sensitive data)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`competences_missing`, or `edited_text_exists` (ask with `replace_edited=true`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`profile_not_found`: this youth account has no profile (an account created without one)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/profile/generate")]
pub async fn generate_profile_text(
    state: Data<AppState>,
    user: Principal,
    req: HttpRequest,
    query: Query<GenerateQuery>,
) -> Result<Json<Profile>, ApiError> {
    let access = user.youth(Scope::EditProfile)?;
    let language = match LanguageHeader::sent(&req) {
        Some(asked) => asked,
        None => account_language(&state, access.youth()).await?,
    };
    Ok(Json(
        service::generate_for_profile(&state, access, language, query.replace_edited).await?,
    ))
}

async fn account_language(
    state: &AppState,
    account: &crate::db::ids::AccountId,
) -> Result<Language, ApiError> {
    let id = account.clone();
    let me = state
        .db
        .run(move |conn| crate::auth::service::load_me(conn, &id))
        .await?;
    Ok(me.language)
}

/// Save your own version of the profile text (kept apart from the generated one).
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    request_body = ProfileTextBody,
    responses(
        (status = 200, description = "Saved", body = Profile),
        (status = 403, description = "`wrong_role`, or `scope_not_granted`: a coach on the youth's behalf needs the scope (`edit_profile` for changes, `view_sensitive` for sensitive data)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`profile_not_found`: this youth account has no profile (an account created without one)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/profile/text")]
pub async fn replace_profile_text(
    state: Data<AppState>,
    user: Principal,
    body: crate::json::Body<ProfileTextBody>,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        service::set_edited_text(
            &state,
            user.youth(Scope::EditProfile)?,
            Some(body.into_inner().text),
        )
        .await?,
    ))
}

/// Drop your own version and use the generated text again.
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Edited text removed", body = Profile),
        (status = 403, description = "`wrong_role`, or `scope_not_granted`: a coach on the youth's behalf needs the scope (`edit_profile` for changes, `view_sensitive` for sensitive data)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`profile_not_found`: this youth account has no profile (an account created without one)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/profile/text")]
pub async fn delete_profile_text(
    state: Data<AppState>,
    user: Principal,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        service::set_edited_text(&state, user.youth(Scope::EditProfile)?, None).await?,
    ))
}

/// Your sensitive characteristics (benefit, work limitation, participation ladder step).
///
/// Kept apart from the profile and never shown in any other response.
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What you have shared (all null when nothing)", body = Sensitive),
        (status = 403, description = "`wrong_role`, or `scope_not_granted`: a coach on the youth's behalf needs the scope (`edit_profile` for changes, `view_sensitive` for sensitive data)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/sensitive")]
pub async fn get_sensitive(
    state: Data<AppState>,
    user: Principal,
) -> Result<Json<Sensitive>, ApiError> {
    Ok(Json(
        service::get_sensitive(&state, user.youth(Scope::ViewSensitive)?).await?,
    ))
}

/// A coach changes sensitive data only with both: seeing it and editing the profile.
const SENSITIVE_EDIT: &[Scope] = &[Scope::EditProfile, Scope::ViewSensitive];

/// Set your sensitive characteristics (replaces what was there).
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    request_body = SensitiveForm,
    responses(
        (status = 200, description = "Saved", body = Sensitive),
        (status = 403, description = "`wrong_role`, or `scope_not_granted`: a coach on the youth's behalf needs both `edit_profile` and `view_sensitive`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/sensitive")]
pub async fn replace_sensitive(
    state: Data<AppState>,
    user: Principal,
    body: crate::json::Body<SensitiveForm>,
) -> Result<Json<Sensitive>, ApiError> {
    Ok(Json(
        service::put_sensitive(&state, user.youth_with(SENSITIVE_EDIT)?, body.into_inner()).await?,
    ))
}

/// Delete your sensitive characteristics.
#[utoipa::path(
    tag = "profile",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`wrong_role`, or `scope_not_granted`: a coach on the youth's behalf needs both `edit_profile` and `view_sensitive`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/sensitive")]
pub async fn delete_sensitive(
    state: Data<AppState>,
    user: Principal,
) -> Result<HttpResponse, ApiError> {
    service::delete_sensitive(&state, user.youth_with(SENSITIVE_EDIT)?).await?;
    Ok(HttpResponse::NoContent().finish())
}
