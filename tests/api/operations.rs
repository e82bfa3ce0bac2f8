//! Health checks, the docs, and behaviour when the cache is down.

use reqwest::StatusCode;
use serde_json::json;

use crate::api_test;
use crate::helpers::*;

api_test!(
    async fn health_reports_live_and_ready(app) {
        let live = expect_json(app.get("/health/live", None).await, StatusCode::OK).await;
        assert_eq!(live["status"], "ok");
        let ready = expect_json(app.get("/health/ready", None).await, StatusCode::OK).await;
        assert_eq!(ready["status"], "ready");
        assert_eq!(ready["database"]["ok"], true);
        assert_eq!(ready["cache"]["ok"], true);
        assert_eq!(ready["database"]["kind"], app.expected.0);
        assert_eq!(ready["cache"]["kind"], app.expected.1);
    }
);

api_test!(
    async fn docs_and_the_contract_are_served(app) {
        let res = app.get("/docs/", None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("Swagger UI"));
        let doc = expect_json(app.get("/openapi.json", None).await, StatusCode::OK).await;
        assert_eq!(doc["info"]["title"], "werkmatch API");
    }
);

/// With Redis unreachable, every cache operation is a miss: requests still succeed.
#[actix_web::test]
async fn the_api_works_while_redis_is_down() {
    let app = TestApp::sqlite(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    assert_eq!(app.state.cache.kind(), "redis");
    let t = app.register_youth("offline@voorbeeld.nl").await;
    expect_json(
        app.get("/v1/me", t["access_token"].as_str()).await,
        StatusCode::OK,
    )
    .await;
    let login = expect_json(
        app.login("offline@voorbeeld.nl", PASSWORD).await,
        StatusCode::OK,
    )
    .await;
    let res = app
        .post(
            "/v1/auth/logout",
            &json!({"refresh_token": login["refresh_token"]}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let ready = expect_json(app.get("/health/ready", None).await, StatusCode::OK).await;
    assert_eq!(ready["cache"]["ok"], false);
}

/// The background worker (not the test's manual drain) delivers queued mail.
#[actix_web::test]
async fn the_outbox_worker_sends_queued_mail() {
    let app = TestApp::sqlite(&[]).await;
    let state = app.state.clone();
    let worker = tokio::spawn(werkmatch::notifications::run_worker(
        state.db.clone(),
        state.mailer.clone(),
        state.settings.mail_from.clone(),
        app.clock.clone(),
        std::time::Duration::from_millis(20),
        state.settings.outbox_lease,
        Default::default(),
    ));
    app.register_youth("worker@voorbeeld.nl").await;
    let mut delivered = false;
    for _ in 0..250 {
        if !app.mails_to("worker@voorbeeld.nl").is_empty() {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    worker.abort();
    assert!(
        delivered,
        "the worker did not deliver the confirmation mail"
    );
    assert_eq!(app.mails_to("worker@voorbeeld.nl").len(), 1);
}

api_test!(
    async fn seed_demo_is_reproducible_and_gives_a_working_login(app) {
        use werkmatch::demo::{DEMO_PASSWORD, Options, seed};
        let hash = app.state.passwords.hash(DEMO_PASSWORD.to_owned()).await.unwrap();
        let now = app.clock.now_naive();
        let run = |hash: String| {
            app.state.db.run(move |conn| {
                Ok(seed(conn, Options { youth: 300, vacancies: 200, seed: 42 }, &hash, now, &mut |_, _, _| {})?)
            })
        };
        let first = run(hash.clone()).await.unwrap();
        assert_eq!((first.youth, first.organisations, first.vacancies), (300, 25, 200));
        let again = run(hash).await.unwrap();
        assert_eq!((again.youth, again.organisations, again.vacancies), (0, 0, 0), "same seed, nothing new");
        // The printed logins work, and a demo youth has a complete profile and a feed.
        let login = expect_json(app.login(&first.youth_login, DEMO_PASSWORD).await, StatusCode::OK).await;
        let token = login["access_token"].as_str().unwrap();
        let profile = expect_json(app.get("/v1/me/profile", Some(token)).await, StatusCode::OK).await;
        assert_eq!(profile["complete"], true, "{profile}");
        // The printed youth is active, so the login a newcomer tries shows a feed.
        expect_json(app.get("/v1/me/feed", Some(token)).await, StatusCode::OK).await;
        expect_json(app.login(&first.employer_login, DEMO_PASSWORD).await, StatusCode::OK).await;
    }
);

/// Sends a request head over a raw connection and reads what comes back within `wait`.
async fn raw_exchange(port: u16, head: &str, wait: std::time::Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // Reads to the end: the server must close the connection, not only answer.
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

api_test!(
    settings [("REQUEST_BODY_TIMEOUT_SECONDS", "1")]
    async fn a_body_that_never_arrives_is_cut_off_and_the_server_stays_live(app) {
        let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
        let head = "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":";
        // Many such connections at once (each used to be held forever) ...
        let stalled: Vec<_> = (0..50)
            .map(|_| tokio::spawn(raw_exchange(port, head, std::time::Duration::from_secs(5))))
            .collect();
        let started = std::time::Instant::now();
        for answer in stalled {
            let answer = answer.await.unwrap();
            assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
            assert!(answer.contains("application/problem+json") && answer.contains("request_timeout"), "{answer}");
        }
        // ... are answered 408 and closed after the deadline, not held until the client gives up.
        assert!(started.elapsed() < std::time::Duration::from_secs(4), "{:?}", started.elapsed());
        let live = expect_json(app.get("/health/live", None).await, StatusCode::OK).await;
        assert_eq!(live["status"], "ok");
    }
);

api_test!(
    async fn every_error_is_a_problem_and_every_answer_carries_the_safety_headers(app) {
        // A file the docs do not have was a 404 with an empty body.
        let res = app.get("/docs/nope.js", None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(res.headers().contains_key("x-request-id"));
        let problem = expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
        assert!(problem["request_id"].is_string());

        let docs = app.get("/docs/", None).await;
        assert_eq!(docs.headers()["x-frame-options"], "DENY");
        assert!(docs.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert_eq!(docs.headers()["x-content-type-options"], "nosniff");

        // Token answers and the account may not be kept by any cache (RFC 6749 §5.1).
        let registered = app
            .client
            .post(app.url("/v1/auth/register/youth"))
            .json(&json!({"email": "nostore@voorbeeld.nl", "password": PASSWORD, "first_name": "Sam"}))
            .send()
            .await
            .unwrap();
        assert_eq!(registered.headers()["cache-control"], "no-store");
        assert_eq!(registered.headers()["x-content-type-options"], "nosniff");
        let login = app.login("nostore@voorbeeld.nl", PASSWORD).await;
        assert_eq!(login.headers()["cache-control"], "no-store");
        let token = expect_json(login, StatusCode::OK).await["access_token"].as_str().unwrap().to_owned();
        let me = app.get("/v1/me", Some(&token)).await;
        assert_eq!(me.headers()["cache-control"], "no-store");
        // The public catalogue keeps its own caching rule.
        let catalogue = app.get("/v1/competences", None).await;
        assert_ne!(catalogue.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
    }
);

/// `seed-demo` makes accounts with a published password: never in production.
#[test]
fn seed_demo_refuses_to_run_in_production() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("prod.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_werkmatch"))
        .args(["seed-demo", "--youth", "1", "--vacancies", "1"])
        .current_dir(dir.path())
        .env_clear()
        .env("APP_ENV", "production")
        .env("JWT_SECRET", "production-secret-production-secret-0123")
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("refuses") && said.lines().count() == 1,
        "{said}"
    );
    assert!(!db.exists(), "nothing was written");
}
