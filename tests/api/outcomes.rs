//! Placements, aftercare and output reports: the whole story of a coach's client, from a
//! vacancy to the report that counts its placement; who may see a placement; and a report
//! that never shows a figure of fewer than ten youth.

use chrono::{Datelike, TimeDelta};
use reqwest::Method as M;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::*;
use crate::matching::{employer, swipe, vacancy, youth_with_profile};
use crate::portal::{Youth, admin, consent, organisation, req};

fn today(app: &TestApp) -> chrono::NaiveDate {
    app.clock.now().date_naive()
}

/// A youth with a full profile in the coach's caseload.
async fn caseload_youth(app: &TestApp, coach: &str, email: &str, scopes: &[&str]) -> Youth {
    let y = youth_with_profile(app, email, &["teamwork", "reliability", "customer_focus"]).await;
    let youth = Youth {
        token: y.token,
        id: y.id,
    };
    consent(app, coach, &youth, scopes).await;
    youth
}

api_test!(
    // Weeks pass in this story: tokens and sessions outlive them.
    settings [("ACCESS_TOKEN_TTL_SECONDS", "31536000"), ("REFRESH_TOKEN_TTL_DAYS", "365"), ("RATE_LIMIT_REGISTRATIONS_PER_HOUR", "100")]
    async fn from_a_client_vacancy_to_a_placement_its_aftercare_and_the_report(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "st").await;
        let boss = employer(&app, "baas@story.nl").await;
        // The coach's organisation recruits for the employer.
        let own = vacancy(&app, &boss, json!({"status": "draft"})).await;
        let employer_org = expect_json(app.get(&format!("/v1/vacancies/{own}"), Some(&boss)).await, StatusCode::OK).await["organisation"]["id"].as_str().unwrap().to_owned();
        let client = expect_json(app.post("/v1/clients", &json!({"organisation_id": employer_org}), Some(&org.coach)).await, StatusCode::CREATED).await["id"].as_str().unwrap().to_owned();
        expect_json(app.post(&format!("/v1/clients/{client}/accept"), &json!({}), Some(&boss)).await, StatusCode::OK).await;
        let v = vacancy(&app, &org.coach, json!({"organisation_id": employer_org})).await;

        // The coach introduces a youth, who says yes; the employer likes the card: a match.
        let y = caseload_youth(&app, &org.coach, "noor@voorbeeld.nl", &["view_profile", "message_on_behalf"]).await;
        let intro = expect_json(app.post(&format!("/v1/caseload/youth/{}/introductions", y.id), &json!({"vacancy_id": v, "note": "Noor wil graag in de winkel werken."}), Some(&org.coach)).await, StatusCode::CREATED).await;
        expect_json(app.post(&format!("/v1/me/introductions/{}/accept", intro["id"].as_str().unwrap()), &json!({}), Some(&y.token)).await, StatusCode::OK).await;
        let cards = expect_json(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&boss)).await, StatusCode::OK).await;
        assert!(cards["items"][0]["introduced_by"].is_object());
        let candidate = cards["items"][0]["candidate_id"].as_str().unwrap();
        let m = expect_json(swipe(&app, &boss, &format!("/v1/vacancies/{v}/swipes/{candidate}"), "like").await, StatusCode::OK).await["match_id"].as_str().unwrap().to_owned();

        // The employer records the placement; the introducing coach does the aftercare.
        let start = today(&app);
        let body = json!({"match_id": m, "kind": "job", "start_date": start, "hours_per_week": 32, "contract": "fixed_term"});
        let placed = expect_json(app.post("/v1/placements", &body, Some(&boss)).await, StatusCode::CREATED).await;
        let p = placed["id"].as_str().unwrap().to_owned();
        assert_eq!(placed["recorded_as"], "employer");
        assert_eq!(placed["confirmed"], false);
        assert_eq!(placed["intermediary_id"], org.id.as_str());
        assert_eq!(placed["youth_name"], "Sanne Verborgen", "the match released the name to the employer");
        let weeks: Vec<i64> = placed["follow_ups"].as_array().unwrap().iter().map(|f| f["week"].as_i64().unwrap()).collect();
        assert_eq!(weeks, [2, 6, 13]);
        expect_problem(app.post("/v1/placements", &body, Some(&boss)).await, StatusCode::CONFLICT, "already_placed").await;
        // The youth and the coach confirm; the youth's search pauses.
        let mine = expect_json(app.post(&format!("/v1/placements/{p}/confirm"), &json!({}), Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(mine["youth_name"], Value::Null);
        let both = expect_json(app.post(&format!("/v1/placements/{p}/confirm"), &json!({}), Some(&org.coach)).await, StatusCode::OK).await;
        assert_eq!(both["confirmed"], true);
        expect_problem(app.get("/v1/me/feed", Some(&y.token)).await, StatusCode::CONFLICT, "profile_paused").await;
        // Nobody else sees it.
        let stranger = employer(&app, "ander@story.nl").await;
        expect_problem(app.get(&format!("/v1/placements/{p}"), Some(&stranger)).await, StatusCode::NOT_FOUND, "placement_not_found").await;
        let other = youth_with_profile(&app, "iemand@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        expect_problem(app.get(&format!("/v1/placements/{p}"), Some(&other.token)).await, StatusCode::NOT_FOUND, "placement_not_found").await;
        expect_problem(app.get(&format!("/v1/placements/{p}"), Some(&org.colleague)).await, StatusCode::NOT_FOUND, "placement_not_found").await;

        // Two weeks after the start the first follow-up is due, and answered.
        let open = expect_json(app.get("/v1/placements/follow-ups?due=overdue", Some(&org.coach)).await, StatusCode::OK).await;
        assert!(open["items"].as_array().unwrap().is_empty());
        app.advance(TimeDelta::days(17));
        let open = expect_json(app.get("/v1/placements/follow-ups?due=overdue", Some(&org.coach)).await, StatusCode::OK).await;
        assert_eq!(open["items"].as_array().unwrap().len(), 1);
        assert_eq!((open["items"][0]["week"].as_i64(), open["items"][0]["youth_name"].as_str()), (Some(2), Some("Sanne Verborgen")));
        let answer = json!({"week": 2, "progress": "on_track", "note": "Gaat goed, vaste werktijden helpen."});
        expect_problem(app.post(&format!("/v1/placements/{p}/follow-ups"), &answer, Some(&boss)).await, StatusCode::FORBIDDEN, "wrong_role").await;
        let answered = expect_json(app.post(&format!("/v1/placements/{p}/follow-ups"), &answer, Some(&org.coach)).await, StatusCode::CREATED).await;
        assert_eq!(answered["follow_ups"][0]["progress"], "on_track");
        expect_problem(app.post(&format!("/v1/placements/{p}/follow-ups"), &answer, Some(&org.coach)).await, StatusCode::CONFLICT, "follow_up_answered").await;
        expect_problem(app.post(&format!("/v1/placements/{p}/follow-ups"), &json!({"week": 6, "progress": "ended"}), Some(&org.coach)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let open = expect_json(app.get("/v1/placements/follow-ups?due=overdue", Some(&org.coach)).await, StatusCode::OK).await;
        assert!(open["items"].as_array().unwrap().is_empty());
        // The youth's log shows who recorded and read the placement.
        let log = app.all_pages("/v1/me/audit", Some(&y.token)).await;
        assert!(log.iter().any(|l| l["action"] == "record_placement" && l["actor_role"] == "employer"));

        // The report of the organisation's caseload counts it, but one placement is too few to
        // show: suppressed in its month and in the total.
        let year = start.year();
        let report = expect_json(app.get(&format!("/v1/reports/outcomes?year={year}"), Some(&org.coach)).await, StatusCode::OK).await;
        assert_eq!(report["min_cell"], 10);
        assert_eq!(report["total"]["placements_started"], json!({"value": null, "suppressed": true}));
        assert_eq!(report["total"]["introductions"]["suppressed"], true);
        let month = format!("{year}-{:02}", start.month());
        let row = report["rows"].as_array().unwrap().iter().find(|r| r["group"] == month.as_str()).unwrap().clone();
        assert_eq!(row["placements_started"]["suppressed"], true);

        // Eleven more youth in the caseload, each placed by the coach: twelve placements are
        // shown. A youth outside the caseload is not counted.
        let first_month = today(&app);
        for i in 0..11 {
            let more = caseload_youth(&app, &org.coach, &format!("y{i}@voorbeeld.nl"), &["view_profile"]).await;
            let body = json!({"youth_id": more.id, "kind": "bbl", "organisation_name": "Bouwbedrijf Sterk", "start_date": start, "contract": "apprenticeship"});
            let placed = expect_json(app.post("/v1/placements", &body, Some(&org.coach)).await, StatusCode::CREATED).await;
            assert_eq!(placed["recorded_as"], "coach");
        }
        youth_with_profile(&app, "buiten@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let report = expect_json(app.get(&format!("/v1/reports/outcomes?year={year}"), Some(&org.coach)).await, StatusCode::OK).await;
        assert_eq!(report["total"]["placements_started"]["value"], 12);
        assert_eq!(report["total"]["registrations"]["value"], 12, "only the caseload counts");
        let row = report["rows"].as_array().unwrap().iter().find(|r| r["group"] == month.as_str()).unwrap().clone();
        assert_eq!(row["placements_started"]["value"], 12);
        // One match among them is still too few to show, in the month and the total.
        assert_eq!(row["matches"]["suppressed"], true);
        assert_eq!(report["total"]["matches"]["suppressed"], true);
        assert!(!report.to_string().contains(&y.id), "a report names nobody");
        // By kind of work: the youth all look for a job, so one group holds all twelve.
        let by_kind = expect_json(app.get(&format!("/v1/reports/outcomes?year={year}&group_by=kind"), Some(&org.coach)).await, StatusCode::OK).await;
        let job = by_kind["rows"].as_array().unwrap().iter().find(|r| r["group"] == "job").unwrap().clone();
        assert_eq!(job["registrations"]["value"], 12);
        // Benefit groups: a municipality may; a youth-work organisation may not.
        expect_json(app.get(&format!("/v1/reports/outcomes?year={year}&group_by=benefit"), Some(&org.coordinator)).await, StatusCode::OK).await;
        let youth_work = organisation(&app, &admin, "youth_work", "yw").await;
        expect_problem(app.get(&format!("/v1/reports/outcomes?year={year}&group_by=benefit"), Some(&youth_work.coach)).await, StatusCode::FORBIDDEN, "sensitive_selection_not_allowed").await;
        // An admin's report covers everyone.
        let all = expect_json(app.get(&format!("/v1/reports/outcomes?year={year}&group_by=region"), Some(&admin)).await, StatusCode::OK).await;
        assert!(all["total"]["registrations"]["value"].as_u64().unwrap() >= 14);
        assert_eq!(all["organisation_id"], Value::Null);
        expect_problem(app.get(&format!("/v1/reports/outcomes?year={year}"), Some(&boss)).await, StatusCode::FORBIDDEN, "wrong_role").await;
        expect_problem(app.get("/v1/reports/outcomes?year=2015", Some(&org.coach)).await, StatusCode::BAD_REQUEST, "invalid_query").await;
        // The same as CSV for a spreadsheet.
        let csv = send(app.client.get(app.url(&format!("/v1/reports/outcomes?year={year}"))).bearer_auth(&org.coach).header("accept", "text/csv")).await;
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with("group,registrations,"));
        let total = text.lines().last().unwrap();
        assert!(total.starts_with("total,12,") && total.contains(",x,"), "{total}");
        let _ = first_month;

        // The placement ends early at the 6-week follow-up and is reopened as a search.
        app.advance(TimeDelta::days(28));
        let ended = expect_json(app.post(&format!("/v1/placements/{p}/follow-ups"), &json!({"week": 6, "progress": "ended", "reason": "left"}), Some(&org.coach)).await, StatusCode::CREATED).await;
        assert_eq!((ended["status"].as_str(), ended["end_reason"].as_str()), (Some("ended"), Some("left")));
        expect_problem(app.post(&format!("/v1/placements/{p}/follow-ups"), &json!({"week": 13, "progress": "on_track"}), Some(&org.coach)).await, StatusCode::CONFLICT, "placement_ended").await;
        expect_problem(app.post(&format!("/v1/placements/{p}/reopen"), &json!({}), Some(&boss)).await, StatusCode::FORBIDDEN, "wrong_role").await;
        let reopened = expect_json(app.post(&format!("/v1/placements/{p}/reopen"), &json!({}), Some(&y.token)).await, StatusCode::OK).await;
        assert!(reopened["reopened_at"].is_string());
        let profile = expect_json(app.get("/v1/me/profile", Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(profile["status"], "active");
        let running = expect_json(app.get(&format!("/v1/placements/{}", p), Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(running["status"], "ended");
        let listed = expect_json(req(&app, M::GET, "/v1/placements", Some(&org.coach), None).await, StatusCode::OK).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 12);
    }
);
