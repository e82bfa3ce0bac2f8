//! Logging and the request id that ties a response to its log lines.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

thread_local! {
    /// The request id on a blocking-pool thread, where the task-local is not visible: set by
    /// [`on_blocking_thread`] for the length of one database call.
    static BLOCKING_REQUEST_ID: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The id of the request being served, or `-` outside a request (workers, CLI).
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(|id| id.clone()).unwrap_or_else(|_| {
        BLOCKING_REQUEST_ID
            .with(|id| id.borrow().clone())
            .unwrap_or_else(|| "-".to_owned())
    })
}

/// Runs `f` (on a blocking thread) with `id` as the current request id, so that an error
/// logged there (a database fault, say) carries the id its 500 answer shows.
pub fn on_blocking_thread<T>(id: String, f: impl FnOnce() -> T) -> T {
    let previous = BLOCKING_REQUEST_ID.with(|slot| slot.replace(Some(id)));
    struct Restore(Option<String>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            BLOCKING_REQUEST_ID.with(|slot| *slot.borrow_mut() = previous);
        }
    }
    let _restore = Restore(previous);
    f()
}

/// Runs `fut` as if inside a request with this id (tests, background jobs).
pub async fn with_request_id<F: std::future::Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// A client-sent id is kept when it is short and plain, so a trace can span services.
fn usable_client_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    (!s.is_empty() && s.len() <= 128 && s.chars().all(plain)).then(|| s.to_owned())
}

/// Middleware: gives every request an id (the client's `x-request-id` or a new UUIDv7), makes
/// it available to error rendering and logs, echoes it on the response, and logs one line.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(usable_client_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    // Handlers and extractors turn their errors into responses inside this scope, so problem
    // bodies carry the id. (The request must not be cloned here: routing needs it unshared.)
    let scoped = REQUEST_ID.scope(id.clone(), next.call(req));
    let mut res = scoped.instrument(span.clone()).await?.map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "served"
        )
    });
    Ok(res)
}
