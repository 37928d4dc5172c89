//! Checks a request against a catalog's published REST API, as transcribed into
//! `fixtures/<connector>/api.json`: each route's method and path template (`{name}` is one path
//! segment, `{name:path}` one or more, as Flask's `<path:name>`; routes are tried in the file's
//! order, the more specific first, as Werkzeug orders them), its query parameters (a free value, an integer range, one of some values, or
//! OpenMetadata's comma-separated `fields` names), the content type and the shape of its body.
//! A request that fits no route is refused as the server refuses it: 404 for an unknown path,
//! 405 for a known path with another method, 400 for a bad parameter value or body, 415 for
//! another content type. An unknown query parameter is refused with 400 too, more strictly
//! than the servers (JAX-RS and Spring ignore it): a parameter the server ignores is a bug that
//! shows only as wrong results.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Seen, fixture, json as respond};

pub struct Api {
    not_found: Value,
    routes: Vec<Route>,
}

struct Route {
    method: String,
    path: Vec<String>,
    query: Map<String, Value>,
    content_type: Option<String>,
    body: Option<String>,
}

impl Api {
    /// The API description of `connector` (`fixtures/<connector>/api.json`).
    pub fn load(connector: &str) -> Api {
        let description = fixture(connector, "api.json");
        let routes = description["routes"]
            .as_array()
            .expect("api.json lists routes")
            .iter()
            .map(|route| Route {
                method: route["method"].as_str().unwrap().to_string(),
                path: segments(route["path"].as_str().unwrap()),
                query: route["query"].as_object().cloned().unwrap_or_default(),
                content_type: route["content_type"].as_str().map(str::to_owned),
                body: route["body"].as_str().map(str::to_owned),
            })
            .collect();
        Api {
            not_found: description["not_found"].clone(),
            routes,
        }
    }

    /// How the server refuses `seen`, or `None` when it takes it.
    pub fn refusal(&self, seen: &Seen) -> Option<Response> {
        let path = segments(&seen.path);
        let on_path: Vec<&Route> = self.routes.iter().filter(|r| r.matches(&path)).collect();
        if on_path.is_empty() {
            return Some(match &self.not_found {
                // A framework that answers an unknown route with its HTML page (Flask).
                Value::String(page) => super::raw(
                    StatusCode::NOT_FOUND,
                    "text/html; charset=utf-8",
                    page.clone(),
                ),
                body => respond(StatusCode::NOT_FOUND, body),
            });
        }
        let Some(route) = on_path.iter().find(|r| r.method == seen.method.as_str()) else {
            return Some(refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                "HTTP 405 Method Not Allowed",
            ));
        };
        route
            .query_problem(&seen.query)
            .or_else(|| route.body_problem(seen, &path))
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

fn refuse(status: StatusCode, message: &str) -> Response {
    respond(
        status,
        &json!({"code": status.as_u16(), "message": message}),
    )
}

impl Route {
    fn matches(&self, path: &[String]) -> bool {
        let fits = |template: &[String], segments: &[String]| {
            template.len() == segments.len()
                && template.iter().zip(segments).all(|(template, segment)| {
                    (template.starts_with('{') && !segment.is_empty()) || template == segment
                })
        };
        let Some(at) = self.path.iter().position(|t| t.ends_with(":path}")) else {
            return fits(&self.path, path);
        };
        // `{name:path}` takes what the segments before and after it leave, at least one.
        let after = self.path.len() - at - 1;
        path.len() > at + after
            && fits(&self.path[..at], &path[..at])
            && fits(&self.path[at + 1..], &path[path.len() - after..])
    }

    fn query_problem(&self, query: &HashMap<String, String>) -> Option<Response> {
        let bad = |message: String| Some(refuse(StatusCode::BAD_REQUEST, &message));
        for (name, value) in query {
            let Some(kind) = self.query.get(name) else {
                return bad(format!("unknown query parameter {name}"));
            };
            if let Some(problem) = value_problem(name, value, kind) {
                return bad(problem);
            }
        }
        None
    }

