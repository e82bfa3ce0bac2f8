//! Youth profiles, competences, the generated and edited texts, sensitive characteristics.

use chrono::{Datelike, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::*;

async fn youth_token(app: &TestApp, email: &str) -> String {
    let body = app.register_youth(email).await;
    body["access_token"].as_str().unwrap().to_owned()
}

async fn put(app: &TestApp, path: &str, body: &Value, token: &str) -> reqwest::Response {
    send(app.client.put(app.url(path)).bearer_auth(token).json(body)).await
}

async fn patch(app: &TestApp, path: &str, body: &Value, token: &str) -> reqwest::Response {
    send(
        app.client
            .patch(app.url(path))
            .bearer_auth(token)
            .json(body),
    )
    .await
}

/// A birth date that makes the youth `age` today (by the app's clock).
fn born(app: &TestApp, age: i32) -> String {
    let today = app.clock.now().date_naive();
    let d =
        NaiveDate::from_ymd_opt(today.year() - age, today.month(), today.day().min(28)).unwrap();
    d.format("%Y-%m-%d").to_string()
}

fn form(app: &TestApp) -> Value {
    json!({
        "first_name": "Sanne", "last_name": "de Vries", "birth_date": born(app, 19),
        "place_name": "Eindhoven", "location": {"lat": 51.4416, "lon": 5.4697},
        "education_level": "vmbo", "hours_min": 16, "hours_max": 32,
        "kinds": ["job", "bbl"], "driving_licence": false, "languages": ["nl", "ar"],
        "interests": ["voetbal", "koken"], "pitch": "Ik pak alles aan!"
    })
}

fn field_codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

api_test!(
    async fn a_new_youth_has_an_incomplete_profile_with_what_is_missing(app) {
        let token = youth_token(&app, "nieuw@voorbeeld.nl").await;
        let p = expect_json(app.get("/v1/me/profile", Some(&token)).await, StatusCode::OK).await;
        assert_eq!(p["first_name"], "Sanne");
        assert_eq!(p["complete"], false);
        assert_eq!(p["search_radius_km"], 25);
        assert_eq!(p["status"], "active");
        let missing: Vec<&str> = p["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
        assert_eq!(missing, ["last_name", "birth_date", "place_name", "location", "education_level", "hours", "kinds", "competences"]);
    }
);

api_test!(
    async fn the_form_and_competences_complete_a_profile(app) {
        let token = youth_token(&app, "compleet@voorbeeld.nl").await;
        let p = expect_json(put(&app, "/v1/me/profile", &form(&app), &token).await, StatusCode::OK).await;
        assert_eq!(p["age"], 19);
        assert_eq!(p["has_start_qualification"], false);
        assert_eq!(p["kinds"], json!(["job", "bbl"]));
        assert_eq!(p["missing"], json!(["competences"]));
        let body = json!({"competences": ["teamwork", "reliability", "customer_focus"]});
        let p = expect_json(put(&app, "/v1/me/profile/competences", &body, &token).await, StatusCode::OK).await;
        assert_eq!(p["competences"], json!(["teamwork", "reliability", "customer_focus"]), "order is kept");
        assert_eq!(p["complete"], true);
        // The mask is stored beside the ordered list: bits of teamwork (29), reliability (18), customer_focus (32).
        let id = app.get("/v1/me", Some(&token)).await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let mask: i64 = app.state.db.run(move |conn| {
            use diesel::prelude::*;
            use werkmatch::db::schema::youth_profiles::dsl::*;
            Ok(youth_profiles.filter(account_id.eq(id)).select(competence_mask).first::<i64>(conn)?)
        }).await.unwrap();
        assert_eq!(mask, (1 << 29) | (1 << 18) | (1 << 32));
    }
);

api_test!(
    async fn profile_validation_edges(app) {
        let token = youth_token(&app, "randen@voorbeeld.nl").await;
        let cases: Vec<(&str, Value, &str, &str)> = vec![
            ("age 14", json!({"birth_date": born(&app, 14)}), "birth_date", "age_out_of_range"),
            ("age 31", json!({"birth_date": born(&app, 31)}), "birth_date", "age_out_of_range"),
            ("radius 0", json!({"search_radius_km": 0}), "search_radius_km", "out_of_range"),
            ("radius 101", json!({"search_radius_km": 101}), "search_radius_km", "out_of_range"),
            ("hours min > max", json!({"hours_min": 30, "hours_max": 20}), "hours_max", "less_than_minimum"),
            ("hours 41", json!({"hours_min": 10, "hours_max": 41}), "hours_max", "out_of_range"),
            ("Paris", json!({"location": {"lat": 48.85, "lon": 2.35}}), "location", "outside_service_area"),
            ("no kinds", json!({"kinds": []}), "kinds", "required"),
            ("bad language", json!({"languages": ["dutch"]}), "languages[0]", "invalid_language"),
            ("long pitch", json!({"pitch": "x".repeat(501)}), "pitch", "too_long"),
            ("blank name", json!({"first_name": "   "}), "first_name", "required"),
        ];
        for (case, change, field, code) in cases {
            let mut body = form(&app);
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let res = put(&app, "/v1/me/profile", &body, &token).await;
            let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert!(field_codes(&problem).contains(&(field.to_owned(), code.to_owned())), "{case}: {problem}");
        }
        // The edges that are allowed: 15 and 30 years, radius 1 and 100, equal hours.
        for change in [json!({"birth_date": born(&app, 15)}), json!({"birth_date": born(&app, 30)}), json!({"search_radius_km": 1}), json!({"search_radius_km": 100}), json!({"hours_min": 40, "hours_max": 40})] {
            let mut body = form(&app);
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            expect_json(put(&app, "/v1/me/profile", &body, &token).await, StatusCode::OK).await;
        }
    }
);

api_test!(
    async fn patch_changes_only_what_is_sent_and_checks_the_merged_result(app) {
        let token = youth_token(&app, "patch@voorbeeld.nl").await;
        expect_json(put(&app, "/v1/me/profile", &form(&app), &token).await, StatusCode::OK).await;
        let p = expect_json(patch(&app, "/v1/me/profile", &json!({"hours_max": 20, "pitch": null, "status": "paused"}), &token).await, StatusCode::OK).await;
        assert_eq!(p["hours_min"], 16);
        assert_eq!(p["hours_max"], 20);
        assert_eq!(p["pitch"], Value::Null);
        assert_eq!(p["status"], "paused");
        assert_eq!(p["last_name"], "de Vries");
        // 10 > the stored maximum of 20? no; 25 > 20 is refused even though only hours_min is sent.
        let res = patch(&app, "/v1/me/profile", &json!({"hours_min": 25}), &token).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
);

api_test!(
    async fn unknown_competences_are_refused_and_named(app) {
        let token = youth_token(&app, "onbekend@voorbeeld.nl").await;
        let body = json!({"competences": ["teamwork", "flying", "reliability"]});
        let problem = expect_problem(put(&app, "/v1/me/profile/competences", &body, &token).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "competences[1]");
        assert_eq!(problem["errors"][0]["code"], "unknown_competence");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("flying"));
        for bad in [json!(["teamwork", "reliability"]), json!(["teamwork", "teamwork", "reliability"]), json!(["a","b","c","d","e","f","g","h","i","j","k"])] {
            let res = put(&app, "/v1/me/profile/competences", &json!({"competences": bad}), &token).await;
            expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
    }
);

api_test!(
    async fn the_generated_text_is_saved_and_never_overwrites_an_edit_unasked(app) {
        let token = youth_token(&app, "tekst@voorbeeld.nl").await;
        let res = send(app.client.post(app.url("/v1/me/profile/generate")).bearer_auth(&token)).await;
        expect_problem(res, StatusCode::CONFLICT, "competences_missing").await;
        expect_json(put(&app, "/v1/me/profile", &form(&app), &token).await, StatusCode::OK).await;
        put(&app, "/v1/me/profile/competences", &json!({"competences": ["caring", "empathy", "hygiene", "punctuality"]}), &token).await;

        let p = expect_json(send(app.client.post(app.url("/v1/me/profile/generate")).bearer_auth(&token)).await, StatusCode::OK).await;
        let generated = p["generated_text"].as_str().unwrap().to_owned();
        assert!(generated.contains("Wat ik zoek: een baan of een BBL-plek"), "{generated}");
        assert_eq!(p["profile_text"], generated);

        let mine = "Ik ben Sanne en ik zorg graag voor mensen.";
        let p = expect_json(put(&app, "/v1/me/profile/text", &json!({"text": mine}), &token).await, StatusCode::OK).await;
        assert_eq!(p["edited_text"], mine);
        assert_eq!(p["generated_text"], generated, "the generated text is kept apart");
        assert_eq!(p["profile_text"], mine);

        let res = send(app.client.post(app.url("/v1/me/profile/generate")).bearer_auth(&token)).await;
        expect_problem(res, StatusCode::CONFLICT, "edited_text_exists").await;
        let p = expect_json(app.get("/v1/me/profile", Some(&token)).await, StatusCode::OK).await;
        assert_eq!(p["edited_text"], mine, "a refused regeneration changed nothing");

        let res = send(app.client.post(app.url("/v1/me/profile/generate?replace_edited=true")).header("accept-language", "en").bearer_auth(&token)).await;
        let p = expect_json(res, StatusCode::OK).await;
        assert_eq!(p["edited_text"], Value::Null);
        assert!(p["generated_text"].as_str().unwrap().contains("What I am looking for"), "{p}");
    }
);

api_test!(
    async fn sensitive_data_is_kept_apart_and_only_for_the_youth(app) {
        let token = youth_token(&app, "gevoelig@voorbeeld.nl").await;
        let empty = expect_json(app.get("/v1/me/sensitive", Some(&token)).await, StatusCode::OK).await;
        assert_eq!(empty, json!({"benefit": null, "work_limitation": null, "participation_ladder_step": null}));
        let body = json!({"benefit": "wajong", "work_limitation": true, "participation_ladder_step": 3});
        assert_eq!(expect_json(put(&app, "/v1/me/sensitive", &body, &token).await, StatusCode::OK).await, body);
        expect_json(put(&app, "/v1/me/profile", &form(&app), &token).await, StatusCode::OK).await;

        // Nowhere else: not in the profile, not in /me (checked on the raw JSON text).
        for path in ["/v1/me/profile", "/v1/me"] {
            let text = app.get(path, Some(&token)).await.text().await.unwrap();
            for word in ["wajong", "benefit", "work_limitation", "participation"] {
                assert!(!text.contains(word), "{path} leaks {word}: {text}");
            }
        }
        let res = put(&app, "/v1/me/sensitive", &json!({"participation_ladder_step": 7}), &token).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let res = send(app.client.delete(app.url("/v1/me/sensitive")).bearer_auth(&token)).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let after = expect_json(app.get("/v1/me/sensitive", Some(&token)).await, StatusCode::OK).await;
        assert_eq!(after["benefit"], Value::Null);
    }
);

api_test!(
    async fn nobody_else_reads_or_changes_a_profile(app) {
        let sanne = youth_token(&app, "sanne@voorbeeld.nl").await;
        let jamal = youth_token(&app, "jamal@voorbeeld.nl").await;
        expect_json(put(&app, "/v1/me/profile", &form(&app), &sanne).await, StatusCode::OK).await;
        put(&app, "/v1/me/sensitive", &json!({"benefit": "bijstand"}), &sanne).await;
        // Another youth only ever reaches their own profile.
        let mut other = form(&app);
        other["last_name"] = json!("Bakker");
        expect_json(put(&app, "/v1/me/profile", &other, &jamal).await, StatusCode::OK).await;
        let p = expect_json(app.get("/v1/me/profile", Some(&sanne)).await, StatusCode::OK).await;
        assert_eq!(p["last_name"], "de Vries");
        let s = expect_json(app.get("/v1/me/sensitive", Some(&jamal)).await, StatusCode::OK).await;
        assert_eq!(s["benefit"], Value::Null);
        // An employer has no profile to read and cannot read a youth's.
        let res = app.post("/v1/auth/register/employer", &json!({"email": "baas@bedrijf.nl", "password": PASSWORD, "contact_name": "Baas", "organisation": {"name": "Bedrijf", "city": "Breda"}}), None).await;
        let employer = expect_json(res, StatusCode::CREATED).await["access_token"].as_str().unwrap().to_owned();
        for path in ["/v1/me/profile", "/v1/me/sensitive"] {
            expect_problem(app.get(path, Some(&employer)).await, StatusCode::FORBIDDEN, "wrong_role").await;
        }
        expect_problem(put(&app, "/v1/me/sensitive", &json!({}), &employer).await, StatusCode::FORBIDDEN, "wrong_role").await;
        // Anonymous: 401.
        expect_problem(app.get("/v1/me/profile", None).await, StatusCode::UNAUTHORIZED, "missing_token").await;
    }
);

api_test!(
    async fn a_youth_account_without_a_profile_gets_404_profile_not_found(app) {
        // Accounts made by the operator CLI get a profile now; one made before did not.
        let id = werkmatch::auth::service::create_user(&app.state, "cli@voorbeeld.nl", werkmatch::auth::model::Role::Youth, "Cli", PASSWORD, werkmatch::auth::model::Language::Nl).await.unwrap();
        let token = expect_json(app.login("cli@voorbeeld.nl", PASSWORD).await, StatusCode::OK).await["access_token"].as_str().unwrap().to_owned();
        let profile = expect_json(app.get("/v1/me/profile", Some(&token)).await, StatusCode::OK).await;
        assert_eq!(profile["first_name"], "Cli");
        assert_eq!(profile["complete"], false);
        app.state
            .db
            .write(move |conn| {
                use diesel::prelude::*;
                use werkmatch::db::schema::youth_profiles;
                diesel::delete(youth_profiles::table.filter(youth_profiles::account_id.eq(id))).execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        for path in ["/v1/me/profile", "/v1/me/feed"] {
            expect_problem(app.get(path, Some(&token)).await, StatusCode::NOT_FOUND, "profile_not_found").await;
        }
        let res = send(app.client.post(app.url("/v1/me/profile/generate")).bearer_auth(&token)).await;
        expect_problem(res, StatusCode::NOT_FOUND, "profile_not_found").await;
    }
);

api_test!(
    async fn a_token_of_an_account_deleted_in_the_database_gets_401_not_500(app) {
        let reg = app.register_youth("gewist@voorbeeld.nl").await;
        let token = reg["access_token"].as_str().unwrap().to_owned();
        // The session is now cached as live, as it is for every active user.
        expect_json(app.get("/v1/me", Some(&token)).await, StatusCode::OK).await;
        let id = reg["account"]["id"].as_str().unwrap().to_owned();
        app.state.db.run(move |conn| {
            use diesel::prelude::*;
            use werkmatch::db::schema::accounts;
            diesel::delete(accounts::table.filter(accounts::id.eq(id))).execute(conn)?;
            Ok(())
        }).await.unwrap();
        let body = json!({"benefit": "bijstand", "work_limitation": true, "participation_ladder_step": 3});
        let res = send(app.client.put(app.url("/v1/me/sensitive")).bearer_auth(&token).json(&body)).await;
        expect_problem(res, StatusCode::UNAUTHORIZED, "session_revoked").await;
    }
);
