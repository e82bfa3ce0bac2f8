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
        for i in 0..11 {
            let more = caseload_youth(&app, &org.coach, &format!("y{i}@voorbeeld.nl"), &["view_profile"]).await;
            assert_eq!(swipe(&app, &more.token, &format!("/v1/me/swipes/{v}"), "like").await.status(), StatusCode::OK);
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
        // Twelve youth liked (Noor through the introduction): shown, once each for the year.
        let now_month = format!("{}-{:02}", today(&app).year(), today(&app).month());
        let liked_in = report["rows"].as_array().unwrap().iter().find(|r| r["group"] == now_month.as_str()).unwrap().clone();
        // The eleven liked this month, Noor in the start month: were this month shown, the
        // total minus it would give Noor's month away, so it is suppressed with it (when both
        // are the same month, that month shows all twelve).
        if now_month == month {
            assert_eq!(liked_in["likes"]["value"], 12);
        } else {
            assert_eq!((liked_in["likes"]["suppressed"].as_bool(), liked_in["active_youth"]["suppressed"].as_bool()), (Some(true), Some(true)));
        }
        assert_eq!(report["total"]["likes"]["value"], 12);
        assert_eq!(report["total"]["active_youth"]["value"], 12);
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

const CALLERS: [&str; 14] = [
    "anonymous",
    "the youth",
    "another youth",
    "the responsible coach",
    "the coach's delegated token",
    "a colleague, not shared",
    "the coordinator",
    "a coach of youth work (no sensitive selection)",
    "the client employer's owner",
    "a member of the client employer",
    "the owner of an employer whose client relation ended",
    "an unrelated employer",
    "an admin",
    "a coach of another municipality",
];

/// Registers an employer and returns (token, organisation id).
async fn employer_with_org(app: &TestApp, email: &str) -> (String, String) {
    let token = employer(app, email).await;
    let v = vacancy(app, &token, json!({"status": "draft"})).await;
    let org = expect_json(
        app.get(&format!("/v1/vacancies/{v}"), Some(&token)).await,
        StatusCode::OK,
    )
    .await["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (token, org)
}

api_test!(
    settings [("RATE_LIMIT_REGISTRATIONS_PER_HOUR", "100")]
    async fn every_client_and_outcome_operation_answers_each_kind_of_caller_as_it_should(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "az").await;
        let yw = organisation(&app, &admin, "youth_work", "ay").await;
        let elsewhere = organisation(&app, &admin, "municipality", "ax").await;
        // The client (active, may swipe), with a member; a second employer whose relation ended.
        let (owner, client_org) = employer_with_org(&app, "owner@client.nl").await;
        let inv = app.post(&format!("/v1/organisations/{client_org}/invitations"), &json!({"email": "member@client.nl"}), Some(&owner)).await;
        assert!(inv.status().is_success());
        let member = crate::portal::join(&app, "member@client.nl", "Mia Member").await["access_token"].as_str().unwrap().to_owned();
        let client = expect_json(app.post("/v1/clients", &json!({"organisation_id": client_org, "may_swipe": true}), Some(&org.coach)).await, StatusCode::CREATED).await["id"].as_str().unwrap().to_owned();
        expect_json(app.post(&format!("/v1/clients/{client}/accept"), &json!({}), Some(&owner)).await, StatusCode::OK).await;
        let (ended_owner, ended_org) = employer_with_org(&app, "owner@ended.nl").await;
        let ended = expect_json(app.post("/v1/clients", &json!({"organisation_id": ended_org}), Some(&org.coach)).await, StatusCode::CREATED).await["id"].as_str().unwrap().to_owned();
        expect_json(app.post(&format!("/v1/clients/{ended}/accept"), &json!({}), Some(&ended_owner)).await, StatusCode::OK).await;
        let ended_vacancy = vacancy(&app, &org.coach, json!({"organisation_id": ended_org})).await;
        assert_eq!(req(&app, M::DELETE, &format!("/v1/clients/{ended}"), Some(&ended_owner), None).await.status(), StatusCode::NO_CONTENT);
        // A spare relation for the coordinator to end.
        let spare = expect_json(app.post("/v1/clients", &json!({"new_organisation": {"name": "Reserve", "city": "Ede"}}), Some(&org.coach)).await, StatusCode::CREATED).await["id"].as_str().unwrap().to_owned();
        let unrelated = employer(&app, "baas@elders.nl").await;
        // The client's vacancy, the youth in the caseload (sharing sensitive data), an introduction.
        let v = vacancy(&app, &org.coach, json!({"organisation_id": client_org})).await;
        let y = caseload_youth(&app, &org.coach, "sam@voorbeeld.nl", &["view_profile", "view_matches", "message_on_behalf", "view_sensitive"]).await;
        expect_json(req(&app, M::PUT, "/v1/me/sensitive", Some(&y.token), Some(json!({"benefit": "bijstand"}))).await, StatusCode::OK).await;
        let other = youth_with_profile(&app, "ander@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let intro = expect_json(app.post(&format!("/v1/caseload/youth/{}/introductions", y.id), &json!({"vacancy_id": v, "note": "Past goed."}), Some(&org.coach)).await, StatusCode::CREATED).await["id"].as_str().unwrap().to_owned();
        let delegated = crate::portal::delegated(&app, &org.coach, &y.id).await;
        // A placement with follow-ups, and one that ended.
        let start = today(&app);
        let p = expect_json(app.post("/v1/placements", &json!({"youth_id": y.id, "kind": "side_job", "organisation_name": "Snackbar", "start_date": start}), Some(&org.coach)).await, StatusCode::CREATED).await["id"].as_str().unwrap().to_owned();

        let callers: [Option<&str>; 14] = [
            None, Some(&y.token), Some(&other.token), Some(&org.coach), Some(&delegated), Some(&org.colleague),
            Some(&org.coordinator), Some(&yw.coach), Some(&owner), Some(&member), Some(&ended_owner), Some(&unrelated),
            Some(&admin), Some(&elsewhere.coach),
        ];
        let year = start.year();
        let new_client = json!({"new_organisation": {"name": "Nieuw", "city": "Ede"}});
        let intro_body = json!({"vacancy_id": v, "note": "Nog een."});
        let own_placement = json!({"youth_id": y.id, "kind": "job", "organisation_name": "Winkel", "start_date": start});
        let for_client = json!({"title": "Verkoper", "description": "Je helpt klanten in onze winkel, drie dagen per week.",
            "occupation": "shop_assistant", "kind": "job", "hours_min": 20, "hours_max": 24, "place_name": "Eindhoven",
            "location": {"lat": 51.4416, "lon": 5.4697}, "organisation_id": client_org});
        #[rustfmt::skip]
        let table: Vec<(M, String, Option<Value>, [u16; 14])> = vec![
            //                                                                             anon youth othr coach dlg colg coord yw  ownr mmbr endd unrl admn else
            (M::POST, "/v1/clients".into(), Some(new_client),                            [401, 403, 403, 201, 403, 201, 201, 201, 403, 403, 403, 403, 403, 201]),
            (M::GET, "/v1/clients".into(), None,                                         [401, 403, 403, 200, 403, 200, 200, 200, 200, 200, 200, 200, 403, 200]),
            (M::GET, format!("/v1/clients/{client}"), None,                              [401, 403, 403, 200, 404, 200, 200, 404, 200, 200, 404, 404, 403, 404]),
            (M::PATCH, format!("/v1/clients/{client}"), Some(json!({"may_swipe": true})), [401, 403, 403, 403, 404, 403, 403, 404, 200, 403, 404, 404, 403, 404]),
            (M::POST, format!("/v1/clients/{client}/accept"), None,                      [401, 403, 403, 403, 404, 403, 403, 404, 409, 403, 404, 404, 403, 404]),
            (M::POST, format!("/v1/clients/{client}/decline"), None,                     [401, 403, 403, 403, 404, 403, 403, 404, 409, 403, 404, 404, 403, 404]),
            (M::GET, format!("/v1/clients/{client}/activity"), None,                     [401, 403, 403, 200, 404, 200, 200, 404, 200, 200, 404, 404, 403, 404]),
            (M::GET, format!("/v1/clients/{ended}"), None,                               [401, 403, 403, 200, 404, 200, 200, 404, 404, 404, 200, 404, 403, 404]),
            (M::POST, "/v1/vacancies".into(), Some(for_client),                         [401, 403, 403, 201, 403, 201, 201, 404, 201, 201, 404, 404, 403, 404]),
            (M::GET, format!("/v1/vacancies/{v}/candidates"), None,                      [401, 403, 403, 200, 403, 200, 200, 403, 200, 200, 403, 403, 403, 403]),
            (M::GET, format!("/v1/vacancies/{ended_vacancy}/candidates"), None,          [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403]),
            (M::PATCH, format!("/v1/vacancies/{ended_vacancy}"), Some(json!({"positions": 2})), [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403]),
            (M::GET, format!("/v1/organisations/{client_org}/vacancies"), None,          [401, 404, 404, 200, 404, 200, 200, 404, 200, 200, 404, 404, 404, 404]),
            (M::GET, format!("/v1/matches?vacancy_id={v}"), None,                        [401, 200, 200, 200, 200, 200, 200, 404, 200, 200, 200, 200, 403, 404]),
            (M::GET, "/v1/me/introductions".into(), None,                                [401, 200, 200, 403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
            (M::GET, "/v1/caseload/introductions".into(), None,                          [401, 403, 403, 200, 403, 200, 200, 200, 403, 403, 403, 403, 403, 200]),
            (M::POST, format!("/v1/caseload/youth/{}/introductions", y.id), Some(intro_body), [401, 403, 403, 409, 403, 404, 404, 404, 403, 403, 403, 403, 403, 404]),
            (M::POST, format!("/v1/me/introductions/{intro}/accept"), None,              [401, 200, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
            (M::POST, format!("/v1/me/introductions/{intro}/decline"), None,             [401, 409, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
            (M::GET, "/v1/caseload/search?age_min=16".into(), None,                      [401, 403, 403, 200, 403, 200, 200, 200, 403, 403, 403, 403, 403, 200]),
            (M::GET, "/v1/caseload/search?benefit=bijstand".into(), None,                [401, 403, 403, 200, 403, 200, 200, 403, 403, 403, 403, 403, 403, 200]),
            (M::GET, "/v1/caseload/search?work_limitation=false".into(), None,           [401, 403, 403, 200, 403, 200, 200, 403, 403, 403, 403, 403, 403, 200]),
            (M::GET, "/v1/caseload/search?participation_step_max=4".into(), None,        [401, 403, 403, 200, 403, 200, 200, 403, 403, 403, 403, 403, 403, 200]),
            (M::POST, "/v1/placements".into(), Some(own_placement),                      [401, 201, 422, 201, 403, 404, 404, 404, 422, 422, 422, 422, 403, 404]),
            (M::GET, "/v1/placements".into(), None,                                      [401, 200, 200, 200, 403, 200, 200, 200, 200, 200, 200, 200, 403, 200]),
            (M::GET, format!("/v1/placements/{p}"), None,                                [401, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
            (M::POST, format!("/v1/placements/{p}/confirm"), None,                       [401, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
            (M::GET, "/v1/placements/follow-ups?due=open".into(), None,                  [401, 403, 403, 200, 403, 200, 200, 200, 403, 403, 403, 403, 403, 200]),
            (M::POST, format!("/v1/placements/{p}/follow-ups"), Some(json!({"week": 2, "progress": "at_risk"})), [401, 403, 404, 201, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
            (M::POST, format!("/v1/placements/{p}/reopen"), None,                        [401, 409, 404, 409, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
            (M::GET, format!("/v1/reports/outcomes?year={year}"), None,                  [401, 403, 403, 200, 403, 200, 200, 200, 403, 403, 403, 403, 200, 200]),
            (M::GET, format!("/v1/reports/outcomes?year={year}&group_by=benefit"), None, [401, 403, 403, 200, 403, 200, 200, 403, 403, 403, 403, 403, 403, 200]),
            (M::GET, format!("/v1/reports/outcomes?year={year}&group_by=work_limitation"), None, [401, 403, 403, 200, 403, 200, 200, 403, 403, 403, 403, 403, 403, 200]),
            // Last: ending a relation is the coordinator's (or the owner's), once.
            (M::DELETE, format!("/v1/clients/{spare}"), None,                            [401, 403, 403, 403, 404, 403, 204, 404, 404, 404, 404, 404, 403, 404]),
        ];
        let mut wrong = Vec::new();
        for (method, path, body, expected) in &table {
            for (i, token) in callers.iter().enumerate() {
                let got = req(&app, method.clone(), path, *token, body.clone()).await.status().as_u16();
                if got != expected[i] {
                    wrong.push(format!("{method} {path} by {}: {got}, expected {}", CALLERS[i], expected[i]));
                }
            }
        }
        assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    }
);

/// The swipe tallies' swipes and likes in `month` of `year`, and the swipes' own count of the
/// same (every youth): the two must always agree. Checks on the way that the weekly likes and
/// passes agree with the swipes.
async fn tallied_and_counted(app: &TestApp, year: i32, month: u32) -> ((i64, i64), (i64, i64)) {
    #[derive(diesel::QueryableByName)]
    struct Two {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        a: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        b: i64,
    }
    let start = chrono::NaiveDate::from_ymd_opt(year, month, 1).unwrap();
    let end = start.checked_add_months(chrono::Months::new(1)).unwrap();
    app.state
        .db
        .run(move |conn| {
            use diesel::RunQueryDsl;
            let tallied: Two = diesel::sql_query(format!(
                "SELECT CAST(COALESCE(SUM(s{month}), 0) AS BIGINT) AS a, CAST(COALESCE(SUM(l{month}), 0) AS BIGINT) AS b \
                 FROM swipe_tallies WHERE year = {year}"
            ))
            .get_result(conn)?;
            let counted: Two = diesel::sql_query(format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS a, CAST(COALESCE(SUM(CASE WHEN youth_decision = 'like' THEN 1 ELSE 0 END), 0) AS BIGINT) AS b \
                 FROM swipes WHERE youth_decided_at >= '{start} 00:00:00' AND youth_decided_at < '{end} 00:00:00'"
            ))
            .get_result(conn)?;
            // The weekly counts (caseload pages) must agree too, over all weeks.
            let weeks: Two = diesel::sql_query(
                "SELECT CAST(COALESCE(SUM(likes), 0) AS BIGINT) AS a, CAST(COALESCE(SUM(passes), 0) AS BIGINT) AS b FROM swipe_weeks",
            )
            .get_result(conn)?;
            let decided: Two = diesel::sql_query(
                "SELECT CAST(COALESCE(SUM(CASE WHEN youth_decision = 'like' THEN 1 ELSE 0 END), 0) AS BIGINT) AS a, \
                 CAST(COALESCE(SUM(CASE WHEN youth_decision = 'pass' THEN 1 ELSE 0 END), 0) AS BIGINT) AS b FROM swipes",
            )
            .get_result(conn)?;
            assert_eq!((weeks.a, weeks.b), (decided.a, decided.b), "weekly likes and passes");
            Ok(((tallied.a, tallied.b), (counted.a, counted.b)))
        })
        .await
        .unwrap()
}

api_test!(
    async fn the_swipe_tallies_reports_read_follow_every_change_of_the_swipes(app) {
        // Reports count swipes from tallies kept by database triggers: whoever writes the
        // swipes (the app, a correction, retention, an account's deletion), they must agree.
        let now = app.clock.now().naive_utc();
        let (year, month) = (now.year(), now.month());
        let e = employer(&app, "tellen@bakkerij.nl").await;
        let vacancies = [vacancy(&app, &e, json!({})).await, vacancy(&app, &e, json!({})).await, vacancy(&app, &e, json!({})).await];
        let a = youth_with_profile(&app, "teller@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let b = youth_with_profile(&app, "tweede@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        for (y, v, d) in [(&a, 0, "like"), (&a, 1, "pass"), (&a, 2, "like"), (&b, 0, "like"), (&b, 1, "like")] {
            assert_eq!(swipe(&app, &y.token, &format!("/v1/me/swipes/{}", vacancies[v]), d).await.status(), StatusCode::OK);
        }
        let (tallied, counted) = tallied_and_counted(&app, year, month).await;
        assert_eq!(tallied, (5, 4));
        assert_eq!(tallied, counted);

        // A changed mind moves a like to a pass.
        assert_eq!(swipe(&app, &a.token, &format!("/v1/me/swipes/{}", vacancies[0]), "pass").await.status(), StatusCode::OK);
        let (tallied, counted) = tallied_and_counted(&app, year, month).await;
        assert_eq!(tallied, (5, 3));
        assert_eq!(tallied, counted);

        // A decision moved to another year leaves this month and lands in that year's tally.
        let earlier = format!("{}-02-10 12:00:00", year - 1);
        assert_eq!(app.execute(format!("UPDATE swipes SET youth_decided_at = '{earlier}' WHERE youth_id = '{}' AND vacancy_id = '{}'", b.id, vacancies[1])).await, 1);
        assert_eq!(tallied_and_counted(&app, year, month).await, ((4, 2), (4, 2)));
        assert_eq!(tallied_and_counted(&app, year - 1, 2).await, ((1, 1), (1, 1)));

        // A deleted swipe is taken back; a deleted account takes its tallies with it.
        assert_eq!(app.execute(format!("DELETE FROM swipes WHERE youth_id = '{}' AND vacancy_id = '{}'", a.id, vacancies[2])).await, 1);
        assert_eq!(tallied_and_counted(&app, year, month).await, ((3, 1), (3, 1)));
        assert_eq!(app.execute(format!("DELETE FROM accounts WHERE id = '{}'", b.id)).await, 1);
        assert_eq!(tallied_and_counted(&app, year, month).await, ((2, 0), (2, 0)));
        assert_eq!(tallied_and_counted(&app, year - 1, 2).await, ((0, 0), (0, 0)));
        let left = app.execute(format!("UPDATE swipe_tallies SET year = year WHERE youth_id = '{}'", b.id)).await;
        assert_eq!(left, 0, "no tally outlives its youth");

        // Retention keeps five weeks of weekly counts: a decision moved ten weeks back leaves
        // a week that the next pruning deletes, and this week's stays.
        let long_ago = now - TimeDelta::weeks(10);
        assert_eq!(app.execute(format!("UPDATE swipes SET youth_decided_at = '{long_ago}' WHERE youth_id = '{}' AND vacancy_id = '{}'", a.id, vacancies[1])).await, 1);
        let weeks_of_a = format!("UPDATE swipe_weeks SET week = week WHERE youth_id = '{}'", a.id);
        assert_eq!(app.execute(weeks_of_a.clone()).await, 2);
        let pruned = app.state.db.run(move |conn| Ok(werkmatch::retention::prune(conn, now)?)).await.unwrap();
        assert_eq!(pruned.weeks, 1);
        assert_eq!(app.execute(weeks_of_a).await, 1);

        // PostgreSQL can empty the swipes at once (no row triggers fire): the tallies go too.
        if app.expected.0 == "postgres" {
            app.execute("TRUNCATE swipes CASCADE".to_owned()).await;
            assert_eq!(tallied_and_counted(&app, year, month).await, ((0, 0), (0, 0)));
            assert_eq!(app.execute("UPDATE swipe_tallies SET year = year".to_owned()).await, 0);
        }
    }
);

api_test!(
    settings [("RATE_LIMIT_REGISTRATIONS_PER_HOUR", "100")]
    async fn a_report_by_province_places_each_youth_by_where_they_live(app) {
        // Ten youth (enough for a figure to show) move together: from Eindhoven through five
        // provinces, over grid borders, across the Belgian border, out of the grid's box, and
        // to nowhere (no location).
        let admin = admin(&app).await;
        let year = today(&app).year();
        let mut ids = Vec::new();
        for i in 0..10 {
            ids.push(youth_with_profile(&app, &format!("provincie{i}@voorbeeld.nl"), &["teamwork", "reliability", "customer_focus"]).await.id);
        }
        let all = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(", ");
        let by_province = async || {
            let report = expect_json(app.get(&format!("/v1/reports/outcomes?year={year}&group_by=province"), Some(&admin)).await, StatusCode::OK).await;
            assert_eq!(report["group_by"], "province");
            let rows = report["rows"].as_array().unwrap().clone();
            // Every province is listed, found or not, and nothing else.
            let groups: Vec<&str> = rows.iter().map(|r| r["group"].as_str().unwrap()).collect();
            assert_eq!(groups.len(), 14, "{groups:?}");
            assert!(groups.contains(&"Fryslân") && groups.contains(&"abroad") && groups.contains(&"unknown"));
            let shown: Vec<String> = rows.iter().filter(|r| r["registrations"]["value"] == 10).map(|r| r["group"].as_str().unwrap().to_owned()).collect();
            assert_eq!(report["total"]["registrations"]["value"], 10);
            shown
        };
        assert_eq!(by_province().await, ["Noord-Brabant"]);
        for (lat, lon, province) in [
            ("52.0907", "5.1214", "Utrecht"),
            ("53.2012", "5.7999", "Fryslân"),
            ("50.8514", "5.6910", "Limburg"),
            ("52.7792", "6.9069", "Drenthe"),
            // Baarle-Nassau, and Baarle-Hertog five kilometres away in Belgium.
            ("51.4475", "4.9292", "Noord-Brabant"),
            ("51.4050", "4.8923", "abroad"),
            ("51.2194", "4.4025", "abroad"),
            // A fifth of a cell from a border between two cells of the grid, on either side
            // of it, by latitude and by longitude: a cell computed by rounding instead of
            // rounding down would put the first of each pair across the border.
            ("52.658", "6.3795", "Overijssel"),
            ("52.662", "6.3795", "Drenthe"),
            ("52.703", "6.117", "Overijssel"),
            ("52.703", "6.123", "Drenthe"),
            // North of the box, and south of it.
            ("55.6761", "12.5683", "abroad"),
            ("48.8566", "2.3522", "abroad"),
        ] {
            app.execute(format!("UPDATE youth_profiles SET latitude = {lat}, longitude = {lon} WHERE account_id IN ({all})")).await;
            assert_eq!(by_province().await, [province], "{lat}, {lon}");
        }
        app.execute(format!("UPDATE youth_profiles SET latitude = NULL, longitude = NULL WHERE account_id IN ({all})")).await;
        assert_eq!(by_province().await, ["unknown"]);
    }
);

api_test!(
    settings [("RATE_LIMIT_REGISTRATIONS_PER_HOUR", "100")]
    async fn identical_reports_of_everyone_asked_at_once_agree_and_count_what_came_before(app) {
        // Reports of everyone asked at the same moment share one computation (outcomes::gather):
        // each still answers what a report of its own would, and one asked after a write counts it.
        let admin = admin(&app).await;
        let year = today(&app).year();
        for i in 0..10 {
            youth_with_profile(&app, &format!("tegelijk{i}@voorbeeld.nl"), &["teamwork", "reliability", "customer_focus"]).await;
        }
        let by_age = format!("/v1/reports/outcomes?year={year}&group_by=age_band");
        let by_month = format!("/v1/reports/outcomes?year={year}");
        let ask = async |url: &str| expect_json(app.get(url, Some(&admin)).await, StatusCode::OK).await;
        let (a, b, c, m) = tokio::join!(ask(&by_age), ask(&by_age), ask(&by_age), ask(&by_month));
        assert_eq!(a["total"]["registrations"]["value"], 10);
        assert_eq!(a["group_by"], "age_band");
        assert!(a == b && b == c, "{a} {b} {c}");
        // Another report at the same moment is its own.
        assert_eq!(m["group_by"], "month");
        assert_eq!(m["total"]["registrations"]["value"], 10);
        // One more youth registers: the reports asked next count them.
        youth_with_profile(&app, "tegelijk10@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let (d, e) = tokio::join!(ask(&by_age), ask(&by_age));
        assert_eq!(d["total"]["registrations"]["value"], 11);
        assert_eq!(d, e);
    }
);
