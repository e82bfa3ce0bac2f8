//! Every response a test receives is checked against the contract (`openapi/openapi.json` as
//! the code generates it): the operation named by the method and path must declare the
//! status, the content type, every declared header, a body schema the body fits, and (for
//! problems) the `code`. An undeclared answer fails the test that produced it, on both
//! backends.
//!
//! The schema check is strict where the contract makes promises to clients: a response may
//! not carry a field the schema does not list, an open enum (`x-extensible-enum`) may only
//! carry values this version documents, and timestamps have one fixed form. A keyword this
//! checker does not know fails the check, so nothing passes unchecked.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;
use serde_json::Value;

/// The contract as the code generates it.
pub static CONTRACT: LazyLock<Contract> =
    LazyLock::new(|| Contract::new(werkmatch::openapi::document()));

/// One fixed RFC 3339 form for every timestamp: UTC, milliseconds, `Z`.
const TIMESTAMP: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$";

pub struct Contract {
    doc: Value,
    operations: Vec<Operation>,
    patterns: Mutex<HashMap<String, Regex>>,
}

struct Operation {
    method: String,
    template: Vec<String>,
    op: Value,
}

/// What came back, as the checker sees it.
pub struct Answer<'a> {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

impl Answer<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split('/').skip(1).map(str::to_owned).collect()
}

