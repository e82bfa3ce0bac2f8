//! The OpenAPI document: the contract with the apps. Paths are collected from the routes
//! themselves (every route is registered with `.service(...)`); then [`shape`] applies the
//! conventions every operation follows (problem codes, request ids, open enums in responses,
//! always-present fields, deprecations) in one place, and [`lint`] lists any breach of the
//! contract's rules (a test requires none).

use actix_web::App;
use serde_json::Value;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

pub mod lint;
mod route_table;
pub mod shape;

use crate::error::{FieldError, Problem, ProblemCode};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "werkmatch API",
        description = "Matches young jobseekers (16–27) with vacancies through their strengths, \
and gives the coaches who support them a portal. Errors are RFC 9457 problem details with a \
stable `code`.\n\n\
**Compatibility.** `/v1` changes only by adding: new operations, new optional request fields, new \
response fields, new values of open enums (`x-extensible-enum`) and new problem codes. A client \
ignores response fields it does not know and treats an unknown enum value as unknown (see the \
README). Lists are pages `{items, next_cursor}`; pass `next_cursor` back as `cursor`. Timestamps \
are UTC with milliseconds (`2026-11-29T09:30:00.000Z`). An operation that will go is marked \
`deprecated` and answers with `Deprecation` and `Sunset` headers first.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    servers(
        (url = "/", description = "The host that serves this document"),
        (url = "http://127.0.0.1:8080", description = "`cargo run` on your machine"),
    ),
    tags(
        (name = "accounts", description = "Registration, email confirmation, password reset, the signed-in account"),
        (name = "sessions", description = "Login, token refresh, logout"),
        (name = "profile", description = "A youth's own profile, competences, profile text and sensitive characteristics"),
        (name = "competences", description = "The competence catalogue, occupations and the competence generator"),
        (name = "organisations", description = "Employer organisations, their members and invitations"),
        (name = "vacancies", description = "Jobs, internships, BBL learning-work jobs and side jobs"),
        (name = "matching", description = "Feeds, swipes, matches and the conversation after a match"),
        (name = "coaches", description = "A youth's coaches: answering an invitation, choosing what to share, revoking"),
        (name = "caseload", description = "The coach's portal: inviting youth, the caseload, notes and follow-ups, acting on a youth's behalf"),
        (name = "clients", description = "Employers an intermediary recruits for: proposing, claiming, ending, and what was done for them"),
        (name = "placements", description = "Placements and their aftercare: recorded, confirmed, followed up at 2, 6 and 13 weeks, reopened as a search"),
        (name = "reports", description = "Output monitoring with small-cell suppression"),
        (name = "audit", description = "Who accessed a youth's data, when and why"),
        (name = "admin", description = "Intermediary organisations, for werkmatch's administrators"),
        (name = "operations", description = "Health checks"),
    ),
    components(schemas(
        Problem,
        FieldError,
        ProblemCode,
        crate::competences::catalogue::CompetenceCode,
        crate::competences::occupations::OccupationCode,
    )),
    modifiers(&BearerScheme),
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `access_token` from login, registration or refresh",
                    ))
                    .build(),
            ),
        );
    }
}

/// Registers every documented route of the API on an app (used by the server and by
/// [`document`], so the two cannot differ).
pub fn register_routes<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Error = actix_web::Error,
            InitError = (),
        >,
{
    app.service(crate::health::get_liveness)
        .service(crate::health::get_readiness)
        .service(
            utoipa_actix_web::scope("/v1")
                .configure(crate::auth::configure)
                .configure(crate::competences::configure)
                .configure(crate::youth::configure)
                .configure(crate::employers::configure)
                .configure(crate::matching::configure)
                .configure(crate::caseloads::configure)
                .configure(crate::clients::configure)
                .configure(crate::outcomes::configure)
                .configure(crate::audit::configure),
        )
}

/// The complete document, as served at `/openapi.json` and committed as `openapi/openapi.json`.
pub fn document() -> Value {
    let (_, doc) =
        register_routes(App::new().into_utoipa_app().openapi(ApiDoc::openapi())).split_for_parts();
    let mut doc = serde_json::to_value(&doc).unwrap_or_default();
    shape::apply(&mut doc, crate::deprecation::DEPRECATED);
    doc
}

/// The document as pretty JSON with a trailing newline (the committed form).
pub fn to_json(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

pub use route_table::{RouteTable, route_table};
