//! Employer clients of intermediaries and introductions: a coach recruits for a client until
//! the relation ends; an employer without an account is created and later claimed; a coach
//! introduces a youth, who says yes, the employer sees the card first and likes, and the coach
//! talks along in the match.

use reqwest::Method as M;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::*;
use crate::matching::{employer, swipe, vacancy, youth_with_profile};
use crate::portal::{Org, Youth, admin, consent, organisation, req};

/// A vacancy body posted by a coach for `client`.
fn for_client(client: &str) -> Value {
    json!({"organisation_id": client})
}

async fn organisation_of(app: &TestApp, employer: &str) -> String {
    // An employer's own first vacancy names its organisation.
    let v = vacancy(app, employer, json!({"status": "draft", "title": "Eerste"})).await;
    expect_json(
        app.get(&format!("/v1/vacancies/{v}"), Some(employer)).await,
        StatusCode::OK,
    )
    .await["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn client_of(app: &TestApp, org: &Org, employer: &str, may_swipe: bool) -> (String, String) {
    let employer_org = organisation_of(app, employer).await;
    let proposed = expect_json(
        app.post(
            "/v1/clients",
            &json!({"organisation_id": employer_org, "may_swipe": may_swipe}),
            Some(&org.coach),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(proposed["status"], "proposed");
    assert_eq!(proposed["claimed"], true);
    let id = proposed["id"].as_str().unwrap().to_owned();
    let accepted = expect_json(
        app.post(
            &format!("/v1/clients/{id}/accept"),
            &json!({}),
            Some(employer),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(accepted["status"], "active");
    (id, employer_org)
}

api_test!(
    async fn a_coach_recruits_for_a_client_until_the_relation_ends(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "cl").await;
        let boss = employer(&app, "baas@bakkerij.nl").await;
        let employer_org = organisation_of(&app, &boss).await;

        // Before the employer accepts, the coach cannot post for it.
        let proposed = expect_json(
            app.post("/v1/clients", &json!({"organisation_id": employer_org, "may_swipe": true}), Some(&org.coach)).await,
            StatusCode::CREATED,
        )
        .await;
        let client = proposed["id"].as_str().unwrap().to_owned();
        expect_problem(
            app.post("/v1/clients", &json!({"organisation_id": employer_org}), Some(&org.colleague)).await,
            StatusCode::CONFLICT,
            "already_a_client",
        )
        .await;
        let body = json!({"title": "Bakker (BBL)", "description": "Je leert het vak in onze bakkerij, vier dagen per week.",
            "occupation": "shop_assistant", "kind": "job", "hours_min": 24, "hours_max": 32, "place_name": "Eindhoven",
            "location": {"lat": 51.4416, "lon": 5.4697}, "status": "open", "organisation_id": employer_org});
        expect_problem(app.post("/v1/vacancies", &body, Some(&org.coach)).await, StatusCode::NOT_FOUND, "organisation_not_found").await;
        app.deliver_mail().await;
        assert!(app.mails_to("baas@bakkerij.nl").iter().any(|m| m.subject.contains("Team cl")), "the owner is told of the proposal");
        // Only the owner answers; a coach cannot.
        expect_problem(app.post(&format!("/v1/clients/{client}/accept"), &json!({}), Some(&org.coach)).await, StatusCode::FORBIDDEN, "wrong_role").await;
        expect_json(app.post(&format!("/v1/clients/{client}/accept"), &json!({}), Some(&boss)).await, StatusCode::OK).await;

        // The coach posts for the client; everyone sees who posted it for whom.
        let posted = expect_json(app.post("/v1/vacancies", &body, Some(&org.coach)).await, StatusCode::CREATED).await;
        let v = posted["id"].as_str().unwrap().to_owned();
        assert_eq!(posted["organisation"]["id"], employer_org.as_str());
        assert_eq!(posted["posted_by"]["name"], "Team cl");
        let y = youth_with_profile(&app, "sanne@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let seen = expect_json(app.get(&format!("/v1/vacancies/{v}"), Some(&y.token)).await, StatusCode::OK).await;
        assert_eq!(seen["posted_by"]["name"], "Team cl");
        assert_eq!(seen["status"], Value::Null, "members-only fields stay hidden from youth");
        let listed = expect_json(app.get(&format!("/v1/organisations/{employer_org}/vacancies"), Some(&org.coach)).await, StatusCode::OK).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 2);

        // Two youth like; the coach sees the candidates and likes one for the client: a match.
        let y2 = youth_with_profile(&app, "joris@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        for youth in [&y, &y2] {
            assert_eq!(swipe(&app, &youth.token, &format!("/v1/me/swipes/{v}"), "like").await.status(), StatusCode::OK);
        }
        let cards = expect_json(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&org.coach)).await, StatusCode::OK).await;
        let candidate = cards["items"][0]["candidate_id"].as_str().unwrap().to_owned();
        let liked = expect_json(swipe(&app, &org.coach, &format!("/v1/vacancies/{v}/swipes/{candidate}"), "like").await, StatusCode::OK).await;
        assert!(liked["match_id"].is_string());
        let matches = expect_json(app.get(&format!("/v1/matches?vacancy_id={v}"), Some(&org.coach)).await, StatusCode::OK).await;
        assert_eq!(matches["items"].as_array().unwrap().len(), 1);
        expect_problem(app.get("/v1/matches", Some(&org.coach)).await, StatusCode::BAD_REQUEST, "invalid_query").await;

        // The employer reads what was done for them.
        let activity = app.all_pages(&format!("/v1/clients/{client}/activity"), Some(&boss)).await;
        let actions: Vec<&str> = activity.iter().map(|a| a["action"].as_str().unwrap()).collect();
        for expected in ["proposed", "accepted", "vacancy_created", "candidate_liked", "matches_viewed"] {
            assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
        }
        assert!(activity.iter().all(|a| !a.to_string().contains(&y.id) && !a.to_string().contains(&y2.id)), "the log never names the youth");

        // The owner withdraws the right to swipe.
        let changed = expect_json(req(&app, M::PATCH, &format!("/v1/clients/{client}"), Some(&boss), Some(json!({"may_swipe": false}))).await, StatusCode::OK).await;
        assert_eq!(changed["may_swipe"], false);
        let cards = expect_json(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&org.coach)).await, StatusCode::OK).await;
        let c2 = cards["items"][0]["candidate_id"].as_str().unwrap().to_owned();
        expect_problem(swipe(&app, &org.coach, &format!("/v1/vacancies/{v}/swipes/{c2}"), "like").await, StatusCode::FORBIDDEN, "client_swipe_not_allowed").await;
        expect_problem(req(&app, M::PATCH, &format!("/v1/clients/{client}"), Some(&org.coach), Some(json!({"may_swipe": true}))).await, StatusCode::FORBIDDEN, "wrong_role").await;

        // Ending: only a coordinator on the intermediary's side; then everything stops at once.
        expect_problem(req(&app, M::DELETE, &format!("/v1/clients/{client}"), Some(&org.coach), None).await, StatusCode::FORBIDDEN, "not_a_coordinator").await;
        assert_eq!(req(&app, M::DELETE, &format!("/v1/clients/{client}"), Some(&org.coordinator), None).await.status(), StatusCode::NO_CONTENT);
        expect_problem(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&org.coach)).await, StatusCode::FORBIDDEN, "not_your_vacancy").await;
        expect_problem(req(&app, M::PATCH, &format!("/v1/vacancies/{v}"), Some(&org.coach), Some(json!({"title": "Bakker"}))).await, StatusCode::FORBIDDEN, "not_your_vacancy").await;
        expect_problem(app.get(&format!("/v1/organisations/{employer_org}/vacancies"), Some(&org.coach)).await, StatusCode::NOT_FOUND, "organisation_not_found").await;
        expect_problem(app.get(&format!("/v1/matches?vacancy_id={v}"), Some(&org.coach)).await, StatusCode::NOT_FOUND, "vacancy_not_found").await;
        let m = matches["items"][0]["id"].as_str().unwrap();
        expect_problem(app.get(&format!("/v1/matches/{m}"), Some(&org.coach)).await, StatusCode::NOT_FOUND, "match_not_found").await;
        expect_problem(app.post("/v1/vacancies", &body, Some(&org.coach)).await, StatusCode::NOT_FOUND, "organisation_not_found").await;
        let ended = expect_json(app.get(&format!("/v1/clients/{client}"), Some(&boss)).await, StatusCode::OK).await;
        assert_eq!(ended["status"], "ended");
        // The employer's own work goes on.
        assert_eq!(swipe(&app, &boss, &format!("/v1/vacancies/{v}/swipes/{c2}"), "like").await.status(), StatusCode::OK);
    }
);

