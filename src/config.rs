//! Typed settings read once from the environment (and `.env`), then passed by value.
//!
//! A missing or malformed setting stops start-up with one line that names it. Secrets are
//! wrapped in [`Secret`] so that `Debug` output and logs never show them.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Which deployment this is; production refuses insecure defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where outgoing mail goes.
#[derive(Debug, Clone)]
pub enum MailSettings {
    /// `SMTP_URL` set: lettre over SMTP (`smtp://`, or `smtps://` for implicit TLS).
    Smtp(Secret),
    /// No `SMTP_URL`: one `.eml` file per message in this folder.
    Files(PathBuf),
    /// Tests: kept in memory so a test can read what was sent.
    Memory,
}

/// Limits per client (and per account where it applies) within a window.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub max: u64,
    pub window: Duration,
}

#[derive(Debug, Clone)]
pub struct RateLimits {
    pub login_failures: RateLimit,
    pub registration: RateLimit,
    pub password_reset: RateLimit,
    /// Swipes per account per day.
    pub swipes: RateLimit,
}

/// Argon2id cost. Production uses the OWASP minimum or more; tests use the cheapest legal
/// parameters so that a suite with hundreds of logins stays fast.
#[derive(Debug, Clone, Copy)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub app_env: AppEnv,
    pub host: IpAddr,
    pub port: u16,
    pub workers: usize,
    pub public_base_url: String,
    pub database_url: Secret,
    pub database_pool_size: u32,
    /// How long a request waits for a database connection before it is answered 503.
    pub database_wait: Duration,
    pub redis_url: Option<Secret>,
    /// Every cache key starts with this, so that tests (and tenants) share one Redis safely.
    pub cache_prefix: String,
    pub mail: MailSettings,
    pub mail_from: String,
    /// Run the outbox worker in this process (tests drive it by hand instead).
    pub outbox_worker: bool,
    pub outbox_poll_interval: Duration,
    /// How long a worker holds a claimed mail before another instance may take it.
    pub outbox_lease: Duration,
    pub jwt_secret: Secret,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub email_token_ttl: Duration,
    pub password_cost: PasswordCost,
    pub rate_limits: RateLimits,
    pub max_body_bytes: usize,
    pub log_format: LogFormat,
    /// How long a computed feed is reused; zero computes every page afresh.
    pub feed_ttl: Duration,
    /// How long a candidate page checked against the marks of its truth may be served again
    /// (never longer than `feed_ttl`); zero reads every page afresh.
    pub candidate_page_ttl: Duration,
    /// How long the first request for a report of everyone waits for identical ones to share
    /// its computation with (see `outcomes::gather`); zero shares only exact ties.
    pub report_gather: Duration,
    /// How long a request body may take to arrive (slow headers are cut by actix itself).
    pub body_timeout: Duration,
    /// How long one Redis command may take before the cache counts as unavailable.
    pub cache_timeout: Duration,
    /// What the in-process cache may hold, in bytes (security state is kept apart, unbounded).
    pub cache_memory_bytes: u64,
    /// How many password hashes may wait for a core; more are answered 503 at once.
    pub password_queue: usize,
}

/// Why start-up stopped: the setting and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {name} {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

fn err(name: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        name,
        problem: problem.into(),
    }
}

/// Reads variables through a function so that tests can feed a map instead of the process env.
struct Source<F: Fn(&str) -> Option<String>>(F);

impl<F: Fn(&str) -> Option<String>> Source<F> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    fn parse<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
        what: &str,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|_| err(name, format!("must be {what} (got {raw:?})"))),
        }
    }

    /// A whole number within `lo..=hi`. Every numeric setting has a range: a value far out
    /// of it is an operator's typo, and durations past it would overflow `now + ttl` later,
    /// in a request, instead of stopping start-up with one line that names the setting.
    fn ranged(
        &self,
        name: &'static str,
        default: u64,
        lo: u64,
        hi: u64,
    ) -> Result<u64, ConfigError> {
        let what = format!("a whole number from {lo} to {hi}");
        let value: u64 = self.parse(name, default, &what)?;
        if !(lo..=hi).contains(&value) {
            return Err(err(name, format!("must be {what} (got {value})")));
        }
        Ok(value)
    }
}

