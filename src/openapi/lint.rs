//! The rules the contract keeps, so that the forty operations still to come are born in the
//! same style as these. `lint(&document())` lists every breach; a test requires none.

use std::collections::BTreeSet;

use serde_json::Value;

use super::shape::{
    codes_in, is_problem_status, operations, reachable, ref_name, refs_in, strings,
};
use crate::error::{PROBLEM_JSON, ProblemCode};

/// The verbs an operation id may start with: the standard methods, then the actions that are
/// not one of them (AIP-136 custom methods), each a verb on a noun.
pub const VERBS: &[&str] = &[
    "list",
    "get",
    "create",
    "update",
    "replace",
    "delete", // standard
    "accept",
    "claim",
    "confirm",
    "deactivate",
    "decline",
    "exchange",
    "generate",
    "preview",
    "refresh",
    "renew",
    "reopen",
    "request",
    "resend",
    "revoke",
    "swipe",
    "transfer",
    "verify", // actions
];

/// Ids that are not UUIDs: the id a candidate has for one vacancy only, and a request id
/// (which may be the client's own).
const OPAQUE_IDS: &[&str] = &["candidate_id", "request_id"];

/// The shared page size limits (`PageQuery`'s).
const LIMIT: (u64, u64) = (1, crate::paging::MAX_LIMIT as u64);

/// Every breach of the contract's rules, as sentences.
pub fn lint(doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let mut ids = BTreeSet::new();
    for (path, method, op) in operations(doc) {
        let id = op["operationId"].as_str().unwrap_or_default();
        let at = format!("{} {path} ({id})", method.to_uppercase());
        if !ids.insert(id) {
            errors.push(format!("{at}: the operation id is used twice"));
        }
        operation_id(&at, id, method, &mut errors);
        path_parameters(&at, path, op, &mut errors);
        problem_responses(&at, op, &mut errors);
        pages(&at, method, op, &mut errors);
    }
    let (requests, responses) = reachable(doc);
    let schemas = &doc["components"]["schemas"];
    for name in &responses {
        let schema = &schemas[name.as_str()];
        if schema.get("enum").is_some() {
            continue;
        }
        let shared = requests.contains(name);
        response_schema(name, schema, shared, schemas, &mut errors);
    }
    for (status, op_errors) in inline_response_enums(doc) {
        errors.push(format!("{status}: {op_errors}"));
    }
    for d in crate::deprecation::DEPRECATED {
        if let Some(e) = d.check() {
            errors.push(e);
        }
        let declared = doc["paths"][d.path][d.method.to_ascii_lowercase()].is_object();
        if !declared {
            errors.push(format!(
                "deprecated {} {} is not an operation",
                d.method, d.path
            ));
        }
    }
    errors
}

fn operation_id(at: &str, id: &str, method: &str, errors: &mut Vec<String>) {
    let snake = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let verb = id.split('_').next().unwrap_or_default();
    if !snake || !id.contains('_') || !VERBS.contains(&verb) {
        errors.push(format!(
            "{at}: an operation id is a verb and a noun in snake_case, the verb one of {VERBS:?}"
        ));
    }
    let expected = match verb {
        "list" | "get" => Some("get"),
        "delete" => Some("delete"),
        "update" => Some("patch").filter(|_| method != "put"),
        "replace" => Some("put"),
        "create" => Some("post"),
        _ => None,
    };
    if let Some(expected) = expected
        && expected != method
    {
        errors.push(format!(
            "{at}: `{verb}_…` is for {}",
            expected.to_uppercase()
        ));
    }
}

fn path_parameters(at: &str, path: &str, op: &Value, errors: &mut Vec<String>) {
    for segment in path.split('/').filter(|s| s.starts_with('{')) {
        let name = segment.trim_matches(|c| c == '{' || c == '}');
        if !name.ends_with("_id") {
            errors.push(format!(
                "{at}: path parameter {{{name}}} must be named for what it is, e.g. {{vacancy_id}}"
            ));
        }
        let declared = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["in"] == "path" && p["name"] == name);
        match declared {
            None => errors.push(format!("{at}: path parameter {name} is not declared")),
            Some(p) if !OPAQUE_IDS.contains(&name) && p["schema"]["format"] != "uuid" => {
                errors.push(format!("{at}: path parameter {name} must have format uuid"))
            }
            Some(_) => {}
        }
    }
}

fn problem_responses(at: &str, op: &Value, errors: &mut Vec<String>) {
    for (status, response) in op["responses"].as_object().into_iter().flatten() {
        // Health checks answer their own body, also when unavailable.
        if !is_problem_status(status) || op["tags"][0] == "operations" && status == "503" {
            continue;
        }
        let at = format!("{at} {status}");
        if response["content"][PROBLEM_JSON]["schema"]["$ref"] != "#/components/schemas/Problem" {
            errors.push(format!(
                "{at}: a problem answer must be {PROBLEM_JSON} with the Problem schema"
            ));
        }
        let listed: Vec<&str> = strings(&response["x-problem-codes"]).collect();
        if listed.is_empty() {
            errors.push(format!(
                "{at}: names no problem code (write them in backticks in its description)"
            ));
        }
        for code in &listed {
            match ProblemCode::parse(code) {
                None => errors.push(format!(
                    "{at}: `{code}` is not a problem code (see ProblemCode)"
                )),
                Some(c) if c.status().to_string() != *status => errors.push(format!(
                    "{at}: `{code}` is answered with {}, not {status}",
                    c.status()
                )),
                Some(_) => {}
            }
        }
        let described = codes_in(response["description"].as_str().unwrap_or_default());
        for code in described {
            if !listed.contains(&code.as_str()) {
                errors.push(format!(
                    "{at}: the description names `{code}`, which is not listed"
                ));
            }
        }
    }
}

