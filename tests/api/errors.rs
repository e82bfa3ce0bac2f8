//! Bad input always gets a 4xx problem+json, never a 500.

use reqwest::StatusCode;
use serde_json::json;

use crate::api_test;
use crate::helpers::*;

fn raw(app: &TestApp, method: reqwest::Method, path: &str) -> Req {
    app.client.request(method, app.url(path))
}

api_test!(
    async fn malformed_json_gets_400(app) {
        let res = send(raw(&app, reqwest::Method::POST, "/v1/auth/login").header("content-type", "application/json").body("{\"email\": ")).await;
        expect_problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
);

api_test!(
    async fn wrong_content_type_gets_415(app) {
        let res = send(raw(&app, reqwest::Method::POST, "/v1/auth/login").header("content-type", "text/plain").body("email=a")).await;
        expect_problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    }
);

api_test!(
    async fn unknown_and_missing_fields_get_422(app) {
        let unknown = app.post("/v1/auth/login", &json!({"email": "a@b.nl", "password": "x", "admin": true}), None).await;
        let body = expect_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        assert!(body["detail"].as_str().unwrap().contains("admin"), "{body}");
        let missing = app.post("/v1/auth/login", &json!({"email": "a@b.nl"}), None).await;
        expect_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        let wrong_type = app.post("/v1/auth/login", &json!({"email": 42, "password": "x"}), None).await;
        expect_problem(wrong_type, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
);

api_test!(
    async fn too_large_bodies_get_413(app) {
        let big = "x".repeat(70 * 1024);
        let res = app.post("/v1/auth/login", &json!({"email": big, "password": "x"}), None).await;
        expect_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    }
);

api_test!(
    async fn unknown_routes_get_404_problem(app) {
        let res = app.get("/v1/nothing-here", None).await;
        expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
);

api_test!(
    async fn wrong_methods_get_405_with_allow(app) {
        let res = send(raw(&app, reqwest::Method::DELETE, "/v1/auth/login")).await;
        assert_eq!(res.headers()["allow"], "POST");
        expect_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
        let res = send(raw(&app, reqwest::Method::PUT, "/v1/me")).await;
        assert_eq!(res.headers()["allow"], "GET");
        expect_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
);

api_test!(
    async fn a_client_request_id_is_echoed(app) {
        let res = send(raw(&app, reqwest::Method::GET, "/v1/nothing").header("x-request-id", "trace-abc.123")).await;
        assert_eq!(res.headers()["x-request-id"], "trace-abc.123");
        let body = expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(body["request_id"], "trace-abc.123");
        // An unusable one is replaced, not echoed.
        let res = send(raw(&app, reqwest::Method::GET, "/health/live").header("x-request-id", "bad id with spaces")).await;
        assert_ne!(res.headers()["x-request-id"], "bad id with spaces");
    }
);

api_test!(
    async fn a_json_array_is_not_an_object_body(app) {
        let res = app.post("/v1/auth/login", &json!(["a@b.nl", "password"]), None).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
);

api_test!(
    async fn nul_bytes_in_text_never_reach_the_database(app) {
        // PostgreSQL refuses text with NUL bytes; such input must be a 4xx, not a 500.
        let res = app.login("a\u{0}b@voorbeeld.nl", "whatever password").await;
        expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let res = app.post("/v1/auth/password-reset", &json!({"email": "\u{0}@x.nl"}), None).await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let reg = app.register_youth("nul@voorbeeld.nl").await;
        let token = reg["access_token"].as_str().unwrap();
        let res = send(app.client.patch(app.url("/v1/me/profile")).bearer_auth(token).json(&json!({"about": "hoi\u{0}"}))).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let res = send(app.client.put(app.url("/v1/me/profile/text")).bearer_auth(token).json(&json!({"text": "mijn\u{0}tekst"}))).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
);
