//! Registration, email confirmation, password reset, `/v1/me`.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::json;

use crate::api_test;
use crate::helpers::*;

api_test!(
    async fn youth_registration_signs_in_and_mails_a_confirmation_link(app) {
        let body = app.register_youth("Sanne@Voorbeeld.NL").await;
        assert_eq!(body["account"]["email"], "sanne@voorbeeld.nl");
        assert_eq!(body["account"]["role"], "youth");
        assert_eq!(body["account"]["email_verified"], false);
        let token = body["access_token"].as_str().unwrap();
        let me = expect_json(app.get("/v1/me", Some(token)).await, StatusCode::OK).await;
        assert_eq!(me["id"], body["account"]["id"]);

        assert_eq!(app.deliver_mail().await, 1);
        let mails = app.mails_to("sanne@voorbeeld.nl");
        assert_eq!(mails.len(), 1, "exactly one confirmation mail");
        assert_eq!(mails[0].subject, "Bevestig je e-mailadres");
        assert!(mails[0].html.contains("https://app.werkmatch.test/verify-email?token="));
    }
);

api_test!(
    async fn confirmation_link_verifies_once(app) {
        let body = app.register_youth("jamal@voorbeeld.nl").await;
        let access = body["access_token"].as_str().unwrap().to_owned();
        let token = app.token_from_mail("jamal@voorbeeld.nl", "Bevestig").await;
        let res = app.post("/v1/auth/verify-email", &json!({"token": token}), None).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let me = expect_json(app.get("/v1/me", Some(&access)).await, StatusCode::OK).await;
        assert_eq!(me["email_verified"], true);

        let again = app.post("/v1/auth/verify-email", &json!({"token": token}), None).await;
        expect_problem(again, StatusCode::BAD_REQUEST, "invalid_email_token").await;
        let resend = app.post("/v1/auth/verify-email/resend", &json!({}), Some(&access)).await;
        expect_problem(resend, StatusCode::CONFLICT, "already_verified").await;
    }
);

api_test!(
    async fn english_accounts_get_english_mail(app) {
        let res = app
            .client
            .post(app.url("/v1/auth/register/youth"))
            .header("accept-language", "en-GB,en;q=0.9")
            .json(&json!({"email": "amy@example.com", "password": PASSWORD, "first_name": "Amy"}))
            .send()
            .await
            .unwrap();
        let body = expect_json(res, StatusCode::CREATED).await;
        assert_eq!(body["account"]["language"], "en");
        app.deliver_mail().await;
        assert_eq!(app.mails_to("amy@example.com")[0].subject, "Confirm your email address");
    }
);

api_test!(
    async fn duplicate_email_gets_409_whatever_its_case(app) {
        app.register_youth("dubbel@voorbeeld.nl").await;
        let res = app
            .post("/v1/auth/register/youth", &json!({"email": "DUBBEL@voorbeeld.nl", "password": PASSWORD, "first_name": "X"}), None)
            .await;
        expect_problem(res, StatusCode::CONFLICT, "email_taken").await;
    }
);

api_test!(
    async fn concurrent_registrations_with_one_email_create_one_account(app) {
        let body = json!({"email": "race@voorbeeld.nl", "password": PASSWORD, "first_name": "R"});
        let attempts = (0..8).map(|_| app.post("/v1/auth/register/youth", &body, None));
        let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts).await.iter().map(|r| r.status()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 7, "{statuses:?}");
    }
);

api_test!(
    async fn employer_registers_with_their_organisation_as_owner(app) {
        let res = app
            .post(
                "/v1/auth/register/employer",
                &json!({
                    "email": "p.jansen@korenschoof.nl", "password": PASSWORD, "contact_name": "Petra Jansen",
                    "organisation": {"name": "Bakkerij De Korenschoof", "kvk_number": "12345678", "city": "Eindhoven"}
                }),
                None,
            )
            .await;
        let body = expect_json(res, StatusCode::CREATED).await;
        assert_eq!(body["account"]["role"], "employer");
        assert_eq!(body["account"]["organisation"]["organisation_name"], "Bakkerij De Korenschoof");
        assert_eq!(body["account"]["organisation"]["role"], "owner");
    }
);

api_test!(
    async fn invalid_fields_are_listed_one_by_one(app) {
        let res = app
            .post(
                "/v1/auth/register/employer",
                &json!({
                    "email": "not-an-email", "password": "short", "contact_name": "  ",
                    "organisation": {"name": "B.V.", "kvk_number": "1234", "city": "Eindhoven"}
                }),
                None,
            )
            .await;
        let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["email", "password", "contact_name", "organisation.kvk_number"]);
        let codes: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["invalid_email", "weak_password", "required", "invalid_kvk_number"]);
    }
);

