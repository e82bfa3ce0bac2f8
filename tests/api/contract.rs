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
