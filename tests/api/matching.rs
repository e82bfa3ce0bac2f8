//! Feeds, candidate cards, swipes, matches (exactly once), contact and messages.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::*;

const EINDHOVEN: (f64, f64) = (51.4416, 5.4697);
const HELMOND: (f64, f64) = (51.4817, 5.6611); // about 14 km east
const AMSTERDAM: (f64, f64) = (52.3676, 4.9041); // about 108 km

pub(crate) struct Youth {
    pub(crate) token: String,
    pub(crate) id: String,
}

pub(crate) async fn youth_with_profile(app: &TestApp, email: &str, competences: &[&str]) -> Youth {
    let reg = app.register_youth(email).await;
    let token = reg["access_token"].as_str().unwrap().to_owned();
    let profile = json!({
        "first_name": "Sanne", "last_name": "Verborgen", "birth_date": "2006-03-14",
        "place_name": "Eindhoven", "location": {"lat": EINDHOVEN.0, "lon": EINDHOVEN.1},
        "education_level": "vmbo", "hours_min": 16, "hours_max": 32, "kinds": ["job"],
        "pitch": "Ik wil graag aan de slag."
    });
    expect_json(
        send(
            app.client
                .put(app.url("/v1/me/profile"))
                .bearer_auth(&token)
                .json(&profile),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let body = json!({"competences": competences});
    expect_json(
        send(
            app.client
                .put(app.url("/v1/me/profile/competences"))
                .bearer_auth(&token)
                .json(&body),
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

pub(crate) async fn employer(app: &TestApp, email: &str) -> String {
    let res = app
        .post("/v1/auth/register/employer", &json!({"email": email, "password": PASSWORD, "contact_name": "Petra Baas", "organisation": {"name": "Bakkerij Zoet", "city": "Eindhoven"}}), None)
        .await;
    expect_json(res, StatusCode::CREATED).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn vacancy(app: &TestApp, token: &str, changes: Value) -> String {
    let mut body = json!({
        "title": "Medewerker winkel", "description": "Je helpt klanten en vult de schappen aan.",
        "occupation": "shop_assistant", "competences": ["teamwork", "reliability", "customer_focus"],
        "kind": "job", "hours_min": 20, "hours_max": 24,
        "place_name": "Eindhoven", "location": {"lat": EINDHOVEN.0, "lon": EINDHOVEN.1}, "status": "open"
    });
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    expect_json(
        app.post("/v1/vacancies", &body, Some(token)).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn feed_ids(app: &TestApp, token: &str) -> Vec<String> {
    let feed = expect_json(
        app.get("/v1/me/feed?limit=50", Some(token)).await,
        StatusCode::OK,
    )
    .await;
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["vacancy_id"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn swipe(
    app: &TestApp,
    token: &str,
    path: &str,
    decision: &str,
) -> reqwest::Response {
    send(
        app.client
            .put(app.url(path))
            .bearer_auth(token)
            .json(&json!({"decision": decision})),
    )
    .await
}

fn loc((lat, lon): (f64, f64)) -> Value {
    json!({"lat": lat, "lon": lon})
}

api_test!(
    settings [("ACCESS_TOKEN_TTL_SECONDS", "31536000")]
    async fn the_feed_respects_radius_kind_hours_status_and_expiry(app) {
        let y = youth_with_profile(&app, "feed@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "feed@bakkerij.nl").await;
        let shown = vacancy(&app, &e, json!({})).await;
        let short_lived = vacancy(&app, &e, json!({"valid_days": 1})).await;
        vacancy(&app, &e, json!({"location": loc(AMSTERDAM), "place_name": "Amsterdam"})).await;
        vacancy(&app, &e, json!({"kind": "internship"})).await;
        vacancy(&app, &e, json!({"hours_min": 36, "hours_max": 40})).await;
        vacancy(&app, &e, json!({"status": "draft"})).await;
        let paused = vacancy(&app, &e, json!({})).await;
        send(app.client.patch(app.url(&format!("/v1/vacancies/{paused}"))).bearer_auth(&e).json(&json!({"status": "paused"}))).await;
        vacancy(&app, &e, json!({"location": loc(HELMOND), "place_name": "Helmond", "max_distance_km": 5})).await;
        let helmond = vacancy(&app, &e, json!({"location": loc(HELMOND), "place_name": "Helmond"})).await;

        let mut ids = feed_ids(&app, &y.token).await;
        ids.sort();
        let mut want = vec![shown.clone(), short_lived.clone(), helmond.clone()];
        want.sort();
        assert_eq!(ids, want);

        // Past its expiry a vacancy leaves the feed, even from the cache.
        app.advance(TimeDelta::days(2));
        let ids = feed_ids(&app, &y.token).await;
        assert!(!ids.contains(&short_lived) && ids.contains(&shown));
        let first = expect_json(app.get("/v1/me/feed", Some(&y.token)).await, StatusCode::OK).await;
        let card = &first["items"][0];
        assert_eq!(card["organisation"]["name"], "Bakkerij Zoet");
        assert_eq!(card["why"]["matched_competences"], json!(["teamwork", "reliability", "customer_focus"]));
        assert!(card["distance_km"].as_f64().unwrap() < 15.0);
        // The card explains the score it was ranked with: 20–24 h fits 16–32 h, published 2 days ago.
        let reasons: Vec<&str> = card["why"]["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        for expected in ["competence_match", "hours_fit", "new", "no_start_qualification_needed"] {
            assert!(reasons.contains(&expected), "{expected} missing from {reasons:?}");
        }
    }
);

api_test!(
    async fn a_swiped_vacancy_never_comes_back_even_from_a_stale_cache(app) {
        let y = youth_with_profile(&app, "swiper@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "swiper@bakkerij.nl").await;
        let a = vacancy(&app, &e, json!({})).await;
        let b = vacancy(&app, &e, json!({})).await;
        assert_eq!(feed_ids(&app, &y.token).await.len(), 2);
        let key = format!("feed:y:{}", y.id);
        let cached = app.state.cache.list_head(&key, 10).await.expect("the feed is cached");
        expect_json(swipe(&app, &y.token, &format!("/v1/me/swipes/{a}"), "pass").await, StatusCode::OK).await;
        assert_eq!(feed_ids(&app, &y.token).await, vec![b.clone()]);
        // Put the old list back, as a stale cache on another instance might have it.
        app.state.cache.list_set(&key, &cached, std::time::Duration::from_secs(60)).await;
        assert_eq!(feed_ids(&app, &y.token).await, vec![b]);
    }
);

api_test!(
    async fn a_cached_feed_whose_swiped_set_was_evicted_is_ranked_afresh(app) {
        let y = youth_with_profile(&app, "evicted@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "evicted@bakkerij.nl").await;
        let a = vacancy(&app, &e, json!({})).await;
        let b = vacancy(&app, &e, json!({})).await;
        assert_eq!(feed_ids(&app, &y.token).await.len(), 2);
        let key = format!("feed:y:{}", y.id);
        let cached = app.state.cache.list_head(&key, 10).await.expect("the feed is cached");
        expect_json(swipe(&app, &y.token, &format!("/v1/me/swipes/{a}"), "like").await, StatusCode::OK).await;
        // The cache lost the set of swiped ids (eviction) but still has the old list: the
        // list is not trusted without its set, so the feed is ranked from the database.
        app.state.cache.delete(&format!("{key}:gone")).await;
        app.state.cache.list_set(&key, &cached, std::time::Duration::from_secs(60)).await;
        assert_eq!(feed_ids(&app, &y.token).await, vec![b]);
    }
);

api_test!(
    async fn an_edited_vacancy_shows_its_new_text_in_a_cached_feed_at_once(app) {
        let y = youth_with_profile(&app, "edited@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "edited@bakkerij.nl").await;
        let a = vacancy(&app, &e, json!({})).await;
        let first = expect_json(app.get("/v1/me/feed", Some(&y.token)).await, StatusCode::OK).await;
        assert_ne!(first["items"][0]["title"], "Bakker in opleiding (BBL)");
        let res = send(
            app.client
                .patch(app.url(&format!("/v1/vacancies/{a}")))
                .bearer_auth(&e)
                .json(&json!({"title": "Bakker in opleiding (BBL)"})),
        )
        .await;
        expect_json(res, StatusCode::OK).await;
        let page = expect_json(app.get("/v1/me/feed", Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(page["items"][0]["vacancy_id"], a.as_str());
        assert_eq!(page["items"][0]["title"], "Bakker in opleiding (BBL)");
    }
);

api_test!(
    async fn swipes_written_together_are_each_answered_for_themselves(app) {
        let e = employer(&app, "batch@bakkerij.nl").await;
        let kept = vacancy(&app, &e, json!({})).await;
        let gone = vacancy(&app, &e, json!({})).await;
        // Another instance deletes `gone`: the row is gone, this process's index still has it,
        // so its swipes reach the batched write and fail there.
        let target = gone.clone();
        app.state.db.run(move |conn| {
            use diesel::prelude::*;
            use werkmatch::db::schema::vacancies as v;
            diesel::delete(v::table.filter(v::id.eq(target))).execute(conn)?;
            Ok(())
        }).await.unwrap();
        let mut requests = Vec::new();
        for i in 0..8 {
            let reg = app.register_youth(&format!("samen{i}@voorbeeld.nl")).await;
            let token = reg["access_token"].as_str().unwrap().to_owned();
            // The same pair twice at once, a pass, and a swipe on the deleted vacancy.
            requests.push((token.clone(), kept.clone(), format!("/v1/me/swipes/{kept}"), "like"));
            requests.push((token.clone(), kept.clone(), format!("/v1/me/swipes/{kept}"), "like"));
            requests.push((token, gone.clone(), format!("/v1/me/swipes/{gone}"), "pass"));
        }
        let responses = futures_util::future::join_all(
            requests.iter().map(|(t, _, path, d)| swipe(&app, t, path, d)),
        )
        .await;
        for ((_, v, _, _), r) in requests.iter().zip(responses) {
            if *v == kept {
                let body = expect_json(r, StatusCode::OK).await;
                assert_eq!(body["decision"], "like");
                assert!(body["match_id"].is_null());
            } else {
                expect_problem(r, StatusCode::NOT_FOUND, "vacancy_not_found").await;
            }
        }
        let target = kept.clone();
        let likes = app.state.db.run(move |conn| {
            use diesel::prelude::*;
            use werkmatch::db::schema::swipes as s;
            Ok(s::table
                .filter(s::vacancy_id.eq(target))
                .filter(s::youth_decision.eq("like"))
                .count()
                .get_result::<i64>(conn)?)
        }).await.unwrap();
        assert_eq!(likes, 8);
    }
);

api_test!(
    async fn the_feed_refuses_an_ended_session_before_anything_else(app) {
        // The feed checks the session in the same cache round trip as its first read; the
        // answers must be those of every other route.
        let y = youth_with_profile(&app, "uitgelogd@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "uitgelogd@bakkerij.nl").await;
        vacancy(&app, &e, json!({})).await;
        assert_eq!(feed_ids(&app, &y.token).await.len(), 1, "cached now");
        expect_problem(app.get("/v1/me/feed", Some(&e)).await, StatusCode::FORBIDDEN, "wrong_role").await;
        let login = |email: &'static str| {
            let app = &app;
            async move {
                expect_json(app.post("/v1/auth/login", &json!({"email": email, "password": PASSWORD}), None).await, StatusCode::OK).await
            }
        };
        for (email, token, other_answer) in [
            ("uitgelogd@voorbeeld.nl", y.token.clone(), StatusCode::OK),
            ("uitgelogd@bakkerij.nl", e.clone(), StatusCode::FORBIDDEN),
        ] {
            let session = login(email).await;
            let access = session["access_token"].as_str().unwrap().to_owned();
            let res = app.post("/v1/auth/logout", &json!({"refresh_token": session["refresh_token"]}), None).await;
            assert_eq!(res.status(), StatusCode::NO_CONTENT);
            // Neither a bad limit, another list's cursor, nor a feed cursor whose position does
            // not parse is judged before the session.
            use base64::Engine;
            let bad_place = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("feed:nonsense");
            let foreign = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("match:x");
            for path in ["/v1/me/feed".to_owned(), "/v1/me/feed?limit=500".to_owned(), format!("/v1/me/feed?cursor={bad_place}"), format!("/v1/me/feed?cursor={foreign}")] {
                expect_problem(app.get(&path, Some(&access)).await, StatusCode::UNAUTHORIZED, "session_revoked").await;
            }
            // The other session of the same account still works: a page for the youth, the
            // role refusal (not 401) for the employer.
            assert_eq!(app.get("/v1/me/feed", Some(&token)).await.status(), other_answer, "{email}");
        }
    }
);

api_test!(
    async fn full_coverage_nearby_ranks_above_half_coverage_far_away(app) {
        let y = youth_with_profile(&app, "rank@voorbeeld.nl", &["teamwork", "reliability", "customer_focus", "punctuality"]).await;
        let e = employer(&app, "rank@bakkerij.nl").await;
        let half_far = vacancy(&app, &e, json!({"competences": ["teamwork", "reliability", "hygiene", "accuracy"], "location": loc(HELMOND), "place_name": "Helmond"})).await;
        let full_near = vacancy(&app, &e, json!({"competences": ["teamwork", "reliability", "customer_focus", "punctuality"]})).await;
        assert_eq!(feed_ids(&app, &y.token).await, vec![full_near, half_far]);
    }
);

api_test!(
    async fn an_incomplete_or_paused_profile_gets_409_saying_what_is_missing(app) {
        let reg = app.register_youth("leeg@voorbeeld.nl").await;
        let token = reg["access_token"].as_str().unwrap();
        let p = expect_problem(app.get("/v1/me/feed", Some(token)).await, StatusCode::CONFLICT, "profile_incomplete").await;
        assert!(p["detail"].as_str().unwrap().contains("location") && p["detail"].as_str().unwrap().contains("competences"), "{p}");
        let y = youth_with_profile(&app, "pauze@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        send(app.client.patch(app.url("/v1/me/profile")).bearer_auth(&y.token).json(&json!({"status": "paused"}))).await;
        expect_problem(app.get("/v1/me/feed", Some(&y.token)).await, StatusCode::CONFLICT, "profile_paused").await;
    }
);

api_test!(
    async fn candidate_cards_are_anonymous(app) {
        let y = youth_with_profile(&app, "anoniem.persoon@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        send(app.client.put(app.url("/v1/me/sensitive")).bearer_auth(&y.token).json(&json!({"benefit": "wajong", "work_limitation": true}))).await;
        let e = employer(&app, "anoniem@bakkerij.nl").await;
        let v = vacancy(&app, &e, json!({})).await;
        let res = app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&e)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["items"].as_array().unwrap().len(), 1);
        assert_eq!(body["items"][0]["competences"], json!(["teamwork", "reliability", "customer_focus"]));
        assert_eq!(body["items"][0]["pitch"], "Ik wil graag aan de slag.");
        // No identifying or sensitive value anywhere in the serialized JSON…
        for secret in ["Sanne", "Verborgen", "anoniem.persoon", "voorbeeld.nl", "2006-03-14", "wajong", &y.id] {
            assert!(!text.contains(secret), "candidate card shows {secret:?}: {text}");
        }
        // …and no field that could carry one.
        let keys: Vec<&String> = body["items"][0].as_object().unwrap().keys().collect();
        for field in ["name", "first_name", "last_name", "birth_date", "age", "email", "phone", "photo", "place_name", "benefit", "work_limitation", "participation_ladder_step", "account_id", "id"] {
            assert!(!keys.iter().any(|k| k.as_str() == field), "candidate card has a {field:?} field: {keys:?}");
        }
        // Another organisation's member cannot see them.
        let other = employer(&app, "nieuwsgierig@concurrent.nl").await;
        expect_problem(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&other)).await, StatusCode::FORBIDDEN, "not_your_vacancy").await;
    }
);

api_test!(
    async fn both_sides_see_the_same_distance_and_the_same_matched_competences(app) {
        let y = youth_with_profile(&app, "afstand@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "afstand@bakkerij.nl").await;
        let v = vacancy(&app, &e, json!({"competences": ["customer_focus", "hygiene", "teamwork"], "location": loc(HELMOND), "place_name": "Helmond"})).await;
        let feed = expect_json(app.get("/v1/me/feed", Some(&y.token)).await, StatusCode::OK).await;
        let cards = expect_json(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&e)).await, StatusCode::OK).await;
        let (mine, theirs) = (&feed["items"][0], &cards["items"][0]);
        assert_eq!(mine["vacancy_id"], v.as_str());
        let km = mine["distance_km"].as_f64().unwrap();
        assert!(km > 10.0 && km < 15.0, "Eindhoven to Helmond: {km}");
        assert_eq!(theirs["distance_km"], mine["distance_km"]);
        // In the vacancy's order; coverage 2 of 3 on both sides.
        assert_eq!(mine["why"]["matched_competences"], json!(["customer_focus", "teamwork"]));
        assert_eq!(theirs["why"]["matched_competences"], mine["why"]["matched_competences"]);
        assert_eq!(theirs["why"]["coverage"], mine["why"]["coverage"]);
        assert!((mine["why"]["coverage"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    }
);

api_test!(
    async fn the_same_swipe_twice_answers_the_same_and_a_match_cannot_be_passed(app) {
        let y = youth_with_profile(&app, "twee@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "twee@bakkerij.nl").await;
        let v = vacancy(&app, &e, json!({})).await;
        let path = format!("/v1/me/swipes/{v}");
        let first = expect_json(swipe(&app, &y.token, &path, "pass").await, StatusCode::OK).await;
        let again = expect_json(swipe(&app, &y.token, &path, "pass").await, StatusCode::OK).await;
        assert_eq!(first, again);
        assert_eq!(first, json!({"decision": "pass", "match_id": null}));
        expect_json(swipe(&app, &y.token, &path, "like").await, StatusCode::OK).await;
        let cards = expect_json(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&e)).await, StatusCode::OK).await;
        let cid = cards["items"][0]["candidate_id"].as_str().unwrap().to_owned();
        let epath = format!("/v1/vacancies/{v}/swipes/{cid}");
        let m1 = expect_json(swipe(&app, &e, &epath, "like").await, StatusCode::OK).await;
        let m2 = expect_json(swipe(&app, &e, &epath, "like").await, StatusCode::OK).await;
        assert!(m1["match_id"].is_string());
        assert_eq!(m1, m2);
        let y2 = expect_json(swipe(&app, &y.token, &path, "like").await, StatusCode::OK).await;
        assert_eq!(y2["match_id"], m1["match_id"]);
        expect_problem(swipe(&app, &y.token, &path, "pass").await, StatusCode::CONFLICT, "already_matched").await;
        expect_problem(swipe(&app, &e, &epath, "pass").await, StatusCode::CONFLICT, "already_matched").await;
        // A vacancy with a match is closed, not deleted.
        let res = send(app.client.delete(app.url(&format!("/v1/vacancies/{v}"))).bearer_auth(&e)).await;
        expect_problem(res, StatusCode::CONFLICT, "has_matches").await;
        expect_problem(swipe(&app, &e, &format!("/v1/vacancies/{v}/swipes/AAAAAAAAAAAAAAAAAAAAAA"), "like").await, StatusCode::NOT_FOUND, "candidate_not_found").await;
    }
);

api_test!(
    // 400 writes at once queue longer than the default second for a connection on SQLite (one
    // writer at a time); this test is about the matches, not about that wait.
    settings [("RATE_LIMIT_REGISTRATIONS_PER_HOUR", "1000"), ("DATABASE_WAIT_MS", "20000")]
    async fn two_hundred_simultaneous_mutual_likes_make_exactly_two_hundred_matches(app) {
        let e = employer(&app, "druk@bakkerij.nl").await;
        let mut vacancies = Vec::new();
        for _ in 0..10 {
            vacancies.push(vacancy(&app, &e, json!({})).await);
        }
        let mut youths = Vec::new();
        for i in 0..20 {
            let reg = app.register_youth(&format!("jongere{i}@voorbeeld.nl")).await;
            youths.push((reg["access_token"].as_str().unwrap().to_owned(), reg["account"]["id"].as_str().unwrap().to_owned()));
        }
        let mut requests = Vec::new();
        for (token, id) in &youths {
            for v in &vacancies {
                let vid = werkmatch::db::ids::VacancyId::parse(v).unwrap();
                let yid = werkmatch::db::ids::AccountId::parse(id).unwrap();
                let cid = app.state.candidate_ids.encode(&vid, &yid);
                requests.push((token.clone(), format!("/v1/me/swipes/{v}")));
                requests.push((e.clone(), format!("/v1/vacancies/{v}/swipes/{cid}")));
            }
        }
        let responses = futures_util::future::join_all(requests.iter().map(|(t, p)| swipe(&app, t, p, "like"))).await;
        for r in responses {
            assert_eq!(r.status(), StatusCode::OK);
        }
        let count = app.state.db.run(|conn| {
            use diesel::prelude::*;
            use werkmatch::db::schema::matches::dsl::*;
            Ok(matches.count().get_result::<i64>(conn)?)
        }).await.unwrap();
        assert_eq!(count, 200);
        assert_eq!(app.deliver_mail().await, 400 + 20 + 1, "one match mail per side per match, plus the confirmation mails");
        assert_eq!(app.mails_to("druk@bakkerij.nl").iter().filter(|m| m.subject.starts_with("Nieuwe match")).count(), 200);
        for i in 0..20 {
            let mine = app.mails_to(&format!("jongere{i}@voorbeeld.nl"));
            assert_eq!(mine.iter().filter(|m| m.subject.starts_with("Het is een match")).count(), 10);
        }
        let mut total = 0;
        let mut cursor = String::new();
        loop {
            let page = expect_json(app.get(&format!("/v1/matches?limit=100{cursor}"), Some(&e)).await, StatusCode::OK).await;
            total += page["items"].as_array().unwrap().len();
            match page["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(total, 200);
    }
);

/// A youth and an employer who matched: (youth, employer token, match id).
async fn matched(app: &TestApp) -> (Youth, String, String) {
    let y = youth_with_profile(
        app,
        "match@voorbeeld.nl",
        &["teamwork", "reliability", "customer_focus"],
    )
    .await;
    let e = employer(app, "match@bakkerij.nl").await;
    let v = vacancy(app, &e, json!({})).await;
    swipe(app, &y.token, &format!("/v1/me/swipes/{v}"), "like").await;
    let cards = expect_json(
        app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&e))
            .await,
        StatusCode::OK,
    )
    .await;
    let cid = cards["items"][0]["candidate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let m = expect_json(
        swipe(app, &e, &format!("/v1/vacancies/{v}/swipes/{cid}"), "like").await,
        StatusCode::OK,
    )
    .await;
    (y, e, m["match_id"].as_str().unwrap().to_owned())
}

api_test!(
    async fn a_match_releases_contact_details_to_both_sides(app) {
        let (y, e, id) = matched(&app).await;
        let for_youth = expect_json(app.get(&format!("/v1/matches/{id}"), Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(for_youth["contact"], json!({"name": "Petra Baas", "email": "match@bakkerij.nl", "organisation": "Bakkerij Zoet"}));
        assert_eq!(for_youth["candidate_id"], Value::Null);
        let for_employer = expect_json(app.get(&format!("/v1/matches/{id}"), Some(&e)).await, StatusCode::OK).await;
        assert_eq!(for_employer["contact"]["name"], "Sanne Verborgen");
        assert_eq!(for_employer["contact"]["email"], "match@voorbeeld.nl");
        let mine = expect_json(app.get("/v1/matches", Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(mine["items"][0]["id"], id.as_str());
    }
);

api_test!(
    settings [("ACCESS_TOKEN_TTL_SECONDS", "31536000")]
    async fn only_the_two_parties_read_and_write_the_conversation(app) {
        let (y, e, id) = matched(&app).await;
        let path = format!("/v1/matches/{id}/messages");
        let stranger = youth_with_profile(&app, "vreemd@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let rival = employer(&app, "rivaal@concurrent.nl").await;
        for outsider in [&stranger.token, &rival] {
            expect_problem(app.get(&path, Some(outsider)).await, StatusCode::NOT_FOUND, "match_not_found").await;
            expect_problem(app.post(&path, &json!({"text": "hallo"}), Some(outsider)).await, StatusCode::NOT_FOUND, "match_not_found").await;
            expect_problem(app.get(&format!("/v1/matches/{id}"), Some(outsider)).await, StatusCode::NOT_FOUND, "match_not_found").await;
        }
        expect_problem(app.get(&path, None).await, StatusCode::UNAUTHORIZED, "missing_token").await;

        app.deliver_mail().await;
        for text in ["Hoi! Wanneer kan ik langskomen?", "Ik kan ook zaterdag.", "Tot dan!"] {
            expect_json(app.post(&path, &json!({"text": text}), Some(&y.token)).await, StatusCode::CREATED).await;
        }
        app.deliver_mail().await;
        let notices = |app: &TestApp| app.mails_to("match@bakkerij.nl").iter().filter(|m| m.subject.starts_with("Nieuw bericht")).count();
        assert_eq!(notices(&app), 1, "at most one mail an hour per conversation");
        app.advance(TimeDelta::minutes(61));
        expect_json(app.post(&path, &json!({"text": "Nog één vraag."}), Some(&y.token)).await, StatusCode::CREATED).await;
        app.deliver_mail().await;
        assert_eq!(notices(&app), 2);

        let page = expect_json(app.get(&path, Some(&e)).await, StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[0]["text"], "Nog één vraag.", "newest first");
        assert_eq!(items[0]["mine"], false);
        // Reading has no side effect: the messages are unread until the employer says so.
        let unseen = expect_json(app.get(&path, Some(&y.token)).await, StatusCode::OK).await;
        assert!(unseen["items"][0]["read_at"].is_null(), "a GET marks nothing read");
        let marker = format!("/v1/matches/{id}/read-marker");
        // Up to the second newest: the newest stays unread.
        let second = items[1]["id"].as_str().unwrap();
        let res = send(app.client.put(app.url(&marker)).bearer_auth(&e).json(&json!({"up_to": second}))).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let seen = expect_json(app.get(&path, Some(&y.token)).await, StatusCode::OK).await;
        assert!(seen["items"][0]["read_at"].is_null(), "a message after the marker stays unread");
        assert!(seen["items"][1]["read_at"].is_string(), "read receipt: the employer has read it");
        let newest = items[0]["id"].as_str().unwrap();
        let res = send(app.client.put(app.url(&marker)).bearer_auth(&e).json(&json!({"up_to": newest}))).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let seen = expect_json(app.get(&path, Some(&y.token)).await, StatusCode::OK).await;
        assert!(seen["items"][0]["read_at"].is_string());
        assert_eq!(seen["items"][0]["mine"], true);
        expect_problem(app.post(&path, &json!({"text": ""}), Some(&e)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let long = "x".repeat(2001);
        expect_problem(app.post(&path, &json!({"text": long}), Some(&e)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
);

api_test!(
    async fn ending_a_match_tells_the_other_side_and_closes_the_conversation(app) {
        let (y, e, id) = matched(&app).await;
        app.deliver_mail().await;
        let res = send(app.client.delete(app.url(&format!("/v1/matches/{id}"))).bearer_auth(&e)).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        app.deliver_mail().await;
        assert_eq!(app.mails_to("match@voorbeeld.nl").iter().filter(|m| m.subject.starts_with("Match beëindigd")).count(), 1);
        let m = expect_json(app.get(&format!("/v1/matches/{id}"), Some(&y.token)).await, StatusCode::OK).await;
        assert!(m["ended_at"].is_string());
        assert_eq!(m["contact"], Value::Null);
        let res = app.post(&format!("/v1/matches/{id}/messages"), &json!({"text": "Hallo?"}), Some(&y.token)).await;
        expect_problem(res, StatusCode::CONFLICT, "match_ended").await;
    }
);

/// With Redis unreachable the feed is computed from the database every time.
#[actix_web::test]
async fn the_feed_answers_while_redis_is_down() {
    let app = TestApp::sqlite(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let y = youth_with_profile(
        &app,
        "offline-feed@voorbeeld.nl",
        &["teamwork", "reliability", "customer_focus"],
    )
    .await;
    let e = employer(&app, "offline@bakkerij.nl").await;
    let v = vacancy(&app, &e, json!({})).await;
    assert_eq!(feed_ids(&app, &y.token).await, vec![v.clone()]);
    expect_json(
        swipe(&app, &y.token, &format!("/v1/me/swipes/{v}"), "like").await,
        StatusCode::OK,
    )
    .await;
    assert!(feed_ids(&app, &y.token).await.is_empty());
    let cards = expect_json(
        app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&e))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cards["items"].as_array().unwrap().len(), 1);
}

api_test!(
    async fn a_warm_feed_lists_its_ids_from_the_cache_not_the_database(app) {
        let y = youth_with_profile(&app, "warm@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "warm@bakkerij.nl").await;
        let first = vacancy(&app, &e, json!({"location": loc(HELMOND), "place_name": "Helmond"})).await;
        assert_eq!(feed_ids(&app, &y.token).await, vec![first.clone()]);
        // A better vacancy appears. A page that queried candidates would rank it first; a
        // warm page lists the cached ids and so does not show it yet.
        let better = vacancy(&app, &e, json!({})).await;
        assert_eq!(feed_ids(&app, &y.token).await, vec![first.clone()]);
        // Once the cached list is gone (TTL, or a profile change), the feed is computed again.
        werkmatch::matching::feed::forget_youth_feed(&app.state, &werkmatch::db::ids::AccountId::parse(&y.id).unwrap()).await;
        assert_eq!(feed_ids(&app, &y.token).await, vec![better, first]);
    }
);

api_test!(
    async fn the_vacancy_index_catches_up_with_writes_of_another_instance(app) {
        let y = youth_with_profile(&app, "index@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "index@bakkerij.nl").await;
        let a = vacancy(&app, &e, json!({})).await;
        let b = vacancy(&app, &e, json!({})).await;
        let mut ids = feed_ids(&app, &y.token).await;
        ids.sort();
        let mut both = vec![a.clone(), b.clone()];
        both.sort();
        assert_eq!(ids, both);
        // Another instance pauses `a`: same database, but not this process's index.
        let (target, now) = (a.clone(), app.clock.now_naive() + TimeDelta::seconds(1));
        app.state.db.run(move |conn| {
            use diesel::prelude::*;
            use werkmatch::db::schema::vacancies as v;
            diesel::update(v::table.filter(v::id.eq(target))).set((v::status.eq("paused"), v::updated_at.eq(now))).execute(conn)?;
            Ok(())
        }).await.unwrap();
        // The server's refresher catches up every few seconds; here it is called directly.
        assert!(app.state.vacancy_index.catch_up(&app.state.db).await.unwrap() >= 1);
        assert_eq!(feed_ids(&app, &y.token).await, vec![b]);
    }
);

api_test!(
    async fn the_feed_pages_by_cursor_in_rank_order_without_gaps_or_repeats(app) {
        let y = youth_with_profile(&app, "pager@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "pager-baas@bedrijf.nl").await;
        // Different ranks (coverage, distance), and pairs that tie exactly (same everything).
        let shapes = [
            json!({}),
            json!({}),
            json!({"competences": ["teamwork", "numeracy"]}),
            json!({"competences": ["teamwork", "numeracy"]}),
            json!({"location": {"lat": HELMOND.0, "lon": HELMOND.1}, "place_name": "Helmond"}),
            json!({"competences": ["numeracy", "hygiene", "caring"]}),
            json!({"hours_min": 30, "hours_max": 40}),
        ];
        for (i, shape) in shapes.into_iter().enumerate() {
            let mut changes = shape;
            changes["title"] = json!(format!("Vacature {i}"));
            vacancy(&app, &e, changes).await;
        }
        let whole = feed_ids(&app, &y.token).await;
        assert_eq!(whole.len(), 7);
        let id = |c: &Value| c["vacancy_id"].as_str().unwrap().to_owned();
        let paged: Vec<String> = app.all_pages("/v1/me/feed?limit=2", Some(&y.token)).await.iter().map(id).collect();
        assert_eq!(paged, whole, "pages of two, in order, give the whole feed once");

        // Swiping the first page does not shift the next one.
        let first = expect_json(app.get("/v1/me/feed?limit=3", Some(&y.token)).await, StatusCode::OK).await;
        let cursor = first["next_cursor"].as_str().unwrap().to_owned();
        for card in first["items"].as_array().unwrap() {
            let v = card["vacancy_id"].as_str().unwrap();
            assert_eq!(swipe(&app, &y.token, &format!("/v1/me/swipes/{v}"), "pass").await.status(), StatusCode::OK);
        }
        let next = expect_json(app.get(&format!("/v1/me/feed?limit=3&cursor={cursor}"), Some(&y.token)).await, StatusCode::OK).await;
        let next: Vec<String> = next["items"].as_array().unwrap().iter().map(id).collect();
        assert_eq!(next, whole[3..6]);
        // Without a cursor the feed starts again at what is left.
        assert_eq!(feed_ids(&app, &y.token).await, whole[3..]);
        let last = expect_json(app.get(&format!("/v1/me/feed?limit=50&cursor={cursor}"), Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(last["next_cursor"], Value::Null, "nothing after the last page");
        // Another list's cursor is refused.
        let matches = expect_json(app.get("/v1/matches", Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(matches["next_cursor"], Value::Null);
        let competences = expect_json(app.get("/v1/competences?limit=1", None).await, StatusCode::OK).await;
        let foreign = competences["next_cursor"].as_str().unwrap();
        expect_problem(app.get(&format!("/v1/me/feed?cursor={foreign}"), Some(&y.token)).await, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
);

api_test!(
    async fn candidates_page_by_a_cursor_that_never_names_the_youth(app) {
        let e = employer(&app, "kandidaten-baas@bedrijf.nl").await;
        let v = vacancy(&app, &e, json!({})).await;
        let other = vacancy(&app, &e, json!({"title": "Andere vacature"})).await;
        let mut youth = Vec::new();
        for i in 0..5 {
            youth.push(youth_with_profile(&app, &format!("kandidaat{i}@voorbeeld.nl"), &["teamwork", "reliability", "customer_focus"]).await);
        }
        let path = format!("/v1/vacancies/{v}/candidates");
        let whole = expect_json(app.get(&format!("{path}?limit=50"), Some(&e)).await, StatusCode::OK).await;
        let id = |c: &Value| c["candidate_id"].as_str().unwrap().to_owned();
        let whole: Vec<String> = whole["items"].as_array().unwrap().iter().map(id).collect();
        assert_eq!(whole.len(), 5);
        let paged: Vec<String> = app.all_pages(&format!("{path}?limit=2"), Some(&e)).await.iter().map(id).collect();
        assert_eq!(paged, whole);
        let first = expect_json(app.get(&format!("{path}?limit=2"), Some(&e)).await, StatusCode::OK).await;
        let cursor = first["next_cursor"].as_str().unwrap();
        use base64::Engine;
        let opened = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).unwrap()).unwrap();
        for y in &youth {
            assert!(!opened.contains(&y.id) && !cursor.contains(&y.id), "the cursor names a youth: {opened}");
        }
        // The candidate id in it belongs to this vacancy: another vacancy refuses the cursor.
        let res = app.get(&format!("/v1/vacancies/{other}/candidates?cursor={cursor}"), Some(&e)).await;
        expect_problem(res, StatusCode::BAD_REQUEST, "invalid_query").await;
        // Someone outside the organisation is refused as such, whatever cursor they send.
        let stranger = employer(&app, "vreemde-baas@bedrijf.nl").await;
        let res = app.get(&format!("/v1/vacancies/{other}/candidates?cursor={cursor}"), Some(&stranger)).await;
        expect_problem(res, StatusCode::FORBIDDEN, "not_your_vacancy").await;
    }
);

api_test!(
    async fn a_vacancy_closed_on_another_instance_takes_no_like_although_this_index_says_open(app) {
        let y = youth_with_profile(&app, "closedelsewhere@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "closedelsewhere@bakkerij.nl").await;
        let v = vacancy(&app, &e, json!({})).await;
        // Another instance closes it: same database, this process's index not told.
        let target = v.clone();
        app.state.db.run(move |conn| {
            use diesel::prelude::*;
            use werkmatch::db::schema::vacancies as t;
            diesel::update(t::table.filter(t::id.eq(target))).set(t::status.eq("closed")).execute(conn)?;
            Ok(())
        }).await.unwrap();
        let now = app.clock.now_naive();
        assert!(app.state.vacancy_index.snapshot().is_open(werkmatch::matching::index::key_of(&v), now));
        expect_problem(swipe(&app, &y.token, &format!("/v1/me/swipes/{v}"), "like").await, StatusCode::NOT_FOUND, "vacancy_not_found").await;
        let id = v.clone();
        let swipes: i64 = app.state.db.run(move |conn| {
            use diesel::prelude::*;
            use werkmatch::db::schema::swipes as s;
            Ok(s::table.filter(s::vacancy_id.eq(id)).count().get_result(conn)?)
        }).await.unwrap();
        assert_eq!(swipes, 0, "no decision was stored for the closed vacancy");
    }
);

api_test!(
    async fn swipes_go_on_after_the_swipe_writer_was_killed(app) {
        let y = youth_with_profile(&app, "writerkill@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "writerkill@bakkerij.nl").await;
        let a = vacancy(&app, &e, json!({})).await;
        let b = vacancy(&app, &e, json!({})).await;
        expect_json(swipe(&app, &y.token, &format!("/v1/me/swipes/{a}"), "like").await, StatusCode::OK).await;
        app.state.swipes.kill();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let answer = expect_json(swipe(&app, &y.token, &format!("/v1/me/swipes/{b}"), "pass").await, StatusCode::OK).await;
        assert_eq!(answer["decision"], "pass");
        // Killed with a swipe in its queue: that swipe is written by the next writer.
        app.state.swipes.kill();
        let answer = expect_json(swipe(&app, &y.token, &format!("/v1/me/swipes/{a}"), "pass").await, StatusCode::OK).await;
        assert_eq!(answer["decision"], "pass");
    }
);

/// Puts a youth at an exact position (the profile helper puts everyone in Eindhoven).
async fn move_youth(app: &TestApp, y: &Youth, at: (f64, f64)) {
    let body = json!({"location": loc(at)});
    let res = send(
        app.client
            .patch(app.url("/v1/me/profile"))
            .bearer_auth(&y.token)
            .json(&body),
    )
    .await;
    expect_json(res, StatusCode::OK).await;
}

api_test!(
    async fn moving_a_vacancy_around_does_not_locate_an_anonymous_candidate(app) {
        // Two youth 500 m apart in the same grid cell: whatever an employer reads of them must
        // be the same, so no sequence of readings can tell where in the cell either one is.
        let (lat, lon) = (51.4416, 5.4697);
        let cell = werkmatch::matching::score::youth_position(lat, lon);
        let a = youth_with_profile(&app, "trilat-a@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let b = youth_with_profile(&app, "trilat-b@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let (pa, pb) = ((cell.0 - 0.0040, cell.1 - 0.0065), (cell.0 + 0.0040, cell.1 + 0.0003));
        assert_eq!(werkmatch::matching::score::youth_position(pa.0, pa.1), cell);
        assert_eq!(werkmatch::matching::score::youth_position(pb.0, pb.1), cell);
        move_youth(&app, &a, pa).await;
        move_youth(&app, &b, pb).await;
        let e = employer(&app, "trilat@bakkerij.nl").await;
        let v = vacancy(&app, &e, json!({})).await;
        // The attack: move the vacancy around the target and read every card's distance.
        let mut readings = Vec::new();
        for (dlat, dlon) in [(0.03, 0.0), (0.0, 0.05), (-0.03, 0.0), (0.0, -0.05), (0.021, 0.033), (-0.017, -0.041), (0.002, 0.003), (-0.004, 0.001)] {
            let res = send(app.client.patch(app.url(&format!("/v1/vacancies/{v}"))).bearer_auth(&e).json(&json!({"location": loc((lat + dlat, lon + dlon))}))).await;
            expect_json(res, StatusCode::OK).await;
            let cards = expect_json(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&e)).await, StatusCode::OK).await;
            let km: Vec<f64> = cards["items"].as_array().unwrap().iter().map(|c| c["distance_km"].as_f64().unwrap()).collect();
            assert_eq!(km.len(), 2, "{cards}");
            assert_eq!(km[0], km[1], "two youth of one cell read differently: {km:?}");
            assert_eq!(km[0].fract(), 0.0, "whole kilometres only: {km:?}");
            readings.push(km[0]);
        }
        // Solve as the attacker would: the point that best explains the readings, searched on
        // a 50 m grid around the area. It cannot tell a from b, 0.9 km apart, so it is at
        // least 400 m from one of them whichever point it picks.
        let truth = |p: (f64, f64)| -> f64 {
            let o = werkmatch::matching::score::Origin::new(p.0, p.1);
            let vacancies = [(0.03, 0.0), (0.0, 0.05), (-0.03, 0.0), (0.0, -0.05), (0.021, 0.033), (-0.017, -0.041), (0.002, 0.003), (-0.004, 0.001)];
            vacancies.iter().zip(&readings).map(|((dlat, dlon), r)| (o.km(lat + dlat, lon + dlon).round().max(1.0) - r).abs()).sum()
        };
        let mut best = (f64::MAX, (0.0, 0.0));
        for i in -40..=40 {
            for j in -40..=40 {
                let p = (lat + f64::from(i) * 0.00045, lon + f64::from(j) * 0.00072);
                let err = truth(p);
                if err < best.0 { best = (err, p); }
            }
        }
        let o = werkmatch::matching::score::Origin::new(best.1.0, best.1.1);
        let worst = o.km(pa.0, pa.1).max(o.km(pb.0, pb.1));
        assert!(worst >= 0.4, "the attacker got within {worst:.3} km of both youth");
    }
);

api_test!(
    async fn the_index_misses_no_commit_of_two_writers_that_commit_out_of_order(app) {
        // Only PostgreSQL has writers that overlap (SQLite has one writer at a time).
        if app.expected.0 != "postgres" {
            return;
        }
        let y = youth_with_profile(&app, "outoforder@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let e = employer(&app, "outoforder@bakkerij.nl").await;
        let a = vacancy(&app, &e, json!({})).await;
        let b = vacancy(&app, &e, json!({})).await;
        let c = vacancy(&app, &e, json!({})).await;
        assert_eq!(feed_ids(&app, &y.token).await.len(), 3);
        app.state.vacancy_index.catch_up(&app.state.db).await.unwrap();
        // Two other instances pause `a` and `b`. The first starts earlier (its timestamp is
        // older) but commits after the second, and after this index has looked.
        let url = app.state.settings.database_url.expose().to_owned();
        let pause = |id: &str, at: chrono::NaiveDateTime| {
            format!("UPDATE vacancies SET status = 'paused', updated_at = '{at}' WHERE id = '{id}'")
        };
        let now = app.clock.now_naive();
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut slow = diesel::PgConnection::establish(&url).unwrap();
        let mut quick = diesel::PgConnection::establish(&url).unwrap();
        slow.batch_execute(&format!("BEGIN; {}", pause(&a, now + TimeDelta::seconds(1)))).unwrap();
        quick.batch_execute(&format!("BEGIN; {}; COMMIT", pause(&b, now + TimeDelta::seconds(2)))).unwrap();
        app.state.vacancy_index.catch_up(&app.state.db).await.unwrap();
        assert_eq!(feed_ids(&app, &y.token).await.len(), 2, "b is paused; a not yet committed");
        slow.batch_execute("COMMIT").unwrap();
        app.state.vacancy_index.catch_up(&app.state.db).await.unwrap();
        let at = app.clock.now_naive();
        let snapshot = app.state.vacancy_index.snapshot();
        let open = |id: &str| snapshot.is_open(werkmatch::matching::index::key_of(id), at);
        assert!(!open(&a), "the write that committed last with the older timestamp is applied");
        assert!(!open(&b));
        assert!(open(&c));
    }
);

/// The pitches on a candidate page, in order.
fn pitches(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pitch"].as_str().unwrap_or("").to_owned())
        .collect()
}

api_test!(
    async fn a_candidate_page_is_served_again_only_while_nothing_it_shows_has_changed(app) {
        let e = employer(&app, "bewaard@bakkerij.nl").await;
        let v = vacancy(&app, &e, json!({})).await;
        let mut ys = Vec::new();
        for i in 0..5 {
            let y = youth_with_profile(&app, &format!("bewaard{i}@voorbeeld.nl"), &["teamwork", "reliability", "customer_focus"]).await;
            let patch = json!({"pitch": format!("Pitch {i}")});
            expect_json(send(app.client.patch(app.url("/v1/me/profile")).bearer_auth(&y.token).json(&patch)).await, StatusCode::OK).await;
            ys.push(y);
        }
        let path = format!("/v1/vacancies/{v}/candidates");
        let page = || async { expect_json(app.get(&path, Some(&e)).await, StatusCode::OK).await };
        let first = page().await;
        let mut shown = pitches(&first);
        shown.sort();
        assert_eq!(shown, ["Pitch 0", "Pitch 1", "Pitch 2", "Pitch 3", "Pitch 4"]);
        let kept = app.state.candidate_pages.served();
        assert_eq!(page().await, first);
        assert_eq!(app.state.candidate_pages.served(), kept + 1, "asked again, nothing changed: served as kept");
        // The caller's right is read each time: a kept page is no way around it.
        let other = employer(&app, "nieuwsgierig@bewaard.nl").await;
        expect_problem(app.get(&path, Some(&other)).await, StatusCode::FORBIDDEN, "not_your_vacancy").await;
        // What a card does not show changes nothing: still served as kept.
        app.execute(format!("UPDATE youth_profiles SET first_name = 'Anders', last_active_at = '2026-01-01 10:00:00' WHERE account_id = '{}'", ys[0].id)).await;
        assert_eq!(page().await, first);
        assert_eq!(app.state.candidate_pages.served(), kept + 2);

        // Each change below is written as another instance writes it: this process hears of
        // none of them, and its kept page must not outlive any.
        let now = app.clock.now_naive().format("%Y-%m-%d %H:%M:%S");
        let without = |page: &Value, gone: &[&str]| {
            let left = pitches(page);
            assert!(gone.iter().all(|g| !left.iter().any(|p| p == g)), "{left:?} still shows one of {gone:?}");
            left.len()
        };
        // The employer passes youth 0.
        app.execute(format!("INSERT INTO swipes (youth_id, vacancy_id, employer_decision, employer_decided_at, created_at) VALUES ('{}', '{v}', 'pass', '{now}', '{now}')", ys[0].id)).await;
        assert_eq!(without(&page().await, &["Pitch 0"]), 4);
        // Youth 1 pauses their profile.
        app.execute(format!("UPDATE youth_profiles SET status = 'paused' WHERE account_id = '{}'", ys[1].id)).await;
        assert_eq!(without(&page().await, &["Pitch 0", "Pitch 1"]), 3);
        // Youth 2 rewrites their pitch.
        app.execute(format!("UPDATE youth_profiles SET pitch = 'Pitch 2, herschreven' WHERE account_id = '{}'", ys[2].id)).await;
        let now_shown = page().await;
        assert!(pitches(&now_shown).contains(&"Pitch 2, herschreven".to_owned()), "{:?}", pitches(&now_shown));
        // Youth 3's account is deleted.
        app.execute(format!("DELETE FROM accounts WHERE id = '{}'", ys[3].id)).await;
        assert_eq!(without(&page().await, &["Pitch 0", "Pitch 1", "Pitch 3"]), 2);

        // Changes this process cannot account for make the page read afresh: here a change of
        // a youth who is not on it, whose record retention pruned (an hour on).
        let settled = page().await;
        let served = app.state.candidate_pages.served();
        assert_eq!(page().await, settled);
        assert_eq!(app.state.candidate_pages.served(), served + 1);
        let outsider = youth_with_profile(&app, "buiten@voorbeeld.nl", &["teamwork", "flexibility", "planning"]).await;
        app.execute(format!("UPDATE youth_profiles SET pitch = 'Anders' WHERE account_id = '{}'", outsider.id)).await;
        let later = app.clock.now_naive() + TimeDelta::hours(2);
        let pruned = app.state.db.run(move |conn| Ok(werkmatch::retention::prune(conn, later)?)).await.unwrap();
        assert!(pruned.card_changes >= 1, "{pruned:?}");
        assert_eq!(page().await, settled);
        assert_eq!(app.state.candidate_pages.served(), served + 1, "read afresh, not served as kept");
        assert_eq!(page().await, settled);
        assert_eq!(app.state.candidate_pages.served(), served + 2, "kept again from then on");

        // PostgreSQL empties tables at once without row triggers: emptying the swipes moves
        // every vacancy's version too (the employer's answers are gone).
        if app.expected.0 == "postgres" {
            let served = app.state.candidate_pages.served();
            app.execute("TRUNCATE swipes".to_owned()).await;
            assert_eq!(page().await, settled);
            assert_eq!(app.state.candidate_pages.served(), served, "read afresh after TRUNCATE");
        }
        let pages = if app.expected.0 == "postgres" { 12 } else { 11 };

        // Every time a kept page was served, its cards were counted as shown.
        let mut stats = json!(null);
        for _ in 0..250 {
            stats = expect_json(app.get("/v1/me/card-stats", Some(&ys[4].token)).await, StatusCode::OK).await;
            if stats["shown_to_employers"] == pages {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(stats["shown_to_employers"], pages, "youth 4 was on every page served");

        // The vacancy edited elsewhere: its page is read afresh, then kept again.
        let later = (app.clock.now_naive() + TimeDelta::seconds(5)).format("%Y-%m-%d %H:%M:%S");
        app.execute(format!("UPDATE vacancies SET title = 'Verkoper', updated_at = '{later}' WHERE id = '{v}'")).await;
        let served = app.state.candidate_pages.served();
        page().await;
        assert_eq!(app.state.candidate_pages.served(), served, "read afresh after the edit");
        page().await;
        assert_eq!(app.state.candidate_pages.served(), served + 1);
        // Closed elsewhere: no candidates at all, although a page is kept.
        app.execute(format!("UPDATE vacancies SET status = 'closed' WHERE id = '{v}'")).await;
        expect_problem(app.get(&path, Some(&e)).await, StatusCode::CONFLICT, "vacancy_closed").await;
        assert_eq!(app.state.candidate_pages.served(), served + 1);
    }
);
