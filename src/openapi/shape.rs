//! The conventions every operation follows, applied to the generated document in one place so
//! that no route can forget them (and the routes stay short):
//!
//! - **Problems.** Each 4xx/5xx answer is `application/problem+json` and lists the codes it
//!   can carry in `x-problem-codes` (taken from the backticked codes of its description), so
//!   a client can switch on them. The answers that follow from an operation's shape are added
//!   here: a body can be malformed (400), too large (413), of the wrong type (415) or invalid
//!   (422); a query can be invalid (400); a token can be refused (401); anything can fail (500).
//! - **Request ids.** Every operation accepts `x-request-id` and every answer carries it.
//! - **Open enums.** An enum reached from a response accepts values added later: installed
//!   apps cannot be updated at will, and a closed enum would make a generated client reject a
//!   whole page for one new value. It is `anyOf` the known values (the enum's own schema,
//!   which requests keep strict) and any string, with the known values in `x-extensible-enum`.
//! - **Always-present fields.** Responses send every field they declare (null where the value
//!   is absent and null is allowed), so every property of a response schema is required.
//! - **Deprecations.** Operations in [`crate::deprecation::DEPRECATED`] are marked
//!   `deprecated` and declare the `Deprecation`, `Sunset` and `Link` headers they answer with.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::deprecation::Deprecated;
use crate::error::{PROBLEM_JSON, ProblemCode};

const SCHEMAS: &str = "#/components/schemas/";
pub const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Applies every convention to a freshly generated document.
pub fn apply(doc: &mut Value, deprecated: &[Deprecated]) {
    components(doc);
    let enums = enum_values(doc);
    let (requests, responses) = reachable(doc);
    for_each_operation(doc, |path, method, op| {
        problems(op, method);
        request_id(op);
        if let Some(d) = deprecated
            .iter()
            .find(|d| d.path == path && d.method.eq_ignore_ascii_case(method))
        {
            deprecate(op, d);
        }
        for response in responses_mut(op) {
            let content = response.get_mut("content").and_then(Value::as_object_mut);
            for media in content.into_iter().flatten() {
                if let Some(schema) = media.1.get_mut("schema") {
                    open_enums(schema, &enums);
                    require_all(schema);
                }
            }
        }
    });
    let only_responses: Vec<&String> = responses.difference(&requests).collect();
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for name in only_responses {
            if let Some(schema) = schemas.get_mut(name.as_str()) {
                open_enums_inside(schema, &enums);
                require_all(schema);
            }
        }
        for name in enums.keys() {
            if let Some(schema) = schemas.get_mut(name.as_str()) {
                append_paragraph(
                    schema,
                    "In responses this list is open: a later version may add values, which a \
                     client treats as unknown (see the README).",
                );
            }
        }
    }
}

/// Every operation, as `(path, method, operation)`.
pub fn operations(doc: &Value) -> impl Iterator<Item = (&str, &'static str, &Value)> {
    doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS
                .into_iter()
                .filter_map(move |m| item.get(m).map(|op| (path.as_str(), m, op)))
        })
}

/// Adds a paragraph to the `description` of a node.
fn append_paragraph(node: &mut Value, text: &str) {
    let description = match node["description"].as_str() {
        Some(d) if !d.is_empty() => format!("{d}\n\n{text}"),
        _ => text.to_owned(),
    };
    node["description"] = Value::String(description);
}

/// Calls `f(path, method, operation)` for every operation.
pub fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&str, &str, &mut Value)) {
    for (path, item) in doc["paths"].as_object_mut().into_iter().flatten() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method) {
                f(path, method, op);
            }
        }
    }
}

fn responses_mut(op: &mut Value) -> impl Iterator<Item = &mut Value> {
    op["responses"]
        .as_object_mut()
        .into_iter()
        .flat_map(|r| r.values_mut())
}

/// Shared components: the request id parameter and header.
fn components(doc: &mut Value) {
    let components = &mut doc["components"];
    components["parameters"]["RequestId"] = json!({
        "name": crate::telemetry::REQUEST_ID_HEADER,
        "in": "header",
        "required": false,
        "description": "Your id for this request, echoed in `x-request-id` and in problems, so a \
                        trace can span your app and this service. Up to 128 letters, digits, `-`, \
                        `_`, `.` or `:` are kept; any other value is replaced by one of ours (never \
                        refused).",
        "schema": {"type": "string"}
    });
    components["headers"]["RequestId"] = json!({
        "description": "The id of this request: yours when you sent a usable one, else ours. \
                        Quote it to support; the server's log lines carry it.",
        "required": true,
        "schema": {"type": "string"}
    });
}

