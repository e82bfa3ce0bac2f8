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

/// What is kept besides the page's JSON (stored as this header, a newline, then the JSON
/// as answered, so the body is not escaped and unescaped on every look).
#[derive(Serialize, Deserialize)]
struct Cached {
    version: String,
    viewer: Viewer,
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

/// The organisation's caseload version now (`None` before the first change).
pub async fn version(state: &AppState, org: &OrganisationId) -> Option<String> {
    match state.cache.lookup(&[&version_key(org)]).await.pop() {
        Some(Lookup::Found(v)) => Some(v),
        _ => None,
    }
}

/// A page found and still true: its body, the youth shown, and the viewer.
pub struct Hit {
    pub body: String,
    pub shown: Vec<AccountId>,
    pub viewer: Viewer,
}

/// The cached page, when one can be trusted.
pub async fn lookup(state: &AppState, org_hint: Option<&OrganisationId>, key: &str) -> Option<Hit> {
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
        return None;
    };
    let (header, body) = raw.split_once('\n')?;
    let cached = serde_json::from_str::<Cached>(header).ok()?;
    // The version is read with the page only when the caller knew the organisation; else
    // read it now (one more round trip).
    let current = match org_hint {
        Some(org) if *org == cached.viewer.organisation => version,
        _ => self::version(state, &cached.viewer.organisation).await,
    };
    if current.as_deref().unwrap_or("-") != cached.version
        || !still_true(state, &cached.shown).await
    {
        return None;
    }
    Some(Hit {
        body: body.to_owned(),
        shown: cached.shown.into_iter().map(|(y, _, _)| y).collect(),
        viewer: cached.viewer,
    })
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

/// One computation per page at a time in this process: requests for a page being computed
/// wait for it and take it from the cache, instead of all computing it at once when it expires.
#[derive(Default)]
pub struct Flights(
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    /// Each viewer's organisation as last computed, so a look reads the page and its
    /// organisation's version in one round trip (a wrong guess only costs a second one).
    std::sync::Mutex<std::collections::HashMap<AccountId, OrganisationId>>,
);

impl Flights {
    pub fn organisation_of(&self, viewer: &AccountId) -> Option<OrganisationId> {
        self.1
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(viewer)
            .cloned()
    }

    pub fn remember(&self, viewer: &AccountId, org: &OrganisationId) {
        let mut map = self.1.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.clear();
        }
        map.insert(viewer.clone(), org.clone());
    }

    /// The lock for `key`; dropping the guard and calling [`Flights::done`] frees it.
    pub fn lock_for(&self, key: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key.to_owned()).or_default().clone()
    }

    pub fn done(&self, key: &str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Only the last holder removes it; waiters still hold their clone.
        if map
            .get(key)
            .is_some_and(|m| std::sync::Arc::strong_count(m) == 1)
        {
            map.remove(key);
        }
    }
}

/// Keeps a computed page for [`TTL`].
pub async fn store(
    state: &AppState,
    key: &str,
    version: Option<String>,
    viewer: Viewer,
    body: &str,
    shown: Vec<(AccountId, ConsentId, ConsentState)>,
) {
    // The consents' states were just read from the database: the next look at this page needs
    // no query for them.
    for (_, consent, read) in &shown {
        revocation::remember_consent(state, consent, read).await;
    }
    let shown = shown
        .into_iter()
        .map(|(y, c, s)| (y, c, s.encode()))
        .collect();
    let cached = Cached {
        version: version.unwrap_or_else(|| "-".to_owned()),
        viewer,
        shown,
    };
    if let Ok(header) = serde_json::to_string(&cached) {
        state
            .cache
            .set(key, &format!("{header}\n{body}"), TTL)
            .await;
    }
}
