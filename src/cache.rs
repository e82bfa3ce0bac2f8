//! The shared cache: Redis when `REDIS_URL` is set, an in-process moka cache otherwise.
//!
//! The database is the only truth. Every cache failure is logged and treated as a miss, so a
//! Redis outage never fails a request. Each command has a short deadline, and a failed one
//! opens a breaker for a second in which Redis is not asked at all: an outage costs a request
//! microseconds, not a round of connection attempts. Counters (rate limits) count in this
//! process while Redis cannot, so limits hold through an outage (per instance, then).
//!
//! The in-process variant is per instance: fine for one server, not for several. It is bounded
//! by bytes, not entries (a feed can be large), and security state (sessions, consents, rate
//! counters) is kept apart where eviction cannot drop it; it leaves only when it expires.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;

use crate::cooldown::Cooldown;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Marks a feed's set of taken-out ids as written together with its list.
const GONE_MARKER: &str = "-";

#[derive(Clone)]
pub enum Cache {
    Redis {
        conn: Arc<RedisConnections>,
        prefix: Arc<str>,
        /// Counts hits while Redis cannot (see [`Cache::hit`]).
        local: MemoryStore,
    },
    Memory {
        store: MemoryStore,
        prefix: Arc<str>,
    },
}

/// Where the keys that hold security state start: sessions and consents
/// (`access::revocation`) and rate-limit counters (`ratelimit`) build their keys from these,
/// so the in-process cache and they cannot disagree about what eviction may drop.
pub const SESSION_KEYS: &str = "session:";
pub const CONSENT_KEYS: &str = "consent:";
pub const RATE_LIMIT_KEYS: &str = "rl:";

/// Keys that hold security state: never dropped to make room (see the module comment).
fn is_security_key(key: &str) -> bool {
    [SESSION_KEYS, CONSENT_KEYS, RATE_LIMIT_KEYS]
        .iter()
        .any(|p| key.starts_with(p))
}

type Store = moka::sync::Cache<String, Entry>;

/// The in-process stores: data, bounded by bytes, and security state, bounded only by time.
#[derive(Clone)]
pub struct MemoryStore {
    data: Store,
    security: Store,
    /// Length of the key prefix, to classify a full key.
    prefix_len: usize,
}

impl MemoryStore {
    fn new(prefix_len: usize, max_bytes: u64) -> MemoryStore {
        MemoryStore {
            data: moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                // Roughly what an entry holds: its key, its text and moka's own bookkeeping.
                .weigher(|k: &String, e: &Entry| {
                    (k.len() + e.value.len() + 64).min(u32::MAX as usize) as u32
                })
                .expire_after(PerEntryExpiry)
                .build(),
            security: moka::sync::Cache::builder()
                .expire_after(PerEntryExpiry)
                .build(),
            prefix_len,
        }
    }

    fn of(&self, key: &str) -> &Store {
        if key.get(self.prefix_len..).is_some_and(is_security_key) {
            &self.security
        } else {
            &self.data
        }
    }

    fn get(&self, key: &str) -> Option<Entry> {
        self.of(key).get(key)
    }

    fn insert(&self, key: String, entry: Entry) {
        self.of(&key).insert(key, entry)
    }

    fn invalidate(&self, key: &str) {
        self.of(key).invalidate(key)
    }

    fn entry(
        &self,
        key: String,
    ) -> moka::sync::OwnedKeyEntrySelector<'_, String, Entry, std::collections::hash_map::RandomState>
    {
        self.of(&key).entry(key)
    }

    /// Adds one hit to the counter at `key` (a full key), whose window starts at its first hit.
    fn hit(&self, key: String, window: Duration) -> Option<Count> {
        let now = Instant::now();
        let entry = self.entry(key).and_compute_with(|current| {
            let (hits, expires_at) = match current.map(|e| e.into_value()) {
                Some(e) if e.expires_at > now => {
                    (e.value.parse::<u64>().unwrap_or(0) + 1, e.expires_at)
                }
                _ => (1, now + window),
            };
            moka::ops::compute::Op::Put(Entry {
                value: hits.to_string().into(),
                expires_at,
            })
        });
        let entry = match entry {
            moka::ops::compute::CompResult::Inserted(e)
            | moka::ops::compute::CompResult::ReplacedWith(e) => e.into_value(),
            _ => return None,
        };
        Some(Count {
            hits: entry.value.parse().unwrap_or(0),
            resets_in: entry.expires_at.saturating_duration_since(now),
        })
    }