fn request_id(op: &mut Value) {
    let param = json!({"$ref": "#/components/parameters/RequestId"});
    match op["parameters"].as_array_mut() {
        Some(params) => params.push(param),
        None => op["parameters"] = json!([param]),
    }
    for response in responses_mut(op) {
        response["headers"][crate::telemetry::REQUEST_ID_HEADER] =
            json!({"$ref": "#/components/headers/RequestId"});
    }
}

/// The problems an operation can answer because of its shape, with their codes.
fn shared_problems(op: &Value, method: &str) -> Vec<(&'static str, Vec<ProblemCode>)> {
    use ProblemCode as C;
    let mut shared = Vec::new();
    if op.get("requestBody").is_some() {
        shared.push(("400", vec![C::MalformedJson, C::MalformedBody]));
        shared.push(("408", vec![C::RequestTimeout]));
        shared.push(("413", vec![C::PayloadTooLarge]));
        shared.push(("415", vec![C::UnsupportedMediaType]));
        shared.push(("422", vec![C::ValidationFailed, C::InvalidBody]));
    }
    let has_query = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| p["in"] == "query");
    if has_query {
        shared.push(("400", vec![C::InvalidQuery]));
    }
    if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
        shared.push((
            "401",
            vec![
                C::MissingToken,
                C::InvalidToken,
                C::TokenExpired,
                C::SessionRevoked,
                C::DelegationEnded,
            ],
        ));
    }
    // A write can lose a race with another (a unique key taken, or a row it refers to
    // deleted meanwhile): 409 `conflict`, and the client reloads.
    if method != "get" && !strings(&op["tags"]).any(|t| t == "operations") {
        shared.push(("409", vec![C::Conflict]));
    }
    shared.push(("500", vec![C::InternalError]));
    // Health checks answer for themselves (readiness's 503 is its own body); every other
    // operation can find the database down or a bounded queue full.
    if !strings(&op["tags"]).any(|t| t == "operations") {
        shared.push(("503", vec![C::ServiceUnavailable]));
    }
    shared
}

/// The strings of a JSON array (none when it is not one).
pub fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// The problem codes a description names in backticks, in order (other backticked words,
/// such as a field or a query, are not codes).
pub fn codes_in(description: &str) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for token in description.split('`').skip(1).step_by(2) {
        if ProblemCode::parse(token).is_some() && !codes.iter().any(|c| c == token) {
            codes.push(token.to_owned());
        }
    }
    codes
}

fn problem_response() -> Value {
    json!({
        "description": "",
        "content": {PROBLEM_JSON: {"schema": {"$ref": format!("{SCHEMAS}Problem")}}}
    })
}

/// Lists each problem answer's codes (from its description, plus the shared ones).
fn problems(op: &mut Value, method: &str) {
    let shared = shared_problems(op, method);
    let Some(responses) = op["responses"].as_object_mut() else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if is_problem_status(status) {
            let description = response["description"].as_str().unwrap_or_default();
            let named = codes_in(description);
            if only_codes(description) {
                // A bare list of codes: say what each means.
                let explained: Vec<String> = named
                    .iter()
                    .filter_map(|c| ProblemCode::parse(c))
                    .map(|c| format!("`{c}`: {}", c.meaning()))
                    .collect();
                response["description"] = Value::String(explained.join("\n\n"));
            }
            response["x-problem-codes"] = json!(named);
        }
    }
    for (status, codes) in shared {
        let response = responses.entry(status).or_insert_with(problem_response);
        let mut listed: Vec<String> = strings(&response["x-problem-codes"])
            .map(str::to_owned)
            .collect();
        for code in codes {
            if !listed.iter().any(|c| c == code.as_str()) {
                listed.push(code.as_str().to_owned());
                append_paragraph(response, &format!("`{code}`: {}", code.meaning()));
            }
        }
        response["x-problem-codes"] = json!(listed);
    }
}

/// Whether a description says nothing but which codes (e.g. "`a`, or `b`").
fn only_codes(description: &str) -> bool {
    let rest: String = description
        .split('`')
        .enumerate()
        .filter(|(i, t)| i % 2 == 0 || ProblemCode::parse(t).is_none())
        .map(|(_, t)| t)
        .collect();
    rest.split(|c: char| c.is_whitespace() || c == ',')
        .all(|w| w.is_empty() || w == "or" || w == "and")
}

