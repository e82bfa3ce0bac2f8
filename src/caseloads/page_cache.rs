//! A computed caseload page, kept briefly in the shared cache and trusted only after checking.
//!
//! Computing a page reads the whole caseload (hundreds of youth) and the page's figures; a
//! coach's portal asks for the same page again and again. A cached page is served only when
//! (1) the organisation's caseload version is the one it was computed at (a follow-up set or
//! a new consent bumps it), and (2) every consent on it is still in the state it was computed
//! with, asked as every delegated request asks it (`access::revocation`: the cache, and the
//! database when the cache cannot vouch), so a revoked, narrowed or handed-over youth is gone
//! from the next page at once. Figures (activity, likes, messages) may be up to [`TTL`] old.
//! Each youth shown is still logged, hit or miss.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::access::OrganisationKind;
use crate::access::revocation::{self, ConsentState};
use crate::cache::Lookup;
use crate::db::ids::{AccountId, ConsentId, OrganisationId};
use crate::state::AppState;

/// How long a page may be served from the cache.
pub const TTL: Duration = Duration::from_secs(10);

/// The caller's view of their organisation, as the audit lines need it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Viewer {
    pub organisation: OrganisationId,
    pub kind: OrganisationKind,
    pub coordinator: bool,
}

#[derive(Serialize, Deserialize)]
struct Cached {
    version: String,
    viewer: Viewer,
    /// The page's JSON as answered.
    body: String,
    /// Each youth on the page with their consent's state at the time.
    shown: Vec<(AccountId, ConsentId, String)>,
}

fn version_key(org: &OrganisationId) -> String {
    format!("caseload-v:{org}")
}

/// The organisation's caseload changed in a way a consent's state does not show (a follow-up,
/// a new consent): cached pages of it are not served again.
pub async fn bump(state: &AppState, org: &OrganisationId) {
    let version = uuid::Uuid::now_v7().to_string();
    state
        .cache
        .set(&version_key(org), &version, Duration::from_secs(86_400))
        .await;
}

/// A page found and still true: its body, the youth shown, and the viewer.
pub struct Hit {
    pub body: String,
    pub shown: Vec<AccountId>,
    pub viewer: Viewer,
}

/// The version to compute a new page at, and a cached page when one can be trusted.
pub async fn lookup(
    state: &AppState,
    org_hint: Option<&OrganisationId>,
    key: &str,
) -> (Option<String>, Option<Hit>) {
    let mut keys = vec![key.to_owned()];
    if let Some(org) = org_hint {
        keys.push(version_key(org));
    }
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut answers = state.cache.lookup(&refs).await.into_iter();
    let page = answers.next();
    let version = answers.next().and_then(|v| match v {
        Lookup::Found(v) => Some(v),
        _ => None,
    });
    let Some(Lookup::Found(raw)) = page else {
        return (version, None);
    };
    let Ok(cached) = serde_json::from_str::<Cached>(&raw) else {
        return (version, None);
    };
    // The version is read with the page only when the caller knew the organisation; else
    // read it now (one more round trip).
    let current = match org_hint {
        Some(_) => version.clone(),
        None => match state
            .cache
            .lookup(&[&version_key(&cached.viewer.organisation)])
            .await
            .pop()
        {
            Some(Lookup::Found(v)) => Some(v),
            _ => None,
        },
    };
    if current.as_deref().unwrap_or("-") != cached.version {
        return (current, None);
    }
    if !still_true(state, &cached.shown).await {
        return (current, None);
    }
    let hit = Hit {
        body: cached.body,
        shown: cached.shown.into_iter().map(|(y, _, _)| y).collect(),
        viewer: cached.viewer,
    };
    (current, Some(hit))
}

/// Whether every consent on a page is in the state it was computed with.
async fn still_true(state: &AppState, shown: &[(AccountId, ConsentId, String)]) -> bool {
    let keys: Vec<String> = shown
        .iter()
        .map(|(_, c, _)| revocation::consent_key(c))
        .collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let answers = state.cache.lookup(&refs).await;
    for ((_, consent, then), answer) in shown.iter().zip(answers) {
        match revocation::check_consent(state, consent, answer).await {
            Ok(now) if &now.encode() == then => {}
            _ => return false,
        }
    }
    true
}

/// Keeps a computed page for [`TTL`].
pub async fn store(
    state: &AppState,
    key: &str,
    version: Option<String>,
    viewer: Viewer,
    body: &str,
    shown: Vec<(AccountId, ConsentId, Option<ConsentState>)>,
) {
    let Some(shown) = shown
        .into_iter()
        .map(|(y, c, s)| s.map(|s| (y, c, s.encode())))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let cached = Cached {
        version: version.unwrap_or_else(|| "-".to_owned()),
        viewer,
        body: body.to_owned(),
        shown,
    };
    if let Ok(raw) = serde_json::to_string(&cached) {
        state.cache.set(key, &raw, TTL).await;
    }
}
