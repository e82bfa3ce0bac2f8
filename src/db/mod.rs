//! The database: one connection enum over PostgreSQL and SQLite, an r2d2 pool, the embedded
//! migrations, and [`Db::run`], the only way handlers reach a connection (on a blocking
//! thread, never on an actix worker).

pub mod ids;
pub mod schema;

use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::cooldown::Cooldown;
use crate::error::ApiError;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A connection to either backend; queries written once against `schema.rs` run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a URL names. The scheme decides; a plain path is a SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    Sqlite(String),
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.contains("://") {
            return Err(format!(
                "must start with postgres://, sqlite:// or be a file path (got scheme {:?})",
                url.split("://").next().unwrap_or_default()
            ));
        }
        if path.is_empty() || path == ":memory:" {
            return Err(
                "must name a SQLite file (an in-memory database is not shared by the pool)".into(),
            );
        }
        Ok(Backend::Sqlite(path.to_owned()))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres(_) => "postgres",
            Backend::Sqlite(_) => "sqlite",
        }
    }
}

/// Opens connections of the backend the URL names, and only that one. (The derived
/// `DbConn::establish` would try each backend in turn and report the last failure, which
/// hides the real cause of a PostgreSQL connection error.)
pub struct Manager(Backend);

impl Manager {
    fn connect(&self) -> ConnectionResult<DbConn> {
        match &self.0 {
            Backend::Postgres(url) => PgConnection::establish(url).map(DbConn::Pg),
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers run beside the one writer; the busy timeout makes a second
                // writer wait instead of failing; SQLite leaves foreign keys off unless asked.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// A pooled connection and when it last answered without an error.
///
/// The pool checks a connection before handing it out, but a `SELECT 1` on every check-out
/// was a round trip per request. A connection that just worked is trusted for a while; one
/// whose last use failed, or that sat idle, is checked first, so a restarted database still
/// costs at most one failed request per connection.
pub struct Tracked {
    conn: DbConn,
    answered_at: Option<Instant>,
}

/// How long a connection that answered is trusted without a check.
const TRUSTED_FOR: Duration = Duration::from_secs(10);

impl ManageConnection for Manager {
    type Connection = Tracked;
    type Error = ConnectionError;

    fn connect(&self) -> Result<Tracked, ConnectionError> {
        Manager::connect(self).map(|conn| Tracked {
            conn,
            answered_at: Some(Instant::now()),
        })
    }

    fn is_valid(&self, tracked: &mut Tracked) -> Result<(), ConnectionError> {
        if tracked
            .answered_at
            .is_some_and(|at| at.elapsed() < TRUSTED_FOR)
        {
            return Ok(());
        }
        tracked
            .conn
            .batch_execute("SELECT 1")
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
        tracked.answered_at = Some(Instant::now());
        Ok(())
    }

    fn has_broken(&self, tracked: &mut Tracked) -> bool {
        // A transaction left open or failed (diesel's own test); a dead socket is found by
        // the check-out test after the failed use.
        diesel::r2d2::R2D2Connection::is_broken(&mut tracked.conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// The pool plus the backend it talks to; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: &'static str,
    outage: std::sync::Arc<Cooldown>,
    /// One per pooled connection: a request waits for its turn here, asynchronously, before
    /// it takes a blocking thread. (Waiting on the pool itself parked a blocking thread per
    /// waiting request on the pool's lock: under 64 connections most of the service's CPU
    /// went to waking them, bench/README.md session 8.)
    turns: std::sync::Arc<tokio::sync::Semaphore>,
    /// How long a request waits for its turn before it is answered 503.
    wait: Duration,
}

/// How long one failed attempt marks the database as down: the requests that follow are
/// answered 503 at once instead of each waiting for a connection that will not come (an
/// outage used to hold every request for the whole pool wait, then answer 500). Longer than
/// the pool's own retry interval (at most half the pool wait, so 500 ms by default), so that
/// its background attempts keep the mark up without gaps while the database is down: a gap
/// let readiness, and a request with several queries, wait a second per query (a fault test
/// run saw 1 s and 3 s). A database that is back is used at most this long after.
const OUTAGE_HOLD: Duration = Duration::from_secs(2);
/// What a 503 asks the client to wait.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Marks an outage whenever the pool fails to open a connection: the pool keeps trying in the
/// background while the database is down, so the outage stays marked until it is back, and
/// requests (and readiness) are answered at once instead of each waiting for the pool.
#[derive(Debug)]
struct MarkOutage(std::sync::Arc<Cooldown>);

impl r2d2::HandleError<ConnectionError> for MarkOutage {
    fn handle_error(&self, error: ConnectionError) {
        if self.0.start(OUTAGE_HOLD) {
            tracing::warn!(%error, "database connection failed");
        }
    }
}

/// The answer to a request that found every connection busy for the whole wait: the database
/// is there, so this is no outage (other requests go on as usual).
fn busy() -> ApiError {
    ApiError::unavailable(
        "The service is too busy to answer just now; nothing was changed. Try again shortly.",
        RETRY_AFTER,
    )
}

/// The answer to a request that needs a database that cannot be reached.
fn unavailable() -> ApiError {
    ApiError::unavailable(
        "The service cannot reach its database just now; nothing was changed. Try again shortly.",
        RETRY_AFTER,
    )
}

/// Why the database could not be opened, with the driver's own words.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("DATABASE_URL: {0}")]
    Url(String),
    #[error("could not create the folder for the SQLite file {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("could not connect to {backend}: {source}")]
    Connect {
        backend: &'static str,
        source: ConnectionError,
    },
    #[error("could not build the connection pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migrate(String),
}

impl Db {
    /// Connects once directly (so that a failure shows the real cause), then builds the pool.
    /// `wait` bounds how long a request waits for a connection (then it is answered 503).
    pub fn connect(url: &str, pool_size: u32, wait: Duration) -> Result<Db, DbSetupError> {
        let backend = Backend::of_url(url).map_err(DbSetupError::Url)?;
        if let Backend::Sqlite(path) = &backend
            && let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|source| DbSetupError::Folder {
                path: path.clone(),
                source,
            })?;
        }
        let name = backend.name();
        let manager = Manager(with_connect_timeout(backend));
        let probe = manager.connect().map_err(|source| DbSetupError::Connect {
            backend: name,
            source,
        })?;
        drop(probe);
        let outage: std::sync::Arc<Cooldown> = Default::default();
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(wait)
            .error_handler(Box::new(MarkOutage(outage.clone())))
            .build(manager)?;
        Ok(Db {
            pool,
            backend: name,
            outage,
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(pool_size as usize)),
            wait,
        })
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Runs the embedded migrations of this backend that have not run yet.
    pub fn migrate(&self) -> Result<usize, DbSetupError> {
        let mut conn = self.pool.get()?;
        let applied = match &mut conn.conn {
            // Instances started together on a fresh database would run the same migration at
            // once (one fails on a duplicate type); a session lock makes them take turns, and
            // the later ones find nothing pending.
            DbConn::Pg(c) => {
                c.batch_execute("SELECT pg_advisory_lock(736254001)")
                    .map_err(|e| DbSetupError::Migrate(e.to_string()))?;
                let applied = c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len());
                let unlocked = c.batch_execute("SELECT pg_advisory_unlock(736254001)");
                if let Err(e) = unlocked {
                    tracing::warn!(error = %e, "migration lock not released (it ends with the connection)");
                }
                applied
            }
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| DbSetupError::Migrate(e.to_string()))
    }

    /// Whether the database answered the last attempt (false for a moment after it did not).
    pub fn reachable(&self) -> bool {
        !self.outage.active()
    }

    /// Runs `f` with a pooled connection on a blocking thread.
    ///
    /// When the database cannot be reached (no connection within the pool wait, or a failure
    /// after which the connection no longer answers) the answer is 503 `service_unavailable`
    /// with `Retry-After`, not 500: the client did nothing wrong and may try again.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        if self.outage.active() {
            return Err(unavailable());
        }
        let turn = match tokio::time::timeout(self.wait, self.turns.clone().acquire_owned()).await {
            Ok(Ok(turn)) => turn,
            _ => return Err(busy()),
        };
        if self.outage.active() {
            // The database went down while this request waited for its turn.
            return Err(unavailable());
        }
        let pool = self.pool.clone();
        let outage = self.outage.clone();
        let request_id = crate::telemetry::current_request_id();
        actix_web::web::block(move || {
            // The turn ends with the work, even when the request that waits for it is gone.
            let _turn = turn;
            crate::telemetry::on_blocking_thread(request_id, move || {
                let mut tracked = match pool.get() {
                    Ok(t) => t,
                    Err(e) => {
                        if outage.start(OUTAGE_HOLD) {
                            tracing::warn!(request_id = %crate::telemetry::current_request_id(), error = %e, "database unreachable");
                        }
                        return Err(unavailable());
                    }
                };
                let result = f(&mut tracked.conn);
                // Any failure (a refused write too) makes the next check-out test the
                // connection: telling a lost connection from a rule error is not worth the risk.
                tracked.answered_at = result.is_ok().then(Instant::now);
                match result {
                    // A server fault on a connection that no longer answers is an outage (the
                    // database stopped mid-request), not a bug: say so, and let the pool drop it.
                    Err(e)
                        if e.code() == crate::error::ProblemCode::InternalError
                            && tracked.conn.batch_execute("SELECT 1").is_err() =>
                    {
                        outage.start(OUTAGE_HOLD);
                        Err(unavailable())
                    }
                    other => other,
                }
            })
        })
        .await
        .map_err(|e| ApiError::internal(format!("blocking task: {e}")))?
    }

    /// Like [`Db::run`], inside one write transaction.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }
}

