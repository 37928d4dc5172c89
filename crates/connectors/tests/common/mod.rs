//! A fake catalog server for the tests: axum on a random local port, answering with a closure
//! that replays fixture files (real responses copied from the projects, see fixtures/README.md).

#![allow(dead_code)] // each test binary uses a part of it

pub mod graphql;
pub mod keeping;
pub mod rest;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use meshlens_connectors::{
    Credentials, HttpClient, HttpPolicy, Known, PullBudget, PullContext, Secret,
};
use serde_json::Value;

/// What the fake server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: String,
}

type Handler = dyn Fn(&Seen) -> Response + Send + Sync;
/// The answering closure and the log of what was asked.
type Shared = (Arc<Handler>, Arc<Mutex<Vec<Seen>>>);

pub struct FakeServer {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeServer {
    pub async fn start(handler: impl Fn(&Seen) -> Response + Send + Sync + 'static) -> FakeServer {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state: Shared = (Arc::new(handler), seen.clone());
        let app = axum::Router::new().fallback(handle).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeServer { url, seen }
    }

    /// A fake DataHub: a request that does not validate against DataHub's schema
    /// (fixtures/datahub/schema.graphql) is refused as DataHub refuses it, HTTP 200 with
    /// graphql-java's `errors` and no `data`; the others go to `handler`.
    pub async fn start_datahub(
        handler: impl Fn(&Seen) -> Response + Send + Sync + 'static,
    ) -> FakeServer {
        let schema = graphql::datahub_schema();
        FakeServer::start(move |seen| {
            let body = serde_json::from_str(&seen.body).unwrap_or(Value::Null);
            let errors = graphql::request_errors(&schema, &body);
            if errors.is_empty() {
                handler(seen)
            } else {
                ok(&serde_json::json!({ "errors": errors }))
            }
        })
        .await
    }

    /// A fake server that refuses, as the real one does, a request its published API does not
    /// have (`fixtures/<connector>/api.json`, see `rest.rs`); the others go to `handler`.
    pub async fn start_checked(
        connector: &str,
        handler: impl Fn(&Seen) -> Response + Send + Sync + 'static,
    ) -> FakeServer {
        let api = rest::Api::load(connector);
        FakeServer::start(move |seen| api.refusal(seen).unwrap_or_else(|| handler(seen))).await
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// True when no request carried an `Authorization` header.
    pub fn saw_no_authorization(&self) -> bool {
        self.requests()
            .iter()
            .all(|r| r.headers.get("authorization").is_none())
    }
}

async fn handle(State((handler, seen)): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let query = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let request = Seen {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query,
        headers: parts.headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    seen.lock().unwrap().push(request.clone());
    let response = handler(&request);
    // A handler asks for a slow answer with this header (the time-out tests).
    if let Some(ms) = response
        .headers()
        .get("x-test-delay-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    response
}

pub fn fixture_text(connector: &str, file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(connector)
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture(connector: &str, file: &str) -> Value {
    serde_json::from_str(&fixture_text(connector, file)).unwrap()
}

pub fn json(status: StatusCode, value: &Value) -> Response {
    raw(status, "application/json", value.to_string())
}

pub fn ok(value: &Value) -> Response {
    json(StatusCode::OK, value)
}

pub fn raw(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.into())
        .unwrap()
}

pub fn status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap();
    json(
        status,
        &serde_json::json!({"code": code, "message": status.canonical_reason()}),
    )
}

/// Short delays and time-outs so fault tests finish quickly; bounded all the same.
pub fn test_policy() -> HttpPolicy {
    HttpPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_millis(400),
        max_response_bytes: 32 * 1024 * 1024,
    }
}

pub const TOKEN: &str = "test-jwt-do-not-print";

pub fn client(server: &FakeServer, credentials: Credentials) -> HttpClient {
    HttpClient::new("fake", &server.url, credentials, test_policy()).unwrap()
}

pub fn bearer() -> Credentials {
    Credentials::Bearer(Secret::new(TOKEN))
}

/// A cache that holds nothing yet: every pull is a full pull.
pub static NOTHING_KNOWN: LazyLock<Known> = LazyLock::new(Known::default);

pub fn context<'a>(
    http: HttpClient,
    page_size: usize,
    progress: &'a (dyn Fn(u64) + Send + Sync),
    cancelled: &'a (dyn Fn() -> bool + Send + Sync),
) -> PullContext<'a> {
    PullContext {
        http,
        budget: PullBudget::default(),
        concurrency: 4,
        page_size,
        progress,
        cancelled,
        known: &NOTHING_KNOWN,
        search: None,
        scope: None,
    }
}

pub fn no_progress(_: u64) {}
pub fn never() -> bool {
    false
}

/// A fake Amundsen, both services on one address, replaying `fixtures/amundsen`: the search
/// service's pages by `page_index` (two tables a page), the metadata service's tables and their
/// lineage by key; an unknown key is answered as TableDetailAPI answers it.
pub fn amundsen(seen: &Seen) -> Response {
    if seen.path == "/v2/search" {
        let request: Value = serde_json::from_str(&seen.body).unwrap_or(Value::Null);
        return match request["page_index"].as_u64() {
            Some(0) => ok(&fixture("amundsen", "search_page1.json")),
            Some(1) => ok(&fixture("amundsen", "search_page2.json")),
            _ => status(500),
        };
    }
    let Some(tail) = seen.path.strip_prefix("/table/") else {
        return status(404);
    };
    let (key, file) = match tail.strip_suffix("/lineage") {
        Some(key) => (key, "lineage.json"),
        None => (tail, "tables.json"),
    };
    let key = rest::decoded(key);
    match fixture("amundsen", file).get(&key) {
        Some(body) => ok(body),
        None => json(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"message": format!("table_uri {key} does not exist")}),
        ),
    }
}
