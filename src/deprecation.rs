//! How an operation that will go says so. `/v1` only changes by adding: an operation that is
//! to be removed is listed here first; from then on it is marked `deprecated` in the contract
//! and every answer carries `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and a `Link` to what
//! replaces it, for at least the notice period the README promises. On the sunset date it is
//! removed from the code (and so from the contract).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use chrono::NaiveDate;

/// An operation on its way out.
#[derive(Debug, Clone, Copy)]
pub struct Deprecated {
    /// `GET`, `POST`, … as in the contract.
    pub method: &'static str,
    /// The path template as in the contract, e.g. `/v1/vacancies/{vacancy_id}`.
    pub path: &'static str,
    /// The day it was deprecated (`YYYY-MM-DD`).
    pub since: &'static str,
    /// The day it is removed (`YYYY-MM-DD`), at least [`NOTICE_DAYS`] after `since`.
    pub sunset: &'static str,
    /// What to use instead (an operation id, or a sentence).
    pub successor: &'static str,
    /// Where the change is explained.
    pub link: &'static str,
}

/// The shortest notice between deprecation and removal: installed apps update slowly.
pub const NOTICE_DAYS: i64 = 180;

/// What is deprecated now. Nothing yet: `/v1` was reshaped before its first app release.
pub const DEPRECATED: &[Deprecated] = &[];

impl Deprecated {
    fn day(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    /// The three headers every answer of this operation carries, or `None` when the entry is
    /// malformed (the contract test refuses malformed entries, see [`Deprecated::check`]).
    pub fn headers(&self) -> Option<[(&'static str, String); 3]> {
        let since = Self::day(self.since)?.and_hms_opt(0, 0, 0)?.and_utc();
        let sunset = Self::day(self.sunset)?.and_hms_opt(0, 0, 0)?.and_utc();
        Some([
            ("deprecation", format!("@{}", since.timestamp())),
            (
                "sunset",
                sunset.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            ),
            ("link", format!("<{}>; rel=\"deprecation\"", self.link)),
        ])
    }

    /// Why this entry is not acceptable, if it is not.
    pub fn check(&self) -> Option<String> {
        let (Some(since), Some(sunset)) = (Self::day(self.since), Self::day(self.sunset)) else {
            return Some(format!(
                "{} {}: dates must be YYYY-MM-DD",
                self.method, self.path
            ));
        };
        ((sunset - since).num_days() < NOTICE_DAYS).then(|| {
            format!(
                "{} {}: the sunset must be at least {NOTICE_DAYS} days after the deprecation",
                self.method, self.path
            )
        })
    }
}

/// The entry for a request's method and matched route pattern.
pub fn find<'a>(table: &'a [Deprecated], method: &str, pattern: &str) -> Option<&'a Deprecated> {
    table
        .iter()
        .find(|d| d.method.eq_ignore_ascii_case(method) && d.path == pattern)
}

/// Middleware: adds the deprecation headers to every answer of a deprecated operation.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let entry = req
        .match_pattern()
        .and_then(|p| find(DEPRECATED, req.method().as_str(), &p).copied());
    let mut res = next.call(req).await?;
    if let Some(headers) = entry.and_then(|e| e.headers()) {
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                res.headers_mut()
                    .insert(HeaderName::from_static(name), value);
            }
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: Deprecated = Deprecated {
        method: "GET",
        path: "/v1/things/{thing_id}",
        since: "2027-01-15",
        sunset: "2027-07-15",
        successor: "get_widget",
        link: "https://werkmatch.nl/api/changes#things",
    };

    #[test]
    fn a_deprecated_operation_answers_with_the_three_headers() {
        let headers = find(&[ENTRY], "get", "/v1/things/{thing_id}")
            .and_then(Deprecated::headers)
            .unwrap();
        assert_eq!(headers[0], ("deprecation", "@1799971200".to_owned()));
        assert_eq!(
            headers[1],
            ("sunset", "Thu, 15 Jul 2027 00:00:00 GMT".to_owned())
        );
        assert_eq!(
            headers[2].1,
            "<https://werkmatch.nl/api/changes#things>; rel=\"deprecation\""
        );
        assert!(find(&[ENTRY], "POST", "/v1/things/{thing_id}").is_none());
    }

    #[test]
    fn a_notice_shorter_than_the_promise_is_refused() {
        assert!(ENTRY.check().is_none());
        let short = Deprecated {
            sunset: "2027-03-01",
            ..ENTRY
        };
        assert!(short.check().unwrap().contains("180 days"));
        let bad = Deprecated {
            since: "15-01-2027",
            ..ENTRY
        };
        assert!(bad.check().is_some());
    }
}