impl Settings {
    /// Reads settings from the process environment (after `.env`, which `main` loads).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(|name| std::env::var(name).ok())
    }

    /// Reads settings from any lookup function; used by `from_env` and by unit tests.
    pub fn from_source(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let src = Source(lookup);
        let app_env = match src.get("APP_ENV").as_deref().map(str::trim) {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some("test") => AppEnv::Test,
            Some(other) => {
                return Err(err(
                    "APP_ENV",
                    format!("must be development, test or production (got {other:?})"),
                ));
            }
        };
        let host: IpAddr = src.parse(
            "HOST",
            IpAddr::from([127, 0, 0, 1]),
            "an IP address such as 127.0.0.1 or 0.0.0.0",
        )?;
        let port: u16 = src.parse("PORT", 8080, "a port number from 0 to 65535")?;
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers = src.ranged("WORKERS", default_workers as u64, 1, 512)? as usize;

        let public_base_url = match src.get("PUBLIC_BASE_URL") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(url) => {
                return Err(err(
                    "PUBLIC_BASE_URL",
                    format!("must start with http:// or https:// (got {url:?})"),
                ));
            }
            None => format!("http://{host}:{port}"),
        };

        let database_url = src
            .get("DATABASE_URL")
            .unwrap_or_else(|| "sqlite://var/werkmatch.db".to_owned());
        crate::db::Backend::of_url(&database_url)
            .map_err(|problem| err("DATABASE_URL", problem))?;
        // Each connection in use is a blocking thread of this process running beside the
        // async workers that serve every socket: more of them than the cores can run only
        // take turns in the kernel. On 2 cores, 16 connections made the candidate feed's
        // p99 326 ms where 8 gave 25 ms at the same throughput (bench/README, session 10).
        let default_pool = (4 * default_workers).clamp(4, 32);
        let database_pool_size =
            src.ranged("DATABASE_POOL_SIZE", default_pool as u64, 1, 1000)? as u32;
        let database_wait =
            Duration::from_millis(src.ranged("DATABASE_WAIT_MS", 1000, 50, 60_000)?);

        let redis_url = src.get("REDIS_URL");
        if let Some(url) = &redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            return Err(err("REDIS_URL", "must start with redis:// or rediss://"));
        }
        let cache_prefix = src
            .get("CACHE_PREFIX")
            .unwrap_or_else(|| "werkmatch:".to_owned());

        let mail = match src.get("SMTP_URL") {
            Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => {
                MailSettings::Smtp(Secret::new(url))
            }
            Some(_) => {
                return Err(err("SMTP_URL", "must start with smtp:// or smtps://"));
            }
            None => MailSettings::Files(PathBuf::from(
                src.get("MAIL_DIR").unwrap_or_else(|| "var/mail".to_owned()),
            )),
        };
        let mail_from = src
            .get("MAIL_FROM")
            .unwrap_or_else(|| "werkmatch <no-reply@werkmatch.localhost>".to_owned());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(err(
                "MAIL_FROM",
                format!(
                    "must be a mailbox such as \"werkmatch <no-reply@example.nl>\" (got {mail_from:?})"
                ),
            ));
        }

        let jwt_secret = match (src.get("JWT_SECRET"), app_env) {
            (Some(secret), _) if secret.len() >= 32 => Secret::new(secret),
            (Some(_), _) => return Err(err("JWT_SECRET", "must be at least 32 characters")),
            (None, AppEnv::Production) => {
                return Err(err("JWT_SECRET", "is required when APP_ENV=production"));
            }
            (None, _) => development_secret(Path::new("var/jwt-secret")).map_err(|e| {
                err(
                    "JWT_SECRET",
                    format!("is unset and var/jwt-secret could not be created: {e}"),
                )
            })?,
        };

        let log_format = match src.get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(err(
                    "LOG_FORMAT",
                    format!("must be text or json (got {other:?})"),
                ));
            }
        };

        let minute = Duration::from_secs(60);
        let hour = Duration::from_secs(3600);
        Ok(Settings {
            app_env,
            host,
            port,
            workers,
            public_base_url,
            database_url: Secret::new(database_url),
            database_pool_size,
            database_wait,
            redis_url: redis_url.map(Secret::new),
            cache_prefix,
            mail,
            mail_from,
            outbox_worker: true,
            outbox_poll_interval: Duration::from_millis(src.ranged(
                "OUTBOX_POLL_INTERVAL_MS",
                1000,
                10,
                3_600_000,
            )?),
            outbox_lease: Duration::from_secs(src.ranged("OUTBOX_LEASE_SECONDS", 120, 10, 3600)?),
            jwt_secret,
            jwt_issuer: src
                .get("JWT_ISSUER")
                .unwrap_or_else(|| "werkmatch".to_owned()),
            jwt_audience: src
                .get("JWT_AUDIENCE")
                .unwrap_or_else(|| "werkmatch-app".to_owned()),
            access_token_ttl: Duration::from_secs(src.ranged(
                "ACCESS_TOKEN_TTL_SECONDS",
                900,
                30,
                31_536_000,
            )?),
            refresh_token_ttl: Duration::from_secs(
                src.ranged("REFRESH_TOKEN_TTL_DAYS", 30, 1, 366)? * 86_400,
            ),
            email_token_ttl: Duration::from_secs(
                src.ranged("EMAIL_TOKEN_TTL_MINUTES", 60, 1, 10_080)? * 60,
            ),
            password_cost: PasswordCost {
                memory_kib: src.ranged("ARGON2_MEMORY_KIB", 19_456, 8, 4_194_304)? as u32,
                iterations: src.ranged("ARGON2_ITERATIONS", 2, 1, 100)? as u32,
                parallelism: 1,
            },
            rate_limits: RateLimits {
                login_failures: RateLimit {
                    max: src.ranged("RATE_LIMIT_LOGIN_FAILURES", 5, 1, 1_000_000_000)?,
                    window: 15 * minute,
                },
                registration: RateLimit {
                    max: src.ranged("RATE_LIMIT_REGISTRATIONS_PER_HOUR", 20, 1, 1_000_000_000)?,
                    window: hour,
                },
                password_reset: RateLimit {
                    max: src.ranged("RATE_LIMIT_PASSWORD_RESETS_PER_HOUR", 5, 1, 1_000_000_000)?,
                    window: hour,
                },
                swipes: RateLimit {
                    max: src.ranged("RATE_LIMIT_SWIPES_PER_DAY", 1000, 1, 1_000_000_000)?,
                    window: 24 * hour,
                },
            },
            max_body_bytes: src.ranged("MAX_BODY_BYTES", 64 * 1024, 1024, 16 * 1024 * 1024)?
                as usize,
            log_format,
            feed_ttl: Duration::from_secs(src.ranged("FEED_CACHE_TTL_SECONDS", 300, 0, 86_400)?),
            candidate_page_ttl: Duration::from_secs(src.ranged(
                "CANDIDATE_PAGE_TTL_SECONDS",
                30,
                0,
                3_600,
            )?),
            report_gather: Duration::from_millis(src.ranged("REPORT_GATHER_MS", 10, 0, 1_000)?),
            body_timeout: Duration::from_secs(src.ranged(
                "REQUEST_BODY_TIMEOUT_SECONDS",
                10,
                1,
                300,
            )?),
            cache_timeout: Duration::from_millis(src.ranged("CACHE_TIMEOUT_MS", 100, 5, 10_000)?),
            cache_memory_bytes: src.ranged("CACHE_MEMORY_MB", 256, 1, 1 << 20)? << 20,
            password_queue: src.ranged("PASSWORD_QUEUE_MAX", 64, 1, 100_000)? as usize,
        })
    }
}