    fn count(&self, key: &str) -> Option<Count> {
        self.get(key).map(|e| Count {
            hits: e.value.parse().unwrap_or(0),
            resets_in: e.expires_at.saturating_duration_since(Instant::now()),
        })
    }

    #[cfg(test)]
    fn data_bytes(&self) -> u64 {
        self.data.run_pending_tasks();
        self.data.weighted_size()
    }
}

/// After a failed command, Redis is not asked for this long (then one request tries again).
const BREAKER_HOLD: Duration = Duration::from_secs(1);

/// Connections to one Redis, one per thread that uses it (shared behind an `Arc`).
///
/// Each actix worker runs its own single-threaded runtime. A connection's driver task runs
/// where the connection was made, so one shared connection made every worker's call wake
/// another thread and back; a connection per worker answers on the worker's own thread.
pub struct RedisConnections {
    /// Tells this cache's connections apart from another's in the thread-local map.
    id: u64,
    client: redis::Client,
    config: ConnectionManagerConfig,
    /// Made with the cache; used where a thread cannot make its own.
    shared: ConnectionManager,
    /// Open after a failed command: Redis is not asked until it has passed.
    breaker: Cooldown,
    /// The deadline of one command (also set on every connection manager); readiness's ping,
    /// which goes past the breaker, uses it directly.
    timeout: Duration,
}

thread_local! {
    static REDIS_CONNECTIONS: std::cell::RefCell<std::collections::HashMap<u64, ConnectionManager>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

impl RedisConnections {
    /// Runs one command (or pipeline) with this thread's connection, within the deadline the
    /// connection manager keeps (connect and response, `CACHE_TIMEOUT_MS`; no second timer on
    /// the hot path); fails at once while the breaker is open, and opens it on a failure that says Redis
    /// is unreachable or slow (not on a wrong-type reply, which is our bug, not an outage).
    async fn call<T, F, Fut>(&self, f: F) -> Result<T, redis::RedisError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = Result<T, redis::RedisError>>,
    {
        if self.breaker.active() {
            return Err(redis::RedisError::from((
                redis::ErrorKind::Io,
                "redis is failing: not asked for a moment",
            )));
        }
        let result = f(self.get()).await;
        if let Err(e) = &result {
            let outage = e.is_io_error()
                || e.is_timeout()
                || e.is_connection_dropped()
                || e.is_connection_refusal()
                || e.is_unrecoverable_error();
            if !outage {
                tracing::warn!(error = %e, "cache error treated as a miss");
            } else if self.breaker.start(BREAKER_HOLD) {
                // Once per opening: every command fails the same way while it lasts.
                tracing::warn!(error = %e, "redis failing: not asked for a second, the database answers");
            }
        }
        result
    }

    fn get(&self) -> ConnectionManager {
        if tokio::runtime::Handle::try_current().is_err() {
            return self.shared.clone();
        }
        REDIS_CONNECTIONS.with(|map| {
            if let Some(conn) = map.borrow().get(&self.id) {
                return conn.clone();
            }
            match ConnectionManager::new_lazy_with_config(self.client.clone(), self.config.clone())
            {
                Ok(conn) => {
                    map.borrow_mut().insert(self.id, conn.clone());
                    conn
                }
                Err(_) => self.shared.clone(),
            }
        })
    }
}

/// A value in the in-process cache, with its own deadline.
#[derive(Clone)]
pub struct Entry {
    value: Arc<str>,
    expires_at: Instant,
}

struct PerEntryExpiry;

impl Expiry<String, Entry> for PerEntryExpiry {
    fn expire_after_create(&self, _: &String, entry: &Entry, now: Instant) -> Option<Duration> {
        Some(entry.expires_at.saturating_duration_since(now))
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Entry,
        now: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.expires_at.saturating_duration_since(now))
    }
}

