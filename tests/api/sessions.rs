//! Login, access tokens, refresh rotation, logout.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use jsonwebtoken::{EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::*;

async fn tokens(app: &TestApp, email: &str) -> Value {
    app.register_youth(email).await;
    expect_json(app.login(email, PASSWORD).await, StatusCode::OK).await
}

async fn refresh(app: &TestApp, token: &Value) -> reqwest::Response {
    app.post("/v1/auth/refresh", &json!({"refresh_token": token}), None)
        .await
}

api_test!(
    async fn login_returns_a_working_token_pair(app) {
        let t = tokens(&app, "login@voorbeeld.nl").await;
        assert_eq!(t["token_type"], "Bearer");
        assert_eq!(t["expires_in"], 900);
        let me = expect_json(app.get("/v1/me", t["access_token"].as_str()).await, StatusCode::OK).await;
        assert_eq!(me["email"], "login@voorbeeld.nl");
    }
);

api_test!(
    async fn wrong_password_and_unknown_email_get_the_same_401(app) {
        app.register_youth("known@voorbeeld.nl").await;
        let wrong = expect_problem(app.login("known@voorbeeld.nl", "not the password").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let unknown = expect_problem(app.login("unknown@voorbeeld.nl", "not the password").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(wrong["detail"], unknown["detail"]);
        assert_eq!(wrong["title"], unknown["title"]);
    }
);

api_test!(
    async fn repeated_failed_logins_get_429_even_with_the_right_password(app) {
        app.register_youth("brute@voorbeeld.nl").await;
        for _ in 0..5 {
            expect_problem(app.login("brute@voorbeeld.nl", "guess guess guess").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        let res = app.login("brute@voorbeeld.nl", PASSWORD).await;
        let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry), "Retry-After {retry}");
        expect_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        // Another account from the same client is not locked out by this one.
        app.register_youth("other@voorbeeld.nl").await;
        expect_json(app.login("other@voorbeeld.nl", PASSWORD).await, StatusCode::OK).await;
    }
);

api_test!(
    async fn refresh_rotates_the_token(app) {
        let t = tokens(&app, "rotate@voorbeeld.nl").await;
        let next = expect_json(refresh(&app, &t["refresh_token"]).await, StatusCode::OK).await;
        assert_ne!(next["refresh_token"], t["refresh_token"]);
        assert_eq!(next["refresh_expires_at"], t["refresh_expires_at"], "absolute expiry does not move");
        expect_json(app.get("/v1/me", next["access_token"].as_str()).await, StatusCode::OK).await;
        expect_json(refresh(&app, &next["refresh_token"]).await, StatusCode::OK).await;
    }
);

api_test!(
    async fn a_reused_refresh_token_revokes_the_whole_family(app) {
        let t = tokens(&app, "reuse@voorbeeld.nl").await;
        let next = expect_json(refresh(&app, &t["refresh_token"]).await, StatusCode::OK).await;
        expect_problem(refresh(&app, &t["refresh_token"]).await, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
        // The legitimate newest token dies with the family, and so do its access tokens.
        expect_problem(refresh(&app, &next["refresh_token"]).await, StatusCode::UNAUTHORIZED, "session_revoked").await;
        expect_problem(app.get("/v1/me", next["access_token"].as_str()).await, StatusCode::UNAUTHORIZED, "session_revoked").await;
        // Other sessions of the same account are untouched.
        expect_json(app.login("reuse@voorbeeld.nl", PASSWORD).await, StatusCode::OK).await;
    }
);

api_test!(
    async fn refresh_fails_after_the_absolute_expiry(app) {
        let t = tokens(&app, "old@voorbeeld.nl").await;
        app.advance(TimeDelta::days(31));
        expect_problem(refresh(&app, &t["refresh_token"]).await, StatusCode::UNAUTHORIZED, "session_expired").await;
    }
);

api_test!(
    async fn logout_ends_the_session(app) {
        let t = tokens(&app, "bye@voorbeeld.nl").await;
        let res = app.post("/v1/auth/logout", &json!({"refresh_token": t["refresh_token"]}), None).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        expect_problem(refresh(&app, &t["refresh_token"]).await, StatusCode::UNAUTHORIZED, "session_revoked").await;
        expect_problem(app.get("/v1/me", t["access_token"].as_str()).await, StatusCode::UNAUTHORIZED, "session_revoked").await;
        let again = app.post("/v1/auth/logout", &json!({"refresh_token": t["refresh_token"]}), None).await;
        assert_eq!(again.status(), StatusCode::NO_CONTENT);
    }
);

api_test!(
    async fn an_unknown_refresh_token_gets_401(app) {
        expect_problem(refresh(&app, &json!("made-up")).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    }
);

api_test!(
    async fn an_expired_access_token_gets_401(app) {
        let t = tokens(&app, "expired@voorbeeld.nl").await;
        app.advance(TimeDelta::minutes(15));
        expect_problem(app.get("/v1/me", t["access_token"].as_str()).await, StatusCode::UNAUTHORIZED, "token_expired").await;
    }
);

/// Claims as the server signs them, to forge variants with the test secret. The session must
/// be a live one: revocation fails closed, so a session the database does not know is refused.
fn claims(sub: &str, sid: &str, now: i64) -> Value {
    json!({"iss": "werkmatch", "aud": "werkmatch-app", "sub": sub, "exp": now + 600, "iat": now,
           "typ": "access", "role": "youth", "sid": sid})
}

/// The session id inside an access token.
fn sid_of(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

api_test!(
    async fn forged_and_malformed_tokens_get_401(app) {
        let t = tokens(&app, "forge@voorbeeld.nl").await;
        let me = expect_json(app.get("/v1/me", t["access_token"].as_str()).await, StatusCode::OK).await;
        let sub = me["id"].as_str().unwrap();
        let sid = sid_of(t["access_token"].as_str().unwrap());
        let now = app.clock.now().timestamp();

        // The control: a token forged exactly as the server would sign it is accepted.
        let good = sign(&claims(sub, &sid, now), JWT_SECRET);
        assert_eq!(app.get("/v1/me", Some(&good)).await.status(), StatusCode::OK);
        // A session the database does not know is not trusted, whatever the cache says.
        let unknown = sign(&claims(sub, &uuid::Uuid::now_v7().to_string(), now), JWT_SECRET);
        expect_problem(app.get("/v1/me", Some(&unknown)).await, StatusCode::UNAUTHORIZED, "session_revoked").await;

        let mut wrong_aud = claims(sub, &sid, now);
        wrong_aud["aud"] = json!("another-app");
        let mut wrong_iss = claims(sub, &sid, now);
        wrong_iss["iss"] = json!("someone-else");
        let mut wrong_type = claims(sub, &sid, now);
        wrong_type["typ"] = json!("refresh");
        let mut no_exp = claims(sub, &sid, now);
        no_exp.as_object_mut().unwrap().remove("exp");

        let access = t["access_token"].as_str().unwrap();
        let (head, rest) = access.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        let mut payload_json: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        payload_json["role"] = json!("admin");
        let tampered = format!("{head}.{}.{signature}", URL_SAFE_NO_PAD.encode(payload_json.to_string()));
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let alg_none = format!("{none_header}.{payload}.");

        let cases = [
            ("wrong audience", sign(&wrong_aud, JWT_SECRET)),
            ("wrong issuer", sign(&wrong_iss, JWT_SECRET)),
            ("wrong type", sign(&wrong_type, JWT_SECRET)),
            ("no exp", sign(&no_exp, JWT_SECRET)),
            ("other secret", sign(&claims(sub, &sid, now), "another-secret-another-secret-another-secret")),
            ("tampered payload", tampered),
            ("alg none", alg_none),
            ("garbage", "not.a.jwt".to_owned()),
        ];
        for (case, token) in cases {
            let res = app.get("/v1/me", Some(&token)).await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{case}");
            expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_token").await;
        }
        let missing = app.get("/v1/me", None).await;
        expect_problem(missing, StatusCode::UNAUTHORIZED, "missing_token").await;
        let basic = app.client.get(app.url("/v1/me")).header("authorization", "Basic YTpi").send().await.unwrap();
        expect_problem(basic, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
);

api_test!(
    async fn registration_login_and_refresh_answer_one_session_shape_with_unique_tokens(app) {
        let registered = app.register_youth("shape@voorbeeld.nl").await;
        let login = expect_json(app.login("shape@voorbeeld.nl", PASSWORD).await, StatusCode::OK).await;
        // The manual clock stands still: both refreshes happen in the same second.
        let first = expect_json(app.post("/v1/auth/refresh", &json!({"refresh_token": login["refresh_token"]}), None).await, StatusCode::OK).await;
        let second = expect_json(app.post("/v1/auth/refresh", &json!({"refresh_token": first["refresh_token"]}), None).await, StatusCode::OK).await;
        let mut keys = Vec::new();
        for session in [&registered, &login, &first, &second] {
            let mut k: Vec<&String> = session.as_object().unwrap().keys().collect();
            k.sort();
            keys.push(k);
            assert_eq!(session["token_type"], "Bearer");
            assert_eq!(session["account"]["id"], registered["account"]["id"]);
            assert_eq!(session["account"]["role"], "youth");
        }
        assert!(keys.windows(2).all(|w| w[0] == w[1]), "one shape: {keys:?}");
        assert_ne!(first["access_token"], second["access_token"], "each token has its own jti");
        let jti = |token: &Value| {
            let payload = token.as_str().unwrap().split('.').nth(1).unwrap();
            let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
            claims["jti"].as_str().unwrap().to_owned()
        };
        assert_ne!(jti(&first["access_token"]), jti(&second["access_token"]));
        assert_eq!(jti(&first["access_token"]).len(), 36);
        let me = expect_json(app.get("/v1/me", second["access_token"].as_str()).await, StatusCode::OK).await;
        assert_eq!(me, second["account"]);
    }
);

api_test!(
    async fn tokens_that_can_no_longer_be_used_are_deleted_and_sent_mail_keeps_no_link(app) {
        use diesel::prelude::*;
        use werkmatch::db::schema::{email_tokens, outbox, refresh_tokens, sessions};
        app.register_youth("prune@voorbeeld.nl").await;
        expect_json(app.login("prune@voorbeeld.nl", PASSWORD).await, StatusCode::OK).await;
        app.deliver_mail().await;
        // The confirmation link was sent: its body (with the token) is gone from the table.
        let bodies: Vec<String> = app
            .state
            .db
            .run(|conn| Ok(outbox::table.select(outbox::body_text).load(conn)?))
            .await
            .unwrap();
        assert!(!bodies.is_empty() && bodies.iter().all(|b| !b.contains("token=")), "{bodies:?}");
        let count = |app: &TestApp| {
            let db = app.state.db.clone();
            async move {
                db.run(|conn| {
                    Ok((
                        sessions::table.count().get_result::<i64>(conn)?,
                        refresh_tokens::table.count().get_result::<i64>(conn)?,
                        email_tokens::table.count().get_result::<i64>(conn)?,
                    ))
                })
                .await
                .unwrap()
            }
        };
        let before = count(&app).await;
        assert_eq!(before, (2, 2, 1));
        let now = app.clock.now_naive();
        let nothing = app.state.db.run(move |conn| Ok(werkmatch::retention::prune(conn, now)?)).await.unwrap();
        assert_eq!((nothing.sessions, nothing.email_tokens), (0, 0));
        // Past the refresh lifetime (30 days) and the day of grace, everything above can go.
        app.advance(chrono::TimeDelta::days(32));
        let now = app.clock.now_naive();
        let pruned = app.state.db.run(move |conn| Ok(werkmatch::retention::prune(conn, now)?)).await.unwrap();
        assert_eq!((pruned.sessions, pruned.email_tokens), (2, 1));
        assert_eq!(count(&app).await, (0, 0, 0));
    }
);
