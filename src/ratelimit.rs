//! Fixed-window rate limits kept in the cache, so that with Redis they hold across instances
//! (with the in-process cache they are per instance). If the cache cannot count, the request
//! goes through: a cache outage must not lock everyone out.

use crate::auth::tokens::hash_token;
use crate::config::RateLimit;
use crate::error::ApiError;
use crate::state::AppState;

/// Keys hold a hash of who is counted, so no email address or IP is stored in the cache.
fn key(scope: &str, who: &str) -> String {
    format!(
        "{}{scope}:{}",
        crate::cache::RATE_LIMIT_KEYS,
        &hash_token(who)[..32]
    )
}

/// Counts one attempt and refuses it (429) once the window holds more than `limit.max`.
pub async fn hit(
    state: &AppState,
    scope: &str,
    who: &str,
    limit: RateLimit,
) -> Result<(), ApiError> {
    match state.cache.hit(&key(scope, who), limit.window).await {
        Some(count) if count.hits > limit.max => Err(ApiError::too_many_requests(count.resets_in)),
        _ => Ok(()),
    }
}

/// Refuses (429) when `limit.max` attempts were already counted, without counting this one.
pub async fn check(
    state: &AppState,
    scope: &str,
    who: &str,
    limit: RateLimit,
) -> Result<(), ApiError> {
    match state.cache.count(&key(scope, who)).await {
        Some(count) if count.hits >= limit.max => Err(ApiError::too_many_requests(count.resets_in)),
        _ => Ok(()),
    }
}

/// The client address that limits are counted for: the TCP peer. (Behind a proxy, put the
/// limit in the proxy or teach this function to trust its header; a client-set
/// `X-Forwarded-For` is not trusted here.)
pub fn client_ip(req: &actix_web::HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}
