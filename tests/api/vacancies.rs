//! Organisations, invitations and vacancies: status machine, validation, expiry, access.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::*;

/// An employer with their organisation: (access token, organisation id).
async fn employer(app: &TestApp, email: &str, org: &str) -> (String, String) {
    let res = app
        .post("/v1/auth/register/employer", &json!({"email": email, "password": PASSWORD, "contact_name": "Petra", "organisation": {"name": org, "city": "Eindhoven"}}), None)
        .await;
    let body = expect_json(res, StatusCode::CREATED).await;
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["account"]["organisation"]["organisation_id"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

fn vacancy() -> Value {
    json!({
        "title": "Medewerker bakkerij", "description": "Je helpt in de bakkerij met deeg, ovens en de winkel.",
        "occupation": "baker", "kind": "bbl", "hours_min": 32, "hours_max": 38,
        "place_name": "Eindhoven", "location": {"lat": 51.44, "lon": 5.47}
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.post("/v1/vacancies", body, Some(token)).await
}

async fn patch(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    send(
        app.client
            .patch(app.url(&format!("/v1/vacancies/{id}")))
            .bearer_auth(token)
            .json(body),
    )
    .await
}

async fn delete(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut req = app.client.delete(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    send(req).await
}

/// A vacancy of `token`'s organisation in the given shown status.
async fn in_status(app: &TestApp, token: &str, status: &str) -> String {
    let mut body = vacancy();
    if status != "draft" {
        body["status"] = json!("open");
    }
    if status == "expired" {
        body["valid_days"] = json!(1);
    }
    let v = expect_json(create(app, token, &body).await, StatusCode::CREATED).await;
    let id = v["id"].as_str().unwrap().to_owned();
    match status {
        "paused" | "closed" | "filled" => {
            expect_json(
                patch(app, token, &id, &json!({"status": status})).await,
                StatusCode::OK,
            )
            .await;
        }
        _ => {}
    }
    id
}

api_test!(
    async fn a_new_vacancy_is_a_draft_with_its_occupations_competences(app) {
        let (token, org) = employer(&app, "baas@bakkerij.nl", "Bakkerij").await;
        let v = expect_json(create(&app, &token, &vacancy()).await, StatusCode::CREATED).await;
        assert_eq!(v["status"], "draft");
        assert_eq!(v["organisation"]["id"], org);
        assert_eq!(v["competences"], json!(["hygiene", "accuracy", "punctuality", "creativity", "physical_fitness"]));
        assert_eq!(v["positions"], 1);
        assert_eq!(v["valid_days"], 60);
        assert_eq!(v["expires_at"], Value::Null);
        assert_eq!(v["open_to_youth_without_start_qualification"], true);

        let mut body = vacancy();
        body["competences"] = json!(["punctuality", "teamwork"]);
        body["minimum_education"] = json!("mbo2");
        body["status"] = json!("open");
        let v = expect_json(create(&app, &token, &body).await, StatusCode::CREATED).await;
        assert_eq!(v["competences"], json!(["punctuality", "teamwork"]), "edited and ordered");
        assert_eq!(v["open_to_youth_without_start_qualification"], false);
        assert_eq!(v["status"], "open");
        let published = chrono::DateTime::parse_from_rfc3339(v["published_at"].as_str().unwrap()).unwrap();
        let expires = chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
        assert_eq!(expires - published, TimeDelta::days(60), "expires 60 days after publishing by default");
    }
);

// Days pass in this test: access tokens must outlive them.
api_test!(
    settings [("ACCESS_TOKEN_TTL_SECONDS", "31536000")]
    async fn every_status_transition_is_allowed_or_refused_as_designed(app) {
        let (token, _) = employer(&app, "status@bedrijf.nl", "Status BV").await;
        let allowed = [
            ("draft", "draft"), ("draft", "open"),
            ("open", "open"), ("open", "paused"), ("open", "closed"), ("open", "filled"),
            ("paused", "paused"), ("paused", "open"), ("paused", "closed"), ("paused", "filled"),
            ("closed", "closed"), ("filled", "filled"),
            ("expired", "open"), ("expired", "closed"), ("expired", "filled"),
        ];
        for from in ["draft", "open", "paused", "closed", "filled", "expired"] {
            let mut ids = Vec::new();
            for _ in 0..5 {
                ids.push(in_status(&app, &token, from).await);
            }
            if from == "expired" {
                app.advance(TimeDelta::days(2));
            }
            for (id, to) in ids.iter().zip(["draft", "open", "paused", "closed", "filled"]) {
                let res = patch(&app, &token, id, &json!({"status": to})).await;
                if allowed.contains(&(from, to)) {
                    let v = expect_json(res, StatusCode::OK).await;
                    assert_eq!(v["status"], to, "{from} -> {to}");
                } else {
                    expect_problem(res, StatusCode::CONFLICT, "invalid_transition").await;
                }
            }
            if from == "expired" {
                app.advance(TimeDelta::days(-2));
            }
        }
    }
);

api_test!(
    async fn closed_vacancies_are_not_edited(app) {
        let (token, _) = employer(&app, "dicht@bedrijf.nl", "Dicht BV").await;
        let id = in_status(&app, &token, "closed").await;
        expect_problem(patch(&app, &token, &id, &json!({"title": "Nieuwe titel"})).await, StatusCode::CONFLICT, "vacancy_closed").await;
    }
);

api_test!(
    async fn vacancy_validation_edges(app) {
        let (token, _) = employer(&app, "randen@bedrijf.nl", "Randen BV").await;
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"title": "ab"}), "title", "too_short"),
            (json!({"description": "te kort"}), "description", "wrong_length"),
            (json!({"hours_min": 30, "hours_max": 20}), "hours_max", "less_than_minimum"),
            (json!({"positions": 0}), "positions", "out_of_range"),
            (json!({"valid_days": 181}), "valid_days", "out_of_range"),
            (json!({"location": {"lat": 40.4, "lon": -3.7}}), "location", "outside_service_area"),
            (json!({"occupation": "astronaut"}), "occupation", "unknown_occupation"),
            (json!({"competences": ["a","b","c","d","e","f","g","h","i"]}), "competences", "wrong_count"),
            (json!({"competences": ["teamwork", "levitation"]}), "competences[1]", "unknown_competence"),
        ];
        for (change, field, code) in cases {
            let mut body = vacancy();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let problem = expect_problem(create(&app, &token, &body).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            let found = problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == field && e["code"] == code);
            assert!(found, "{field}/{code}: {problem}");
        }
        let mut body = vacancy();
        body["valid_days"] = json!(180);
        body["positions"] = json!(100);
        expect_json(create(&app, &token, &body).await, StatusCode::CREATED).await;
    }
);

// Days pass in this test: access tokens must outlive them.
api_test!(
    settings [("ACCESS_TOKEN_TTL_SECONDS", "31536000")]
    async fn expired_vacancies_leave_the_public_and_show_as_expired_to_owners(app) {
        let (token, org) = employer(&app, "verloop@bedrijf.nl", "Verloop BV").await;
        let youth = app.register_youth("kijker@voorbeeld.nl").await["access_token"].as_str().unwrap().to_owned();
        let mut body = vacancy();
        body["status"] = json!("open");
        body["valid_days"] = json!(10);
        let id = expect_json(create(&app, &token, &body).await, StatusCode::CREATED).await["id"].as_str().unwrap().to_owned();
        let public = expect_json(app.get(&format!("/v1/vacancies/{id}"), Some(&youth)).await, StatusCode::OK).await;
        assert_eq!(public["status"], Value::Null, "status is for members only");

        // Three days before expiry, the owner is mailed, once.
        app.advance(TimeDelta::days(6));
        assert_eq!(werkmatch::employers::service::send_expiry_reminders(&app.state).await.unwrap(), 0);
        app.advance(TimeDelta::days(1) + TimeDelta::minutes(1));
        assert_eq!(werkmatch::employers::service::send_expiry_reminders(&app.state).await.unwrap(), 1);
        assert_eq!(werkmatch::employers::service::send_expiry_reminders(&app.state).await.unwrap(), 0);
        app.deliver_mail().await;
        let reminders: Vec<_> = app.mails_to("verloop@bedrijf.nl").into_iter().filter(|m| m.subject.contains("verloopt binnenkort")).collect();
        assert_eq!(reminders.len(), 1);

        app.advance(TimeDelta::days(3));
        expect_problem(app.get(&format!("/v1/vacancies/{id}"), Some(&youth)).await, StatusCode::NOT_FOUND, "vacancy_not_found").await;
        let owner = expect_json(app.get(&format!("/v1/vacancies/{id}"), Some(&token)).await, StatusCode::OK).await;
        assert_eq!(owner["status"], "expired");
        let expired = expect_json(app.get(&format!("/v1/organisations/{org}/vacancies?status=expired"), Some(&token)).await, StatusCode::OK).await;
        assert_eq!(expired["items"].as_array().unwrap().len(), 1);
        let open = expect_json(app.get(&format!("/v1/organisations/{org}/vacancies?status=open"), Some(&token)).await, StatusCode::OK).await;
        assert_eq!(open["items"].as_array().unwrap().len(), 0);

        // Opening it again gives a fresh expiry.
        let v = expect_json(patch(&app, &token, &id, &json!({"status": "open"})).await, StatusCode::OK).await;
        assert_eq!(v["status"], "open");
        expect_json(app.get(&format!("/v1/vacancies/{id}"), Some(&youth)).await, StatusCode::OK).await;
    }
);

api_test!(
    async fn only_members_read_hidden_vacancies_or_change_any(app) {
        let (owner, org) = employer(&app, "eigenaar@bedrijf.nl", "Eigen BV").await;
        let (other, _) = employer(&app, "ander@concurrent.nl", "Concurrent BV").await;
        let youth = app.register_youth("jongere@voorbeeld.nl").await["access_token"].as_str().unwrap().to_owned();
        let open = in_status(&app, &owner, "open").await;
        let draft = in_status(&app, &owner, "draft").await;
        let paused = in_status(&app, &owner, "paused").await;

        for who in [&other, &youth] {
            let v = expect_json(app.get(&format!("/v1/vacancies/{open}"), Some(who)).await, StatusCode::OK).await;
            assert_eq!(v["created_at"], Value::Null);
            for hidden in [&draft, &paused] {
                expect_problem(app.get(&format!("/v1/vacancies/{hidden}"), Some(who)).await, StatusCode::NOT_FOUND, "vacancy_not_found").await;
                expect_problem(patch(&app, who, hidden, &json!({"title": "Overgenomen"})).await, StatusCode::NOT_FOUND, "vacancy_not_found").await;
                expect_problem(delete(&app, Some(who), &format!("/v1/vacancies/{hidden}")).await, StatusCode::NOT_FOUND, "vacancy_not_found").await;
            }
            expect_problem(patch(&app, who, &open, &json!({"title": "Overgenomen"})).await, StatusCode::FORBIDDEN, "not_your_vacancy").await;
            expect_problem(patch(&app, who, &open, &json!({"status": "closed"})).await, StatusCode::FORBIDDEN, "not_your_vacancy").await;
            expect_problem(delete(&app, Some(who), &format!("/v1/vacancies/{open}")).await, StatusCode::FORBIDDEN, "not_your_vacancy").await;
            for path in [format!("/v1/organisations/{org}"), format!("/v1/organisations/{org}/vacancies"), format!("/v1/organisations/{org}/members")] {
                expect_problem(app.get(&path, Some(who)).await, StatusCode::NOT_FOUND, "organisation_not_found").await;
            }
        }
        expect_problem(create(&app, &youth, &vacancy()).await, StatusCode::FORBIDDEN, "wrong_role").await;
        expect_problem(app.get(&format!("/v1/vacancies/{open}"), None).await, StatusCode::UNAUTHORIZED, "missing_token").await;
        expect_problem(delete(&app, None, &format!("/v1/vacancies/{open}")).await, StatusCode::UNAUTHORIZED, "missing_token").await;
        // Nothing changed; the owner can still do everything.
        let v = expect_json(app.get(&format!("/v1/vacancies/{open}"), Some(&owner)).await, StatusCode::OK).await;
        assert_eq!(v["title"], "Medewerker bakkerij");
        assert_eq!(delete(&app, Some(&owner), &format!("/v1/vacancies/{draft}")).await.status(), StatusCode::NO_CONTENT);
        expect_problem(app.get(&format!("/v1/vacancies/{draft}"), Some(&owner)).await, StatusCode::NOT_FOUND, "vacancy_not_found").await;
        expect_problem(app.get("/v1/vacancies/not-a-uuid", Some(&owner)).await, StatusCode::NOT_FOUND, "vacancy_not_found").await;
    }
);

api_test!(
    async fn an_organisations_vacancies_come_in_pages_newest_first(app) {
        let (token, org) = employer(&app, "pagina@bedrijf.nl", "Pagina BV").await;
        let mut made = Vec::new();
        for i in 0..5 {
            let mut body = vacancy();
            body["title"] = json!(format!("Vacature {i}"));
            made.push(expect_json(create(&app, &token, &body).await, StatusCode::CREATED).await["id"].as_str().unwrap().to_owned());
        }
        made.reverse();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/organisations/{org}/vacancies?limit=2&cursor={c}"),
                None => format!("/v1/organisations/{org}/vacancies?limit=2"),
            };
            let page = expect_json(app.get(&path, Some(&token)).await, StatusCode::OK).await;
            seen.extend(page["items"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, made);
        expect_problem(app.get(&format!("/v1/organisations/{org}/vacancies?limit=0"), Some(&token)).await, StatusCode::BAD_REQUEST, "invalid_query").await;
        expect_problem(app.get(&format!("/v1/organisations/{org}/vacancies?cursor=nope"), Some(&token)).await, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
);

api_test!(
    async fn members_edit_their_organisation(app) {
        let (token, org) = employer(&app, "naam@bedrijf.nl", "Oude Naam").await;
        let body = json!({"name": "Nieuwe Naam", "kvk_number": "87654321"});
        let res = send(app.client.patch(app.url(&format!("/v1/organisations/{org}"))).bearer_auth(&token).json(&body)).await;
        let o = expect_json(res, StatusCode::OK).await;
        assert_eq!(o["name"], "Nieuwe Naam");
        assert_eq!(o["kvk_number"], "87654321");
        assert_eq!(o["your_role"], "owner");
        let res = send(app.client.patch(app.url(&format!("/v1/organisations/{org}"))).bearer_auth(&token).json(&json!({"kvk_number": "123"}))).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
);

api_test!(
    async fn an_invited_colleague_registers_and_joins(app) {
        let (owner, org) = employer(&app, "owner@bedrijf.nl", "Team BV").await;
        let res = app.post(&format!("/v1/organisations/{org}/invitations"), &json!({"email": "Collega@Bedrijf.nl"}), Some(&owner)).await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let token = app.token_from_mail("collega@bedrijf.nl", "Uitnodiging").await;
        let body = json!({"token": token, "password": PASSWORD, "contact_name": "Kees"});
        let reg = expect_json(app.post("/v1/auth/register/invited", &body, None).await, StatusCode::CREATED).await;
        assert_eq!(reg["account"]["email"], "collega@bedrijf.nl");
        assert_eq!(reg["account"]["email_verified"], true);
        assert_eq!(reg["account"]["organisation"]["organisation_id"], org);
        assert_eq!(reg["account"]["organisation"]["role"], "member");
        let colleague = reg["access_token"].as_str().unwrap();
        // Owners first; one per page walks the list by cursor.
        let members = app.all_pages(&format!("/v1/organisations/{org}/members?limit=1"), Some(colleague)).await;
        let roles: Vec<&str> = members.iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["owner", "member"]);
        // The colleague can now manage the organisation's vacancies.
        let v = expect_json(create(&app, colleague, &vacancy()).await, StatusCode::CREATED).await;
        assert_eq!(v["organisation"]["id"], org);
        // The link works once.
        let again = app.post("/v1/auth/register/invited", &json!({"token": token, "password": PASSWORD, "contact_name": "Kees"}), None).await;
        expect_problem(again, StatusCode::BAD_REQUEST, "invalid_invitation").await;
        let dup = app.post(&format!("/v1/organisations/{org}/invitations"), &json!({"email": "collega@bedrijf.nl"}), Some(&owner)).await;
        expect_problem(dup, StatusCode::CONFLICT, "already_a_member").await;
    }
);

api_test!(
    async fn an_employer_without_an_organisation_accepts_an_invitation_to_their_address(app) {
        let (owner, org) = employer(&app, "owner2@bedrijf.nl", "Team2 BV").await;
        for (email, role) in [("los@bedrijf.nl", werkmatch::auth::model::Role::Employer), ("ander@bedrijf.nl", werkmatch::auth::model::Role::Employer)] {
            werkmatch::auth::service::create_user(&app.state, email, role, "Los", PASSWORD, werkmatch::auth::model::Language::Nl).await.unwrap();
        }
        app.post(&format!("/v1/organisations/{org}/invitations"), &json!({"email": "los@bedrijf.nl"}), Some(&owner)).await;
        let token = app.token_from_mail("los@bedrijf.nl", "Uitnodiging").await;
        let other = expect_json(app.login("ander@bedrijf.nl", PASSWORD).await, StatusCode::OK).await["access_token"].as_str().unwrap().to_owned();
        let res = app.post("/v1/invitations/accept", &json!({"token": token}), Some(&other)).await;
        expect_problem(res, StatusCode::FORBIDDEN, "invitation_for_someone_else").await;
        let los = expect_json(app.login("los@bedrijf.nl", PASSWORD).await, StatusCode::OK).await["access_token"].as_str().unwrap().to_owned();
        expect_problem(create(&app, &los, &vacancy()).await, StatusCode::FORBIDDEN, "no_organisation").await;
        let me = expect_json(app.post("/v1/invitations/accept", &json!({"token": token}), Some(&los)).await, StatusCode::OK).await;
        assert_eq!(me["organisation"]["organisation_id"], org);
        expect_json(create(&app, &los, &vacancy()).await, StatusCode::CREATED).await;
        // An owner of another organisation cannot be pulled into this one.
        let res = app.post("/v1/invitations/accept", &json!({"token": token}), Some(&owner)).await;
        assert!(res.status().is_client_error());
    }
);
