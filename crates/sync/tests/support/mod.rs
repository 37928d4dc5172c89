//! Fake catalog servers for the sync tests: the connectors' recorded responses served over HTTP.

#![allow(dead_code)] // each test binary uses a part of it

use axum::response::Response;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../connectors/tests/fixtures");

/// A recorded response, by its path under `crates/connectors/tests/fixtures` (`marquez/datasets.json`).
pub fn fixture(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{path}")).unwrap()).unwrap()
}

/// `body` as a 200 JSON response.
pub fn json_response(body: &Value) -> Response {
    Response::builder()
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap()
}

/// Serves `app` on a free local port; returns its base URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}
