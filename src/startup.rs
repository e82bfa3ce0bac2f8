//! Building and running the application. `main` and the tests both start the real app
//! through [`Application::build`], so tests exercise exactly what production runs.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::web::{self, Data};
use actix_web::{App, HttpRequest, HttpServer};
use tokio::task::JoinHandle;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::password::Passwords;
use crate::auth::tokens::JwtKeys;
use crate::cache::Cache;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{Db, DbSetupError};
use crate::error::{self, ApiError, ProblemCode};
use crate::notifications::{Mailer, run_worker};
use crate::openapi::{self, RouteTable};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] DbSetupError),
    #[error("REDIS_URL: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("mail: {0}")]
    Mail(String),
    #[error("passwords: {0}")]
    Passwords(String),
    #[error("could not listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("JWT_SECRET: {0}")]
    Jwt(String),
    #[error("{0}")]
    Blocking(String),
}

/// Opens the database (and runs pending migrations) off the async threads.
pub async fn open_database(settings: &Settings, migrate: bool) -> Result<Db, StartupError> {
    let url = settings.database_url.expose().to_owned();
    let size = settings.database_pool_size;
    let wait = settings.database_wait;
    let db = tokio::task::spawn_blocking(move || -> Result<Db, DbSetupError> {
        let db = Db::connect(&url, size, wait)?;
        if migrate {
            let applied = db.migrate()?;
            if applied > 0 {
                tracing::info!(applied, backend = db.backend(), "migrations applied");
            }
        }
        Ok(db)
    })
    .await
    .map_err(|e| StartupError::Blocking(e.to_string()))??;
    Ok(db)
}

/// Builds the shared state from settings.
pub async fn build_state(settings: Settings, clock: Clock) -> Result<AppState, StartupError> {
    let db = open_database(&settings, true).await?;
    let cache = match &settings.redis_url {
        Some(url) => Cache::redis(url.expose(), &settings.cache_prefix, settings.cache_timeout)?,
        None => Cache::memory(&settings.cache_prefix, settings.cache_memory_bytes),
    };
    let mailer =
        Mailer::from_settings(&settings.mail, settings.outbox_lease).map_err(StartupError::Mail)?;
    let passwords = Passwords::new(settings.password_cost, settings.password_queue)
        .map_err(StartupError::Passwords)?;
    let vacancy_index = Arc::new(crate::matching::index::VacancyIndex::default());
    let open = vacancy_index
        .reload(&db)
        .await
        .map_err(|e| StartupError::Blocking(e.to_string()))?;
    tracing::info!(open, "vacancy index loaded");
    Ok(AppState {
        vacancy_index,
        swipes: Arc::new(crate::matching::batch::SwipeWriter::new(db.clone())),
        audit: Arc::new(crate::audit::AuditWriter::new(db.clone())),
        caseload_flights: Arc::default(),
        everyone_reports: Arc::new(crate::outcomes::gather::Gather::new(settings.report_gather)),
        candidate_pages: Arc::new(crate::matching::feed::checked::CandidatePages::new(
            settings.candidate_page_ttl.min(settings.feed_ttl),
        )),
        card_views: Arc::new(crate::audit::counter::CardViews::new(db.clone())),
        cards: Arc::new(crate::matching::cards::CardCache::new(
            20_000,
            std::time::Duration::from_secs(30),
        )),
        candidate_ids: Arc::new(crate::matching::candidate_id::CandidateIds::new(
            settings.jwt_secret.expose(),
        )),
        tokens: Arc::new(JwtKeys::new(&settings).map_err(|e| StartupError::Jwt(e.to_string()))?),
        settings: Arc::new(settings),
        db,
        cache,
        clock,
        passwords,
        mailer,
    })
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: Data<AppState>,
}

