//! HTTP handlers for the catalogue, the occupations and the stateless generator.

use actix_web::web::{Json, Query};
use actix_web::{HttpRequest, HttpResponse, get, post};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::Principal;
use crate::auth::model::{Language, LanguageHeader};
use crate::competences::catalogue::{COMPETENCES, Cluster, CompetenceCode};
use crate::competences::{generator, occupations};
use crate::conditional::{self, IfNoneMatch};
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::paging::{self, List, PageQuery};
use crate::work::{EducationLevel, WorkKind};
use crate::youth::service::parse_competences;

/// A competence in the requested language.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompetenceView {
    #[schema(value_type = CompetenceCode)]
    pub code: &'static str,
    /// Fixed position in the 64-bit competence mask.
    #[schema(example = 18)]
    pub bit: u8,
    pub cluster: Cluster,
    #[schema(example = "Jezelf aansturen")]
    pub cluster_name: &'static str,
    /// ESCO transversal skills and competences group (T1–T6).
    #[schema(example = "T3")]
    pub esco_group: &'static str,
    #[schema(example = "Betrouwbaarheid")]
    pub name: &'static str,
    pub description: &'static str,
    /// First-person sentences that show this competence.
    pub statements: &'static [&'static str],
}

crate::paging::page!(
    /// One page of the competence catalogue, in bit order.
    CompetencePage of CompetenceView
);