/// A list answers `{items, next_cursor}` and takes `cursor` and `limit`; nothing answers a
/// bare array (paging could then never be added).
fn pages(at: &str, method: &str, op: &Value, errors: &mut Vec<String>) {
    for (status, response) in op["responses"].as_object().into_iter().flatten() {
        for (_, media) in response["content"].as_object().into_iter().flatten() {
            if media["schema"]["type"] == "array" {
                errors.push(format!(
                    "{at} {status}: answers a bare array; answer a page {{items, next_cursor}}"
                ));
            }
        }
    }
    let is_page = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .is_some_and(|r| r.ends_with("Page"));
    if method == "get" && is_page {
        let param = |name: &str| {
            op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["in"] == "query" && p["name"] == name)
                .cloned()
        };
        match param("limit") {
            Some(l)
                if l["schema"]["minimum"].as_u64() == Some(LIMIT.0)
                    && l["schema"]["maximum"].as_u64() == Some(LIMIT.1) => {}
            _ => errors.push(format!(
                "{at}: a page takes `limit` from {} to {}",
                LIMIT.0, LIMIT.1
            )),
        }
        if param("cursor").is_none() {
            errors.push(format!("{at}: a page takes `cursor`"));
        }
    }
}

/// A response schema: pages are `{items, next_cursor}`, ids are UUIDs, and a schema that
/// requests share may not hold what responses treat differently (enums, optional fields).
fn response_schema(
    name: &str,
    schema: &Value,
    shared: bool,
    schemas: &Value,
    errors: &mut Vec<String>,
) {
    let props = schema["properties"].as_object();
    if props.is_some_and(|p| p.contains_key("items")) && !name.ends_with("Page") {
        errors.push(format!(
            "schema {name}: a list of items is a page, named …Page"
        ));
    }
    if name.ends_with("Page") {
        let ok = props.is_some_and(|p| {
            p.len() == 2 && p["items"]["type"] == "array" && p.contains_key("next_cursor")
        });
        if !ok {
            errors.push(format!(
                "schema {name}: a page has exactly `items` and `next_cursor`"
            ));
        }
    }
    for (prop, s) in props.into_iter().flatten() {
        let is_id = prop == "id" || prop.ends_with("_id");
        if is_id && !OPAQUE_IDS.contains(&prop.as_str()) && !is_uuid(s, schemas) {
            errors.push(format!("schema {name}.{prop}: an id has format uuid"));
        }
    }
    if shared {
        let mut names = BTreeSet::new();
        refs_in(schema, &mut names);
        if names
            .iter()
            .any(|n| schemas[n.as_str()].get("enum").is_some())
        {
            errors.push(format!(
                "schema {name}: used by requests and responses but holds an enum (open in responses, closed in requests): split it"
            ));
        }
        let required: BTreeSet<&str> = strings(&schema["required"]).collect();
        if props.is_some_and(|p| p.keys().any(|k| !required.contains(k.as_str()))) {
            errors.push(format!(
                "schema {name}: used by requests and responses but has optional fields: split it"
            ));
        }
    }
}

fn is_uuid(schema: &Value, schemas: &Value) -> bool {
    if let Some(name) = ref_name(schema) {
        return is_uuid(&schemas[name], schemas);
    }
    if schema["format"] == "uuid" {
        return true;
    }
    ["anyOf", "oneOf"].iter().any(|k| {
        schema[*k].as_array().is_some_and(|branches| {
            branches
                .iter()
                .all(|b| b["type"] == "null" || is_uuid(b, schemas))
        })
    })
}

/// Inline `enum`s inside response schemas (an enum must be a component so it can be opened).
fn inline_response_enums(doc: &Value) -> Vec<(String, String)> {
    let (_, responses) = reachable(doc);
    let mut found = Vec::new();
    let schemas = &doc["components"]["schemas"];
    for name in responses {
        let schema = &schemas[name.as_str()];
        if schema.get("enum").is_none() && has_inline_enum(schema) {
            found.push((
                format!("schema {name}"),
                "holds an inline enum; make it a component".into(),
            ));
        }
    }
    for (path, method, op) in operations(doc) {
        for (status, r) in op["responses"].as_object().into_iter().flatten() {
            if has_inline_enum(&r["content"]) {
                found.push((
                    format!("{} {path} {status}", method.to_uppercase()),
                    "holds an inline enum; make it a component".into(),
                ));
            }
        }
    }
    found
}

fn has_inline_enum(node: &Value) -> bool {
    match node {
        Value::Object(map) => {
            map.contains_key("enum")
                || map
                    .iter()
                    .any(|(k, v)| k != "x-extensible-enum" && has_inline_enum(v))
        }
        Value::Array(items) => items.iter().any(has_inline_enum),
        _ => false,
    }
}