impl Application {
    /// Builds everything and binds the port (port 0 picks a free one, as tests do).
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        Self::build_with_clock(settings, Clock::System).await
    }

    pub async fn build_with_clock(
        settings: Settings,
        clock: Clock,
    ) -> Result<Application, StartupError> {
        let addr = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&addr).map_err(|source| StartupError::Listen {
            addr: addr.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Listen { addr, source })?
            .port();
        let workers = settings.workers;
        let state = Data::new(build_state(settings, clock).await?);
        let server = server(state.clone(), listener, workers)?;
        tracing::info!(
            port,
            database = state.db.backend(),
            cache = state.cache.kind(),
            mail = state.mailer.kind(),
            "werkmatch listening"
        );
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> Data<AppState> {
        self.state.clone()
    }

    /// Stops the server from elsewhere (tests stop theirs before the process exits).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (graceful: in-flight requests finish), running the outbox
    /// worker beside the server when configured.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let worker: Option<JoinHandle<()>> = self.state.settings.outbox_worker.then(|| {
            let s = &self.state;
            tokio::spawn(run_worker(
                s.db.clone(),
                s.mailer.clone(),
                s.settings.mail_from.clone(),
                s.clock.clone(),
                s.settings.outbox_poll_interval,
                s.settings.outbox_lease,
                stopping.clone(),
            ))
        });
        let maintenance = self
            .state
            .settings
            .outbox_worker
            .then(|| tokio::spawn(maintenance(self.state.clone())));
        let index = self
            .state
            .settings
            .outbox_worker
            .then(|| tokio::spawn(keep_index(self.state.clone())));
        let result = self.server.await;
        // Requests are done (in-flight ones finished, their swipe batches committed). The mail
        // worker finishes the message in hand, so none is sent without being marked sent.
        stopping.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(worker) = worker {
            let most =
                crate::notifications::transport::send_timeout(self.state.settings.outbox_lease)
                    + std::time::Duration::from_secs(2);
            let abort = worker.abort_handle();
            if tokio::time::timeout(most, worker).await.is_err() {
                abort.abort();
            }
        }
        for task in [maintenance, index].into_iter().flatten() {
            task.abort();
        }
        tracing::info!("werkmatch stopped");
        result
    }
}

/// Keeps the vacancy index in step with writes by other instances: changed rows every few
/// seconds, a full reload (which also drops deleted rows) every ten minutes. Deleting an open
/// vacancy is rare, and until the reload its entry only costs a missing card (a swipe on it
/// is refused by the database).
async fn keep_index(state: Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    loop {
        tick.tick().await;
        n += 1;
        let result = if n.is_multiple_of(200) {
            state.vacancy_index.reload(&state.db).await
        } else {
            state.vacancy_index.catch_up(&state.db).await
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "vacancy index refresh failed");
        }
    }
}

/// Periodic jobs that do not belong to a request: vacancy and consent expiry reminders, the
/// coaches' Monday mail. Safe to run on several instances at once (each mail is claimed with a
/// conditional update).
async fn maintenance(state: Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match crate::employers::service::send_expiry_reminders(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(vacancies = n, "expiry reminders queued"),
            Err(e) => tracing::warn!(error = %e, "expiry reminders failed"),
        }
        match crate::caseloads::jobs::send_consent_reminders(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(consents = n, "consent reminders queued"),
            Err(e) => tracing::warn!(error = %e, "consent reminders failed"),
        }
        match crate::caseloads::jobs::send_weekly_digests(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(coaches = n, "Monday mails queued"),
            Err(e) => tracing::warn!(error = %e, "Monday mails failed"),
        }
        let now = state.clock.now_naive();
        match state
            .db
            .run(move |conn| Ok(crate::retention::prune(conn, now)?))
            .await
        {
            Ok(p) if p == Default::default() => {}
            Ok(p) => tracing::info!(?p, "pruned what can no longer be used"),
            Err(e) => tracing::warn!(error = %e, "pruning failed"),
        }
    }
}

fn server(
    state: Data<AppState>,
    listener: TcpListener,
    workers: usize,
) -> Result<Server, StartupError> {
    let doc = openapi::document();
    let routes = Data::new(openapi::route_table(&doc));
    let max_body = state.settings.max_body_bytes;
    let server = HttpServer::new(move || {
        let app = App::new()
            .into_utoipa_app()
            .app_data(state.clone())
            .app_data(routes.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(error::json_error),
            )
            .app_data(web::PayloadConfig::default().limit(max_body))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .app_data(web::PathConfig::default().error_handler(error::path_error));
        openapi::register_routes(app)
            .into_app()
            .service(web::redirect("/docs", "/docs/"))
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .external_url_unchecked("/openapi.json", doc.clone())
                    .config(utoipa_swagger_ui::Config::default().validator_url("none")),
            )
            .default_service(web::to(unmatched))
            // Only in the chain while something is deprecated (it looks up each request's route).
            .wrap(Condition::new(
                !crate::deprecation::DEPRECATED.is_empty(),
                from_fn(crate::deprecation::headers),
            ))
            .wrap(from_fn(crate::edge::edge))
            .wrap(from_fn(crate::telemetry::request_id))
    })
    .workers(workers)
    .shutdown_timeout(20)
    .listen(listener)
    .map_err(|source| StartupError::Listen {
        addr: "listener".into(),
        source,
    })?
    .run();
    Ok(server)
}

/// No route matched: 405 with `Allow` when the path exists with other methods, else 404.
async fn unmatched(
    req: HttpRequest,
    routes: Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match routes.allowed(req.path()) {
        Some(allow) => ApiError::method_not_allowed(allow),
        None => ApiError::new(ProblemCode::NotFound, "There is nothing at this address."),
    })
}
