//! `TestApp`: the real application on port 0 with its own database (a SQLite file, or a
//! PostgreSQL schema), its own cache key prefix, a manual clock and an in-memory mailbox.

use std::collections::HashMap;

use actix_web::web::Data;
use chrono::TimeDelta;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use werkmatch::clock::Clock;
use werkmatch::config::{MailSettings, Settings};
use werkmatch::notifications::{Outbox, SentMail};
use werkmatch::startup::Application;
use werkmatch::state::AppState;

pub const PASSWORD: &str = "correct horse battery";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// Runs one test body on SQLite + in-process cache, and (as a second test) on PostgreSQL +
/// Redis when `TEST_DATABASE_URL` (and `TEST_REDIS_URL`) are set.
#[macro_export]
macro_rules! api_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $crate::api_test!(settings [] $(#[$meta])* async fn $name($app) $body);
    };
    (settings [$(($k:literal, $v:literal)),* $(,)?] $(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: $crate::helpers::TestApp) $body

            #[actix_web::test]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::sqlite(&[$(($k, $v)),*]).await;
                let server = app.server.clone();
                body(app).await;
                server.stop(false).await;
            }

            #[actix_web::test]
            async fn postgres() {
                match $crate::helpers::TestApp::postgres(&[$(($k, $v)),*]).await {
                    Some(app) => {
                        let server = app.server.clone();
                        body(app).await;
                        server.stop(false).await;
                    }
                    None => eprintln!("postgres variant not run: TEST_DATABASE_URL is not set"),
                }
            }
        }
    };
}

pub struct TestApp {
    /// Stopped at the end of each test (see `api_test!`): its workers, and with them the
    /// test's connection pool, are gone before the next test or the process's exit.
    pub server: actix_web::dev::ServerHandle,
    pub address: String,
    /// Every request goes through [`Client`], so every answer is checked against the contract.
    pub client: Client,
    pub state: Data<AppState>,
    pub clock: Clock,
    /// The backend and cache this test asked for, to check the app really uses them.
    pub expected: (&'static str, &'static str),
    _sqlite_dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

fn unique() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

impl TestApp {
    /// SQLite in a temporary folder, in-process cache.
    pub async fn sqlite(extra: &[(&str, &str)]) -> TestApp {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("temp dir: {e}"),
        };
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self::spawn(url, None, extra, Some(dir), None).await
    }

