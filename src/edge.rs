//! What every request passes on its way in and out, whatever route it reaches: a deadline
//! for its body, the security headers, and a problem body for an error answered outside the
//! handlers (a static file that is not there, say), so that no error is ever an empty body.
//!
//! One answer never reaches this code: a request head over actix-http's fixed 128 KiB buffer
//! is refused with an empty 431 by the HTTP parser itself, before any middleware runs, and
//! actix-http has no hook to change that answer. A proxy in front (which every deployment has
//! for TLS) should cap headers lower and answer that itself.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use futures_util::Stream;

use crate::error::{ApiError, ProblemCode};
use crate::state::AppState;

/// A request body that must have arrived by a deadline. Slow headers are cut by actix itself
/// (`client_request_timeout`); a body that never comes held its connection forever, so one
/// client could hold a thousand connections open and starve the rest.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.expired = true;
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}

fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// Whether a payload error is the body deadline passing (answered 408, see `error::json_error`).
pub fn is_body_timeout(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

/// Middleware: the edge of every request (see the module comment).
pub async fn edge(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if has_body(&req) {
        let timeout = req
            .app_data::<Data<AppState>>()
            .map_or(Duration::from_secs(10), |s| s.settings.body_timeout);
        let inner = req.take_payload();
        let deadline = Deadline {
            inner,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            expired: false,
        };
        req.set_payload(Payload::Stream {
            payload: Box::pin(deadline),
        });
    }
    let path_is_api = req.path().starts_with("/v1/") || req.path().starts_with("/health/");
    let res = next.call(req).await?.map_into_boxed_body();
    let mut res = problem_body(res);
    let status = res.status();
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Nothing we serve is meant to be framed (the docs page could be used for clickjacking).
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Answers of the API hold personal data and tokens (RFC 6749 §5.1): no cache may keep
    // them, unless the route said otherwise (the catalogue is public and revalidated).
    if path_is_api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    if status == StatusCode::REQUEST_TIMEOUT {
        // The rest of the body may still be on its way: do not read it, end the connection.
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(res)
}

/// An error answered without a body (by a static-file service or actix itself) gets the
/// problem body its status stands for.
fn problem_body(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    let code = match status.as_u16() {
        400 => ProblemCode::MalformedBody,
        404 => ProblemCode::NotFound,
        405 => ProblemCode::MethodNotAllowed,
        408 => ProblemCode::RequestTimeout,
        413 => ProblemCode::PayloadTooLarge,
        415 => ProblemCode::UnsupportedMediaType,
        503 => ProblemCode::ServiceUnavailable,
        _ if status.is_client_error() => ProblemCode::NotFound,
        _ => ProblemCode::InternalError,
    };
    let error = if code == ProblemCode::InternalError {
        ApiError::internal(format!("an answer {status} without a body"))
    } else {
        // The code's own meaning: the answer's status is all we know of its cause.
        ApiError::new(code, code.meaning())
    };
    let (req, original) = res.into_parts();
    let mut replaced = actix_web::ResponseError::error_response(&error);
    if let Some(allow) = original.headers().get(header::ALLOW) {
        replaced.headers_mut().insert(header::ALLOW, allow.clone());
    }
    ServiceResponse::new(req, replaced)
}
