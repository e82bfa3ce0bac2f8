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