pub fn is_problem_status(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

fn deprecate(op: &mut Value, d: &Deprecated) {
    op["deprecated"] = Value::Bool(true);
    let note = format!(
        "Deprecated since {}; removed on {} (the `Sunset` header). Use instead: {}.",
        d.since, d.sunset, d.successor
    );
    append_paragraph(op, &note);
    for response in responses_mut(op) {
        let headers = &mut response["headers"];
        headers["Deprecation"] = json!({"description": "When this operation was deprecated (RFC 9745): `@` and Unix seconds.", "required": true, "schema": {"type": "string"}});
        headers["Sunset"] = json!({"description": "When this operation stops answering (RFC 8594), an HTTP date.", "required": true, "schema": {"type": "string"}});
        headers["Link"] = json!({"description": "Where to read what replaces it (`rel=\"deprecation\"`).", "required": true, "schema": {"type": "string"}});
    }
}

// ---- Open enums and required fields -------------------------------------------------------

/// The component schemas that are string enums, with their values.
fn enum_values(doc: &Value) -> BTreeMap<String, Value> {
    doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, s)| s.get("enum").map(|v| (name.clone(), v.clone())))
        .collect()
}

/// The component that a `{"$ref": ...}` node names.
pub fn ref_name(node: &Value) -> Option<&str> {
    node.get("$ref")?.as_str()?.strip_prefix(SCHEMAS)
}

/// Every component name a schema refers to, directly or inside.
pub fn refs_in(node: &Value, out: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            if let Some(name) = ref_name(node) {
                out.insert(name.to_owned());
            }
            map.values().for_each(|v| refs_in(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

/// Components reached from requests (bodies and parameters) and from responses.
pub fn reachable(doc: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut requests, mut responses) = (BTreeSet::new(), BTreeSet::new());
    for (_, _, op) in operations(doc) {
        refs_in(&op["requestBody"], &mut requests);
        refs_in(&op["parameters"], &mut requests);
        for response in op["responses"].as_object().into_iter().flatten() {
            refs_in(&response.1["content"], &mut responses);
        }
    }
    (closure(doc, requests), closure(doc, responses))
}

fn closure(doc: &Value, mut set: BTreeSet<String>) -> BTreeSet<String> {
    let schemas = &doc["components"]["schemas"];
    let mut todo: Vec<String> = set.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let mut found = BTreeSet::new();
        refs_in(&schemas[name.as_str()], &mut found);
        for f in found {
            if set.insert(f.clone()) {
                todo.push(f);
            }
        }
    }
    set
}

fn is_null_type(node: &Value) -> bool {
    node.get("type").and_then(Value::as_str) == Some("null")
}

/// `anyOf` the known values and any string (and null when `nullable`).
fn open_form(name: &str, values: &Value, nullable: bool, description: Option<Value>) -> Value {
    let mut branches = vec![
        json!({"$ref": format!("{SCHEMAS}{name}")}),
        json!({"type": "string"}),
    ];
    if nullable {
        branches.push(json!({"type": "null"}));
    }
    let mut open = Map::new();
    open.insert("anyOf".into(), Value::Array(branches));
    open.insert("x-extensible-enum".into(), values.clone());
    if let Some(d) = description {
        open.insert("description".into(), d);
    }
    Value::Object(open)
}

/// Opens every enum reference in a schema node and below it (not through other components).
fn open_enums(node: &mut Value, enums: &BTreeMap<String, Value>) {
    if let Some(name) = ref_name(node).map(str::to_owned)
        && let Some(values) = enums.get(&name)
    {
        let description = node.get("description").cloned();
        *node = open_form(&name, values, false, description);
        return;
    }
    // `Option<Enum>`: oneOf/anyOf of the enum and null.
    for key in ["oneOf", "anyOf"] {
        let Some(branches) = node.get(key).and_then(Value::as_array) else {
            continue;
        };
        if branches.len() == 2 && branches.iter().any(is_null_type) {
            let named = branches
                .iter()
                .find_map(|b| ref_name(b).map(|n| (n.to_owned(), b.get("description").cloned())));
            if let Some((name, inner_description)) = named
                && let Some(values) = enums.get(&name)
            {
                let description = node.get("description").cloned().or(inner_description);
                *node = open_form(&name, values, true, description);
                return;
            }
        }
    }
    open_enums_inside(node, enums);
}

fn open_enums_inside(node: &mut Value, enums: &BTreeMap<String, Value>) {
    for_each_subschema(node, |inner| open_enums(inner, enums));
}

/// Marks every property of every object in a response schema required (not through other
/// components, which are handled on their own).
fn require_all(node: &mut Value) {
    let names: Option<Vec<String>> = node["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect());
    if let Some(names) = names {
        node["required"] = json!(names);
    }
    for_each_subschema(node, require_all);
}

/// Calls `f` on each schema directly inside `node`: its properties, items, additional
/// properties and branches (a `$ref` is not followed).
fn for_each_subschema(node: &mut Value, mut f: impl FnMut(&mut Value)) {
    let Some(map) = node.as_object_mut() else {
        return;
    };
    if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
        props.values_mut().for_each(&mut f);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key).filter(|v| v.is_object()) {
            f(inner);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = map.get_mut(key).and_then(Value::as_array_mut) {
            branches.iter_mut().for_each(&mut f);
        }
    }
}
