//! The intermediary portal: intermediary organisations, consent per scope, acting on a youth's
//! behalf with a delegated token, revocation that fails closed, the caseload and the youth's log.

use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::*;

async fn token_of(res: reqwest::Response, status: StatusCode) -> String {
    expect_json(res, status).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn req(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = app.client.request(method, app.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    send(r).await
}

pub(crate) async fn admin(app: &TestApp) -> String {
    werkmatch::auth::service::create_user(
        &app.state,
        "admin@werkmatch.nl",
        werkmatch::auth::model::Role::Admin,
        "Beheer",
        PASSWORD,
        werkmatch::auth::model::Language::Nl,
    )
    .await
    .unwrap();
    token_of(
        app.login("admin@werkmatch.nl", PASSWORD).await,
        StatusCode::OK,
    )
    .await
}

/// Registers through the invitation mailed to `email`.
pub(crate) async fn join(app: &TestApp, email: &str, name: &str) -> Value {
    let token = app.token_from_mail(email, "").await;
    expect_json(
        app.post(
            "/v1/auth/register/invited",
            &json!({"token": token, "password": PASSWORD, "contact_name": name}),
            None,
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

pub(crate) struct Org {
    pub(crate) id: String,
    pub(crate) coordinator: String,
    pub(crate) coach: String,
    pub(crate) coach_id: String,
    pub(crate) colleague: String,
    pub(crate) colleague_id: String,
}

/// An intermediary organisation with a coordinator, a coach and a colleague.
pub(crate) async fn organisation(app: &TestApp, admin: &str, kind: &str, tag: &str) -> Org {
    let org = expect_json(
        app.post(
            "/v1/admin/organisations",
            &json!({"name": format!("Team {tag}"), "kind": kind, "city": "Zwolle",
                    "coordinator_email": format!("coordinator.{tag}@org.nl")}),
            Some(admin),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(org["kind"], kind);
    let id = org["id"].as_str().unwrap().to_owned();
    let coordinator = join(
        app,
        &format!("coordinator.{tag}@org.nl"),
        "Cora Coördinator",
    )
    .await;
    assert_eq!(coordinator["account"]["role"], "intermediary");
    let coordinator = coordinator["access_token"].as_str().unwrap().to_owned();
    let mut coaches = Vec::new();
    for name in ["coach", "colleague"] {
        let email = format!("{name}.{tag}@org.nl");
        let res = app
            .post(
                &format!("/v1/organisations/{id}/invitations"),
                &json!({"email": email}),
                Some(&coordinator),
            )
            .await;
        assert!(res.status().is_success(), "{}", res.status());
        let s = join(app, &email, name).await;
        coaches.push((
            s["access_token"].as_str().unwrap().to_owned(),
            s["account"]["id"].as_str().unwrap().to_owned(),
        ));
    }
    let (colleague, colleague_id) = coaches.pop().unwrap();
    let (coach, coach_id) = coaches.pop().unwrap();
    Org {
        id,
        coordinator,
        coach,
        coach_id,
        colleague,
        colleague_id,
    }
}

pub(crate) struct Youth {
    pub(crate) token: String,
    pub(crate) id: String,
}

async fn youth(app: &TestApp, email: &str, birth_date: &str) -> Youth {
    let reg = app.register_youth(email).await;
    let token = reg["access_token"].as_str().unwrap().to_owned();
    expect_json(
        req(
            app,
            reqwest::Method::PATCH,
            "/v1/me/profile",
            Some(&token),
            Some(json!({"birth_date": birth_date})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    Youth {
        token,
        id: reg["account"]["id"].as_str().unwrap().to_owned(),
    }
}

/// The coach invites by code; the youth claims it and accepts `scopes`. Returns the consent id.
pub(crate) async fn consent(app: &TestApp, coach: &str, youth: &Youth, scopes: &[&str]) -> String {
    let inv = expect_json(
        app.post("/v1/caseload/invitations", &json!({}), Some(coach))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let code = inv["code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    // Typed with a dash and in lower case, as people do.
    let typed = format!("{}-{}", &code[..4], &code[4..]).to_lowercase();
    let pending = expect_json(
        app.post(
            "/v1/me/coaches",
            &json!({"code": typed}),
            Some(&youth.token),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(pending["status"], "pending");
    assert_eq!(
        pending["scopes"],
        json!([]),
        "nothing is granted by default"
    );
    let id = pending["id"].as_str().unwrap().to_owned();
    let given = expect_json(
        app.post(
            &format!("/v1/me/coaches/{id}/accept"),
            &json!({"scopes": scopes}),
            Some(&youth.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(given["status"], "active");
    id
}

async fn exchange(app: &TestApp, coach: &str, youth: &str) -> reqwest::Response {
    app.post(
        "/v1/auth/token-exchange",
        &json!({"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_id": youth}),
        Some(coach),
    )
    .await
}

pub(crate) async fn delegated(app: &TestApp, coach: &str, youth: &str) -> String {
    token_of(exchange(app, coach, youth).await, StatusCode::OK).await
}

api_test!(
    async fn a_coach_acts_for_a_youth_within_exactly_the_granted_scopes(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "uwv", "uwv").await;
        let y = youth(&app, "sanne@voorbeeld.nl", "2004-05-01").await;
        consent(&app, &org.coach, &y, &["view_profile", "view_sensitive"]).await;

        let res = expect_json(exchange(&app, &org.coach, &y.id).await, StatusCode::OK).await;
        assert_eq!(res["token_type"], "Bearer");
        assert_eq!(res["issued_token_type"], "urn:ietf:params:oauth:token-type:access_token");
        assert!(res["expires_in"].as_u64().unwrap() <= 900);
        assert_eq!(res["scope"], "view_profile view_sensitive");
        assert_eq!(res["subject_id"], y.id.as_str());
        assert_eq!(res["act"]["coach_id"], org.coach_id.as_str());
        let t = res["access_token"].as_str().unwrap().to_owned();

        // Within the scopes: the same youth routes the youth uses.
        let p = expect_json(app.get("/v1/me/profile", Some(&t)).await, StatusCode::OK).await;
        assert_eq!(p["first_name"], "Sanne");
        expect_json(app.get("/v1/me/sensitive", Some(&t)).await, StatusCode::OK).await;
        // Outside them: 403 with its own code. Seeing sensitive data is not changing it.
        let form = json!({"benefit": null, "work_limitation": true, "participation_ladder_step": 3});
        expect_problem(req(&app, reqwest::Method::PUT, "/v1/me/sensitive", Some(&t), Some(form)).await, StatusCode::FORBIDDEN, "scope_not_granted").await;
        expect_problem(req(&app, reqwest::Method::DELETE, "/v1/me/sensitive", Some(&t), None).await, StatusCode::FORBIDDEN, "scope_not_granted").await;
        let edit = req(&app, reqwest::Method::PATCH, "/v1/me/profile", Some(&t), Some(json!({"pitch": "x"}))).await;
        expect_problem(edit, StatusCode::FORBIDDEN, "scope_not_granted").await;
        expect_problem(app.get("/v1/matches", Some(&t)).await, StatusCode::FORBIDDEN, "scope_not_granted").await;
        // Never on behalf: the account, consents, the log.
        for path in ["/v1/me", "/v1/me/coaches", "/v1/me/audit", "/v1/me/card-stats"] {
            expect_problem(app.get(path, Some(&t)).await, StatusCode::FORBIDDEN, "not_on_behalf").await;
        }
        expect_problem(app.post("/v1/auth/verify-email/resend", &json!({}), Some(&t)).await, StatusCode::FORBIDDEN, "not_on_behalf").await;
        // A delegated token cannot exchange again, nor reach the coach's own routes.
        expect_problem(exchange(&app, &t, &y.id).await, StatusCode::FORBIDDEN, "not_on_behalf").await;
        expect_problem(app.get("/v1/caseload", Some(&t)).await, StatusCode::FORBIDDEN, "not_on_behalf").await;

        // Asking for more than was granted is refused; asking for less narrows the token.
        let more = app.post("/v1/auth/token-exchange", &json!({"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_id": y.id, "scope": "edit_profile"}), Some(&org.coach)).await;
        expect_problem(more, StatusCode::FORBIDDEN, "scope_not_granted").await;
        let less = token_of(app.post("/v1/auth/token-exchange", &json!({"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_id": y.id, "scope": "view_profile"}), Some(&org.coach)).await, StatusCode::OK).await;
        expect_problem(app.get("/v1/me/sensitive", Some(&less)).await, StatusCode::FORBIDDEN, "scope_not_granted").await;

        // The youth's log: every access, with organisation and kind, no staff names.
        let log = app.all_pages("/v1/me/audit", Some(&y.token)).await;
        let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
        for a in ["start_delegation", "view_profile", "view_sensitive"] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
        assert!(log.iter().all(|e| e["organisation"]["kind"] == "uwv" && e["purpose"] == "coaching"));
        // C-579/21: organisations and purposes, not staff: no account ids or names.
        assert!(log.iter().all(|e| e.get("actor_id").is_none() && e.get("request_id").is_none()));
    }
);

api_test!(
    async fn sensitive_data_is_never_offered_to_youth_work(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "youth_work", "jw").await;
        let y = youth(&app, "jw@voorbeeld.nl", "2004-05-01").await;
        let inv = expect_json(app.post("/v1/caseload/invitations", &json!({}), Some(&org.coach)).await, StatusCode::CREATED).await;
        let pending = expect_json(app.post("/v1/me/coaches", &json!({"code": inv["code"]}), Some(&y.token)).await, StatusCode::CREATED).await;
        assert_eq!(pending["organisation"]["kind"], "youth_work");
        assert!(!pending["offered_scopes"].as_array().unwrap().contains(&json!("view_sensitive")));
        let id = pending["id"].as_str().unwrap();
        let res = app.post(&format!("/v1/me/coaches/{id}/accept"), &json!({"scopes": ["view_profile", "view_sensitive"]}), Some(&y.token)).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
);

api_test!(
    async fn a_youth_under_16_cannot_consent(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "school", "school").await;
        let today = app.clock.now().date_naive();
        let fifteen = today.with_year(today.year() - 15).unwrap_or(today);
        let y = youth(&app, "jong@voorbeeld.nl", &fifteen.to_string()).await;
        let inv = expect_json(app.post("/v1/caseload/invitations", &json!({}), Some(&org.coach)).await, StatusCode::CREATED).await;
        let pending = expect_json(app.post("/v1/me/coaches", &json!({"code": inv["code"]}), Some(&y.token)).await, StatusCode::CREATED).await;
        let id = pending["id"].as_str().unwrap();
        let res = app.post(&format!("/v1/me/coaches/{id}/accept"), &json!({"scopes": ["view_profile"]}), Some(&y.token)).await;
        expect_problem(res, StatusCode::CONFLICT, "too_young_to_consent").await;
        // A used code does not open twice.
        let again = app.post("/v1/me/coaches", &json!({"code": inv["code"]}), Some(&y.token)).await;
        expect_problem(again, StatusCode::BAD_REQUEST, "invalid_invitation").await;
    }
);

api_test!(
    async fn revoking_consent_stops_a_delegated_token_at_once_even_with_the_cache_full(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "gem").await;
        let y = youth(&app, "rev@voorbeeld.nl", "2003-01-01").await;
        let id = consent(&app, &org.coach, &y, &["view_profile", "edit_profile"]).await;
        let t = delegated(&app, &org.coach, &y.id).await;
        expect_json(app.get("/v1/me/profile", Some(&t)).await, StatusCode::OK).await;

        // Narrowing holds from the next request.
        expect_json(req(&app, reqwest::Method::PATCH, &format!("/v1/me/coaches/{id}"), Some(&y.token), Some(json!({"scopes": ["view_profile"]}))).await, StatusCode::OK).await;
        let edit = req(&app, reqwest::Method::PATCH, "/v1/me/profile", Some(&t), Some(json!({"pitch": "x"}))).await;
        expect_problem(edit, StatusCode::FORBIDDEN, "scope_not_granted").await;

        let res = req(&app, reqwest::Method::DELETE, &format!("/v1/me/coaches/{id}"), Some(&y.token), None).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        expect_problem(app.get("/v1/me/profile", Some(&t)).await, StatusCode::UNAUTHORIZED, "delegation_ended").await;
        // Flood the cache so entries are evicted: the answer stays no.
        for i in 0..120_000 {
            app.state.cache.set(&format!("junk:{i}"), "x", std::time::Duration::from_secs(600)).await;
        }
        expect_problem(app.get("/v1/me/profile", Some(&t)).await, StatusCode::UNAUTHORIZED, "delegation_ended").await;
        // The in-process cache may keep a frequent key through a flood (and Redis evicts
        // nothing here): drop the revoked state outright, as an eviction would. Still no.
        let consent_id = werkmatch::db::ids::ConsentId::parse(&id).unwrap();
        app.state.cache.delete(&werkmatch::access::revocation::consent_key(&consent_id)).await;
        expect_problem(app.get("/v1/me/profile", Some(&t)).await, StatusCode::UNAUTHORIZED, "delegation_ended").await;
        expect_problem(exchange(&app, &org.coach, &y.id).await, StatusCode::NOT_FOUND, "youth_not_in_caseload").await;
        // The youth's own session still works.
        expect_json(app.get("/v1/me/profile", Some(&y.token)).await, StatusCode::OK).await;
    }
);

/// A Redis of this test's own, so stopping it disturbs no other test.
struct OwnRedis {
    child: std::process::Child,
    port: u16,
}

impl OwnRedis {
    fn start() -> Option<OwnRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        Self::on(port)
    }

    fn on(port: u16) -> Option<OwnRedis> {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(OwnRedis { child, port });
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port, empty (it keeps nothing on disk).
    fn restart_empty(&mut self) {
        if let Some(again) = OwnRedis::on(self.port) {
            *self = again;
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[actix_web::test]
async fn revocation_holds_with_redis_stopped_mid_test() {
    if std::env::var("TEST_REDIS_URL").map_or(true, |v| v.is_empty()) {
        eprintln!("not run: TEST_REDIS_URL is not set");
        return;
    }
    let Some(mut redis) = OwnRedis::start() else {
        eprintln!("not run: redis-server could not be started");
        return;
    };
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let Some(app) = TestApp::postgres(&[("REDIS_URL", url.as_str())]).await else {
        eprintln!("not run: TEST_DATABASE_URL is not set");
        return;
    };
    assert_eq!(app.state.cache.kind(), "redis");
    let admin = admin(&app).await;
    let org = organisation(&app, &admin, "uwv", "redis").await;
    let y = youth(&app, "redis@voorbeeld.nl", "2003-01-01").await;
    let id = consent(&app, &org.coach, &y, &["view_profile"]).await;
    let t = delegated(&app, &org.coach, &y.id).await;
    // The cache now holds "active" for the session and the consent.
    expect_json(app.get("/v1/me/profile", Some(&t)).await, StatusCode::OK).await;

    redis.stop();
    let res = req(
        &app,
        reqwest::Method::DELETE,
        &format!("/v1/me/coaches/{id}"),
        Some(&y.token),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // The cache cannot answer: the database does, and says no.
    expect_problem(
        app.get("/v1/me/profile", Some(&t)).await,
        StatusCode::UNAUTHORIZED,
        "delegation_ended",
    )
    .await;
    // Logging out with Redis down ends the session too.
    let login = expect_json(
        app.login("redis@voorbeeld.nl", PASSWORD).await,
        StatusCode::OK,
    )
    .await;
    let access = login["access_token"].as_str().unwrap();
    expect_json(app.get("/v1/me", Some(access)).await, StatusCode::OK).await;
    let res = app
        .post(
            "/v1/auth/logout",
            &json!({"refresh_token": login["refresh_token"]}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.get("/v1/me", Some(access)).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
    )
    .await;
    // A refresh token used twice ends its session, with Redis down too.
    let reused = expect_json(
        app.login("redis@voorbeeld.nl", PASSWORD).await,
        StatusCode::OK,
    )
    .await;
    let reused_access = reused["access_token"].as_str().unwrap().to_owned();
    expect_json(
        app.get("/v1/me", Some(&reused_access)).await,
        StatusCode::OK,
    )
    .await;
    let used = json!({"refresh_token": reused["refresh_token"]});
    expect_json(
        app.post("/v1/auth/refresh", &used, None).await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.post("/v1/auth/refresh", &used, None).await,
        StatusCode::UNAUTHORIZED,
        "refresh_token_reused",
    )
    .await;
    expect_problem(
        app.get("/v1/me", Some(&reused_access)).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
    )
    .await;
    // A password reset ends every session, with Redis down too.
    let kept = expect_json(
        app.login("redis@voorbeeld.nl", PASSWORD).await,
        StatusCode::OK,
    )
    .await;
    let kept_access = kept["access_token"].as_str().unwrap().to_owned();
    expect_json(app.get("/v1/me", Some(&kept_access)).await, StatusCode::OK).await;
    let res = app
        .post(
            "/v1/auth/password-reset",
            &json!({"email": "redis@voorbeeld.nl"}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let token = app
        .token_from_mail("redis@voorbeeld.nl", "Nieuw wachtwoord")
        .await;
    let res = app
        .post(
            "/v1/auth/password-reset/confirm",
            &json!({"token": token, "new_password": "a brand new passphrase"}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.get("/v1/me", Some(&kept_access)).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
    )
    .await;

    // Redis comes back empty: nothing ended during (or before) the outage comes back to life.
    redis.restart_empty();
    for (token, code) in [
        (t.as_str(), "delegation_ended"),
        (access, "session_revoked"),
        (reused_access.as_str(), "session_revoked"),
        (kept_access.as_str(), "session_revoked"),
    ] {
        let path = if code == "delegation_ended" {
            "/v1/me/profile"
        } else {
            "/v1/me"
        };
        expect_problem(
            app.get(path, Some(token)).await,
            StatusCode::UNAUTHORIZED,
            code,
        )
        .await;
    }
    app.server.stop(false).await;
}

api_test!(
    async fn a_deactivated_coach_is_stopped_everywhere_and_the_caseload_moves(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "agency", "ag").await;
        let y = youth(&app, "hand@voorbeeld.nl", "2002-02-02").await;
        consent(&app, &org.coach, &y, &["view_profile"]).await;
        let t = delegated(&app, &org.coach, &y.id).await;
        expect_json(app.get("/v1/me/profile", Some(&t)).await, StatusCode::OK).await;

        // Only a coordinator deactivates.
        let path = format!("/v1/organisations/{}/members/{}/deactivate", org.id, org.coach_id);
        expect_problem(app.post(&path, &json!({}), Some(&org.colleague)).await, StatusCode::FORBIDDEN, "not_a_coordinator").await;
        let res = app.post(&path, &json!({}), Some(&org.coordinator)).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        expect_problem(app.get("/v1/caseload", Some(&org.coach)).await, StatusCode::UNAUTHORIZED, "session_revoked").await;
        expect_problem(app.get("/v1/me/profile", Some(&t)).await, StatusCode::UNAUTHORIZED, "session_revoked").await;
        expect_problem(app.login("coach.ag@org.nl", PASSWORD).await, StatusCode::FORBIDDEN, "account_deactivated").await;

        // The caseload moves to the colleague with a reason; the youth is told.
        let moved = expect_json(
            app.post(&format!("/v1/organisations/{}/members/{}/transfer", org.id, org.coach_id),
                &json!({"to_coach_id": org.colleague_id, "reason": "Vertrokken"}), Some(&org.coordinator)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(moved["moved"], 1);
        let page = expect_json(app.get("/v1/caseload", Some(&org.colleague)).await, StatusCode::OK).await;
        assert_eq!(page["items"][0]["youth_id"], y.id.as_str());
        assert_eq!(page["items"][0]["coach"]["id"], org.colleague_id.as_str());
        app.deliver_mail().await;
        assert!(app.mails_to("hand@voorbeeld.nl").iter().any(|m| m.text.contains("colleague")));
        let coaches = app.all_pages("/v1/me/coaches", Some(&y.token)).await;
        assert_eq!(coaches[0]["coach_name"], "colleague");
    }
);

api_test!(
    async fn who_may_reach_a_youth_in_the_caseload(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "m1").await;
        let other = organisation(&app, &admin, "municipality", "m2").await;
        let private = youth(&app, "prive@voorbeeld.nl", "2003-03-03").await;
        let shared = youth(&app, "gedeeld@voorbeeld.nl", "2003-03-03").await;
        let stranger = youth(&app, "vreemd@voorbeeld.nl", "2003-03-03").await;
        consent(&app, &org.coach, &private, &["view_profile"]).await;
        consent(&app, &org.coach, &shared, &["view_profile", "share_with_colleagues"]).await;
        let employer = expect_json(
            app.post("/v1/auth/register/employer", &json!({"email": "baas@bedrijf.nl", "password": PASSWORD, "contact_name": "Baas", "organisation": {"name": "Bedrijf", "city": "Zwolle"}}), None).await,
            StatusCode::CREATED,
        )
        .await["access_token"].as_str().unwrap().to_owned();

        let entry = |y: &str| format!("/v1/caseload/youth/{y}");
        // (who, youth, expected status of GET /caseload/{youth}, of the token exchange)
        let cases: Vec<(&str, &str, &str, StatusCode, StatusCode)> = vec![
            ("responsible coach", &org.coach, &private.id, StatusCode::OK, StatusCode::OK),
            ("colleague, not shared", &org.colleague, &private.id, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            ("colleague, shared", &org.colleague, &shared.id, StatusCode::OK, StatusCode::OK),
            ("coordinator, not shared", &org.coordinator, &private.id, StatusCode::OK, StatusCode::NOT_FOUND),
            ("coach of another organisation", &other.coach, &private.id, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            ("coordinator of another organisation", &other.coordinator, &shared.id, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            ("coach, youth without consent", &org.coach, &stranger.id, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            ("the youth themself", &private.token, &private.id, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
            ("another youth", &stranger.token, &private.id, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
            ("employer", &employer, &private.id, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
            ("admin", &admin, &private.id, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        ];
        for (who, token, y, read, act) in cases {
            assert_eq!(app.get(&entry(y), Some(token)).await.status(), read, "{who}: caseload entry");
            assert_eq!(exchange(&app, token, y).await.status(), act, "{who}: token exchange");
        }
        assert_eq!(app.get(&entry(&private.id), None).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(exchange(&app, "", &private.id).await.status(), StatusCode::UNAUTHORIZED);

        // Caseload lists follow the same rules.
        let ids = |items: Vec<Value>| -> Vec<String> { items.iter().map(|e| e["youth_id"].as_str().unwrap().to_owned()).collect() };
        assert_eq!(ids(app.all_pages("/v1/caseload", Some(&org.coach)).await).len(), 2);
        assert_eq!(ids(app.all_pages("/v1/caseload", Some(&org.colleague)).await), vec![shared.id.clone()]);
        assert_eq!(ids(app.all_pages("/v1/caseload", Some(&org.coordinator)).await).len(), 2);
        assert!(app.all_pages("/v1/caseload", Some(&other.coach)).await.is_empty());
        expect_problem(app.get("/v1/caseload", Some(&employer)).await, StatusCode::FORBIDDEN, "wrong_role").await;

        // Audit: a coordinator reads their organisation's records, not another's; admins all.
        let records = app.all_pages(&format!("/v1/organisations/{}/audit", org.id), Some(&org.coordinator)).await;
        assert!(!records.is_empty());
        assert!(records.iter().all(|r| r["organisation"]["id"] == org.id.as_str()));
        expect_problem(app.get(&format!("/v1/organisations/{}/audit", org.id), Some(&org.coach)).await, StatusCode::FORBIDDEN, "not_a_coordinator").await;
        expect_problem(app.get(&format!("/v1/organisations/{}/audit", org.id), Some(&other.coordinator)).await, StatusCode::NOT_FOUND, "organisation_not_found").await;
        assert!(app.all_pages("/v1/admin/audit", Some(&admin)).await.len() >= records.len());
        expect_problem(app.get("/v1/admin/audit", Some(&org.coordinator)).await, StatusCode::FORBIDDEN, "wrong_role").await;
        // The youth's own log names the organisation that looked, not the colleague.
        let log = app.all_pages("/v1/me/audit", Some(&shared.token)).await;
        assert!(log.iter().any(|e| e["action"] == "view_caseload" && e["organisation"]["id"] == org.id.as_str()));
    }
);

api_test!(
    async fn notes_and_follow_ups(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "youth_work", "nf").await;
        let y = youth(&app, "nf@voorbeeld.nl", "2003-03-03").await;
        consent(&app, &org.coach, &y, &["view_profile"]).await;
        let note = expect_json(app.post(&format!("/v1/caseload/youth/{}/notes", y.id), &json!({"text": "Eerste gesprek goed."}), Some(&org.coach)).await, StatusCode::CREATED).await;
        assert_eq!(note["mine"], true);
        let seen = app.all_pages(&format!("/v1/caseload/youth/{}/notes", y.id), Some(&org.coordinator)).await;
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0]["mine"], false);
        expect_problem(app.get(&format!("/v1/caseload/youth/{}/notes", y.id), Some(&org.colleague)).await, StatusCode::NOT_FOUND, "youth_not_in_caseload").await;

        let yesterday = app.clock.now().date_naive().pred_opt().unwrap();
        let e = expect_json(req(&app, reqwest::Method::PATCH, &format!("/v1/caseload/youth/{}", y.id), Some(&org.coach), Some(json!({"follow_up_on": yesterday}))).await, StatusCode::OK).await;
        assert_eq!(e["follow_up_on"], yesterday.to_string());
        let today = app.clock.now().date_naive().to_string();
        assert!(e["last_active_at"].as_str().is_some_and(|t| t.starts_with(&today)), "signed in today: {e}");
        assert_eq!(app.all_pages("/v1/caseload/follow-ups?due=overdue", Some(&org.coach)).await.len(), 1);
        assert!(app.all_pages("/v1/caseload/follow-ups?due=this_week", Some(&org.coach)).await.is_empty());
        let quiet = app.all_pages("/v1/caseload?quiet_days=14", Some(&org.coach)).await;
        assert!(quiet.is_empty(), "the youth signed in today: {quiet:?}");
    }
);

/// Each principal of the authorization matrix, in the columns' order.
const WHO: [&str; 15] = [
    "anonymous",
    "the youth themself",
    "another youth",
    "the responsible coach",
    "a coach's delegated token with the scope",
    "a coach's delegated token without the scope",
    "a delegated token after revocation",
    "the coach, for a youth who revoked",
    "a colleague, shared with colleagues",
    "a colleague, not shared",
    "the coordinator",
    "a coach of another organisation",
    "a deactivated coach",
    "an employer",
    "an admin",
];

api_test!(
    async fn every_new_operation_answers_each_kind_of_caller_as_it_should(app) {
        let admin = admin(&app).await;
        let a = organisation(&app, &admin, "municipality", "ma").await;
        let b = organisation(&app, &admin, "uwv", "mb").await;
        let s = youth(&app, "s@voorbeeld.nl", "2003-03-03").await;
        let t = youth(&app, "t@voorbeeld.nl", "2003-03-03").await;
        let r = youth(&app, "r@voorbeeld.nl", "2003-03-03").await;
        let other = youth(&app, "other@voorbeeld.nl", "2003-03-03").await;
        let cid = consent(&app, &a.coach, &s, &["view_profile", "edit_profile", "view_matches"]).await;
        consent(&app, &a.coach, &t, &["view_profile", "share_with_colleagues"]).await;
        let rid = consent(&app, &a.coach, &r, &["view_profile"]).await;
        let with_scope = delegated(&app, &a.coach, &s.id).await;
        let without_scope = token_of(
            app.post("/v1/auth/token-exchange", &json!({"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_id": s.id, "scope": "view_profile"}), Some(&a.coach)).await,
            StatusCode::OK,
        )
        .await;
        let revoked = delegated(&app, &a.coach, &r.id).await;
        assert_eq!(req(&app, reqwest::Method::DELETE, &format!("/v1/me/coaches/{rid}"), Some(&r.token), None).await.status(), StatusCode::NO_CONTENT);
        // A spare coach to deactivate and transfer from, and one already deactivated.
        let mut spare = Vec::new();
        for name in ["spare", "gone"] {
            let email = format!("{name}.ma@org.nl");
            app.post(&format!("/v1/organisations/{}/invitations", a.id), &json!({"email": email}), Some(&a.coordinator)).await;
            let s = join(&app, &email, name).await;
            spare.push((s["access_token"].as_str().unwrap().to_owned(), s["account"]["id"].as_str().unwrap().to_owned()));
        }
        let (gone, gone_id) = spare.pop().unwrap();
        let (_, spare_id) = spare.pop().unwrap();
        let res = app.post(&format!("/v1/organisations/{}/members/{gone_id}/deactivate", a.id), &json!({}), Some(&a.coordinator)).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let employer = expect_json(
            app.post("/v1/auth/register/employer", &json!({"email": "baas@bedrijf.nl", "password": PASSWORD, "contact_name": "Baas", "organisation": {"name": "Bedrijf", "city": "Zwolle"}}), None).await,
            StatusCode::CREATED,
        )
        .await["access_token"].as_str().unwrap().to_owned();

        // (token, the youth a caseload path names for this caller)
        let callers: [(Option<&str>, &str); 15] = [
            (None, &s.id),
            (Some(&s.token), &s.id),
            (Some(&other.token), &s.id),
            (Some(&a.coach), &s.id),
            (Some(&with_scope), &s.id),
            (Some(&without_scope), &s.id),
            (Some(&revoked), &r.id),
            (Some(&a.coach), &r.id),
            (Some(&a.colleague), &t.id),
            (Some(&a.colleague), &s.id),
            (Some(&a.coordinator), &s.id),
            (Some(&b.coach), &s.id),
            (Some(&gone), &s.id),
            (Some(&employer), &s.id),
            (Some(&admin), &s.id),
        ];
        use reqwest::Method as M;
        let new_org = json!({"name": "Nieuw", "kind": "school", "city": "Ede", "coordinator_email": "c@school.nl"});
        let exchange_body = json!({"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_id": "{y}"});
        #[rustfmt::skip]
        let table: Vec<(M, String, Option<Value>, [u16; 15])> = vec![
            // anon self other coach dS  dN  dRev cRev shar unsh coord othr deact empl admin
            (M::GET, "/v1/caseload/youth/{y}".into(), None,                               [401, 403, 403, 200, 403, 403, 401, 404, 200, 404, 200, 404, 401, 403, 403]),
            (M::PATCH, "/v1/caseload/youth/{y}".into(), Some(json!({"follow_up_on": null})), [401, 403, 403, 200, 403, 403, 401, 404, 200, 404, 200, 404, 401, 403, 403]),
            (M::GET, "/v1/caseload/youth/{y}/notes".into(), None,                         [401, 403, 403, 200, 403, 403, 401, 404, 200, 404, 200, 404, 401, 403, 403]),
            (M::POST, "/v1/caseload/youth/{y}/notes".into(), Some(json!({"text": "n"})),  [401, 403, 403, 201, 403, 403, 401, 404, 201, 404, 201, 404, 401, 403, 403]),
            (M::POST, "/v1/auth/token-exchange".into(), Some(exchange_body),        [401, 403, 403, 200, 403, 403, 401, 404, 200, 404, 404, 404, 401, 403, 403]),
            (M::GET, "/v1/caseload".into(), None,                                   [401, 403, 403, 200, 403, 403, 401, 200, 200, 200, 200, 200, 401, 403, 403]),
            (M::GET, "/v1/caseload/follow-ups?due=overdue".into(), None,            [401, 403, 403, 200, 403, 403, 401, 200, 200, 200, 200, 200, 401, 403, 403]),
            (M::POST, "/v1/caseload/invitations".into(), Some(json!({})),           [401, 403, 403, 201, 403, 403, 401, 201, 201, 201, 201, 201, 401, 403, 403]),
            (M::GET, "/v1/me/coaches".into(), None,                                 [401, 200, 200, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::POST, "/v1/me/coaches".into(), Some(json!({"code": "ZZZZZZZZ"})),   [401, 400, 400, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::POST, format!("/v1/me/coaches/{cid}/accept"), Some(json!({"scopes": []})), [401, 409, 404, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::POST, format!("/v1/me/coaches/{cid}/decline"), None,                [401, 409, 404, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::PATCH, format!("/v1/me/coaches/{cid}"), Some(json!({"scopes": ["view_profile", "edit_profile", "view_matches"]})), [401, 200, 404, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::POST, format!("/v1/me/coaches/{cid}/renew"), None,                  [401, 200, 404, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::GET, format!("/v1/me/coaches/{cid}/history"), None,                 [401, 200, 404, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::GET, "/v1/me/audit".into(), None,                                   [401, 200, 200, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::GET, "/v1/me/card-stats".into(), None,                              [401, 200, 200, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::GET, format!("/v1/organisations/{}/audit", a.id), None,             [401, 403, 403, 403, 403, 403, 401, 403, 403, 403, 200, 404, 401, 403, 403]),
            (M::GET, "/v1/admin/audit".into(), None,                                [401, 403, 403, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 200]),
            (M::POST, "/v1/admin/organisations".into(), Some(new_org),              [401, 403, 403, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 201]),
            (M::POST, "/v1/caseload/youth/{y}/handovers".into(), Some(json!({"to_coach_id": a.colleague_id, "reason": "r"})),
                                                                                     [401, 403, 403, 201, 403, 403, 401, 404, 403, 404, 201, 404, 401, 403, 403]),
            (M::GET, "/v1/caseload/handovers".into(), None,                         [401, 403, 403, 200, 403, 403, 401, 200, 200, 200, 200, 200, 401, 403, 403]),
            (M::POST, format!("/v1/caseload/handovers/{}/accept", uuid::Uuid::now_v7()), None,
                                                                                     [401, 403, 403, 404, 403, 403, 401, 404, 404, 404, 404, 404, 401, 403, 403]),
            // Youth routes, where a coach's delegated token is the youth within its scopes.
            (M::GET, "/v1/me/profile".into(), None,                                 [401, 200, 200, 403, 200, 200, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::PATCH, "/v1/me/profile".into(), Some(json!({"pitch": "Hoi"})),      [401, 200, 200, 403, 200, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::GET, "/v1/me/sensitive".into(), None,                               [401, 200, 200, 403, 403, 403, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            // A coach lists the matches of one client vacancy: without `vacancy_id`, 400.
            (M::GET, "/v1/matches".into(), None,                                    [401, 200, 200, 400, 200, 403, 401, 400, 400, 400, 400, 400, 401, 200, 403]),
            (M::GET, "/v1/me/feed".into(), None,                                    [401, 409, 409, 403, 409, 409, 401, 403, 403, 403, 403, 403, 401, 403, 403]),
            (M::GET, "/v1/me".into(), None,                                         [401, 200, 200, 200, 403, 403, 401, 200, 200, 200, 200, 200, 401, 200, 200]),
            // Last, as they change who belongs where.
            (M::POST, format!("/v1/organisations/{}/members/{spare_id}/transfer", a.id), Some(json!({"to_coach_id": a.coach_id, "reason": "Test"})),
                                                                                     [401, 403, 403, 403, 403, 403, 401, 403, 403, 403, 200, 404, 401, 403, 403]),
            (M::POST, format!("/v1/organisations/{}/members/{spare_id}/deactivate", a.id), None,
                                                                                     [401, 403, 403, 403, 403, 403, 401, 403, 403, 403, 204, 404, 401, 403, 403]),
        ];
        let mut wrong = Vec::new();
        for (method, path, body, expected) in &table {
            for (i, (token, y)) in callers.iter().enumerate() {
                let path = path.replace("{y}", y);
                let body = body.as_ref().map(|b| serde_json::from_str(&b.to_string().replace("{y}", y)).unwrap());
                let got = req(&app, method.clone(), &path, *token, body).await.status().as_u16();
                if got != expected[i] {
                    wrong.push(format!("{method} {path} by {}: {got}, expected {}", WHO[i], expected[i]));
                }
            }
        }
        assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));

        // Revoking by the youth, last: the youth 204; nobody else reaches it.
        let res = req(&app, M::DELETE, &format!("/v1/me/coaches/{cid}"), Some(&other.token), None).await;
        expect_problem(res, StatusCode::NOT_FOUND, "consent_not_found").await;
        expect_problem(req(&app, M::DELETE, &format!("/v1/me/coaches/{cid}"), Some(&with_scope), None).await, StatusCode::FORBIDDEN, "not_on_behalf").await;
        expect_problem(req(&app, M::DELETE, &format!("/v1/me/coaches/{cid}"), Some(&a.coach), None).await, StatusCode::FORBIDDEN, "wrong_role").await;
        assert_eq!(req(&app, M::DELETE, &format!("/v1/me/coaches/{cid}"), Some(&s.token), None).await.status(), StatusCode::NO_CONTENT);
        expect_problem(app.get("/v1/me/profile", Some(&with_scope)).await, StatusCode::UNAUTHORIZED, "delegation_ended").await;
    }
);

api_test!(
    async fn what_a_coach_does_on_behalf_says_so_and_reading_consumes_nothing(app) {
        use crate::matching::{employer, swipe, vacancy, youth_with_profile};
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "ob").await;
        let y = youth_with_profile(&app, "ob@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let y = Youth { token: y.token, id: y.id };
        let e = employer(&app, "ob@bakkerij.nl").await;
        let v = vacancy(&app, &e, json!({})).await;
        consent(&app, &org.coach, &y, &["view_profile", "view_matches", "swipe_on_behalf", "message_on_behalf"]).await;
        let d = delegated(&app, &org.coach, &y.id).await;

        // The feed as the youth sees it; looking at it consumes nothing.
        let theirs = expect_json(app.get("/v1/me/feed", Some(&y.token)).await, StatusCode::OK).await;
        let coach_view = expect_json(app.get("/v1/me/feed", Some(&d)).await, StatusCode::OK).await;
        assert_eq!(theirs["items"], coach_view["items"]);
        assert_eq!(expect_json(app.get("/v1/me/feed", Some(&y.token)).await, StatusCode::OK).await["items"], theirs["items"]);

        // The employer sees the anonymous card (counted, not logged) and likes it.
        let cards = expect_json(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&e)).await, StatusCode::OK).await;
        let candidate = cards["items"][0]["candidate_id"].as_str().unwrap().to_owned();
        expect_json(swipe(&app, &e, &format!("/v1/vacancies/{v}/swipes/{candidate}"), "like").await, StatusCode::OK).await;
        // The coach likes for the youth: a match.
        let liked = expect_json(swipe(&app, &d, &format!("/v1/me/swipes/{v}"), "like").await, StatusCode::OK).await;
        let m = liked["match_id"].as_str().unwrap().to_owned();

        // The employer writes; the coach reads it for the youth, which marks nothing read.
        expect_json(app.post(&format!("/v1/matches/{m}/messages"), &json!({"text": "Welkom!"}), Some(&e)).await, StatusCode::CREATED).await;
        let read = expect_json(app.get(&format!("/v1/matches/{m}/messages"), Some(&d)).await, StatusCode::OK).await;
        assert_eq!(read["items"][0]["text"], "Welkom!");
        // Nor can the coach move the youth's read marker: the youth has not seen it.
        let marker = send(app.client.put(app.url(&format!("/v1/matches/{m}/read-marker"))).bearer_auth(&d).json(&json!({"up_to": read["items"][0]["id"]}))).await;
        expect_problem(marker, StatusCode::FORBIDDEN, "not_on_behalf").await;
        let seen = expect_json(app.get(&format!("/v1/matches/{m}"), Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(seen["unread_messages"], 1, "a coach reading does not mark it read");
        // The caseload shows the conversation waiting for the youth's reply.
        let entry = expect_json(app.get(&format!("/v1/caseload/youth/{}", y.id), Some(&org.coach)).await, StatusCode::OK).await;
        assert_eq!(
            (entry["matches"].clone(), entry["open_conversations"].clone(), entry["unread_messages"].clone(), entry["match_without_reply"].clone()),
            (json!(1), json!(1), json!(1), json!(true))
        );
        // This week's decisions: the like the coach made for the youth, then two passes of the
        // youth's own.
        assert_eq!((entry["likes_this_week"].clone(), entry["passes_this_week"].clone()), (json!(1), json!(0)));
        for _ in 0..2 {
            let other = vacancy(&app, &e, json!({})).await;
            expect_json(swipe(&app, &y.token, &format!("/v1/me/swipes/{other}"), "pass").await, StatusCode::OK).await;
        }
        let entry = expect_json(app.get(&format!("/v1/caseload/youth/{}", y.id), Some(&org.coach)).await, StatusCode::OK).await;
        assert_eq!((entry["likes_this_week"].clone(), entry["passes_this_week"].clone()), (json!(1), json!(2)));
        let waiting = app.all_pages("/v1/caseload?match_without_reply=true", Some(&org.coach)).await;
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0]["youth_id"], y.id.as_str());

        // A message on behalf says so, to both sides.
        let sent = expect_json(app.post(&format!("/v1/matches/{m}/messages"), &json!({"text": "Dank je, ik kom graag langs."}), Some(&d)).await, StatusCode::CREATED).await;
        assert_eq!(sent["on_behalf"], true);
        assert_eq!(sent["sender_name"], "coach");
        let employer_side = expect_json(app.get(&format!("/v1/matches/{m}/messages"), Some(&e)).await, StatusCode::OK).await;
        let last = &employer_side["items"][0];
        assert_eq!((last["on_behalf"].clone(), last["mine"].clone()), (json!(true), json!(false)));
        let own = expect_json(app.post(&format!("/v1/matches/{m}/messages"), &json!({"text": "Tot dan!"}), Some(&y.token)).await, StatusCode::CREATED).await;
        assert_eq!(own["on_behalf"], false);
        // Answered: no longer waiting (a filter not asked before, so no cached page).
        let answered = app.all_pages("/v1/caseload?match_without_reply=false", Some(&org.coach)).await;
        assert_eq!(answered.len(), 1);
        assert_eq!(answered[0]["match_without_reply"], false);

        // The employer opens the match and sees the contact details it released, and not
        // that a coach liked for the youth; the youth sees which organisation did.
        let opened = expect_json(app.get(&format!("/v1/matches/{m}"), Some(&e)).await, StatusCode::OK).await;
        assert_eq!(opened["contact"]["email"], "ob@voorbeeld.nl");
        assert_eq!(opened["liked_by_coach"], json!(null));
        let theirs = expect_json(app.get(&format!("/v1/matches/{m}"), Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(theirs["liked_by_coach"]["organisation"], "Team ob");
        let listed = expect_json(app.get("/v1/matches", Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(listed["items"][0]["liked_by_coach"], theirs["liked_by_coach"]);

        // A decision the youth changes themself is theirs again: the coach likes a second
        // vacancy, the youth passes and then likes it, the employer likes back.
        let v2 = vacancy(&app, &e, json!({"title": "Tweede vacature"})).await;
        expect_json(swipe(&app, &d, &format!("/v1/me/swipes/{v2}"), "like").await, StatusCode::OK).await;
        for decision in ["pass", "like"] {
            expect_json(swipe(&app, &y.token, &format!("/v1/me/swipes/{v2}"), decision).await, StatusCode::OK).await;
        }
        let cards = expect_json(app.get(&format!("/v1/vacancies/{v2}/candidates"), Some(&e)).await, StatusCode::OK).await;
        let candidate = cards["items"][0]["candidate_id"].as_str().unwrap().to_owned();
        let back = expect_json(swipe(&app, &e, &format!("/v1/vacancies/{v2}/swipes/{candidate}"), "like").await, StatusCode::OK).await;
        let m2 = back["match_id"].as_str().unwrap().to_owned();
        let second = expect_json(app.get(&format!("/v1/matches/{m2}"), Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(second["liked_by_coach"], json!(null), "the youth's own like is not the coach's");

        // The youth's log and counts.
        let log = app.all_pages("/v1/me/audit", Some(&y.token)).await;
        let on_behalf: Vec<&str> = log.iter().filter(|e| e["on_behalf"] == true).map(|e| e["action"].as_str().unwrap()).collect();
        assert!(on_behalf.contains(&"swipe_on_behalf") && on_behalf.contains(&"message_on_behalf"), "{on_behalf:?}");
        for a in ["view_feed", "view_conversation"] {
            assert!(log.iter().any(|e| e["action"] == a), "{a} missing");
        }
        assert!(log.iter().any(|e| e["action"] == "view_contact" && e["purpose"] == "match_contact" && e["organisation"]["kind"] == "employer"),
            "the employer seeing the released contact details is logged too");
        let mut stats = json!(null);
        for _ in 0..250 {
            stats = expect_json(app.get("/v1/me/card-stats", Some(&y.token)).await, StatusCode::OK).await;
            if stats["shown_to_employers"] == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        // Shown on the candidates of both vacancies, liked on both.
        assert_eq!(stats, json!({"shown_to_employers": 2, "liked_by_employers": 2}));
    }
);

api_test!(
    async fn consent_reminders_and_the_monday_mail_go_out_once(app) {
        use werkmatch::caseloads::jobs;
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "school", "mon").await;
        let y = youth(&app, "mon@voorbeeld.nl", "2003-03-03").await;
        consent(&app, &org.coach, &y, &["view_profile"]).await;
        let given = app.clock.now();
        let tomorrow = given.date_naive().succ_opt().unwrap();
        expect_json(req(&app, reqwest::Method::PATCH, &format!("/v1/caseload/youth/{}", y.id), Some(&org.coach), Some(json!({"follow_up_on": tomorrow}))).await, StatusCode::OK).await;

        // Three weeks on, to a Monday: the follow-up is overdue and the youth went quiet.
        app.advance(chrono::TimeDelta::days(21));
        while app.clock.now().date_naive().weekday() != chrono::Weekday::Mon {
            app.advance(chrono::TimeDelta::days(1));
        }
        assert_eq!(jobs::send_weekly_digests(&app.state).await.unwrap(), 1, "only the coach has something to follow up");
        assert_eq!(jobs::send_weekly_digests(&app.state).await.unwrap(), 0, "once a week");
        app.deliver_mail().await;
        let mail = app.mails_to("coach.mon@org.nl").into_iter().find(|m| m.subject.contains("opvolgen")).expect("Monday mail");
        assert!(mail.text.contains("Opvolgen is over tijd:\n- Sanne") && mail.text.contains("niets van gehoord:\n- Sanne"), "{}", mail.text);
        app.advance(chrono::TimeDelta::days(1));
        assert_eq!(jobs::send_weekly_digests(&app.state).await.unwrap(), 0, "only on Mondays");

        // A month before the consent ends, the youth is told, once; renewing resets it.
        assert_eq!(jobs::send_consent_reminders(&app.state).await.unwrap(), 0);
        // 340 days after the consent was given, whatever weekday the test started on (the
        // weeks to a Monday above took 22 to 28 days).
        app.advance(given + chrono::TimeDelta::days(340) - app.clock.now());
        assert_eq!(jobs::send_consent_reminders(&app.state).await.unwrap(), 1);
        assert_eq!(jobs::send_consent_reminders(&app.state).await.unwrap(), 0);
        app.deliver_mail().await;
        assert!(app.mails_to("mon@voorbeeld.nl").iter().any(|m| m.subject.contains("loopt af")));
    }
);

api_test!(
    async fn one_youth_is_handed_over_when_the_receiving_coach_accepts(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "agency", "ho").await;
        let y = youth(&app, "ho@voorbeeld.nl", "2003-03-03").await;
        let cid = consent(&app, &org.coach, &y, &["view_profile"]).await;
        let t = delegated(&app, &org.coach, &y.id).await;
        let offer = |by: String, to: String| {
            let app = &app;
            let path = format!("/v1/caseload/youth/{}/handovers", y.id);
            async move { app.post(&path, &json!({"to_coach_id": to, "reason": "Andere wijk"}), Some(&by)).await }
        };
        // Only the responsible coach or a coordinator offers; only to an active colleague.
        expect_problem(offer(org.colleague.clone(), org.colleague_id.clone()).await, StatusCode::NOT_FOUND, "youth_not_in_caseload").await;
        expect_problem(offer(org.coach.clone(), org.coach_id.clone()).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let first = expect_json(offer(org.coach.clone(), org.colleague_id.clone()).await, StatusCode::CREATED).await;
        assert_eq!(first["status"], "pending");
        // A second offer replaces the first.
        let h = expect_json(offer(org.coordinator.clone(), org.colleague_id.clone()).await, StatusCode::CREATED).await;
        let waiting = app.all_pages("/v1/caseload/handovers", Some(&org.colleague)).await;
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0]["id"], h["id"]);
        assert_eq!(waiting[0]["youth_first_name"], "Sanne");
        let id = h["id"].as_str().unwrap();
        // Nobody else answers it.
        expect_problem(app.post(&format!("/v1/caseload/handovers/{id}/accept"), &json!({}), Some(&org.coach)).await, StatusCode::NOT_FOUND, "handover_not_found").await;
        let done = expect_json(app.post(&format!("/v1/caseload/handovers/{id}/accept"), &json!({}), Some(&org.colleague)).await, StatusCode::OK).await;
        assert_eq!(done["status"], "accepted");
        expect_problem(app.post(&format!("/v1/caseload/handovers/{id}/decline"), &json!({}), Some(&org.colleague)).await, StatusCode::CONFLICT, "consent_ended").await;
        // The old coach's token ends; the new coach acts; the youth is told.
        expect_problem(app.get("/v1/me/profile", Some(&t)).await, StatusCode::UNAUTHORIZED, "delegation_ended").await;
        expect_problem(exchange(&app, &org.coach, &y.id).await, StatusCode::NOT_FOUND, "youth_not_in_caseload").await;
        let t2 = delegated(&app, &org.colleague, &y.id).await;
        expect_json(app.get("/v1/me/profile", Some(&t2)).await, StatusCode::OK).await;
        app.deliver_mail().await;
        assert!(app.mails_to("ho@voorbeeld.nl").iter().any(|m| m.subject.contains("nieuwe coach") && m.text.contains("colleague")));
        assert!(app.all_pages("/v1/caseload/handovers", Some(&org.colleague)).await.is_empty());

        // The youth reads the consent's history, newest first, in pages: who changed what,
        // and who is responsible after each change (the reason stays with the organisation).
        expect_json(
            req(&app, reqwest::Method::PATCH, &format!("/v1/me/coaches/{cid}"), Some(&y.token), Some(json!({"scopes": ["view_profile", "view_matches"]}))).await,
            StatusCode::OK,
        )
        .await;
        let history = app.all_pages(&format!("/v1/me/coaches/{cid}/history?limit=2"), Some(&y.token)).await;
        let seen: Vec<(&str, &str, &str, usize)> = history
            .iter()
            .map(|e| (e["change"].as_str().unwrap(), e["by"].as_str().unwrap(), e["coach_name"].as_str().unwrap(), e["scopes"].as_array().unwrap().len()))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("scopes_changed", "you", "colleague", 2),
                ("handed_over", "organisation", "colleague", 1),
                ("given", "you", "coach", 1),
                ("claimed", "you", "coach", 0),
                ("invited", "organisation", "coach", 0),
            ]
        );
        assert!(history.iter().all(|e| e.get("reason").is_none()));
        let other = youth(&app, "ho2@voorbeeld.nl", "2003-03-03").await;
        expect_problem(app.get(&format!("/v1/me/coaches/{cid}/history"), Some(&other.token)).await, StatusCode::NOT_FOUND, "consent_not_found").await;
        expect_problem(app.get(&format!("/v1/me/coaches/{cid}/history"), Some(&t2)).await, StatusCode::FORBIDDEN, "not_on_behalf").await;
        expect_problem(app.get(&format!("/v1/me/coaches/{cid}/history?cursor=bm9wZQ"), Some(&y.token)).await, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
);

api_test!(
    async fn a_cached_caseload_page_never_outlives_a_consent_change(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "pc").await;
        let a = youth(&app, "pa@voorbeeld.nl", "2003-03-03").await;
        let b = youth(&app, "pb@voorbeeld.nl", "2003-03-03").await;
        let ida = consent(&app, &org.coach, &a, &["view_profile", "edit_profile"]).await;
        consent(&app, &org.coach, &b, &["view_profile"]).await;
        let list = || async { app.all_pages("/v1/caseload?sort=name", Some(&org.coach)).await };
        assert_eq!(list().await.len(), 2);
        assert_eq!(list().await.len(), 2, "served again (from the page cache)");
        // Narrowed: the next page shows the new scopes.
        expect_json(req(&app, reqwest::Method::PATCH, &format!("/v1/me/coaches/{ida}"), Some(&a.token), Some(json!({"scopes": ["view_profile"]}))).await, StatusCode::OK).await;
        let entry = list().await.into_iter().find(|e| e["youth_id"] == a.id.as_str()).unwrap();
        assert_eq!(entry["scopes"], json!(["view_profile"]));
        // A follow-up set shows at once.
        let day = app.clock.now().date_naive().succ_opt().unwrap();
        expect_json(req(&app, reqwest::Method::PATCH, &format!("/v1/caseload/youth/{}", b.id), Some(&org.coach), Some(json!({"follow_up_on": day}))).await, StatusCode::OK).await;
        let entry = list().await.into_iter().find(|e| e["youth_id"] == b.id.as_str()).unwrap();
        assert_eq!(entry["follow_up_on"], day.to_string());
        // Revoked: gone from the next page, and the view is still logged for the other.
        assert_eq!(req(&app, reqwest::Method::DELETE, &format!("/v1/me/coaches/{ida}"), Some(&a.token), None).await.status(), StatusCode::NO_CONTENT);
        let left = list().await;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0]["youth_id"], b.id.as_str());
        let before = app.all_pages("/v1/me/audit", Some(&b.token)).await.len();
        list().await;
        assert_eq!(app.all_pages("/v1/me/audit", Some(&b.token)).await.len(), before + 1, "a cached page is logged too");
    }
);
