//! The documented routes and their methods, to answer 405 (with `Allow`) rather than 404
//! for a path that exists with other methods.

use serde_json::Value;

use super::shape::METHODS;

/// Every documented path template with its methods, for 404 versus 405 on unmatched requests.
pub fn route_table(doc: &Value) -> RouteTable {
    let mut routes: Vec<(Vec<String>, Vec<String>)> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(path, item)| {
            let methods = METHODS
                .into_iter()
                .filter(|m| item.get(*m).is_some())
                .map(str::to_ascii_uppercase)
                .collect();
            (segments(path), methods)
        })
        .collect();
    routes.push((segments("/openapi.json"), vec!["GET".into()]));
    RouteTable(routes)
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// Documented path templates and their methods.
#[derive(Clone, Debug)]
pub struct RouteTable(Vec<(Vec<String>, Vec<String>)>);

impl RouteTable {
    /// The methods allowed on `path`, or `None` when no documented route has that shape.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let wanted = segments(path);
        let mut allowed: Vec<&str> = Vec::new();
        for (template, methods) in &self.0 {
            let fits = template.len() == wanted.len()
                && template
                    .iter()
                    .zip(&wanted)
                    .all(|(t, w)| (t.starts_with('{') && !w.is_empty()) || t == w);
            if fits {
                allowed.extend(methods.iter().map(String::as_str));
            }
        }
        (!allowed.is_empty()).then(|| allowed.join(", "))
    }
}