api_test!(
    async fn password_reset_sets_a_new_password_and_ends_every_session(app) {
        let email = "reset@voorbeeld.nl";
        let registered = app.register_youth(email).await;
        let first = registered.clone();
        let second = expect_json(app.login(email, PASSWORD).await, StatusCode::OK).await;

        let res = app.post("/v1/auth/password-reset", &json!({"email": email}), None).await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let token = app.token_from_mail(email, "Nieuw wachtwoord").await;
        let new_password = "a brand new passphrase";
        let res = app
            .post("/v1/auth/password-reset/confirm", &json!({"token": token, "new_password": new_password}), None)
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);

        for tokens in [&first, &second] {
            let refresh = app.post("/v1/auth/refresh", &json!({"refresh_token": tokens["refresh_token"]}), None).await;
            expect_problem(refresh, StatusCode::UNAUTHORIZED, "session_revoked").await;
            let me = app.get("/v1/me", tokens["access_token"].as_str()).await;
            expect_problem(me, StatusCode::UNAUTHORIZED, "session_revoked").await;
        }
        expect_problem(app.login(email, PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        expect_json(app.login(email, new_password).await, StatusCode::OK).await;
        app.deliver_mail().await;
        assert!(app.mails_to(email).iter().any(|m| m.subject == "Je wachtwoord is gewijzigd"));
    }
);

api_test!(
    async fn a_used_reset_token_is_refused(app) {
        let email = "used@voorbeeld.nl";
        app.register_youth(email).await;
        app.post("/v1/auth/password-reset", &json!({"email": email}), None).await;
        let token = app.token_from_mail(email, "Nieuw wachtwoord").await;
        let body = json!({"token": token, "new_password": "first new passphrase"});
        assert_eq!(app.post("/v1/auth/password-reset/confirm", &body, None).await.status(), StatusCode::NO_CONTENT);
        let body = json!({"token": token, "new_password": "second new passphrase"});
        let res = app.post("/v1/auth/password-reset/confirm", &body, None).await;
        expect_problem(res, StatusCode::BAD_REQUEST, "invalid_email_token").await;
        expect_json(app.login(email, "first new passphrase").await, StatusCode::OK).await;
    }
);

api_test!(
    async fn an_expired_reset_token_is_refused(app) {
        let email = "late@voorbeeld.nl";
        app.register_youth(email).await;
        app.post("/v1/auth/password-reset", &json!({"email": email}), None).await;
        let token = app.token_from_mail(email, "Nieuw wachtwoord").await;
        app.advance(TimeDelta::minutes(61));
        let body = json!({"token": token, "new_password": "too late passphrase"});
        let res = app.post("/v1/auth/password-reset/confirm", &body, None).await;
        expect_problem(res, StatusCode::BAD_REQUEST, "invalid_email_token").await;
        expect_json(app.login(email, PASSWORD).await, StatusCode::OK).await;
    }
);

api_test!(
    async fn only_the_newest_reset_link_works(app) {
        let email = "twice@voorbeeld.nl";
        app.register_youth(email).await;
        app.post("/v1/auth/password-reset", &json!({"email": email}), None).await;
        let older = app.token_from_mail(email, "Nieuw wachtwoord").await;
        app.post("/v1/auth/password-reset", &json!({"email": email}), None).await;
        let newer = app.token_from_mail(email, "Nieuw wachtwoord").await;
        assert_ne!(older, newer);
        let res = app.post("/v1/auth/password-reset/confirm", &json!({"token": older, "new_password": "older link passphrase"}), None).await;
        expect_problem(res, StatusCode::BAD_REQUEST, "invalid_email_token").await;
        let res = app.post("/v1/auth/password-reset/confirm", &json!({"token": newer, "new_password": "newer link passphrase"}), None).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
);

api_test!(
    async fn reset_requests_answer_alike_for_unknown_addresses(app) {
        let res = app.post("/v1/auth/password-reset", &json!({"email": "nobody@voorbeeld.nl"}), None).await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        assert_eq!(app.deliver_mail().await, 0);
    }
);

api_test!(
    async fn password_reset_requests_are_rate_limited(app) {
        let email = "spam@voorbeeld.nl";
        for _ in 0..5 {
            let res = app.post("/v1/auth/password-reset", &json!({"email": email}), None).await;
            assert_eq!(res.status(), StatusCode::ACCEPTED);
        }
        let res = app.post("/v1/auth/password-reset", &json!({"email": email}), None).await;
        assert!(res.headers().get("retry-after").is_some());
        expect_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }
);

api_test!(
    async fn registrations_from_one_client_are_rate_limited(app) {
        for i in 0..20 {
            app.register_youth(&format!("burst{i}@voorbeeld.nl")).await;
        }
        let res = app
            .post("/v1/auth/register/youth", &json!({"email": "burst99@voorbeeld.nl", "password": PASSWORD, "first_name": "B"}), None)
            .await;
        expect_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }
);