/// The 52 competences, in the language of `Accept-Language` (nl default, en supported).
///
/// Static per release: answers carry an `ETag` and may be cached for a day; ask with
/// `If-None-Match` to get 304 when your copy is current.
#[utoipa::path(
    tag = "competences",
    params(LanguageHeader, IfNoneMatch, PageQuery),
    responses(
        (status = 200, description = "A page of the catalogue", body = CompetencePage, headers(
            ("ETag" = String, description = "The version of this page"),
            ("Cache-Control" = String, description = "How long a copy may be kept"),
            ("Content-Language" = String, description = "nl or en"),
            ("Vary" = String, description = "Accept-Language"),
        )),
        (status = 304, description = "Your copy (`If-None-Match`) is current", headers(
            ("ETag" = String, description = "The version of this page"),
            ("Cache-Control" = String, description = "How long a copy may be kept"),
            ("Content-Language" = String, description = "nl or en"),
            ("Vary" = String, description = "Accept-Language"),
        )),
    ),
)]
#[get("/competences")]
pub async fn list_competences(
    req: HttpRequest,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.parse(List::Competences)?;
    let after = page.after(|p| p.parse::<u8>().ok())?;
    let lang = LanguageHeader::of(&req);
    let nl = lang == Language::Nl;
    let list: Vec<CompetenceView> = COMPETENCES
        .iter()
        .filter(|c| after.is_none_or(|a| c.bit > a))
        .take(page.limit() + 1)
        .map(|c| {
            let t = if nl { &c.nl } else { &c.en };
            CompetenceView {
                code: c.code,
                bit: c.bit,
                cluster: c.cluster,
                cluster_name: c.cluster.name(nl),
                esco_group: c.cluster.esco_group(),
                name: t.name,
                description: t.description,
                statements: t.statements,
            }
        })
        .collect();
    let (items, next_cursor) =
        paging::split(list, page.limit(), List::Competences, |c| c.bit.to_string());
    let body = serde_json::to_vec(&CompetencePage { items, next_cursor })
        .map_err(|e| ApiError::internal(format!("competences: {e}")))?;
    Ok(conditional::respond(&req, body, Some(lang)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OccupationQuery {
    /// Part of a Dutch or English name; case and accents do not matter. Empty lists all.
    #[param(nullable = false, max_length = 100)]
    pub q: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OccupationView {
    #[schema(value_type = crate::competences::occupations::OccupationCode)]
    pub code: &'static str,
    /// ISCO-08 unit group, where one fits.
    #[schema(example = "5223")]
    pub isco08: Option<&'static str>,
    #[schema(example = "Verkoopmedewerker")]
    pub name_nl: &'static str,
    #[schema(example = "Shop assistant")]
    pub name_en: &'static str,
    /// The competences this occupation asks, most important first.
    #[schema(value_type = Vec<CompetenceCode>)]
    pub competences: &'static [&'static str],
}

crate::paging::page!(
    /// One page of occupations, in catalogue order.
    OccupationPage of OccupationView
);

/// Occupations where young people start, searchable by name in Dutch and English.
///
/// Static per release: answers carry an `ETag` and may be cached for a day; ask with
/// `If-None-Match` to get 304 when your copy is current.
#[utoipa::path(
    tag = "competences",
    params(OccupationQuery, IfNoneMatch, PageQuery),
    responses(
        (status = 200, description = "A page of matching occupations", body = OccupationPage, headers(
            ("ETag" = String, description = "The version of this page"),
            ("Cache-Control" = String, description = "How long a copy may be kept"),
        )),
        (status = 304, description = "Your copy (`If-None-Match`) is current", headers(
            ("ETag" = String, description = "The version of this page"),
            ("Cache-Control" = String, description = "How long a copy may be kept"),
        )),
        (status = 400, description = "`invalid_query`: `q` is longer than 100 characters", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/occupations")]
pub async fn list_occupations(
    req: HttpRequest,
    query: Query<OccupationQuery>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.parse(List::Occupations)?;
    // The position is the last occupation's place in the catalogue (search keeps its order).
    let after = page.after(occupations::position)?;
    let q = query.into_inner().q.unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(ApiError::new(
            ProblemCode::InvalidQuery,
            "q must be at most 100 characters.",
        ));
    }
    let found: Vec<(usize, OccupationView)> = occupations::search(&q)
        .filter(|(i, _)| after.is_none_or(|a| *i > a))
        .take(page.limit() + 1)
        .map(|(i, o)| {
            (
                i,
                OccupationView {
                    code: o.code,
                    isco08: o.isco08,
                    name_nl: o.nl,
                    name_en: o.en,
                    competences: o.competences,
                },
            )
        })
        .collect();
    let (found, next_cursor) = paging::split(found, page.limit(), List::Occupations, |(_, o)| {
        o.code.to_owned()
    });
    let items = found.into_iter().map(|(_, o)| o).collect();
    let body = serde_json::to_vec(&OccupationPage { items, next_cursor })
        .map_err(|e| ApiError::internal(format!("occupations: {e}")))?;
    Ok(conditional::respond(&req, body, None))
}

/// What the generator works from. Nothing is saved.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GeneratorRequest {
    /// 3 to 10 codes, most important first.
    #[schema(schema_with = crate::youth::model::competence_list_schema)]
    pub competences: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::youth::model::optional_kinds_schema)]
    pub kinds: Vec<WorkKind>,
    #[serde(default, deserialize_with = "crate::json::opt_u8_int")]
    #[schema(minimum = 1, maximum = 40)]
    pub hours_min: Option<u8>,
    /// At least `hours_min`; give both or neither.
    #[serde(default, deserialize_with = "crate::json::opt_u8_int")]
    #[schema(minimum = 1, maximum = 40)]
    pub hours_max: Option<u8>,
    #[serde(default)]
    #[schema(max_items = 10, value_type = Vec<crate::youth::model::InterestText>, example = json!(["voetbal", "koken"]))]
    pub interests: Vec<String>,
    pub education_level: Option<EducationLevel>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GeneratedText {
    pub text: String,
    pub language: Language,
}

/// Generate a profile text from competences and a few facts, without saving it.
///
/// First person, 300–700 characters, in the language of `Accept-Language`.
#[utoipa::path(
    tag = "competences",
    security(("bearer" = [])),
    request_body = GeneratorRequest,
    params(LanguageHeader),
    responses((status = 200, description = "The generated text", body = GeneratedText)),
)]
#[post("/competence-generator")]
pub async fn preview_profile_text(
    _user: Principal,
    req: HttpRequest,
    body: crate::json::Body<GeneratorRequest>,
) -> Result<Json<GeneratedText>, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let competences = parse_competences(&mut errors, "competences", &body.competences);
    let hours = match (body.hours_min, body.hours_max) {
        (Some(a), Some(b)) if (1..=40).contains(&a) && (1..=40).contains(&b) && a <= b => {
            Some((a, b))
        }
        (None, None) => None,
        _ => {
            errors.push(FieldError::new(
                "hours_max",
                "invalid_hours",
                "give both hours, each 1 to 40, with hours_min ≤ hours_max",
            ));
            None
        }
    };
    let mut interests = Vec::new();
    for (i, raw) in body.interests.iter().enumerate() {
        if let Some(v) =
            crate::auth::model::parse_text(&mut errors, &format!("interests[{i}]"), raw, 40)
        {
            interests.push(v);
        }
    }
    if body.interests.len() > 10 {
        errors.push(FieldError::new(
            "interests",
            "too_many",
            "at most 10 interests",
        ));
    }
    let mut kinds: Vec<WorkKind> = Vec::new();
    for k in body.kinds {
        if kinds.contains(&k) {
            errors.push(FieldError::new(
                "kinds",
                "duplicate",
                "lists a kind of work twice",
            ));
        } else {
            kinds.push(k);
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let language = LanguageHeader::of(&req);
    let input = generator::Input {
        competences,
        kinds,
        hours,
        interests,
        education: body.education_level,
        language,
    };
    Ok(Json(GeneratedText {
        text: generator::generate(&input),
        language,
    }))
}
