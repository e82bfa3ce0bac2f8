//! One error type for the whole API, rendered as RFC 9457 `application/problem+json`.
//!
//! Every error carries a stable snake_case `code` that clients can translate. A 500 says
//! nothing but the request id: its cause is logged here, with that id, and never sent.

use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, error::JsonPayloadError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::telemetry::current_request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation, for forms to show next to the field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `organisation.kvk_number`.
    #[schema(example = "email")]
    pub field: String,
    /// Stable code of the problem with this field.
    #[schema(example = "invalid_email")]
    pub code: String,
    /// Human-readable explanation (English).
    #[schema(example = "must be an email address such as naam@voorbeeld.nl")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// The body of every error response (RFC 9457 problem details plus `code` and `request_id`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference that identifies the problem type (`urn:werkmatch:problem:{code}`).
    #[serde(rename = "type")]
    #[schema(example = "urn:werkmatch:problem:validation_failed")]
    pub type_uri: String,
    #[schema(example = "Unprocessable Entity")]
    pub title: String,
    #[schema(example = 422, minimum = 400, maximum = 599)]
    pub status: u16,
    #[schema(example = "The request has invalid fields.")]
    pub detail: String,
    /// Stable, machine-readable code; see the README for the list.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// The id of this request, also sent as the `x-request-id` header; quote it to support.
    #[schema(example = "01936a4e-8f7c-7b3a-9d1e-2f3c4b5a6d7e")]
    pub request_id: String,
    /// Field-level problems, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error that ends a request. Build it with the constructor functions below.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    retry_after: Option<Duration>,
    allow: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 422 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "The request has invalid fields.",
        );
        e.errors = errors;
        e
    }

    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn method_not_allowed(allow: String) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("This resource allows only: {allow}."),
        );
        e.allow = Some(allow);
        e
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn too_many_requests(retry_after: Duration) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many attempts. Try again later.",
        );
        e.retry_after = Some(retry_after.max(Duration::from_secs(1)));
        e
    }

    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
    }

    /// A server fault. The cause is logged now, with the request id; the client sees only that id.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(request_id = %current_request_id(), error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side. Quote the request id if you contact support.",
        )
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:werkmatch:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            request_id: current_request_id(),
            errors: self.errors.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(retry_after) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, retry_after.as_secs().to_string()));
        }
        if let Some(allow) = &self.allow {
            response.insert_header((header::ALLOW, allow.clone()));
        }
        // Serializing this struct cannot fail (only strings and numbers); fall back to an empty body.
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

/// Database errors that reach a handler are server faults, except a lost race on a unique key.
impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::not_found("not_found", "Not found."),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict("conflict", "This conflicts with existing data.")
            }
            other => ApiError::internal(format!("database: {other}")),
        }
    }
}

/// Maps JSON body extraction failures to 4xx problems: malformed JSON is 400, a body of the
/// wrong shape (unknown or missing field, wrong type) 422, wrong content type 415, too large 413.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as application/json.",
        ),
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The body is larger than {limit} bytes."),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::unprocessable(
            "invalid_body",
            format!("The body does not fit this endpoint: {e}."),
        ),
        JsonPayloadError::Deserialize(e) => ApiError::bad_request(
            "malformed_json",
            format!("The body is not valid JSON: {e}."),
        ),
        _ => ApiError::bad_request("malformed_body", "The body could not be read."),
    };
    api.into()
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(
        "invalid_query",
        format!("The query string is not valid: {err}."),
    )
    .into()
}

pub fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::not_found("not_found", "Not found.").into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    #[test]
    fn an_internal_error_tells_the_client_nothing_but_the_request_id() {
        let e = ApiError::internal(
            "connection to db-primary.internal:5432 refused (password for werkmatch)",
        );
        let res = e.error_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = res.into_body().try_into_bytes().unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            !text.contains("db-primary") && !text.contains("password"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["code"], "internal_error");
        assert!(json.get("request_id").is_some());
    }

    #[test]
    fn a_lost_unique_race_is_a_conflict_not_a_500() {
        let e: ApiError = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new(String::from("duplicate key")),
        )
        .into();
        assert_eq!(e.status_code(), StatusCode::CONFLICT);
    }
}
