//! Whether a session or a consent still holds, failing closed.
//!
//! The cache answers the common case without the database: `session:<id>` and `consent:<id>`
//! hold the last known state. Anything the cache cannot vouch for (a missing key: never
//! cached, expired or evicted; a cache error: Redis down or slow) is asked of the database,
//! which is the truth. Nothing is ever allowed because the cache was down.
//!
//! A positive entry lives [`ACTIVE_TTL`] and is only ever written by a reader, with SET NX
//! after reading the database. A change writes the database first and then overwrites the
//! entry with a negative one: `ended` for a revocation, or `recheck` for any other change
//! (given, narrowed, renewed, handed over), which sends every request to the database until it
//! expires. A writer never publishes a positive state: two changes racing (a handover
//! committing before a revocation, publishing after it) could otherwise leave "active" over
//! "ended". Publishing retries in the background for longer than a positive entry lives if
//! the cache does not take it, so a stale "active" answer outlives a change by at most a cache
//! partition's length within that window (and not at all when the cache is down for every
//! instance alike).

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::access::{OrganisationKind, Scope, Scopes};
use crate::cache::Lookup;
use crate::db::ids::{AccountId, ConsentId, OrganisationId, SessionId};
use crate::db::schema::{consents, sessions};
use crate::error::{ApiError, ProblemCode};
use crate::state::AppState;

/// How long the cache may answer "still active" without asking the database.
pub const ACTIVE_TTL: Duration = Duration::from_secs(60);
const ACTIVE: &str = "active";
const ENDED: &str = "ended";
/// Changed: ask the database, and cache nothing, until this expires.
const RECHECK: &str = "recheck";
/// How long `recheck` stands: longer than any positive entry written before the change lives,
/// and than a reader can take between its database read and its SET NX.
const RECHECK_TTL: Duration = Duration::from_secs(ACTIVE_TTL.as_secs() + 10);

pub fn session_key(session: &SessionId) -> String {
    format!("{}{session}", crate::cache::SESSION_KEYS)
}

pub fn consent_key(consent: &ConsentId) -> String {
    format!("{}{consent}", crate::cache::CONSENT_KEYS)
}

pub fn session_revoked() -> ApiError {
    ApiError::new(
        ProblemCode::SessionRevoked,
        "This session has ended. Sign in again.",
    )
}

pub fn delegation_ended() -> ApiError {
    ApiError::new(
        ProblemCode::DelegationEnded,
        "The youth's consent behind this token has ended or changed: exchange a new token.",
    )
}

/// A consent as the delegated requests need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentState {
    pub scopes: Scopes,
    pub expires_at: NaiveDateTime,
    pub coach: Option<AccountId>,
    pub organisation: OrganisationId,
    pub kind: OrganisationKind,
}

impl ConsentState {
    pub fn encode(&self) -> String {
        format!(
            "{ACTIVE}|{}|{}|{}|{}|{}",
            self.scopes.mask(),
            self.expires_at.and_utc().timestamp(),
            self.coach.as_ref().map(|c| c.as_str()).unwrap_or(""),
            self.organisation,
            self.kind.as_str()
        )
    }

    pub fn decode(s: &str) -> Option<ConsentState> {
        let mut parts = s.split('|');
        if parts.next()? != ACTIVE {
            return None;
        }
        let scopes = Scopes::from_mask(parts.next()?.parse().ok()?);
        let expires_at =
            chrono::DateTime::from_timestamp(parts.next()?.parse().ok()?, 0)?.naive_utc();
        let coach = AccountId::parse(parts.next()?);
        let organisation = OrganisationId::parse(parts.next()?)?;
        let kind = OrganisationKind::parse(parts.next()?)?;
        Some(ConsentState {
            scopes,
            expires_at,
            coach,
            organisation,
            kind,
        })
    }

    /// Whether the coach `coach` of `organisation` may act under this consent.
    pub fn admits(&self, coach: &AccountId, organisation: &OrganisationId) -> bool {
        &self.organisation == organisation
            && (self.coach.as_ref() == Some(coach)
                || self.scopes.contains(Scope::ShareWithColleagues))
    }
}

/// 401 unless `session` is live (the cache's answer `cached`, if the caller already asked).
pub async fn check_session(
    state: &AppState,
    session: &SessionId,
    cached: Lookup,
) -> Result<(), ApiError> {
    match cached {
        Lookup::Found(v) if v == ACTIVE => Ok(()),
        Lookup::Found(_) => Err(session_revoked()),
        Lookup::Missing | Lookup::Unavailable => {
            let id = session.clone();
            let live = state
                .db
                .run(move |conn| {
                    let revoked: Option<Option<NaiveDateTime>> = sessions::table
                        .find(&id)
                        .select(sessions::revoked_at)
                        .first(conn)
                        .optional()?;
                    Ok(matches!(revoked, Some(None)))
                })
                .await?;
            if cached == Lookup::Missing {
                remember_session(state, session, live).await;
            }
            if live { Ok(()) } else { Err(session_revoked()) }
        }
    }
}

async fn remember_session(state: &AppState, session: &SessionId, live: bool) {
    let (value, ttl) = if live {
        (ACTIVE, ACTIVE_TTL)
    } else {
        (ENDED, revoked_ttl(state))
    };
    // Only where nothing newer was published meanwhile (a logout after our read).
    state
        .cache
        .set_if_absent(&session_key(session), value, ttl)
        .await;
}

