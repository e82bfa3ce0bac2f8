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

/// Declares [`ProblemCode`]: each code with its status, in one table (the README's table of
/// errors follows the same order).
macro_rules! problem_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = ($code:literal, $status:literal),)*) => {
        /// The stable, machine-readable code of a problem. Clients switch on it; a code they do
        /// not know yet (added in a later version) is handled by its HTTP status.
        // The wire name comes from `rename_all` (a per-variant `rename` with a macro
        // fragment is lost on the contract's derive); a test pins it to the code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ProblemCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ProblemCode {
            /// Every code, in the order of the README's table.
            pub const ALL: &[ProblemCode] = &[$(ProblemCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $code,)*
                }
            }

            /// The one HTTP status this code is answered with.
            pub fn status(self) -> u16 {
                match self {
                    $(ProblemCode::$variant => $status,)*
                }
            }

            /// What the code means, for the contract.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => concat!($($doc),*).trim_ascii(),)*
                }
            }
        }
    };
}

problem_codes! {
    /// The body is not valid JSON.
    MalformedJson = ("malformed_json", 400),
    /// The body could not be read.
    MalformedBody = ("malformed_body", 400),
    /// The query string does not parse, or a value in it is out of range (limit, cursor, filter).
    InvalidQuery = ("invalid_query", 400),
    /// A confirmation or reset token that is unknown, used or expired.
    InvalidEmailToken = ("invalid_email_token", 400),
    /// An invitation that is unknown, used or expired.
    InvalidInvitation = ("invalid_invitation", 400),
    /// No access token was sent.
    MissingToken = ("missing_token", 401),
    /// The access token is not valid.
    InvalidToken = ("invalid_token", 401),
    /// The access token has expired; refresh it.
    TokenExpired = ("token_expired", 401),
    /// The consent behind this delegated token was revoked, expired or narrowed: exchange again.
    DelegationEnded = ("delegation_ended", 401),
    /// The session of this token has ended.
    SessionRevoked = ("session_revoked", 401),
    /// Wrong email or password (the same answer for both).
    InvalidCredentials = ("invalid_credentials", 401),
    /// The refresh token is unknown.
    InvalidRefreshToken = ("invalid_refresh_token", 401),
    /// A refresh token was used twice; the session is ended.
    RefreshTokenReused = ("refresh_token_reused", 401),
    /// The session reached its absolute lifetime; sign in again.
    SessionExpired = ("session_expired", 401),
    /// This account type cannot do this.
    WrongRole = ("wrong_role", 403),
    /// The vacancy is visible, but not of your organisation.
    NotYourVacancy = ("not_your_vacancy", 403),
    /// This employer account belongs to no organisation.
    NoOrganisation = ("no_organisation", 403),
    /// The invitation was sent to another address.
    InvitationForSomeoneElse = ("invitation_for_someone_else", 403),
    /// A coach cannot do this on a youth's behalf (password, email, consents, account).
    NotOnBehalf = ("not_on_behalf", 403),
    /// The youth has not granted the scope this needs.
    ScopeNotGranted = ("scope_not_granted", 403),
    /// Only a coordinator of the organisation can do this.
    NotACoordinator = ("not_a_coordinator", 403),
    /// This account was deactivated by its organisation.
    AccountDeactivated = ("account_deactivated", 403),
    /// Only the organisation's owner can do this.
    NotTheOwner = ("not_the_owner", 403),
    /// The client does not let its intermediary like or pass its candidates.
    ClientSwipeNotAllowed = ("client_swipe_not_allowed", 403),
    /// Selecting by benefit, work limitation or participation step is only for `uwv` and `municipality` organisations.
    SensitiveSelectionNotAllowed = ("sensitive_selection_not_allowed", 403),
    /// Nothing at this address.
    NotFound = ("not_found", 404),
    /// The account has no youth profile.
    ProfileNotFound = ("profile_not_found", 404),
    /// No such organisation, or you are not a member.
    OrganisationNotFound = ("organisation_not_found", 404),
    /// No such vacancy, or not one you may see.
    VacancyNotFound = ("vacancy_not_found", 404),
    /// No such candidate for this vacancy.
    CandidateNotFound = ("candidate_not_found", 404),
    /// No such match, or not yours.
    MatchNotFound = ("match_not_found", 404),
    /// No such youth in your caseload (no active consent you may use).
    YouthNotInCaseload = ("youth_not_in_caseload", 404),
    /// No such consent of yours.
    ConsentNotFound = ("consent_not_found", 404),
    /// No such coach in your organisation.
    MemberNotFound = ("member_not_found", 404),
    /// No handover with this id waiting for you.
    HandoverNotFound = ("handover_not_found", 404),
    /// No such client relation of your organisation.
    ClientNotFound = ("client_not_found", 404),
    /// No such introduction you can see.
    IntroductionNotFound = ("introduction_not_found", 404),
    /// No such placement you are a party to.
    PlacementNotFound = ("placement_not_found", 404),
    /// No follow-up for this week of the placement.
    FollowUpNotFound = ("follow_up_not_found", 404),
    /// The path exists with other methods (see `Allow`).
    MethodNotAllowed = ("method_not_allowed", 405),
    /// The request body did not arrive in time; the connection is closed.
    RequestTimeout = ("request_timeout", 408),
    /// The change conflicts with data written at the same time; try again.
    Conflict = ("conflict", 409),
    /// An account with this email exists.
    EmailTaken = ("email_taken", 409),
    /// The email address is already confirmed.
    AlreadyVerified = ("already_verified", 409),
    /// The vacancy cannot move to this status from its current one.
    InvalidTransition = ("invalid_transition", 409),
    /// The vacancy is closed or filled.
    VacancyClosed = ("vacancy_closed", 409),
    /// The invited address is already a member.
    AlreadyAMember = ("already_a_member", 409),
    /// This account already belongs to an organisation.
    AlreadyInOrganisation = ("already_in_organisation", 409),
    /// A vacancy with matches is closed, not deleted.
    HasMatches = ("has_matches", 409),
    /// The profile misses what a feed needs (the detail says what).
    ProfileIncomplete = ("profile_incomplete", 409),
    /// The profile is paused.
    ProfilePaused = ("profile_paused", 409),
    /// This pair is a match; end the match instead.
    AlreadyMatched = ("already_matched", 409),
    /// The match has ended.
    MatchEnded = ("match_ended", 409),
    /// Choose competences before generating a profile text.
    CompetencesMissing = ("competences_missing", 409),
    /// The youth's own text would be replaced; ask with `replace_edited=true`.
    EditedTextExists = ("edited_text_exists", 409),
    /// Consent to coaching can be given from 16 (GDPR art. 8, UAVG art. 5).
    TooYoungToConsent = ("too_young_to_consent", 409),
    /// The consent was already answered, revoked or has expired.
    ConsentEnded = ("consent_ended", 409),
    /// The youth already has consent with this organisation.
    AlreadyCoached = ("already_coached", 409),
    /// The client relation was already answered or has ended.
    ClientRelationClosed = ("client_relation_closed", 409),
    /// Your organisation already has a proposed or active relation with this employer.
    AlreadyAClient = ("already_a_client", 409),
    /// This youth was already introduced for this vacancy.
    AlreadyIntroduced = ("already_introduced", 409),
    /// The introduction was already answered.
    IntroductionAnswered = ("introduction_answered", 409),
    /// This match already has a placement.
    AlreadyPlaced = ("already_placed", 409),
    /// This follow-up was already answered.
    FollowUpAnswered = ("follow_up_answered", 409),
    /// The placement has ended.
    PlacementEnded = ("placement_ended", 409),
    /// Only a placement that ended can be reopened as a search.
    PlacementNotEnded = ("placement_not_ended", 409),
    /// The body is larger than the server accepts.
    PayloadTooLarge = ("payload_too_large", 413),
    /// The body is not sent as `application/json`.
    UnsupportedMediaType = ("unsupported_media_type", 415),
    /// Invalid fields, listed in `errors`.
    ValidationFailed = ("validation_failed", 422),
    /// The body does not fit the operation: not an object, an unknown or missing field, a wrong type, or `null` for a field that cannot be cleared.
    InvalidBody = ("invalid_body", 422),
    /// Too many attempts; see `Retry-After`.
    RateLimited = ("rate_limited", 429),
    /// Our fault; quote the request id.
    InternalError = ("internal_error", 500),
    /// The service cannot serve this just now (its database is unreachable, or it is too busy); try again after `Retry-After` seconds.
    ServiceUnavailable = ("service_unavailable", 503),
}

