//! The OpenAPI document. Paths are collected from the routes themselves (every route is
//! registered with `.service(...)`), then the responses every operation shares are added in
//! one place so that no route can forget them.

use actix_web::App;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, PROBLEM_JSON, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "werkmatch API",
        description = "Matches young jobseekers (16–27) with vacancies through their strengths, \
and gives the coaches who support them a portal. Errors are RFC 9457 problem details with a \
stable `code`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    tags(
        (name = "accounts", description = "Registration, email confirmation, password reset, the signed-in account"),
        (name = "sessions", description = "Login, token refresh, logout"),
        (name = "profile", description = "A youth's own profile, competences, profile text and sensitive characteristics"),
        (name = "competences", description = "The competence catalogue, occupations and the competence generator"),
        (name = "organisations", description = "Employer organisations, their members and invitations"),
        (name = "vacancies", description = "Jobs, internships, BBL learning-work jobs and side jobs"),
        (name = "matching", description = "Feeds, swipes, matches and the conversation after a match"),
        (name = "operations", description = "Health checks"),
    ),
    components(schemas(Problem, FieldError)),
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

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .into()
}

/// Adds the responses that follow from an operation's shape: every operation can fail with
/// 500; one with a body can get malformed JSON (400), a body too large (413), the wrong
/// content type (415) and invalid fields (422); one that needs a token can get 401.
fn add_common_responses(doc: &mut Document) {
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            let responses = &mut op.responses.responses;
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description));
            };
            if op.request_body.is_some() {
                add("400", "`malformed_json`: the body is not valid JSON");
                add("413", "`payload_too_large`: the body is too large");
                add("415", "`unsupported_media_type`: send `application/json`");
                add(
                    "422",
                    "`validation_failed` (with field errors) or `invalid_body` (unknown or missing field, wrong type)",
                );
            }
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            if secured {
                add(
                    "401",
                    "`missing_token`, `invalid_token`, `token_expired` or `session_revoked`",
                );
            }
            add(
                "500",
                "`internal_error`: only a request id; the cause is in the server log",
            );
        }
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
    app.service(crate::health::live)
        .service(crate::health::ready)
        .service(
            utoipa_actix_web::scope("/v1")
                .configure(crate::auth::configure)
                .configure(crate::competences::configure)
                .configure(crate::youth::configure)
                .configure(crate::employers::configure)
                .configure(crate::matching::configure),
        )
}

/// The complete document, as served at `/openapi.json` and committed as `openapi/openapi.json`.
pub fn document() -> Document {
    let (_, mut doc) =
        register_routes(App::new().into_utoipa_app().openapi(ApiDoc::openapi())).split_for_parts();
    add_common_responses(&mut doc);
    doc
}

/// The document as pretty JSON with a trailing newline (the committed form).
pub fn to_json(doc: &Document) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Every documented path template with its methods, for 404 versus 405 on unmatched requests.
pub fn route_table(doc: &Document) -> RouteTable {
    let mut routes: Vec<(Vec<String>, Vec<String>)> = doc
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
            ]
            .into_iter()
            .filter(|&(_m, present)| present)
            .map(|(m, _present)| m.to_owned())
            .collect();
            (segments(path), methods)
        })
        .collect();
    routes.push((segments("/openapi.json"), vec!["GET".into()]));
    RouteTable(routes)
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// Documented path templates and their methods.
#[derive(Clone, Debug)]
pub struct RouteTable(Vec<(Vec<String>, Vec<String>)>);

impl RouteTable {
    /// The methods allowed on `path`, or `None` when no documented route has that shape.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let wanted = segments(path);
        let mut allowed: Vec<&str> = Vec::new();
        for (template, methods) in &self.0 {
            let fits = template.len() == wanted.len()
                && template
                    .iter()
                    .zip(&wanted)
                    .all(|(t, w)| (t.starts_with('{') && !w.is_empty()) || t == w);
            if fits {
                allowed.extend(methods.iter().map(String::as_str));
            }
        }
        (!allowed.is_empty()).then(|| allowed.join(", "))
    }
}