/// A transaction meant to write. On SQLite it starts with `BEGIN IMMEDIATE`: a deferred
/// `BEGIN` that later writes can fail at once with SQLITE_BUSY when another writer holds the
/// lock, instead of waiting for the busy timeout. PostgreSQL uses a plain transaction.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if !matches!(conn, DbConn::Sqlite(_)) {
        return conn.transaction(f);
    }
    if let DbConn::Sqlite(inner) = &mut *conn {
        AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    }
    let result = f(conn);
    if let DbConn::Sqlite(inner) = conn {
        match &result {
            Ok(_) => AnsiTransactionManager::commit_transaction(inner)?,
            Err(_) => {
                // The original error matters more than a failed rollback.
                let _ = AnsiTransactionManager::rollback_transaction(inner);
            }
        }
    }
    result
}

/// A PostgreSQL URL without `connect_timeout` gets one, so that a database host that does not
/// answer at all (rather than refusing) cannot hold a connection attempt for minutes.
fn with_connect_timeout(backend: Backend) -> Backend {
    match backend {
        Backend::Postgres(url) if !url.contains("connect_timeout=") => {
            let sep = if url.contains('?') { '&' } else { '?' };
            Backend::Postgres(format!("{url}{sep}connect_timeout=2"))
        }
        other => other,
    }
}