api_test!(
    async fn an_employer_created_by_a_coach_is_claimed_by_its_owner(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "uwv", "nw").await;
        let created = expect_json(
            app.post("/v1/clients", &json!({"new_organisation": {"name": "Garage Snel", "city": "Helmond", "owner_email": "eigenaar@garage.nl"}}), Some(&org.coach)).await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!((created["status"].as_str(), created["claimed"].as_bool()), (Some("active"), Some(false)));
        let client = created["id"].as_str().unwrap().to_owned();
        let employer_org = created["employer"]["id"].as_str().unwrap().to_owned();
        // Nobody to ask yet: the intermediary decides what it may do.
        expect_json(req(&app, M::PATCH, &format!("/v1/clients/{client}"), Some(&org.coach), Some(json!({"may_swipe": true}))).await, StatusCode::OK).await;
        let v = vacancy(&app, &org.coach, for_client(&employer_org)).await;
        // Neither field, or both: 422.
        expect_problem(app.post("/v1/clients", &json!({}), Some(&org.coach)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        expect_problem(app.post("/v1/clients", &json!({"organisation_id": employer_org, "new_organisation": {"name": "X", "city": "Y"}}), Some(&org.coach)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        // An intermediary is not an employer to recruit for.
        let other = organisation(&app, &admin, "school", "sc").await;
        expect_problem(app.post("/v1/clients", &json!({"organisation_id": other.id}), Some(&org.coach)).await, StatusCode::NOT_FOUND, "organisation_not_found").await;

        // The owner claims it through the mailed link, and from then on decides.
        let token = app.token_from_mail("eigenaar@garage.nl", "").await;
        let owner = expect_json(
            app.post("/v1/auth/register/invited", &json!({"token": token, "password": PASSWORD, "contact_name": "Eva Eigenaar"}), None).await,
            StatusCode::CREATED,
        )
        .await["access_token"].as_str().unwrap().to_owned();
        let mine = expect_json(app.get("/v1/clients", Some(&owner)).await, StatusCode::OK).await;
        assert_eq!(mine["items"][0]["claimed"], true);
        assert_eq!(mine["items"][0]["intermediary"]["name"], "Team nw");
        expect_problem(req(&app, M::PATCH, &format!("/v1/clients/{client}"), Some(&org.coach), Some(json!({"may_swipe": false}))).await, StatusCode::FORBIDDEN, "wrong_role").await;
        let own = expect_json(app.get(&format!("/v1/vacancies/{v}"), Some(&owner)).await, StatusCode::OK).await;
        assert_eq!(own["status"], "open", "the owner manages the vacancy the coach posted");
        assert_eq!(own["posted_by"]["name"], "Team nw");
        // Another employer sees nothing of the relation.
        let stranger = employer(&app, "ander@bedrijf.nl").await;
        expect_problem(app.get(&format!("/v1/clients/{client}"), Some(&stranger)).await, StatusCode::NOT_FOUND, "client_not_found").await;
        // The owner ends it: the coaches' access ends, the claimed client's vacancies stay up.
        assert_eq!(req(&app, M::DELETE, &format!("/v1/clients/{client}"), Some(&owner), None).await.status(), StatusCode::NO_CONTENT);
        expect_problem(req(&app, M::DELETE, &format!("/v1/clients/{client}"), Some(&owner), None).await, StatusCode::CONFLICT, "client_relation_closed").await;
        let own = expect_json(app.get(&format!("/v1/vacancies/{v}"), Some(&owner)).await, StatusCode::OK).await;
        assert_eq!(own["status"], "open");
    }
);

api_test!(
    async fn an_introduced_youth_comes_first_and_the_coach_talks_along_after_the_match(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "in").await;
        let boss = employer(&app, "baas@winkel.nl").await;
        let (_, employer_org) = client_of(&app, &org, &boss, false).await;
        let v = vacancy(&app, &org.coach, for_client(&employer_org)).await;
        // Three ranked candidates, and the youth the coach will introduce.
        for i in 0..3 {
            let other = youth_with_profile(&app, &format!("y{i}@voorbeeld.nl"), &["teamwork", "reliability", "customer_focus"]).await;
            swipe(&app, &other.token, &format!("/v1/me/swipes/{v}"), "like").await;
        }
        let y = youth_with_profile(&app, "kim@voorbeeld.nl", &["teamwork", "reliability", "flexibility"]).await;
        let youth = Youth { token: y.token.clone(), id: y.id.clone() };
        consent(&app, &org.coach, &youth, &["view_profile"]).await;
        let path = format!("/v1/caseload/youth/{}/introductions", y.id);
        let body = json!({"vacancy_id": v, "note": "Kim is betrouwbaar en leert snel."});
        expect_problem(app.post(&path, &body, Some(&org.coach)).await, StatusCode::FORBIDDEN, "scope_not_granted").await;
        let y2 = youth_with_profile(&app, "lot@voorbeeld.nl", &["teamwork", "reliability", "flexibility"]).await;
        consent(&app, &org.coach, &Youth { token: y2.token.clone(), id: y2.id.clone() }, &["message_on_behalf"]).await;
        // Lot granted `message_on_behalf`: the coach may introduce her.
        let intro = expect_json(
            app.post(&format!("/v1/caseload/youth/{}/introductions", y2.id), &body, Some(&org.coach)).await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(intro["status"], "proposed");
        expect_problem(app.post(&format!("/v1/caseload/youth/{}/introductions", y2.id), &body, Some(&org.coach)).await, StatusCode::CONFLICT, "already_introduced").await;
        expect_problem(app.post(&format!("/v1/caseload/youth/{}/introductions", y2.id), &body, Some(&org.colleague)).await, StatusCode::NOT_FOUND, "youth_not_in_caseload").await;

        // The youth sees it and says yes (never a coach for them).
        app.deliver_mail().await;
        assert!(app.mails_to("lot@voorbeeld.nl").iter().any(|m| m.subject.contains("Medewerker winkel")));
        let mine = expect_json(app.get("/v1/me/introductions", Some(&y2.token)).await, StatusCode::OK).await;
        assert_eq!(mine["items"][0]["introduced_by"]["organisation_name"], "Team in");
        assert_eq!(mine["items"][0]["youth_id"], Value::Null);
        let id = mine["items"][0]["id"].as_str().unwrap().to_owned();
        expect_problem(app.post(&format!("/v1/me/introductions/{id}/accept"), &json!({}), Some(&y.token)).await, StatusCode::NOT_FOUND, "introduction_not_found").await;
        let accepted = expect_json(app.post(&format!("/v1/me/introductions/{id}/accept"), &json!({}), Some(&y2.token)).await, StatusCode::OK).await;
        assert_eq!(accepted["decision"], "like");
        expect_problem(app.post(&format!("/v1/me/introductions/{id}/decline"), &json!({}), Some(&y2.token)).await, StatusCode::CONFLICT, "introduction_answered").await;

        // The employer sees the introduced card first, still anonymous, then the ranked ones;
        // paging one at a time gives each card once.
        let cards = expect_json(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&boss)).await, StatusCode::OK).await;
        let items = cards["items"].as_array().unwrap();
        assert_eq!(items.len(), 5, "the introduced card and the four ranked youth (Kim too)");
        assert_eq!(items[0]["introduced_by"]["organisation_name"], "Team in");
        assert_eq!(items[0]["introduced_by"]["note"], "Kim is betrouwbaar en leert snel.");
        assert!(items[1..].iter().all(|c| c["introduced_by"].is_null()));
        assert!(!cards.to_string().contains("Sanne") && !cards.to_string().contains(&y2.id));
        let one_by_one = app.all_pages(&format!("/v1/vacancies/{v}/candidates?limit=1"), Some(&boss)).await;
        let ids: Vec<&str> = one_by_one.iter().map(|c| c["candidate_id"].as_str().unwrap()).collect();
        let all: Vec<&str> = items.iter().map(|c| c["candidate_id"].as_str().unwrap()).collect();
        assert_eq!(ids, all);

        // A like makes the match; the coach is told and joins the conversation.
        let introduced = items[0]["candidate_id"].as_str().unwrap();
        let liked = expect_json(swipe(&app, &boss, &format!("/v1/vacancies/{v}/swipes/{introduced}"), "like").await, StatusCode::OK).await;
        let m = liked["match_id"].as_str().unwrap().to_owned();
        app.deliver_mail().await;
        assert!(app.mails_to("coach.in@org.nl").iter().any(|m| m.subject.contains("Match")));
        let listed = expect_json(app.get("/v1/caseload/introductions", Some(&org.coach)).await, StatusCode::OK).await;
        assert_eq!(listed["items"][0]["outcome"], "matched");
        assert_eq!(listed["items"][0]["youth_id"], y2.id.as_str());
        let sent = expect_json(app.post(&format!("/v1/matches/{m}/messages"), &json!({"text": "Ik help Lot met het eerste gesprek."}), Some(&org.coach)).await, StatusCode::CREATED).await;
        assert_eq!((sent["author"].as_str(), sent["on_behalf"].as_bool()), (Some("coach"), Some(false)));
        app.post(&format!("/v1/matches/{m}/messages"), &json!({"text": "Welkom!"}), Some(&boss)).await;
        app.post(&format!("/v1/matches/{m}/messages"), &json!({"text": "Dank je."}), Some(&y2.token)).await;
        let thread = expect_json(app.get(&format!("/v1/matches/{m}/messages"), Some(&y2.token)).await, StatusCode::OK).await;
        let authors: Vec<&str> = thread["items"].as_array().unwrap().iter().map(|i| i["author"].as_str().unwrap()).collect();
        assert_eq!(authors, ["youth", "employer", "coach"]);
        let coach_view = expect_json(app.get(&format!("/v1/matches/{m}/messages"), Some(&org.coach)).await, StatusCode::OK).await;
        let mine: Vec<bool> = coach_view["items"].as_array().unwrap().iter().map(|i| i["mine"].as_bool().unwrap()).collect();
        assert_eq!(mine, [false, false, true]);
        // A coach of another organisation is not in it; one of the client's recruiters reads
        // along on the employer's side.
        let other = organisation(&app, &admin, "youth_work", "ot").await;
        expect_problem(app.get(&format!("/v1/matches/{m}/messages"), Some(&other.coach)).await, StatusCode::NOT_FOUND, "match_not_found").await;
        let recruiter = expect_json(app.get(&format!("/v1/matches/{m}/messages"), Some(&org.colleague)).await, StatusCode::OK).await;
        assert!(recruiter["items"].as_array().unwrap().iter().all(|i| i["mine"] == false));
        // The youth's log shows the introduction.
        let log = app.all_pages("/v1/me/audit", Some(&y2.token)).await;
        assert!(log.iter().any(|l| l["action"] == "introduce"));
    }
);

api_test!(
    async fn introduced_youth_at_the_top_of_the_ranking_do_not_hide_the_rest(app) {
        // A candidate page reads a little more of the ranked list than it shows, before it
        // knows which youth were introduced (they are left out of the ranked part). When the
        // best-ranked youth are all introduced, that read holds nobody else: the page must
        // read on, not end the list.
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "tp").await;
        let boss = employer(&app, "baas@top.nl").await;
        let (_, employer_org) = client_of(&app, &org, &boss, false).await;
        let v = vacancy(&app, &org.coach, for_client(&employer_org)).await;
        let body = json!({"vacancy_id": v, "note": "Past precies."});
        for i in 0..3 {
            // Exactly the vacancy's competences: ranked first.
            let y = youth_with_profile(&app, &format!("top{i}@voorbeeld.nl"), &["teamwork", "reliability", "customer_focus"]).await;
            consent(&app, &org.coach, &Youth { token: y.token.clone(), id: y.id.clone() }, &["message_on_behalf"]).await;
            expect_json(app.post(&format!("/v1/caseload/youth/{}/introductions", y.id), &body, Some(&org.coach)).await, StatusCode::CREATED).await;
            let mine = expect_json(app.get("/v1/me/introductions", Some(&y.token)).await, StatusCode::OK).await;
            let id = mine["items"][0]["id"].as_str().unwrap().to_owned();
            expect_json(app.post(&format!("/v1/me/introductions/{id}/accept"), &json!({}), Some(&y.token)).await, StatusCode::OK).await;
        }
        for i in 0..2 {
            youth_with_profile(&app, &format!("rest{i}@voorbeeld.nl"), &["teamwork", "flexibility", "planning"]).await;
        }
        let first = expect_json(app.get(&format!("/v1/vacancies/{v}/candidates"), Some(&boss)).await, StatusCode::OK).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 5);
        for limit in [1, 2] {
            let paged = app.all_pages(&format!("/v1/vacancies/{v}/candidates?limit={limit}"), Some(&boss)).await;
            let mut ids: Vec<&str> = paged.iter().map(|c| c["candidate_id"].as_str().unwrap()).collect();
            let introduced = paged.iter().take_while(|c| !c["introduced_by"].is_null()).count();
            assert_eq!(introduced, 3, "limit {limit}: the introduced cards first");
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), 5, "limit {limit}: every candidate once");
        }
    }
);