impl ProblemCode {
    pub fn parse(s: &str) -> Option<ProblemCode> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// Stable, machine-readable code; each operation lists the codes it can answer.
    pub code: ProblemCode,
    /// The id of this request, also sent as the `x-request-id` header; quote it to support.
    #[schema(example = "01936a4e-8f7c-7b3a-9d1e-2f3c4b5a6d7e")]
    pub request_id: String,
    /// Field-level problems, for `validation_failed`; empty for every other code.
    pub errors: Vec<FieldError>,
}

/// An error that ends a request. Build it with the constructor functions below.
// Clone: one computed answer (or failure) can answer several requests (`outcomes::gather`).
#[derive(Debug, Clone)]
pub struct ApiError {
    code: ProblemCode,
    detail: String,
    errors: Vec<FieldError>,
    retry_after: Option<Duration>,
    allow: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.code.status(), self.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// A problem with this code; its status is the code's own (`ProblemCode::status`), so the
    /// two cannot disagree.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }

    /// 422 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            ProblemCode::ValidationFailed,
            "The request has invalid fields.",
        );
        e.errors = errors;
        e
    }

    pub fn method_not_allowed(allow: String) -> Self {
        let mut e = Self::new(
            ProblemCode::MethodNotAllowed,
            format!("This resource allows only: {allow}."),
        );
        e.allow = Some(allow);
        e
    }

    pub fn too_many_requests(retry_after: Duration) -> Self {
        let mut e = Self::new(
            ProblemCode::RateLimited,
            "Too many attempts. Try again later.",
        );
        e.retry_after = Some(retry_after.max(Duration::from_secs(1)));
        e
    }

    /// 503 with `Retry-After`: a dependency is down or a bounded queue is full. Nothing was
    /// done, so the client may safely try again.
    pub fn unavailable(detail: impl Into<String>, retry_after: Duration) -> Self {
        let mut e = Self::new(ProblemCode::ServiceUnavailable, detail);
        e.retry_after = Some(retry_after.max(Duration::from_secs(1)));
        e
    }

    /// A server fault. The cause is logged now, with the request id; the client sees only that id.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(request_id = %current_request_id(), error = %cause, "internal error");
        Self::new(
            ProblemCode::InternalError,
            "Something went wrong on our side. Quote the request id if you contact support.",
        )
    }

    pub fn code(&self) -> ProblemCode {
        self.code
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:werkmatch:problem:{}", self.code),
            title: self
                .status()
                .canonical_reason()
                .unwrap_or("Error")
                .to_owned(),
            status: self.code.status(),
            detail: self.detail.clone(),
            code: self.code,
            request_id: current_request_id(),
            errors: self.errors.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
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
            Error::NotFound => ApiError::new(ProblemCode::NotFound, "Not found."),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::new(ProblemCode::Conflict, "This conflicts with existing data.")
            }
            // Something this write refers to was deleted meanwhile (by another request or an
            // operator): the client's view is stale, nothing is wrong with the server.
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => ApiError::new(
                ProblemCode::Conflict,
                "This refers to something that no longer exists; reload and try again.",
            ),
            other => ApiError::internal(format!("database: {other}")),
        }
    }
}

