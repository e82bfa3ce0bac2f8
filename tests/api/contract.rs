//! The OpenAPI contract: the committed document matches the code, and every operation
//! declares the statuses it can return.

use serde_json::Value;

const REGENERATE: &str = "cargo run --quiet -- openapi > openapi/openapi.json";

fn generated() -> Value {
    werkmatch::openapi::document()
}

#[test]
fn committed_openapi_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = werkmatch::openapi::to_json(&werkmatch::openapi::document());
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date with the code. Regenerate it with:\n    {REGENERATE}\nand commit the result."
    );
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((path.clone(), method.clone(), op.clone()));
        }
    }
    ops
}

#[test]
fn every_operation_declares_its_error_statuses() {
    let doc = generated();
    let ops = operations(&doc);
    assert!(
        ops.len() >= 12,
        "expected the foundation's operations, got {}",
        ops.len()
    );
    for (path, method, op) in ops {
        let responses = op["responses"].as_object().unwrap();
        let has = |s: &str| responses.contains_key(s);
        assert!(has("500"), "{method} {path} lacks 500");
        if op.get("requestBody").is_some() {
            for s in ["400", "413", "415", "422"] {
                assert!(has(s), "{method} {path} has a body but lacks {s}");
            }
        }
        if op.get("security").is_some() {
            assert!(has("401"), "{method} {path} is secured but lacks 401");
        }
        for (status, response) in responses {
            if status.starts_with('4') || status == "500" {
                assert!(
                    response["content"]
                        .get("application/problem+json")
                        .is_some(),
                    "{method} {path} {status} is not problem+json"
                );
            }
        }
    }
}

#[test]
fn the_bearer_scheme_is_declared() {
    let doc = generated();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[test]
fn the_contract_keeps_its_rules() {
    let breaches = werkmatch::openapi::lint::lint(&generated());
    assert!(
        breaches.is_empty(),
        "the contract breaks its rules ({}):\n{}",
        breaches.len(),
        breaches.join("\n")
    );
}

mod the_checker {
    //! The answer checker must fail for each kind of drift it exists to catch.
    use crate::conformance::{Answer, CONTRACT};
    use serde_json::json;

    fn answer(content_type: &str, body: &serde_json::Value) -> (Vec<(String, String)>, Vec<u8>) {
        let headers = vec![
            ("content-type".to_owned(), content_type.to_owned()),
            ("x-request-id".to_owned(), "r-1".to_owned()),
        ];
        (headers, serde_json::to_vec(body).unwrap())
    }

    fn check(
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: serde_json::Value,
    ) -> Result<(), String> {
        let (headers, bytes) = answer(content_type, &body);
        CONTRACT.check(
            method,
            path,
            &Answer {
                status,
                headers,
                body: &bytes,
            },
        )
    }

    fn me() -> serde_json::Value {
        json!({
            "id": "01936a4e-8f7c-7b3a-9d1e-2f3c4b5a6d7e", "email": "a@b.nl", "role": "youth",
            "language": "nl", "display_name": "Sanne", "email_verified": false,
            "created_at": "2026-11-29T09:30:00.000Z", "organisation": null
        })
    }

    fn problem(code: &str, status: u16) -> serde_json::Value {
        json!({"type": format!("urn:werkmatch:problem:{code}"), "title": "x", "status": status,
               "detail": "x", "code": code, "request_id": "r-1", "errors": []})
    }

    #[test]
    fn a_fitting_answer_passes() {
        check("GET", "/v1/me", 200, "application/json", me()).unwrap();
        check(
            "GET",
            "/v1/me",
            401,
            "application/problem+json",
            problem("token_expired", 401),
        )
        .unwrap();
    }

    #[test]
    fn each_kind_of_drift_fails() {
        let fails = |r: Result<(), String>, why: &str| {
            let e = r.expect_err(why);
            assert!(e.contains(why), "expected {why:?} in: {e}");
        };
        fails(
            check(
                "GET",
                "/v1/me",
                409,
                "application/problem+json",
                problem("conflict", 409),
            ),
            "not declared",
        );
        fails(
            check("GET", "/v1/me", 200, "text/plain", me()),
            "content type",
        );
        // One field of a fitting body changed at a time (`None`: left out).
        let drifts: [(&str, Option<serde_json::Value>, &str); 6] = [
            ("organisation", None, "required, but missing"),
            ("secret", Some(json!(1)), "not in the contract"),
            ("email_verified", Some(json!("yes")), "is not of type"),
            ("role", Some(json!("astronaut")), "not a documented value"),
            (
                "created_at",
                Some(json!("2026-11-29T09:30:00Z")),
                "date-time form",
            ),
            ("id", Some(json!("42")), "uuid form"),
        ];
        for (field, value, why) in drifts {
            let mut body = me();
            match value {
                Some(v) => body[field] = v,
                None => {
                    body.as_object_mut().unwrap().remove(field);
                }
            }
            fails(check("GET", "/v1/me", 200, "application/json", body), why);
        }
        fails(
            check(
                "GET",
                "/v1/me",
                401,
                "application/problem+json",
                problem("wrong_role", 401),
            ),
            "not among the codes",
        );
        fails(
            check(
                "DELETE",
                "/v1/vacancies/01936a4e-8f7c-7b3a-9d1e-2f3c4b5a6d7e",
                204,
                "application/json",
                json!({}),
            ),
            "no body is declared",
        );
        let (_, bytes) = answer("application/json", &me());
        let no_id = CONTRACT.check(
            "GET",
            "/v1/me",
            &Answer {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: &bytes,
            },
        );
        fails(no_id, "x-request-id is missing");
    }

    #[test]
    fn requests_outside_the_contract_are_not_its_business() {
        check(
            "GET",
            "/v1/nothing-here",
            404,
            "application/problem+json",
            problem("not_found", 404),
        )
        .unwrap();
        check(
            "PUT",
            "/v1/me",
            405,
            "application/problem+json",
            problem("method_not_allowed", 405),
        )
        .unwrap();
    }
}

#[test]
fn the_readme_lists_every_problem_code_with_its_status() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for code in werkmatch::error::ProblemCode::ALL {
        let row = format!(
            "| {} | `{}` | {} |",
            code.status(),
            code.as_str(),
            code.meaning()
        );
        assert!(
            readme.contains(&row),
            "the README's table of errors lacks:\n{row}"
        );
    }
}