impl Contract {
    pub fn new(doc: Value) -> Contract {
        let mut operations = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                for (method, op) in item.as_object().into_iter().flatten() {
                    operations.push(Operation {
                        method: method.to_ascii_lowercase(),
                        template: segments(path),
                        op: op.clone(),
                    });
                }
            }
        }
        Contract {
            doc,
            operations,
            patterns: Mutex::new(HashMap::new()),
        }
    }

    /// The operation for a method and a concrete path; literal segments win over parameters.
    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let wanted = segments(path);
        let method = method.to_ascii_lowercase();
        self.operations
            .iter()
            .filter(|o| o.method == method && o.template.len() == wanted.len())
            .filter(|o| {
                o.template
                    .iter()
                    .zip(&wanted)
                    .all(|(t, w)| t == w || (t.starts_with('{') && !w.is_empty()))
            })
            .max_by_key(|o| o.template.iter().filter(|t| !t.starts_with('{')).count())
    }

    /// Checks one answer. Requests that name no operation (an unknown path, a method the path
    /// does not have, the docs) are not part of the contract and pass.
    pub fn check(&self, method: &str, path: &str, answer: &Answer<'_>) -> Result<(), String> {
        let Some(operation) = self.operation(method, path) else {
            return Ok(());
        };
        let id = operation.op["operationId"].as_str().unwrap_or("?");
        let fail = |why: String| {
            Err(format!(
                "{method} {path} ({id}) answered {}: {why}",
                answer.status
            ))
        };
        let responses = &operation.op["responses"];
        let status = answer.status.to_string();
        let range = format!("{}XX", answer.status / 100);
        let Some(declared) = [status.as_str(), range.as_str(), "default"]
            .into_iter()
            .find_map(|s| responses.get(s))
        else {
            return fail("this status is not declared for the operation".into());
        };
        let declared = self.resolve(declared);
        for name in declared["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            if answer.header(name).is_none() {
                return fail(format!("the declared header {name} is missing"));
            }
        }
        let content = declared["content"].as_object();
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            if !answer.body.is_empty() {
                return fail(format!(
                    "no body is declared, but one was sent: {}",
                    String::from_utf8_lossy(answer.body)
                ));
            }
            return Ok(());
        };
        let content_type = answer
            .header("content-type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let Some(media) = content.get(&content_type) else {
            let declared: Vec<&String> = content.keys().collect();
            return fail(format!(
                "content type {content_type:?} is not one of {declared:?}"
            ));
        };
        // A text body (CSV) is checked for its media type and text; JSON for its schema.
        if content_type.starts_with("text/") {
            return match std::str::from_utf8(answer.body) {
                Ok(_) if media["schema"]["type"] == "string" => Ok(()),
                Ok(_) => fail(format!(
                    "{content_type} is declared without a string schema"
                )),
                Err(e) => fail(format!("the {content_type} body is not UTF-8: {e}")),
            };
        }
        let body: Value = match serde_json::from_slice(answer.body) {
            Ok(v) => v,
            Err(e) => {
                return fail(format!(
                    "the body is not JSON ({e}): {}",
                    String::from_utf8_lossy(answer.body)
                ));
            }
        };
        let mut errors = Vec::new();
        self.validate(&media["schema"], &body, "$", &mut errors);
        if let Some(codes) = declared["x-problem-codes"].as_array()
            && !codes.contains(&body["code"])
        {
            errors.push(format!(
                "$.code: {} is not among the codes declared for this status: {codes:?}",
                body["code"]
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            fail(format!(
                "the body does not fit the contract:\n  {}\nbody: {body}",
                errors.join("\n  ")
            ))
        }
    }

    /// Follows a local `$ref` (`#/components/...`).
    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        let mut node = node;
        for _ in 0..16 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    node = r
                        .trim_start_matches("#/")
                        .split('/')
                        .fold(&self.doc, |v, key| &v[key]);
                }
                None => return node,
            }
        }
        node
    }

    fn pattern(&self, source: &str) -> Result<Regex, String> {
        let mut cache = self.patterns.lock().map_err(|e| e.to_string())?;
        if let Some(r) = cache.get(source) {
            return Ok(r.clone());
        }
        let r =
            Regex::new(source).map_err(|e| format!("pattern {source:?} does not compile: {e}"))?;
        cache.insert(source.to_owned(), r.clone());
        Ok(r)
    }

    /// JSON Schema (the 2020-12 subset the contract uses) plus the contract's own promises.
    pub fn validate(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        self.validate_in(schema, value, at, errors, false);
    }

    fn validate_in(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
        in_all_of: bool,
    ) {
        let Some(keywords) = schema.as_object() else {
            if schema == &Value::Bool(false) {
                errors.push(format!("{at}: nothing is allowed here"));
            }
            return;
        };
        for (keyword, arg) in keywords {
            match keyword.as_str() {
                "$ref" => self.validate_in(self.resolve(schema), value, at, errors, in_all_of),
                "type" => {
                    let types: Vec<&str> = match arg {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                        _ => vec![],
                    };
                    if !types.iter().any(|t| has_type(value, t)) {
                        errors.push(format!("{at}: {value} is not of type {types:?}"));
                    }
                }
                "properties" | "required" | "additionalProperties" => {
                    // Checked together, once, under "properties" (or alone when it is absent).
                    if keyword == "properties" || !keywords.contains_key("properties") {
                        self.validate_object(keywords, value, at, errors, in_all_of);
                    }
                }
                "items" => {
                    for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                        self.validate_in(arg, item, &format!("{at}[{i}]"), errors, false);
                    }
                }
                "minItems" | "maxItems" => {
                    if let (Some(items), Some(n)) = (value.as_array(), arg.as_u64()) {
                        let ok = if keyword == "minItems" { items.len() as u64 >= n } else { items.len() as u64 <= n };
                        if !ok {
                            errors.push(format!("{at}: {} items break {keyword} {n}", items.len()));
                        }
                    }
                }
                "uniqueItems" => {
                    if let (Some(items), Some(true)) = (value.as_array(), arg.as_bool()) {
                        for (i, a) in items.iter().enumerate() {
                            if items[..i].contains(a) {
                                errors.push(format!("{at}[{i}]: {a} is repeated"));
                            }
                        }
                    }
                }
                "enum" => {
                    if !arg.as_array().is_some_and(|values| values.contains(value)) {
                        errors.push(format!("{at}: {value} is not one of {arg}"));
                    }
                }
                "const" => {
                    if arg != value {
                        errors.push(format!("{at}: {value} is not {arg}"));
                    }
                }
                "x-extensible-enum" => {
                    // Clients must accept values added later; this server sends only the
                    // values this version of the contract documents.
                    if value.is_string() && !arg.as_array().is_some_and(|values| values.contains(value)) {
                        errors.push(format!("{at}: {value} is not a documented value of this open enum: {arg}"));
                    }
                }
                "anyOf" | "oneOf" => {
                    let branches = arg.as_array().map(Vec::as_slice).unwrap_or_default();
                    let mut fits = 0;
                    let mut why = Vec::new();
                    for branch in branches {
                        let mut e = Vec::new();
                        self.validate_in(branch, value, at, &mut e, false);
                        if e.is_empty() {
                            fits += 1;
                        } else {
                            why.extend(e);
                        }
                    }
                    if fits == 0 {
                        errors.push(format!("{at}: {value} fits no branch of {keyword}: {}", why.join("; ")));
                    } else if keyword == "oneOf" && fits > 1 {
                        errors.push(format!("{at}: {value} fits {fits} branches of oneOf"));
                    }
                }
                "allOf" => {
                    for branch in arg.as_array().into_iter().flatten() {
                        self.validate_in(branch, value, at, errors, true);
                    }
                }
                "format" => self.validate_format(arg.as_str().unwrap_or_default(), value, at, errors),
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    if let (Some(v), Some(bound)) = (value.as_f64(), arg.as_f64()) {
                        let ok = match keyword.as_str() {
                            "minimum" => v >= bound,
                            "maximum" => v <= bound,
                            "exclusiveMinimum" => v > bound,
                            _ => v < bound,
                        };
                        if !ok {
                            errors.push(format!("{at}: {v} breaks {keyword} {bound}"));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let (Some(s), Some(n)) = (value.as_str(), arg.as_u64()) {
                        let len = s.chars().count() as u64;
                        let ok = if keyword == "minLength" { len >= n } else { len <= n };
                        if !ok {
                            errors.push(format!("{at}: length {len} breaks {keyword} {n}"));
                        }
                    }
                }
                "pattern" => {
                    if let Some(s) = value.as_str() {
                        match self.pattern(arg.as_str().unwrap_or_default()) {
                            Ok(re) if re.is_match(s) => {}
                            Ok(_) => errors.push(format!("{at}: {s:?} does not match {arg}")),
                            Err(e) => errors.push(format!("{at}: {e}")),
                        }
                    }
                }
                // Annotations: they say something to readers and generators, not to values.
                "description" | "example" | "examples" | "title" | "default" | "deprecated"
                | "readOnly" | "writeOnly" => {}
                k if k.starts_with("x-") => {}
                other => errors.push(format!(
                    "{at}: the contract checker does not know the keyword {other:?}; teach it before using it"
                )),
            }
        }
    }

    fn validate_object(
        &self,
        keywords: &serde_json::Map<String, Value>,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
        in_all_of: bool,
    ) {
        let Some(object) = value.as_object() else {
            return; // "type" reports it
        };
        let empty = serde_json::Map::new();
        let properties = keywords
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for name in keywords
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str()
                && !object.contains_key(name)
            {
                errors.push(format!("{at}.{name}: required, but missing"));
            }
        }
        for (name, v) in object {
            let here = format!("{at}.{name}");
            match (properties.get(name), keywords.get("additionalProperties")) {
                (Some(schema), _) => self.validate_in(schema, v, &here, errors, false),
                (None, Some(Value::Bool(false))) => errors.push(format!("{here}: not allowed")),
                (None, Some(schema @ Value::Object(_))) => {
                    self.validate_in(schema, v, &here, errors, false)
                }
                // A field the contract does not list is drift (clients would not know it);
                // under allOf the other branches may list it.
                (None, _) if !in_all_of => {
                    errors.push(format!("{here}: sent, but not in the contract"))
                }
                (None, _) => {}
            }
        }
    }

    fn validate_format(&self, format: &str, value: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(s) = value.as_str() else {
            if let (Some(n), "int32") = (value.as_i64(), format)
                && i32::try_from(n).is_err()
            {
                errors.push(format!("{at}: {n} is not an int32"));
            }
            return;
        };
        let ok = match format {
            "uuid" => uuid::Uuid::parse_str(s).is_ok_and(|u| u.hyphenated().to_string() == s),
            "date-time" => {
                self.pattern(TIMESTAMP).is_ok_and(|re| re.is_match(s))
                    && chrono::DateTime::parse_from_rfc3339(s).is_ok()
            }
            "date" => s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
            "email" => s.contains('@'),
            "int32" | "int64" | "double" | "float" => true,
            other => {
                errors.push(format!(
                    "{at}: the contract checker does not know the format {other:?}"
                ));
                return;
            }
        };
        if !ok {
            errors.push(format!(
                "{at}: {s:?} is not in the contract's {format} form"
            ));
        }
    }
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}