/// A youth with a full profile (born `birth`, at `at`) who consents to `org`'s coach with
/// `scopes` and shares `sensitive`.
async fn caseload_youth(
    app: &TestApp,
    org: &Org,
    email: &str,
    (birth, at, competences): (&str, (f64, f64), &[&str]),
    scopes: &[&str],
    sensitive: Value,
) -> Youth {
    let y = youth_with_profile(app, email, competences).await;
    let patch = json!({"birth_date": birth, "location": {"lat": at.0, "lon": at.1}});
    expect_json(
        req(app, M::PATCH, "/v1/me/profile", Some(&y.token), Some(patch)).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        req(
            app,
            M::PUT,
            "/v1/me/sensitive",
            Some(&y.token),
            Some(sensitive),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let youth = Youth {
        token: y.token,
        id: y.id,
    };
    consent(app, &org.coach, &youth, scopes).await;
    youth
}

fn ids(page: &Value) -> Vec<String> {
    let mut v: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["youth_id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

api_test!(
    async fn a_caseload_search_selects_by_characteristics_and_sensitive_ones_only_where_allowed(app) {
        let admin = admin(&app).await;
        let gemeente = organisation(&app, &admin, "municipality", "gm").await;
        const ZWOLLE: (f64, f64) = (52.5168, 6.0830);
        const DEVENTER: (f64, f64) = (52.2550, 6.1639); // about 29 km south
        let bijstand = json!({"benefit": "bijstand", "work_limitation": false, "participation_ladder_step": 3});
        let shares = caseload_youth(&app, &gemeente, "a@voorbeeld.nl", ("2005-01-10", ZWOLLE, &["teamwork", "reliability", "flexibility"]), &["view_profile", "view_sensitive"], bijstand.clone()).await;
        let keeps = caseload_youth(&app, &gemeente, "b@voorbeeld.nl", ("2005-01-10", ZWOLLE, &["teamwork", "reliability", "flexibility"]), &["view_profile"], bijstand.clone()).await;
        let far = caseload_youth(&app, &gemeente, "c@voorbeeld.nl", ("2000-01-10", DEVENTER, &["teamwork", "reliability", "customer_focus"]), &["view_profile", "view_sensitive"], json!({"benefit": "ww", "work_limitation": true, "participation_ladder_step": 5})).await;
        let search = |q: &str| format!("/v1/caseload/search?{q}");

        // Characteristics anyone may select by.
        let all = expect_json(app.get(&search(""), Some(&gemeente.coach)).await, StatusCode::OK).await;
        assert_eq!(ids(&all).len(), 3);
        // Page by page, with and without a place: each youth once.
        assert_eq!(app.all_pages(&search("limit=1"), Some(&gemeente.coach)).await.len(), 3);
        let places = app.all_pages(&search(&format!("limit=1&lat={}&lon={}&radius_km=50", ZWOLLE.0, ZWOLLE.1)), Some(&gemeente.coach)).await;
        assert_eq!(places.len(), 3);
        let young = expect_json(app.get(&search("age_min=18&age_max=24"), Some(&gemeente.coach)).await, StatusCode::OK).await;
        let mut expected = vec![shares.id.clone(), keeps.id.clone()];
        expected.sort();
        assert_eq!(ids(&young), expected);
        let near = expect_json(app.get(&search(&format!("lat={}&lon={}&radius_km=10", ZWOLLE.0, ZWOLLE.1)), Some(&gemeente.coach)).await, StatusCode::OK).await;
        assert_eq!(ids(&near), expected);
        let skilled = expect_json(app.get(&search("competences=customer_focus,teamwork"), Some(&gemeente.coach)).await, StatusCode::OK).await;
        assert_eq!(ids(&skilled), vec![far.id.clone()]);
        let none = expect_json(app.get(&search("kind=bbl"), Some(&gemeente.coach)).await, StatusCode::OK).await;
        assert!(ids(&none).is_empty());
        expect_problem(app.get(&search("lat=52"), Some(&gemeente.coach)).await, StatusCode::BAD_REQUEST, "invalid_query").await;
        expect_problem(app.get(&search("competences=flying"), Some(&gemeente.coach)).await, StatusCode::BAD_REQUEST, "invalid_query").await;

        // Sensitive ones: only over youth who share them, so the one who does not is never
        // found, counted or hinted at.
        let by_benefit = expect_json(app.get(&search("benefit=bijstand"), Some(&gemeente.coach)).await, StatusCode::OK).await;
        assert_eq!(ids(&by_benefit), vec![shares.id.clone()]);
        let limited = expect_json(app.get(&search("work_limitation=true&participation_step_min=4"), Some(&gemeente.coach)).await, StatusCode::OK).await;
        assert_eq!(ids(&limited), vec![far.id.clone()]);
        let nobody = expect_json(app.get(&search("benefit=wajong"), Some(&gemeente.coach)).await, StatusCode::OK).await;
        assert!(ids(&nobody).is_empty());

        // Audited: the search with its filters; the youth found by benefit sees it, the other not.
        let log = app.all_pages(&format!("/v1/organisations/{}/audit", gemeente.id), Some(&gemeente.coordinator)).await;
        assert!(log.iter().any(|l| l["action"] == "search_caseload" && l["object"] == "benefit=bijstand"));
        let seen = app.all_pages("/v1/me/audit", Some(&shares.token)).await;
        assert!(seen.iter().any(|l| l["action"] == "selected_by_characteristic" && l["object"] == "benefit"));
        let unseen = app.all_pages("/v1/me/audit", Some(&keeps.token)).await;
        assert!(!unseen.iter().any(|l| l["action"] == "selected_by_characteristic"));

        // Every other kind of organisation: 403 with its own code, for every sensitive filter;
        // its ordinary searches work.
        for kind in ["youth_work", "school", "agency", "uwv"] {
            let other = organisation(&app, &admin, kind, &format!("k{kind}")).await;
            for q in ["benefit=ww", "work_limitation=true", "participation_step_min=2", "participation_step_max=5"] {
                let res = app.get(&search(q), Some(&other.coach)).await;
                if kind == "uwv" {
                    assert_eq!(res.status(), StatusCode::OK, "{kind} {q}");
                } else {
                    expect_problem(res, StatusCode::FORBIDDEN, "sensitive_selection_not_allowed").await;
                }
            }
            expect_json(app.get(&search("age_min=16"), Some(&other.coach)).await, StatusCode::OK).await;
        }
        // Youth and employers cannot search at all.
        expect_problem(app.get(&search(""), Some(&shares.token)).await, StatusCode::FORBIDDEN, "wrong_role").await;
        let boss = employer(&app, "baas@zoek.nl").await;
        expect_problem(app.get(&search("benefit=ww"), Some(&boss)).await, StatusCode::FORBIDDEN, "wrong_role").await;
        // A colleague sees only what is shared with colleagues (here: nothing).
        let theirs = expect_json(app.get(&search(""), Some(&gemeente.colleague)).await, StatusCode::OK).await;
        assert!(ids(&theirs).is_empty());
        let coordinator = expect_json(app.get(&search(""), Some(&gemeente.coordinator)).await, StatusCode::OK).await;
        assert_eq!(ids(&coordinator).len(), 3);
    }
);

api_test!(
    async fn a_kept_candidate_page_shows_a_new_introduction_and_stops_with_the_client_relation(app) {
        let admin = admin(&app).await;
        let org = organisation(&app, &admin, "municipality", "kp").await;
        let boss = employer(&app, "baas@bewaard.nl").await;
        let (relation, employer_org) = client_of(&app, &org, &boss, false).await;
        let v = vacancy(&app, &org.coach, for_client(&employer_org)).await;
        youth_with_profile(&app, "gerangschikt@voorbeeld.nl", &["teamwork", "reliability", "customer_focus"]).await;
        let y = youth_with_profile(&app, "voorgesteld@voorbeeld.nl", &["teamwork", "reliability", "flexibility"]).await;
        consent(&app, &org.coach, &Youth { token: y.token.clone(), id: y.id.clone() }, &["message_on_behalf"]).await;
        let body = json!({"vacancy_id": v, "note": "Zeer gemotiveerd."});
        expect_json(app.post(&format!("/v1/caseload/youth/{}/introductions", y.id), &body, Some(&org.coach)).await, StatusCode::CREATED).await;
        let path = format!("/v1/vacancies/{v}/candidates");
        let first = expect_json(app.get(&path, Some(&boss)).await, StatusCode::OK).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        assert!(first["items"].as_array().unwrap().iter().all(|c| c["introduced_by"].is_null()), "proposed, not yet accepted");
        // The client's coach gets the same page (kept pages are the vacancy's, not a caller's).
        let served = app.state.candidate_pages.served();
        assert_eq!(expect_json(app.get(&path, Some(&org.coach)).await, StatusCode::OK).await, first);
        assert_eq!(app.state.candidate_pages.served(), served + 1);

        // The youth says yes: the kept page is stale, and the introduced card comes first.
        let mine = expect_json(app.get("/v1/me/introductions", Some(&y.token)).await, StatusCode::OK).await;
        let id = mine["items"][0]["id"].as_str().unwrap().to_owned();
        expect_json(app.post(&format!("/v1/me/introductions/{id}/accept"), &json!({}), Some(&y.token)).await, StatusCode::OK).await;
        let now = expect_json(app.get(&path, Some(&boss)).await, StatusCode::OK).await;
        let items = now["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "the introduced youth once, first: {now}");
        assert_eq!(items[0]["introduced_by"]["note"], "Zeer gemotiveerd.");
        assert_eq!(app.state.candidate_pages.served(), served + 1, "built afresh");

        // The relation ends on another instance: the coach's next page is refused at once,
        // although a page is kept; the employer's own members still get it.
        assert_eq!(expect_json(app.get(&path, Some(&org.coach)).await, StatusCode::OK).await, now);
        app.execute(format!("UPDATE client_relations SET status = 'ended' WHERE id = '{relation}'")).await;
        expect_problem(app.get(&path, Some(&org.coach)).await, StatusCode::FORBIDDEN, "not_your_vacancy").await;
        assert_eq!(expect_json(app.get(&path, Some(&boss)).await, StatusCode::OK).await, now);
    }
);