    /// PostgreSQL (a fresh schema per test) and Redis (a fresh key prefix), if configured.
    pub async fn postgres(extra: &[(&str, &str)]) -> Option<TestApp> {
        let base = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())?;
        let redis = std::env::var("TEST_REDIS_URL")
            .ok()
            .filter(|s| !s.is_empty());
        // TLS as the server of TEST_DATABASE_URL offers it (libpq's default `prefer`). It was
        // switched off here once, after a crash at exit: libpq's OpenSSL state torn down while
        // pools of finished tests were still alive in other threads. Each test now stops its
        // server (and so its pool) before it ends; see `api_test!`.
        let schema = format!("t_{}", unique());
        let (b, s) = (base.clone(), schema.clone());
        run_pg(&b, &format!("CREATE SCHEMA {s}")).await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        Some(Self::spawn(url, redis, extra, None, Some((base, schema))).await)
    }

    async fn spawn(
        database_url: String,
        redis_url: Option<String>,
        extra: &[(&str, &str)],
        sqlite_dir: Option<tempfile::TempDir>,
        pg_schema: Option<(String, String)>,
    ) -> TestApp {
        let prefix = format!("test:{}:", unique());
        let mut vars: HashMap<String, String> = [
            ("APP_ENV", "test"),
            ("PORT", "0"),
            ("WORKERS", "1"),
            ("DATABASE_POOL_SIZE", "8"),
            ("JWT_SECRET", JWT_SECRET),
            ("ARGON2_MEMORY_KIB", "64"),
            ("ARGON2_ITERATIONS", "1"),
            ("PUBLIC_BASE_URL", "https://app.werkmatch.test"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        vars.insert("DATABASE_URL".into(), database_url);
        vars.insert("CACHE_PREFIX".into(), prefix);
        if let Some(r) = redis_url {
            vars.insert("REDIS_URL".into(), r);
        }
        for (k, v) in extra {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let mut settings = match Settings::from_source(|k| vars.get(k).cloned()) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        settings.mail = MailSettings::Memory;
        // Tests deliver mail explicitly with `deliver_mail`, so what was sent is deterministic.
        settings.outbox_worker = false;
        let clock = Clock::manual();
        let app = match Application::build_with_clock(settings, clock.clone()).await {
            Ok(a) => a,
            Err(e) => panic!("app did not start: {e}"),
        };
        let expected = (
            if pg_schema.is_some() {
                "postgres"
            } else {
                "sqlite"
            },
            if vars.contains_key("REDIS_URL") {
                "redis"
            } else {
                "memory"
            },
        );
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        let server = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            server,
            address,
            client: Client(reqwest::Client::new()),
            state,
            clock,
            expected,
            _sqlite_dir: sqlite_dir,
            pg_schema,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        send(req).await
    }

    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        send(req).await
    }

    /// Registers a youth and returns the response body (account + tokens).
    pub async fn register_youth(&self, email: &str) -> Value {
        let res = self
            .post(
                "/v1/auth/register/youth",
                &json!({"email": email, "password": PASSWORD, "first_name": "Sanne"}),
                None,
            )
            .await;
        expect_json(res, StatusCode::CREATED).await
    }

    /// Every item of a list, following `next_cursor` page by page (`path` may carry a query).
    pub async fn all_pages(&self, path: &str, token: Option<&str>) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &cursor {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_owned(),
            };
            let page = expect_json(self.get(&url, token).await, StatusCode::OK).await;
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
        panic!("{path}: more than 1000 pages")
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/v1/auth/login",
            &json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    /// Sends everything the outbox holds through the memory transport (the worker sends in
    /// batches; this drains until a pass finds nothing due).
    pub async fn deliver_mail(&self) -> usize {
        let s = &self.state;
        let mut total = 0;
        loop {
            match Outbox::drain_once(
                &s.db,
                &s.mailer,
                &s.settings.mail_from,
                &self.clock,
                s.settings.outbox_lease,
            )
            .await
            {
                Ok(0) => return total,
                Ok(n) => total += n,
                Err(e) => panic!("outbox: {e}"),
            }
        }
    }

    /// Every message delivered to `to` so far.
    pub fn mails_to(&self, to: &str) -> Vec<SentMail> {
        self.state
            .mailer
            .sent()
            .into_iter()
            .filter(|m| m.to == to)
            .collect()
    }

    /// The token in the link of the last mail to `to` whose subject contains `subject`.
    pub async fn token_from_mail(&self, to: &str, subject: &str) -> String {
        self.deliver_mail().await;
        let mail = self
            .mails_to(to)
            .into_iter()
            .rev()
            .find(|m| m.subject.contains(subject));
        let Some(mail) = mail else {
            panic!("no mail to {to} about {subject:?}")
        };
        let Some(start) = mail.text.find("token=") else {
            panic!("no link in {:?}", mail.text)
        };
        mail.text[start + 6..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    pub fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
    }

    /// Runs SQL on the test's database, as another instance (or an operator) would write it:
    /// this process's caches are not told. Answers the rows it touched.
    pub async fn execute(&self, sql: impl Into<String>) -> usize {
        let sql = sql.into();
        self.state
            .db
            .run(move |conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query(sql).execute(conn)?)
            })
            .await
            .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((base, schema)) = self.pg_schema.take() {
            // Drop on a plain thread: Drop cannot await, and the runtime must not block.
            let _ = std::thread::spawn(move || {
                use diesel::{Connection, PgConnection, connection::SimpleConnection};
                if let Ok(mut c) = PgConnection::establish(&base) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            })
            .join();
        }
    }
}