/// In development a missing `JWT_SECRET` is created once under `./var/`, so that tokens survive
/// restarts; the log warns because such a secret must never reach production.
fn development_secret(path: &Path) -> std::io::Result<Secret> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(Secret::new(existing));
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let secret = crate::auth::tokens::random_token();
    std::fs::write(path, &secret)?;
    tracing::warn!(path = %path.display(), "JWT_SECRET is not set: created a development secret");
    Ok(Secret::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([("JWT_SECRET".to_owned(), "x".repeat(40))])
            .collect();
        Settings::from_source(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost_8080() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.port, 8080);
        assert_eq!(s.host.to_string(), "127.0.0.1");
        assert!(s.database_url.expose().starts_with("sqlite://"));
        assert!(s.redis_url.is_none());
        assert!(matches!(s.mail, MailSettings::Files(_)));
    }

    #[test]
    fn malformed_port_names_the_setting() {
        let e = settings(&[("PORT", "eighty")]).unwrap_err();
        assert_eq!(e.name, "PORT");
        assert!(e.to_string().contains("PORT"));
    }

    #[test]
    fn production_requires_a_jwt_secret() {
        let e = Settings::from_source(|k| (k == "APP_ENV").then(|| "production".to_owned()))
            .unwrap_err();
        assert_eq!(e.name, "JWT_SECRET");
    }

    #[test]
    fn every_number_has_a_range_named_in_one_line() {
        // A huge TTL used to overflow `now + ttl` in the first login instead of at start-up.
        for (name, value) in [
            ("REFRESH_TOKEN_TTL_DAYS", "18446744073709551615"),
            ("REFRESH_TOKEN_TTL_DAYS", "100000000000000"),
            ("ACCESS_TOKEN_TTL_SECONDS", "99999999999"),
            ("ACCESS_TOKEN_TTL_SECONDS", "31536001"),
            ("EMAIL_TOKEN_TTL_MINUTES", "0"),
            ("FEED_CACHE_TTL_SECONDS", "9999999999"),
            ("DATABASE_POOL_SIZE", "100000"),
            ("ARGON2_MEMORY_KIB", "99999999999"),
            ("DATABASE_WAIT_MS", "0"),
            ("REQUEST_BODY_TIMEOUT_SECONDS", "100000"),
        ] {
            let e = settings(&[(name, value)]).unwrap_err();
            assert_eq!(e.name, name);
            let line = e.to_string();
            assert!(line.contains("from") && !line.contains('\n'), "{line}");
        }
        assert!(settings(&[("REFRESH_TOKEN_TTL_DAYS", "366")]).is_ok());
    }

    #[test]
    fn unknown_database_scheme_is_refused() {
        let e = settings(&[("DATABASE_URL", "mysql://localhost/db")]).unwrap_err();
        assert_eq!(e.name, "DATABASE_URL");
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let s = settings(&[("DATABASE_URL", "postgres://u:hunter2@localhost/db")]).unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
