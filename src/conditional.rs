//! Conditional GET for reads that are static per release (the competence catalogue and the
//! occupations): a strong `ETag` of the body, `Cache-Control`, and `304 Not Modified` when
//! the client's `If-None-Match` names it, so an app revalidates its copy without a download.

use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_LANGUAGE, ContentType, ETAG, HeaderValue, IF_NONE_MATCH, VARY,
};
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::auth::model::Language;

/// Shared caches and the app may keep a copy for a day; a new release changes the ETag.
pub const CACHE_CONTROL_STATIC: &str = "public, max-age=86400";

/// The `If-None-Match` request header, declared once for the operations that honour it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // only its contract is used; `respond` reads the header itself
pub struct IfNoneMatch {
    /// The `ETag` of the copy you hold: answered with 304 and no body when it is current.
    #[param(
        rename = "If-None-Match",
        nullable = false,
        example = "\"5d41402abc4b2a76b9719d911017c592\""
    )]
    if_none_match: Option<String>,
}

/// A strong entity tag of a body.
pub fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as RFC 9110 §13.1.2 asks
/// for this header; `*` names any).
pub fn names(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim())
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// 200 with the JSON body, or 304 when the client holds it already; both with the validator
/// and caching headers (and the language the body is in, when it depends on one).
pub fn respond(req: &HttpRequest, body: Vec<u8>, language: Option<Language>) -> HttpResponse {
    let tag = etag(&body);
    let fresh = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| names(v, &tag));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((ETAG, tag)).insert_header((
        CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL_STATIC),
    ));
    if let Some(language) = language {
        res.insert_header((CONTENT_LANGUAGE, language.as_str()))
            .insert_header((VARY, HeaderValue::from_static("Accept-Language")));
    }
    if fresh {
        res.finish()
    } else {
        res.content_type(ContentType::json()).body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_names_the_tag_in_any_of_its_forms() {
        let tag = etag(b"{\"items\":[]}");
        assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34);
        assert!(names(&tag, &tag));
        assert!(names(&format!("\"x\", W/{tag}"), &tag));
        assert!(names("*", &tag));
        assert!(!names("\"other\"", &tag));
        assert_ne!(etag(b"a"), etag(b"b"));
    }
}