async fn run_pg(url: &str, sql: &str) {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    let result = tokio::task::spawn_blocking(move || {
        use diesel::{Connection, PgConnection, connection::SimpleConnection};
        let mut c = PgConnection::establish(&url).map_err(|e| e.to_string())?;
        c.batch_execute(&sql).map_err(|e| e.to_string())
    })
    .await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("postgres: {e}"),
        Err(e) => panic!("postgres task: {e}"),
    }
}

pub async fn send(req: Req) -> Response {
    match req.send().await {
        Ok(r) => r,
        Err(e) => panic!("request failed: {e}"),
    }
}

/// An HTTP client whose every answer is checked against the contract
/// ([`crate::conformance`]): a test cannot receive an undeclared answer without failing.
#[derive(Clone)]
pub struct Client(reqwest::Client);

impl Client {
    pub fn request(&self, method: reqwest::Method, url: impl reqwest::IntoUrl) -> Req {
        Req(self.0.request(method, url))
    }
    pub fn get(&self, url: impl reqwest::IntoUrl) -> Req {
        Req(self.0.get(url))
    }
    pub fn post(&self, url: impl reqwest::IntoUrl) -> Req {
        Req(self.0.post(url))
    }
    pub fn put(&self, url: impl reqwest::IntoUrl) -> Req {
        Req(self.0.put(url))
    }
    pub fn patch(&self, url: impl reqwest::IntoUrl) -> Req {
        Req(self.0.patch(url))
    }
    pub fn delete(&self, url: impl reqwest::IntoUrl) -> Req {
        Req(self.0.delete(url))
    }
}

/// A request being built; [`Req::send`] checks the answer.
pub struct Req(reqwest::RequestBuilder);

impl Req {
    pub fn header(self, name: &str, value: &str) -> Req {
        Req(self.0.header(name, value))
    }
    pub fn bearer_auth(self, token: impl std::fmt::Display) -> Req {
        Req(self.0.bearer_auth(token))
    }
    pub fn json(self, body: &impl serde::Serialize) -> Req {
        Req(self.0.json(body))
    }
    pub fn body(self, body: impl Into<reqwest::Body>) -> Req {
        Req(self.0.body(body))
    }

    /// Sends the request and checks the answer against the contract (panics on a mismatch,
    /// naming the operation, the status and what does not fit).
    pub async fn send(self) -> reqwest::Result<Response> {
        let (client, request) = self.0.build_split();
        let request = request?;
        let method = request.method().as_str().to_owned();
        let path = request.url().path().to_owned();
        let response = client.execute(request).await?;
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        let answer = crate::conformance::Answer {
            status: status.as_u16(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        v.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            body: &body,
        };
        if let Err(e) = crate::conformance::CONTRACT.check(&method, &path, &answer) {
            panic!("contract: {e}");
        }
        let mut rebuilt = http::Response::builder().status(status).version(version);
        for (k, v) in &headers {
            rebuilt = rebuilt.header(k, v);
        }
        Ok(Response::from(
            rebuilt
                .body(body)
                .expect("a response rebuilt from its parts"),
        ))
    }
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(res: Response, status: StatusCode) -> Value {
    let got = res.status();
    let body = res.text().await.unwrap_or_default();
    assert_eq!(got, status, "unexpected status; body: {body}");
    match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => panic!("not JSON ({e}): {body}"),
    }
}

/// Asserts an RFC 9457 problem with this status and code; returns it.
pub async fn expect_problem(res: Response, status: StatusCode, code: &str) -> Value {
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = expect_json(res, status).await;
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["type"], format!("urn:werkmatch:problem:{code}"));
    assert!(body["title"].is_string() && body["detail"].is_string());
    assert_eq!(
        body["request_id"], request_id,
        "request id in body and header differ"
    );
    body
}