    fn body_problem(&self, seen: &Seen, path: &[String]) -> Option<Response> {
        let content_type = seen
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok());
        if let Some(expected) = &self.content_type
            && content_type != Some(expected.as_str())
        {
            return Some(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "HTTP 415 Unsupported Media Type",
            ));
        }
        let body = self.body.as_deref()?;
        let value: Value = serde_json::from_str(&seen.body).unwrap_or(Value::Null);
        let fits = match body {
            "json-patch" => is_json_patch(&value),
            "amundsen-search" => is_amundsen_search(&value),
            // The document itself, under its own id.
            "document" => {
                let id = path.last().map(|s| decoded(s));
                value.get("id").and_then(Value::as_str) == id.as_deref()
            }
            // Entropy Data's `Access` resource under its own id.
            "access" => {
                let id = path.last().map(|s| decoded(s));
                value.get("id").and_then(Value::as_str) == id.as_deref() && is_access(&value)
            }
            other => panic!("api.json: unknown body kind {other}"),
        };
        (!fits).then(|| refuse(StatusCode::BAD_REQUEST, &format!("the body is not {body}")))
    }
}

/// Why `value` is not a value of parameter `name` of `kind`.
fn value_problem(name: &str, value: &str, kind: &Value) -> Option<String> {
    if let Some(fields) = kind.get("fields").and_then(Value::as_array) {
        return value
            .split(',')
            .find(|field| !fields.iter().any(|f| f == field))
            .map(|field| format!("Invalid field name {field}"));
    }
    if let Some(allowed) = kind.get("one_of").and_then(Value::as_array) {
        return (!allowed.iter().any(|a| a == value))
            .then(|| format!("query param {name} must be one of {allowed:?}"));
    }
    let (min, max) = (kind.get("min"), kind.get("max"));
    if min.is_none() && max.is_none() {
        return None;
    }
    let Ok(number) = value.parse::<i64>() else {
        return Some(format!("query param {name} is not a number"));
    };
    let below = min.and_then(Value::as_i64).is_some_and(|min| number < min);
    let above = max.and_then(Value::as_i64).is_some_and(|max| number > max);
    (below || above).then(|| format!("query param {name} is out of range"))
}

/// Entropy Data's `Access` schema: `info.purpose`, `provider.dataProductId` and `outputPortId`
/// required; `consumer` a data product, a team or a user; `custom` a map of text values (the
/// server's Jackson refuses a list there).
fn is_access(value: &Value) -> bool {
    let text = |pointer: &str| value.pointer(pointer).is_some_and(Value::is_string);
    let consumer = [
        "/consumer/dataProductId",
        "/consumer/teamId",
        "/consumer/userId",
    ];
    let custom_is_text = value.get("custom").is_none_or(|c| {
        c.as_object()
            .is_some_and(|m| m.values().all(Value::is_string))
    });
    text("/info/purpose")
        && text("/provider/dataProductId")
        && text("/provider/outputPortId")
        && consumer.iter().any(|pointer| text(pointer))
        && custom_is_text
}

fn is_json_patch(value: &Value) -> bool {
    const OPS: [&str; 6] = ["add", "remove", "replace", "move", "copy", "test"];
    value.as_array().is_some_and(|operations| {
        operations.iter().all(|op| {
            op.get("op")
                .and_then(Value::as_str)
                .is_some_and(|o| OPS.contains(&o))
                && op
                    .get("path")
                    .and_then(Value::as_str)
                    .is_some_and(|p| p.starts_with('/'))
        })
    })
}

/// An Amundsen `SearchRequest` as its marshmallow schema loads it: `query_term` required, the
/// other fields optional and typed, any other field refused, resource types those the search
/// service knows (it answers 400 for another).
fn is_amundsen_search(value: &Value) -> bool {
    const FIELDS: [&str; 6] = [
        "query_term",
        "resource_types",
        "page_index",
        "results_per_page",
        "filters",
        "highlight_options",
    ];
    const RESOURCES: [&str; 4] = ["table", "dashboard", "feature", "user"];
    let Some(request) = value.as_object() else {
        return false;
    };
    let count = |key: &str| request.get(key).is_none_or(Value::is_u64);
    request.keys().all(|key| FIELDS.contains(&key.as_str()))
        && request.get("query_term").is_some_and(Value::is_string)
        && request.get("resource_types").is_none_or(|types| {
            types.as_array().is_some_and(|types| {
                types
                    .iter()
                    .all(|t| t.as_str().is_some_and(|t| RESOURCES.contains(&t)))
            })
        })
        && count("page_index")
        && count("results_per_page")
        && request.get("filters").is_none_or(Value::is_array)
}

/// A path segment with its `%XX` escapes decoded.
pub fn decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(byte) if bytes[i] == b'%' => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