/// Maps JSON body extraction failures to 4xx problems: malformed JSON is 400, a body of the
/// wrong shape (unknown or missing field, wrong type) 422, wrong content type 415, too large 413.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::ContentType => ApiError::new(
            ProblemCode::UnsupportedMediaType,
            "Send the body as application/json.",
        ),
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::new(
            ProblemCode::PayloadTooLarge,
            format!("The body is larger than {limit} bytes."),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::new(
            ProblemCode::InvalidBody,
            format!("The body does not fit this endpoint: {e}."),
        ),
        JsonPayloadError::Deserialize(e) => ApiError::new(
            ProblemCode::MalformedJson,
            format!("The body is not valid JSON: {e}."),
        ),
        JsonPayloadError::Payload(e) if crate::edge::is_body_timeout(e) => ApiError::new(
            ProblemCode::RequestTimeout,
            "The request body did not arrive in time.",
        ),
        _ => ApiError::new(ProblemCode::MalformedBody, "The body could not be read."),
    };
    api.into()
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::new(
        ProblemCode::InvalidQuery,
        format!("The query string is not valid: {err}."),
    )
    .into()
}

pub fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(ProblemCode::NotFound, "Not found.").into()
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
    fn every_problem_code_is_written_as_its_code() {
        for code in ProblemCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
            assert_eq!(ProblemCode::parse(code.as_str()), Some(*code));
            assert!((400..600).contains(&code.status()), "{code}");
            let error = ApiError::new(*code, "x");
            assert_eq!(error.status_code().as_u16(), code.status(), "{code}");
            assert_eq!(error.problem().status, code.status(), "{code}");
            assert!(!code.meaning().is_empty(), "{code}");
        }
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