/// Whether this connection is PostgreSQL, for the few places where the SQL differs.
pub fn is_postgres(conn: &DbConn) -> bool {
    matches!(conn, DbConn::Pg(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool whose database never answers (nothing listens on port 1), without the probe.
    fn unreachable_db(wait: Duration) -> Db {
        let manager = Manager(with_connect_timeout(Backend::Postgres(
            "postgres://nobody@127.0.0.1:1/none".into(),
        )));
        Db {
            pool: r2d2::Pool::builder()
                .max_size(2)
                .min_idle(Some(0))
                .connection_timeout(wait)
                .build_unchecked(manager),
            backend: "postgres",
            outage: Default::default(),
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(2)),
            wait,
        }
    }

    #[actix_web::test]
    async fn an_unreachable_database_is_a_quick_503_with_retry_after_not_a_hanging_500() {
        let db = unreachable_db(Duration::from_millis(300));
        let started = Instant::now();
        let first = db.run(|_| Ok(())).await.unwrap_err();
        assert_eq!(first.code(), crate::error::ProblemCode::ServiceUnavailable);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let response = actix_web::ResponseError::error_response(&first);
        assert_eq!(response.status(), 503);
        assert!(response.headers().contains_key("retry-after"));
        // The requests right after it do not wait again.
        let again = Instant::now();
        assert!(db.run(|_| Ok(())).await.is_err());
        assert!(
            again.elapsed() < Duration::from_millis(50),
            "{:?}",
            again.elapsed()
        );
        assert!(!db.reachable());
    }

    #[actix_web::test]
    async fn a_busy_pool_is_a_503_but_no_outage() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, 1, Duration::from_millis(200)).unwrap();
        // One slow request holds the only connection longer than the wait.
        let slow = {
            let db = db.clone();
            tokio::spawn(async move {
                db.run(|_| {
                    std::thread::sleep(Duration::from_millis(600));
                    Ok(())
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        let busy = db.run(|_| Ok(())).await.unwrap_err();
        assert_eq!(busy.code(), crate::error::ProblemCode::ServiceUnavailable);
        assert!(started.elapsed() < Duration::from_millis(500));
        // A busy database is not a down one: nothing else is turned away for it.
        assert!(db.reachable());
        assert!(slow.await.unwrap().is_ok());
        assert!(db.run(|_| Ok(())).await.is_ok());
    }

    #[actix_web::test]
    async fn a_database_error_on_the_blocking_pool_is_logged_with_the_request_id() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, 2, Duration::from_secs(1)).unwrap();
        let seen = crate::telemetry::with_request_id(
            "req-42".into(),
            db.run(|_| Ok(crate::telemetry::current_request_id())),
        )
        .await
        .unwrap();
        assert_eq!(seen, "req-42");
    }

    #[derive(diesel::QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        column_name: String,
    }

    type Schema = std::collections::BTreeMap<String, Vec<String>>;

    fn schema_of(columns: Vec<Column>) -> Schema {
        let mut schema = Schema::new();
        for c in columns {
            if c.table_name != "__diesel_schema_migrations" {
                schema.entry(c.table_name).or_default().push(c.column_name);
            }
        }
        for cols in schema.values_mut() {
            cols.sort();
        }
        schema
    }

    /// The tables and columns after each step of a backend's migrations.
    fn steps_of(conn: &mut DbConn) -> Vec<(String, Schema)> {
        let mut steps = Vec::new();
        loop {
            let ran = match conn {
                DbConn::Pg(c) => c
                    .run_next_migration(PG_MIGRATIONS)
                    .map(|v| v.to_string())
                    .map_err(|e| e.to_string()),
                DbConn::Sqlite(c) => c
                    .run_next_migration(SQLITE_MIGRATIONS)
                    .map(|v| v.to_string())
                    .map_err(|e| e.to_string()),
            };
            let Ok(version) = ran else {
                return steps;
            };
            let columns: Vec<Column> = match conn {
                DbConn::Pg(c) => diesel::sql_query(
                    "SELECT table_name::text AS table_name, column_name::text AS column_name \
                     FROM information_schema.columns WHERE table_schema = current_schema()",
                )
                .load(c)
                .unwrap(),
                DbConn::Sqlite(c) => diesel::sql_query(
                    "SELECT m.name AS table_name, p.name AS column_name \
                     FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
                )
                .load(c)
                .unwrap(),
            };
            steps.push((version, schema_of(columns)));
        }
    }

    #[test]
    fn the_two_migration_folders_stay_step_for_step() {
        // The same steps, by name, in both folders ...
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |backend: &str| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(root.join(backend))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect();
            v.sort();
            v
        };
        assert_eq!(names("postgres"), names("sqlite"));
        // ... and after each step, the same tables with the same columns (with PostgreSQL
        // when TEST_DATABASE_URL is set, as in CI).
        let dir = tempfile::tempdir().unwrap();
        let mut lite = DbConn::Sqlite(
            SqliteConnection::establish(&dir.path().join("m.db").display().to_string()).unwrap(),
        );
        let lite_steps = steps_of(&mut lite);
        assert_eq!(lite_steps.len(), names("sqlite").len());
        let Some(base) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            eprintln!("postgres half not run: TEST_DATABASE_URL is not set");
            return;
        };
        let schema = format!("t_mig_{}", uuid::Uuid::now_v7().simple());
        let mut admin = PgConnection::establish(&base).unwrap();
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let mut pg = DbConn::Pg(
            PgConnection::establish(&format!("{base}{sep}options=-csearch_path%3D{schema}"))
                .unwrap(),
        );
        let pg_steps = steps_of(&mut pg);
        drop(pg);
        admin
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
        assert_eq!(pg_steps.len(), lite_steps.len());
        for ((step, p), (_, l)) in pg_steps.iter().zip(&lite_steps) {
            assert_eq!(
                p, l,
                "after {step}: the same tables and columns on both backends"
            );
        }
    }

    #[test]
    fn url_scheme_picks_the_backend() {
        assert_eq!(
            Backend::of_url("postgres://u@h/db").unwrap(),
            Backend::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            Backend::of_url("sqlite://var/x.db").unwrap(),
            Backend::Sqlite("var/x.db".into())
        );
        assert_eq!(
            Backend::of_url("sqlite:///tmp/x.db").unwrap(),
            Backend::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            Backend::of_url("data/x.db").unwrap(),
            Backend::Sqlite("data/x.db".into())
        );
        assert!(Backend::of_url("mysql://h/db").is_err());
        assert!(Backend::of_url("sqlite://:memory:").is_err());
    }
}
