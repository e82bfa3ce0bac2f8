//! The catalogue, occupations and the stateless generator over HTTP.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::*;

api_test!(
    async fn the_catalogue_has_52_competences_in_dutch_or_english(app) {
        let nl = expect_json(app.get("/v1/competences?limit=100", None).await, StatusCode::OK).await;
        assert_eq!(nl["items"].as_array().unwrap().len(), 52);
        assert_eq!(nl["next_cursor"], Value::Null);
        let nl = &nl["items"];
        assert_eq!(nl[19]["code"], "punctuality");
        assert_eq!(nl[19]["name"], "Stiptheid");
        assert_eq!(nl[19]["statements"][0], "Ik kom altijd op tijd");
        let res = send(app.client.get(app.url("/v1/competences?limit=100")).header("accept-language", "en-US,en;q=0.8")).await;
        assert_eq!(res.headers()["content-language"], "en");
        let en: Value = res.json().await.unwrap();
        assert_eq!(en["items"][19]["name"], "Punctuality");
        assert_eq!(en["items"][19]["statements"][0], "I am always on time");
        let res = send(app.client.get(app.url("/v1/competences")).header("accept-language", "fr")).await;
        assert_eq!(res.headers()["content-language"], "nl", "unsupported languages fall back to Dutch");
    }
);

api_test!(
    async fn the_catalogue_pages_by_cursor_without_gaps_or_repeats(app) {
        let first = expect_json(app.get("/v1/competences", None).await, StatusCode::OK).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 20, "20 per page by default");
        let all = app.all_pages("/v1/competences?limit=7", None).await;
        let bits: Vec<u64> = all.iter().map(|c| c["bit"].as_u64().unwrap()).collect();
        assert_eq!(bits, (0..52).collect::<Vec<u64>>());
        // A cursor is opaque and belongs to its list: another list refuses it.
        let cursor = first["next_cursor"].as_str().unwrap();
        let res = app.get(&format!("/v1/occupations?cursor={cursor}"), None).await;
        expect_problem(res, StatusCode::BAD_REQUEST, "invalid_query").await;
        for bad in ["limit=0", "limit=101", "limit=x", "cursor=not-a-cursor"] {
            let res = app.get(&format!("/v1/competences?{bad}"), None).await;
            expect_problem(res, StatusCode::BAD_REQUEST, "invalid_query").await;
        }
    }
);

api_test!(
    async fn catalogue_reads_revalidate_with_an_etag(app) {
        for path in ["/v1/competences", "/v1/occupations?q=kok"] {
            let res = app.get(path, None).await;
            assert_eq!(res.status(), StatusCode::OK);
            let etag = res.headers()["etag"].to_str().unwrap().to_owned();
            assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
            assert_eq!(res.headers()["cache-control"], "public, max-age=86400");
            let again = send(app.client.get(app.url(path)).header("if-none-match", &etag)).await;
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
            assert_eq!(again.headers()["etag"], etag.as_str());
            assert!(again.bytes().await.unwrap().is_empty());
            let weak = send(app.client.get(app.url(path)).header("if-none-match", &format!("\"old\", W/{etag}"))).await;
            assert_eq!(weak.status(), StatusCode::NOT_MODIFIED);
            let stale = send(app.client.get(app.url(path)).header("if-none-match", "\"old\"")).await;
            assert_eq!(stale.status(), StatusCode::OK);
        }
        // Another language is another representation, with its own tag.
        let nl = app.get("/v1/competences", None).await.headers()["etag"].to_str().unwrap().to_owned();
        let en = send(app.client.get(app.url("/v1/competences")).header("accept-language", "en").header("if-none-match", &nl)).await;
        assert_eq!(en.status(), StatusCode::OK);
        assert_eq!(en.headers()["vary"], "Accept-Language");
    }
);

api_test!(
    async fn occupations_are_found_in_both_languages_ignoring_case_and_accents(app) {
        let hits = |v: Value| v["items"].as_array().unwrap().iter().map(|o| o["code"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        let all = app.all_pages("/v1/occupations", None).await;
        assert!(all.len() >= 60);
        let codes: std::collections::HashSet<&str> = all.iter().map(|o| o["code"].as_str().unwrap()).collect();
        assert_eq!(codes.len(), all.len(), "no occupation twice across pages");
        assert!(hits(expect_json(app.get("/v1/occupations?q=CONCIERGE", None).await, StatusCode::OK).await).contains(&"handyman".to_owned()));
        assert!(hits(expect_json(app.get("/v1/occupations?q=conci%C3%ABrge", None).await, StatusCode::OK).await).contains(&"handyman".to_owned()));
        assert!(hits(expect_json(app.get("/v1/occupations?q=nurse%20OR%201%3D1", None).await, StatusCode::OK).await).is_empty());
        let cook = expect_json(app.get("/v1/occupations?q=kok", None).await, StatusCode::OK).await;
        assert_eq!(cook["items"][0]["isco08"], "5120");
        assert_eq!(cook["items"][0]["name_en"], "Cook");
        let long = "x".repeat(101);
        expect_problem(app.get(&format!("/v1/occupations?q={long}"), None).await, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
);

api_test!(
    async fn the_generator_returns_a_text_without_saving_it(app) {
        let reg = app.register_youth("gen@voorbeeld.nl").await;
        let token = reg["access_token"].as_str().unwrap();
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
