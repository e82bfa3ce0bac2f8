//! The catalogue, occupations and the stateless generator over HTTP.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::*;

api_test!(
    async fn the_catalogue_has_52_competences_in_dutch_or_english(app) {
        let nl = expect_json(app.get("/v1/competences", None).await, StatusCode::OK).await;
        assert_eq!(nl.as_array().unwrap().len(), 52);
        assert_eq!(nl[19]["code"], "punctuality");
        assert_eq!(nl[19]["name"], "Stiptheid");
        assert_eq!(nl[19]["statements"][0], "Ik kom altijd op tijd");
        let res = send(app.client.get(app.url("/v1/competences")).header("accept-language", "en-US,en;q=0.8")).await;
        assert_eq!(res.headers()["content-language"], "en");
        let en: Value = res.json().await.unwrap();
        assert_eq!(en[19]["name"], "Punctuality");
        assert_eq!(en[19]["statements"][0], "I am always on time");
        let res = send(app.client.get(app.url("/v1/competences")).header("accept-language", "fr")).await;
        assert_eq!(res.headers()["content-language"], "nl", "unsupported languages fall back to Dutch");
    }
);

api_test!(
    async fn occupations_are_found_in_both_languages_ignoring_case_and_accents(app) {
        let hits = |v: Value| v.as_array().unwrap().iter().map(|o| o["code"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        let all = expect_json(app.get("/v1/occupations", None).await, StatusCode::OK).await;
        assert!(all.as_array().unwrap().len() >= 60);
        assert!(hits(expect_json(app.get("/v1/occupations?q=CONCIERGE", None).await, StatusCode::OK).await).contains(&"handyman".to_owned()));
        assert!(hits(expect_json(app.get("/v1/occupations?q=conci%C3%ABrge", None).await, StatusCode::OK).await).contains(&"handyman".to_owned()));
        assert!(hits(expect_json(app.get("/v1/occupations?q=nurse%20OR%201%3D1", None).await, StatusCode::OK).await).is_empty());
        let cook = expect_json(app.get("/v1/occupations?q=kok", None).await, StatusCode::OK).await;
        assert_eq!(cook[0]["isco08"], "5120");
        assert_eq!(cook[0]["name_en"], "Cook");
        let long = "x".repeat(101);
        expect_problem(app.get(&format!("/v1/occupations?q={long}"), None).await, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
);

api_test!(
    async fn the_generator_returns_a_text_without_saving_it(app) {
        let reg = app.register_youth("gen@voorbeeld.nl").await;
        let token = reg["tokens"]["access_token"].as_str().unwrap();
        let body = json!({"competences": ["punctuality", "teamwork", "eagerness_to_learn"], "kinds": ["side_job"], "hours_min": 8, "hours_max": 12, "interests": ["gamen"], "education_level": "havo"});
        let res = send(app.client.post(app.url("/v1/competence-generator")).bearer_auth(token).header("accept-language", "en").json(&body)).await;
        let out = expect_json(res, StatusCode::OK).await;
        let text = out["text"].as_str().unwrap();
        assert_eq!(out["language"], "en");
        assert!((300..=700).contains(&text.chars().count()), "{text}");
        assert!(text.contains("a side job for 8 to 12 hours a week"), "{text}");
        assert!(text.contains("which counts as a start qualification"), "{text}");
        let again = expect_json(send(app.client.post(app.url("/v1/competence-generator")).bearer_auth(token).header("accept-language", "en").json(&body)).await, StatusCode::OK).await;
        assert_eq!(again["text"], out["text"], "deterministic");
        let p = expect_json(app.get("/v1/me/profile", Some(token)).await, StatusCode::OK).await;
        assert_eq!(p["generated_text"], Value::Null, "nothing saved");
        let bad = json!({"competences": ["punctuality", "juggling", "teamwork"]});
        let res = send(app.client.post(app.url("/v1/competence-generator")).bearer_auth(token).json(&bad)).await;
        let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("juggling"));
        let res = send(app.client.post(app.url("/v1/competence-generator")).json(&body)).await;
        expect_problem(res, StatusCode::UNAUTHORIZED, "missing_token").await;
    }
);