/// What the cache says about a key, for security state, where "cannot tell" must not be read
/// as "absent": the caller asks the database then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(String),
    Missing,
    /// The cache could not be asked (Redis down or slow).
    Unavailable,
}

/// A counter in a fixed window: how many hits so far and when the window ends.
#[derive(Debug, Clone, Copy)]
pub struct Count {
    pub hits: u64,
    pub resets_in: Duration,
}

impl Cache {
    /// Redis at `url`, connected lazily: the server starts (and answers from the database)
    /// even when Redis is down, and reconnects when it comes back.
    /// `timeout` bounds each command, connecting included.
    pub fn redis(url: &str, prefix: &str, timeout: Duration) -> Result<Cache, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let shared = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())?;
        Ok(Cache::Redis {
            conn: Arc::new(RedisConnections {
                id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                client,
                config,
                shared,
                breaker: Cooldown::default(),
                timeout,
            }),
            prefix: prefix.into(),
            local: MemoryStore::new(prefix.len(), 16 << 20),
        })
    }

    /// The in-process cache: data bounded to `max_bytes`, security state apart.
    pub fn memory(prefix: &str, max_bytes: u64) -> Cache {
        Cache::Memory {
            store: MemoryStore::new(prefix.len(), max_bytes),
            prefix: prefix.into(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Cache::Redis { .. } => "redis",
            Cache::Memory { .. } => "memory",
        }
    }

    fn key(&self, key: &str) -> String {
        let prefix = match self {
            Cache::Redis { prefix, .. } | Cache::Memory { prefix, .. } => prefix,
        };
        format!("{prefix}{key}")
    }

    /// A failed command is a miss (`RedisConnections::call` has logged what is worth it).
    fn miss<T>(op: &str, e: redis::RedisError) -> Option<T> {
        tracing::debug!(op, error = %e, "cache miss by error");
        None
    }

    pub async fn get(&self, key: &str) -> Option<String> {
        let key = self.key(key);
        match self {
            Cache::Redis { conn, .. } => conn
                .call(|mut c| async move { c.get::<_, Option<String>>(key).await })
                .await
                .unwrap_or_else(|e| Self::miss("get", e)),
            Cache::Memory { store, .. } => store.get(&key).map(|e| e.value.to_string()),
        }
    }

    /// Like [`Cache::get`] for several keys in one round trip, telling a missing key from a
    /// cache that could not answer.
    pub async fn lookup(&self, keys: &[&str]) -> Vec<Lookup> {
        let full: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        match self {
            Cache::Redis { conn, .. } => {
                let answer = conn
                    .call(|mut c| async move {
                        redis::cmd("MGET")
                            .arg(&full)
                            .query_async::<Vec<Option<String>>>(&mut c)
                            .await
                    })
                    .await;
                match answer {
                    Ok(values) if values.len() == keys.len() => values
                        .into_iter()
                        .map(|v| v.map_or(Lookup::Missing, Lookup::Found))
                        .collect(),
                    Ok(_) => vec![Lookup::Unavailable; keys.len()],
                    Err(e) => {
                        Self::miss::<()>("lookup", e);
                        vec![Lookup::Unavailable; keys.len()]
                    }
                }
            }
            Cache::Memory { store, .. } => full
                .iter()
                .map(|k| {
                    store
                        .get(k)
                        .map_or(Lookup::Missing, |e| Lookup::Found(e.value.to_string()))
                })
                .collect(),
        }
    }

    /// Sets a key and says whether the cache took it (security state retries when not).
    pub async fn set_checked(&self, key: &str, value: &str, ttl: Duration) -> bool {
        match self {
            Cache::Redis { conn, .. } => {
                let key = self.key(key);
                let secs = ttl.as_secs().max(1);
                match conn
                    .call(|mut c| async move { c.set_ex::<_, _, ()>(key, value, secs).await })
                    .await
                {
                    Ok(()) => true,
                    Err(e) => {
                        Self::miss::<()>("set", e);
                        false
                    }
                }
            }
            Cache::Memory { .. } => {
                self.set(key, value, ttl).await;
                true
            }
        }
    }

    /// Sets a key only when it is absent: a state read from the database must not overwrite a
    /// newer one published meanwhile (a revocation between the read and this write).
    pub async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) {
        let key = self.key(key);
        match self {
            Cache::Redis { conn, .. } => {
                let result = conn
                    .call(|mut c| async move {
                        redis::cmd("SET")
                            .arg(&key)
                            .arg(value)
                            .arg("PX")
                            .arg(ttl.as_millis().max(1) as u64)
                            .arg("NX")
                            .query_async::<Option<String>>(&mut c)
                            .await
                    })
                    .await;
                if let Err(e) = result {
                    Self::miss::<()>("set_if_absent", e);
                }
            }
            Cache::Memory { store, .. } => {
                let _ = store.entry(key).or_insert(Entry {
                    value: value.into(),
                    expires_at: Instant::now() + ttl,
                });
            }
        }
    }

    pub async fn set(&self, key: &str, value: &str, ttl: Duration) {
        let key = self.key(key);
        match self {
            Cache::Redis { conn, .. } => {
                let secs = ttl.as_secs().max(1);
                if let Err(e) = conn
                    .call(|mut c| async move { c.set_ex::<_, _, ()>(key, value, secs).await })
                    .await
                {
                    Self::miss::<()>("set", e);
                }
            }
            Cache::Memory { store, .. } => store.insert(
                key,
                Entry {
                    value: value.into(),
                    expires_at: Instant::now() + ttl,
                },
            ),
        }
    }

    pub async fn delete(&self, key: &str) {
        let key = self.key(key);
        match self {
            Cache::Redis { conn, .. } => {
                if let Err(e) = conn
                    .call(|mut c| async move { c.del::<_, ()>(key).await })
                    .await
                {
                    Self::miss::<()>("delete", e);
                }
            }
            Cache::Memory { store, .. } => store.invalidate(&key),
        }
    }

    /// Adds one hit to the counter `key`, whose window starts at its first hit. With Redis
    /// down the hit is counted in this process instead, and what was counted there is added
    /// to Redis's count until its window ends: a limit holds through an outage and after it.
    /// `None` only when nothing could count.
    pub async fn hit(&self, key: &str, window: Duration) -> Option<Count> {
        let key = self.key(key);
        match self {
            Cache::Redis { conn, local, .. } => {
                let ms = window.as_millis().max(1) as u64;
                let k = key.clone();
                // One round trip, atomic: create the window if absent, count, read what is left.
                let result: Result<(u64, i64), _> = conn
                    .call(|mut c| async move {
                        redis::pipe()
                            .atomic()
                            .cmd("SET")
                            .arg(&k)
                            .arg(0)
                            .arg("PX")
                            .arg(ms)
                            .arg("NX")
                            .ignore()
                            .cmd("INCR")
                            .arg(&k)
                            .cmd("PTTL")
                            .arg(&k)
                            .query_async(&mut c)
                            .await
                    })
                    .await;
                match result {
                    Ok((hits, ttl_ms)) => {
                        let counted_here = local.count(&key);
                        Some(Count {
                            hits: hits + counted_here.map_or(0, |c| c.hits),
                            resets_in: Duration::from_millis(ttl_ms.max(0) as u64)
                                .max(counted_here.map_or(Duration::ZERO, |c| c.resets_in)),
                        })
                    }
                    Err(e) => {
                        Self::miss::<()>("hit", e);
                        local.hit(key, window)
                    }
                }
            }
            Cache::Memory { store, .. } => store.hit(key, window),
        }
    }

    /// Reads a counter without adding to it (with Redis, plus what this process counted while
    /// Redis was down).
    pub async fn count(&self, key: &str) -> Option<Count> {
        let key = self.key(key);
        match self {
            Cache::Redis { conn, local, .. } => {
                let k = key.clone();
                let result: Result<(Option<u64>, i64), _> = conn
                    .call(|mut c| async move {
                        redis::pipe()
                            .cmd("GET")
                            .arg(&k)
                            .cmd("PTTL")
                            .arg(&k)
                            .query_async(&mut c)
                            .await
                    })
                    .await;
                let counted_here = local.count(&key);
                let remote = match result {
                    Ok((Some(hits), ttl_ms)) => Some(Count {
                        hits,
                        resets_in: Duration::from_millis(ttl_ms.max(0) as u64),
                    }),
                    Ok((None, _)) => None,
                    Err(e) => Self::miss("count", e),
                };
                match (remote, counted_here) {
                    (Some(r), Some(l)) => Some(Count {
                        hits: r.hits + l.hits,
                        resets_in: r.resets_in.max(l.resets_in),
                    }),
                    (r, l) => r.or(l),
                }
            }
            Cache::Memory { store, .. } => store.count(&key),
        }
    }

    /// Replaces the list at `key` (a feed: ids in rank order) with `items`, with a TTL.
    pub async fn list_set(&self, key: &str, items: &[String], ttl: Duration) {
        let key = self.key(key);
        match self {
            Cache::Redis { conn, .. } => {
                let mut pipe = redis::pipe();
                pipe.atomic().del(&key).ignore();
                if !items.is_empty() {
                    pipe.rpush(&key, items)
                        .ignore()
                        .pexpire(&key, ttl.as_millis().max(1) as i64)
                        .ignore();
                }
                if let Err(e) = conn
                    .call(|mut c| async move { pipe.query_async::<()>(&mut c).await })
                    .await
                {
                    Self::miss::<()>("list_set", e);
                }
            }
            Cache::Memory { store, .. } => {
                if items.is_empty() {
                    store.invalidate(&key);
                } else {
                    store.insert(
                        key,
                        Entry {
                            value: items.join("\n").into(),
                            expires_at: Instant::now() + ttl,
                        },
                    );
                }
            }
        }
    }

    /// The first `n` items of the list at `key`; `None` when there is no such list (or the
    /// cache cannot answer), so the caller computes it afresh.
    pub async fn list_head(&self, key: &str, n: usize) -> Option<Vec<String>> {
        let key = self.key(key);
        let items: Vec<String> = match self {
            Cache::Redis { conn, .. } => {
                let stop = n.max(1) as isize - 1;
                conn.call(|mut c| async move { c.lrange::<_, Vec<String>>(&key, 0, stop).await })
                    .await
                    .unwrap_or_else(|e| Self::miss("list_head", e).unwrap_or_default())
            }
            Cache::Memory { store, .. } => store
                .get(&key)
                .map(|e| e.value.split('\n').take(n).map(str::to_owned).collect())
                .unwrap_or_default(),
        };
        (!items.is_empty()).then_some(items)
    }

    /// Removes every item equal to `item` from the list at `key`.
    pub async fn list_remove(&self, key: &str, item: &str) {
        let key = self.key(key);
        match self {
            Cache::Redis { conn, .. } => {
                if let Err(e) = conn
                    .call(|mut c| async move { c.lrem::<_, _, ()>(&key, 0, item).await })
                    .await
                {
                    Self::miss::<()>("list_remove", e);
                }
            }
            Cache::Memory { store, .. } => {
                let _ = store.entry(key).and_compute_with(|current| {
                    match current.map(|e| e.into_value()) {
                        Some(e) => {
                            let rest: Vec<&str> =
                                e.value.split('\n').filter(|i| *i != item).collect();
                            if rest.is_empty() {
                                moka::ops::compute::Op::Remove
                            } else {
                                moka::ops::compute::Op::Put(Entry {
                                    value: rest.join("\n").into(),
                                    expires_at: e.expires_at,
                                })
                            }
                        }
                        None => moka::ops::compute::Op::Nop,
                    }
                });
            }
        }
    }

    /// Removes these items from the list at `key`, in one round trip.
    pub async fn list_remove_many(&self, key: &str, items: &[String]) {
        if let Cache::Redis { conn, .. } = self {
            let key = self.key(key);
            let mut pipe = redis::pipe();
            for item in items {
                pipe.lrem(&key, 0, item).ignore();
            }
            if let Err(e) = conn
                .call(|mut c| async move { pipe.query_async::<()>(&mut c).await })
                .await
            {
                Self::miss::<()>("list_remove_many", e);
            }
            return;
        }
        for item in items {
            self.list_remove(key, item).await;
        }
    }

    // ---- Feeds: a ranked list plus the ids taken out of it since -------------------------
    //
    // A feed is the list at `key` (entries in rank order) and, at `{key}:gone`, the ids taken
    // out since it was ranked (swiped). A swipe adds one id to the set instead of rewriting
    // the list, and a page reads both in one round trip. The set is never emptied by a new
    // ranking (a swipe that commits while a ranking runs must not be forgotten); it holds a
    // marker from the ranking on, so a list whose set was evicted is not trusted. Both share
    // a deadline, and taking an id out extends the set's, so the set outlives its list.

    fn gone_key(&self, key: &str) -> String {
        self.key(&format!("{key}:gone"))
    }

    /// Stores a freshly ranked feed.
    pub async fn feed_write(&self, key: &str, items: &[String], ttl: Duration) {
        if items.is_empty() {
            self.delete(key).await;
            return;
        }
        match self {
            Cache::Redis { conn, .. } => {
                let (list, gone) = (self.key(key), self.gone_key(key));
                let ms = ttl.as_millis().max(1) as i64;
                let mut pipe = redis::pipe();
                pipe.atomic()
                    .del(&list)
                    .ignore()
                    .rpush(&list, items)
                    .ignore()
                    .pexpire(&list, ms)
                    .ignore()
                    .sadd(&gone, GONE_MARKER)
                    .ignore()
                    .pexpire(&gone, ms)
                    .ignore();
                if let Err(e) = conn
                    .call(|mut c| async move { pipe.query_async::<()>(&mut c).await })
                    .await
                {
                    Self::miss::<()>("feed_write", e);
                }
            }
            Cache::Memory { .. } => {
                self.add_to_memory_set(key, GONE_MARKER, ttl);
                self.list_set(key, items, ttl).await;
            }
        }
    }

    /// The first `n` entries of a feed and the ids taken out of it since; `None` when there is
    /// no list, or its set is gone, so the caller ranks afresh. With `also`, that key's value
    /// too, in the same round trip (a session check riding along), as a [`Lookup`]: a cache
    /// error is [`Lookup::Unavailable`], never "absent".
    #[allow(clippy::type_complexity)]
    pub async fn feed_read(
        &self,
        key: &str,
        n: usize,
        also: Option<&str>,
    ) -> (
        Lookup,
        Option<(Vec<String>, std::collections::HashSet<String>)>,
    ) {
        let (other, items, gone): (Lookup, Vec<String>, std::collections::HashSet<String>) =
            match self {
                Cache::Redis { conn, .. } => {
                    let stop = n.max(1) as isize - 1;
                    // Without `also` the first answer is of a key that is never set.
                    let asked = also.map_or_else(|| self.key("-"), |other| self.key(other));
                    let mut pipe = redis::pipe();
                    pipe.cmd("GET")
                        .arg(asked)
                        .lrange(self.key(key), 0, stop)
                        .smembers(self.gone_key(key));
                    let answer: Result<(Option<String>, Vec<String>, _), _> = conn
                        .call(|mut c| async move { pipe.query_async(&mut c).await })
                        .await;
                    match answer {
                        Ok((value, items, gone)) => {
                            (value.map_or(Lookup::Missing, Lookup::Found), items, gone)
                        }
                        Err(e) => {
                            Self::miss::<()>("feed_read", e);
                            (Lookup::Unavailable, Vec::new(), Default::default())
                        }
                    }
                }
                Cache::Memory { store, .. } => {
                    let other = match also {
                        Some(k) => store
                            .get(&self.key(k))
                            .map_or(Lookup::Missing, |e| Lookup::Found(e.value.to_string())),
                        None => Lookup::Missing,
                    };
                    let gone = store
                        .get(&self.gone_key(key))
                        .map(|e| e.value.split('\n').map(str::to_owned).collect())
                        .unwrap_or_default();
                    (
                        other,
                        self.list_head(key, n).await.unwrap_or_default(),
                        gone,
                    )
                }
            };
        let feed = (!items.is_empty() && gone.contains(GONE_MARKER)).then_some((items, gone));
        (other, feed)
    }

    /// Takes `id` out of the feed at `key` (after a swipe has committed).
    pub async fn feed_take_out(&self, key: &str, id: &str, ttl: Duration) {
        match self {
            Cache::Redis { conn, .. } => {
                let gone = self.gone_key(key);
                let mut pipe = redis::pipe();
                pipe.sadd(&gone, id)
                    .ignore()
                    .pexpire(&gone, ttl.as_millis().max(1) as i64)
                    .ignore();
                let result = conn
                    .call(|mut c| async move { pipe.query_async::<()>(&mut c).await })
                    .await;
                if let Err(e) = result {
                    // The list may now show a swiped card until it expires: drop it instead.
                    // (While Redis is down the drop fails too, but then no page reads the list
                    // either; a card swiped during an outage is also refused by the database.)
                    Self::miss::<()>("feed_take_out", e);
                    self.delete(key).await;
                }
            }
            Cache::Memory { .. } => self.add_to_memory_set(key, id, ttl),
        }
    }

    fn add_to_memory_set(&self, key: &str, id: &str, ttl: Duration) {
        let Cache::Memory { store, .. } = self else {
            return;
        };
        let deadline = Instant::now() + ttl;
        let _ = store.entry(self.gone_key(key)).and_compute_with(|current| {
            let (mut members, expires_at) = match current.map(|e| e.into_value()) {
                Some(e) => (e.value.to_string(), e.expires_at.max(deadline)),
                None => (String::new(), deadline),
            };
            if !members.split('\n').any(|m| m == id) {
                if !members.is_empty() {
                    members.push('\n');
                }
                members.push_str(id);
            }
            moka::ops::compute::Op::Put(Entry {
                value: members.into(),
                expires_at,
            })
        });
    }

    /// For readiness: can the cache be reached right now?
    pub async fn ping(&self) -> Result<(), String> {
        match self {
            // Past the breaker: readiness reports what Redis says now.
            Cache::Redis { conn, .. } => {
                let mut c = conn.get();
                tokio::time::timeout(
                    conn.timeout,
                    redis::cmd("PING").query_async::<String>(&mut c),
                )
                .await
                .map_err(|_| "redis did not answer in time".to_owned())?
                .map(|_| ())
                .map_err(|e| e.to_string())
            }
            Cache::Memory { .. } => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_state_read_from_the_database_does_not_overwrite_a_newer_one() {
        let cache = Cache::memory("t:", 1 << 20);
        let ttl = Duration::from_secs(60);
        cache.set_if_absent("session:1", "active", ttl).await;
        assert_eq!(cache.get("session:1").await.as_deref(), Some("active"));
        // A revocation is published (plain set), then a late reader's "active" arrives.
        cache.set("session:1", "ended", ttl).await;
        cache.set_if_absent("session:1", "active", ttl).await;
        assert_eq!(
            cache.lookup(&["session:1", "session:2"]).await,
            vec![Lookup::Found("ended".into()), Lookup::Missing]
        );
    }

    #[tokio::test]
    async fn the_memory_cache_is_bounded_by_bytes_and_keeps_security_state() {
        let cache = Cache::memory("t:", 1 << 20);
        let ttl = Duration::from_secs(60);
        cache.set("session:s1", "ended", ttl).await;
        let limit = Duration::from_secs(900);
        for _ in 0..3 {
            cache.hit("rl:login:x", limit).await;
        }
        // 200 feeds of 100 KB: 20 MB, twenty times what the cache may hold.
        let big: Vec<String> = (0..10_000).map(|i| format!("{i:09}")).collect();
        for i in 0..200 {
            cache.list_set(&format!("feed:y:{i}"), &big, ttl).await;
        }
        let Cache::Memory { store, .. } = &cache else {
            unreachable!()
        };
        assert!(
            store.data_bytes() <= 1 << 20,
            "{} bytes",
            store.data_bytes()
        );
        assert_eq!(cache.get("session:s1").await.as_deref(), Some("ended"));
        assert_eq!(cache.count("rl:login:x").await.map(|c| c.hits), Some(3));
    }

    /// A Redis that accepts connections and never answers: the worst kind of outage.
    fn silent_redis() -> (std::net::TcpListener, Cache) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cache = Cache::redis(
            &format!("redis://127.0.0.1:{port}"),
            "t:",
            Duration::from_millis(100),
        )
        .unwrap();
        (listener, cache)
    }

    #[tokio::test]
    async fn a_redis_outage_costs_one_deadline_then_nothing() {
        let (_listener, cache) = silent_redis();
        let started = Instant::now();
        assert_eq!(
            cache.lookup(&["session:1"]).await,
            vec![Lookup::Unavailable]
        );
        assert!(
            started.elapsed() < Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
        // With the breaker open, a thousand more commands are answered from memory.
        let started = Instant::now();
        for _ in 0..1000 {
            assert_eq!(cache.get("feed:y:1").await, None);
            assert_eq!(
                cache.lookup(&["session:1"]).await,
                vec![Lookup::Unavailable]
            );
        }
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn counters_count_in_process_while_redis_cannot() {
        let (_listener, cache) = silent_redis();
        let window = Duration::from_secs(900);
        let hits: Vec<u64> = futures_hits(&cache, window, 6).await;
        assert_eq!(hits, [1, 2, 3, 4, 5, 6]);
        assert_eq!(cache.count("rl:login:x").await.map(|c| c.hits), Some(6));
    }

    async fn futures_hits(cache: &Cache, window: Duration, n: usize) -> Vec<u64> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(cache.hit("rl:login:x", window).await.map_or(0, |c| c.hits));
        }
        out
    }

    #[tokio::test]
    async fn memory_counter_counts_within_its_window() {
        let cache = Cache::memory("t:", 1 << 20);
        let w = Duration::from_secs(60);
        assert_eq!(cache.hit("k", w).await.unwrap().hits, 1);
        assert_eq!(cache.hit("k", w).await.unwrap().hits, 2);
        let c = cache.count("k").await.unwrap();
        assert_eq!(c.hits, 2);
        assert!(c.resets_in <= w && c.resets_in > Duration::from_secs(50));
    }

    #[tokio::test]
    async fn memory_lists_keep_order_and_drop_removed_items() {
        let cache = Cache::memory("t:", 1 << 20);
        let items: Vec<String> = ["a|1", "b|2", "c|3"].map(String::from).to_vec();
        cache.list_set("f", &items, Duration::from_secs(60)).await;
        assert_eq!(cache.list_head("f", 2).await.unwrap(), ["a|1", "b|2"]);
        cache.list_remove("f", "b|2").await;
        assert_eq!(cache.list_head("f", 5).await.unwrap(), ["a|1", "c|3"]);
        cache.list_remove("f", "a|1").await;
        cache.list_remove("f", "c|3").await;
        assert_eq!(
            cache.list_head("f", 5).await,
            None,
            "an emptied list is gone"
        );
    }

    #[tokio::test]
    async fn memory_values_expire() {
        let cache = Cache::memory("t:", 1 << 20);
        cache.set("a", "1", Duration::from_millis(1)).await;
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(cache.get("a").await, None);
        cache.set("b", "2", Duration::from_secs(60)).await;
        assert_eq!(cache.get("b").await.as_deref(), Some("2"));
        cache.delete("b").await;
        assert_eq!(cache.get("b").await, None);
    }
}