/// A revoked entry must outlive every access token of the session.
fn revoked_ttl(state: &AppState) -> Duration {
    state.settings.access_token_ttl + ACTIVE_TTL
}

/// The consent behind a delegated request, or 401 when it no longer holds.
pub async fn check_consent(
    state: &AppState,
    consent: &ConsentId,
    cached: Lookup,
) -> Result<ConsentState, ApiError> {
    let now = state.clock.now_naive();
    let found = match cached {
        Lookup::Found(v) if v != RECHECK => ConsentState::decode(&v),
        // Just changed: the database answers, and nothing is cached until `recheck` expires.
        Lookup::Found(_) => read_consent(state, consent).await?,
        Lookup::Missing | Lookup::Unavailable => {
            let row = read_consent(state, consent).await?;
            if cached == Lookup::Missing {
                match &row {
                    Some(c) => remember_consent(state, consent, c).await,
                    None => {
                        state
                            .cache
                            .set_if_absent(&consent_key(consent), ENDED, revoked_ttl(state))
                            .await;
                    }
                }
            }
            row
        }
    };
    match found {
        Some(c) if c.expires_at > now => Ok(c),
        _ => Err(delegation_ended()),
    }
}

async fn read_consent(
    state: &AppState,
    consent: &ConsentId,
) -> Result<Option<ConsentState>, ApiError> {
    let id = consent.clone();
    state.db.run(move |conn| Ok(load_consent(conn, &id)?)).await
}

/// Caches a consent's state just read from the database, only where nothing was published
/// meanwhile (a change or revocation after the read wins).
pub async fn remember_consent(state: &AppState, consent: &ConsentId, read: &ConsentState) {
    state
        .cache
        .set_if_absent(&consent_key(consent), &read.encode(), ACTIVE_TTL)
        .await;
}

/// An active consent's state from the database (`None` when it is not active).
pub fn load_consent(
    conn: &mut crate::db::DbConn,
    id: &ConsentId,
) -> QueryResult<Option<ConsentState>> {
    #[allow(clippy::type_complexity)]
    let row: Option<(
        i32,
        Option<NaiveDateTime>,
        Option<AccountId>,
        OrganisationId,
        String,
    )> = consents::table
        .inner_join(crate::db::schema::organisations::table)
        .filter(consents::id.eq(id))
        .filter(consents::status.eq("active"))
        .select((
            consents::scopes,
            consents::expires_at,
            consents::coach_id,
            consents::organisation_id,
            crate::db::schema::organisations::kind,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.and_then(|(scopes, expires_at, coach, organisation, kind)| {
            Some(ConsentState {
                scopes: Scopes::from_mask(scopes),
                expires_at: expires_at?,
                coach,
                organisation,
                kind: OrganisationKind::parse(&kind)?,
            })
        }),
    )
}

/// After the database has revoked `sessions`: tells every instance through the cache.
pub async fn sessions_revoked(state: &AppState, sessions: &[SessionId]) {
    let ttl = revoked_ttl(state);
    for s in sessions {
        publish(state, session_key(s), ENDED.to_owned(), ttl).await;
    }
}

/// After a consent changed in the database: `ended` when it no longer holds (revoked,
/// declined), else `recheck` (given, narrowed, renewed, handed over), never the new state
/// itself (see the module's comment).
pub async fn consent_changed(state: &AppState, consent: &ConsentId, ended: bool) {
    let (value, ttl) = if ended {
        (ENDED, revoked_ttl(state))
    } else {
        (RECHECK, RECHECK_TTL)
    };
    publish(state, consent_key(consent), value.to_owned(), ttl).await;
}

/// Writes security state to the cache; when the cache does not take it, keeps trying in the
/// background for longer than a positive entry lives, so no instance can keep answering from
/// a stale "active" entry once the cache is back.
async fn publish(state: &AppState, key: String, value: String, ttl: Duration) {
    if state.cache.set_checked(&key, &value, ttl).await {
        return;
    }
    let cache = state.cache.clone();
    actix_web::rt::spawn(async move {
        let deadline = std::time::Instant::now() + ACTIVE_TTL + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if cache.set_checked(&key, &value, ttl).await {
                return;
            }
        }
        tracing::warn!(
            key,
            "security state not written to the cache; entries expire on their own"
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_state_round_trips_through_the_cache_value() {
        let c = ConsentState {
            scopes: [Scope::ViewProfile, Scope::ShareWithColleagues]
                .into_iter()
                .collect(),
            expires_at: chrono::DateTime::from_timestamp(1_900_000_000, 0)
                .unwrap()
                .naive_utc(),
            coach: Some(AccountId::generate()),
            organisation: OrganisationId::generate(),
            kind: OrganisationKind::Uwv,
        };
        assert_eq!(ConsentState::decode(&c.encode()), Some(c.clone()));
        assert_eq!(ConsentState::decode(ENDED), None);
        assert_eq!(ConsentState::decode(RECHECK), None);
        assert_eq!(ConsentState::decode("active|garbage"), None);
        // A colleague may act only under `share_with_colleagues`.
        let colleague = AccountId::generate();
        assert!(c.admits(&colleague, &c.organisation));
        assert!(!c.admits(&colleague, &OrganisationId::generate()));
        let own = ConsentState {
            scopes: Scopes::from_mask(1),
            ..c.clone()
        };
        assert!(!own.admits(&colleague, &c.organisation));
        assert!(own.admits(c.coach.as_ref().unwrap(), &c.organisation));
    }
}
