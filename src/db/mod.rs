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
    pub fn connect(url: &str, pool_size: u32) -> Result<Db, DbSetupError> {
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
        let manager = Manager(backend);
        let probe = manager.connect().map_err(|source| DbSetupError::Connect {
            backend: name,
            source,
        })?;
        drop(probe);
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        Ok(Db {
            pool,
            backend: name,
        })
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Runs the embedded migrations of this backend that have not run yet.
    pub fn migrate(&self) -> Result<usize, DbSetupError> {
        let mut conn = self.pool.get()?;
        let applied = match &mut conn.conn {
            DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| DbSetupError::Migrate(e.to_string()))
    }

    /// Runs `f` with a pooled connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut tracked = pool
                .get()
                .map_err(|e| ApiError::internal(format!("database pool: {e}")))?;
            let result = f(&mut tracked.conn);
            // Any failure (a refused write too) makes the next check-out test the connection:
            // telling a lost connection from a rule error is not worth the risk.
            tracked.answered_at = result.is_ok().then(Instant::now);
            result
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

/// Whether this connection is PostgreSQL, for the few places where the SQL differs.
pub fn is_postgres(conn: &DbConn) -> bool {
    matches!(conn, DbConn::Pg(_))
}

#[cfg(test)]
mod tests {
    use super::Backend;

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
