//! Submitting a draft to an Entropy Data source: the outbox PUTs the edited document to the server,
//! exactly once, and refuses when the upstream version moved since the draft's base. The server is
//! an in-process fake that keeps what it is sent; the connector's wire format is tested against
//! Entropy Data's own OpenAPI examples in `crates/connectors/tests`.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use common::call;
use meshlens_app::App;
use serde_json::{Value, json};

type Documents = Arc<Mutex<HashMap<(String, String), Value>>>;

fn demo_document(path: &str) -> Value {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo-mesh");
    let text = std::fs::read_to_string(root.join(path)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

async fn fake_entropy(documents: Documents) -> String {
    async fn list(State(docs): State<Documents>, Path(collection): Path<String>) -> Json<Value> {
        let docs = docs.lock().unwrap();
        let mut found: Vec<&Value> = docs
            .iter()
            .filter(|((c, _), _)| *c == collection)
            .map(|(_, doc)| doc)
            .collect();
        found.sort_by_key(|doc| doc["id"].as_str().unwrap_or_default().to_string());
        Json(json!(found))
    }
    async fn one(
        State(docs): State<Documents>,
        Path((collection, id)): Path<(String, String)>,
    ) -> Result<Json<Value>, StatusCode> {
        let docs = docs.lock().unwrap();
        docs.get(&(collection, id))
            .cloned()
            .map(Json)
            .ok_or(StatusCode::NOT_FOUND)
    }
    async fn put(
        State(docs): State<Documents>,
        Path((collection, id)): Path<(String, String)>,
        Json(document): Json<Value>,
    ) -> StatusCode {
        docs.lock().unwrap().insert((collection, id), document);
        StatusCode::OK
    }
    let router = axum::Router::new()
        .route("/api/{collection}", get(list))
        .route("/api/{collection}/{id}", get(one).put(put))
        .with_state(documents);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

/// An app with an Entropy Data source `catalog` on a fake server keeping `documents`, synced once.
async fn synced_catalog(documents: Documents) -> (tempfile::TempDir, App) {
    let url = fake_entropy(documents).await;
    // SAFETY: set before any other thread of this test reads the environment.
    unsafe { std::env::set_var("MESHLENS_TOKEN_CATALOG", "test-api-key") };
    let data = tempfile::tempdir().unwrap();
    let app = common::open(data.path()).await;
    let source = json!({"name": "catalog", "kind": "entropy", "url": url});
    call(&app, "add_source", source).await;
    let synced = call(&app, "sync", json!({})).await;
    assert!(synced["sources"][0]["unreadable"].is_null(), "{synced:#}");
    (data, app)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_is_put_to_entropy_data_once_and_refused_when_upstream_moved() {
    let documents: Documents = Arc::default();
    for (collection, path) in [
        ("dataproducts", "finance/finance-fx-rates.odps.yaml"),
        ("datacontracts", "finance/fx-rates-daily.odcs.yaml"),
    ] {
        let doc = demo_document(path);
        let id = doc["id"].as_str().unwrap().to_string();
        documents
            .lock()
            .unwrap()
            .insert((collection.to_string(), id), doc);
    }
    let (_data, app) = synced_catalog(documents.clone()).await;

    let draft = call(&app, "draft_new", json!({"from": "finance-fx-rates"})).await;
    let id = draft["id"].as_i64().unwrap();
    call(&app, "draft_edit",
        json!({"draft": id, "set": ["description.purpose=Daily ECB reference rates, checked by treasury."]}),
    ).await;
    let outcome = call(&app, "submit", json!({"draft": id})).await;
    assert_eq!(outcome["item"]["status"], "submitted", "{outcome:#}");
    let receipt = outcome["item"]["receipt"].as_str().unwrap();
    assert!(
        receipt.contains("/api/dataproducts/finance-fx-rates"),
        "{receipt}"
    );
    let upstream = documents.lock().unwrap()
        [&("dataproducts".to_string(), "finance-fx-rates".to_string())]
        .clone();
    assert_eq!(
        upstream["description"]["purpose"],
        "Daily ECB reference rates, checked by treasury."
    );
    assert_eq!(
        upstream["outputPorts"],
        demo_document("finance/finance-fx-rates.odps.yaml")["outputPorts"],
        "unrelated fields travel unchanged"
    );

    // Someone publishes a new version upstream; a draft based on the old one is refused, not pushed.
    documents
        .lock()
        .unwrap()
        .get_mut(&("dataproducts".to_string(), "finance-fx-rates".to_string()))
        .unwrap()["version"] = json!("9.0.0");
    let second = call(&app, "draft_new", json!({"from": "finance-fx-rates"})).await;
    let second_id = second["id"].as_i64().unwrap();
    call(
        &app,
        "draft_edit",
        json!({"draft": second_id, "set": ["description.usage=Join on currency and rate_date."]}),
    )
    .await;
    let refused = call(&app, "submit", json!({"draft": second_id})).await;
    assert_eq!(refused["item"]["status"], "failed", "{refused:#}");
    let reason = refused["item"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("changed upstream") && reason.contains("9.0.0"),
        "{reason}"
    );
    let upstream = documents.lock().unwrap()
        [&("dataproducts".to_string(), "finance-fx-rates".to_string())]
        .clone();
    assert_ne!(
        upstream["description"]["usage"], "Join on currency and rate_date.",
        "nothing was pushed over the newer version"
    );
    assert_eq!(upstream["version"], "9.0.0");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_access_request_goes_to_entropy_data_and_its_approval_is_read_back() {
    let documents: Documents = Arc::default();
    let product = demo_document("finance/finance-fx-rates.odps.yaml");
    documents.lock().unwrap().insert(
        ("dataproducts".into(), "finance-fx-rates".into()),
        product.clone(),
    );
    let (_data, app) = synced_catalog(documents.clone()).await;

    let port = product["outputPorts"][0]["name"].as_str().unwrap();
    let requested = call(
        &app,
        "access_request",
        json!({"product": "finance-fx-rates", "port": port, "purpose": "Price lists in euro",
               "consumer": "marketing", "until": "2099-06-30"}),
    )
    .await;
    assert_eq!(requested["request"]["status"], "requested", "{requested:#}");
    assert_eq!(requested["request"]["target"], "catalog");
    let id = requested["request"]["id"].as_str().unwrap().to_string();
    let sent = documents.lock().unwrap()[&("access".to_string(), id.clone())].clone();
    assert_eq!(sent["provider"]["dataProductId"], "finance-fx-rates");
    assert_eq!(sent["info"]["purpose"], "Price lists in euro");

    // The owners approve it in Entropy Data; the next sync reads the decision back.
    {
        let mut docs = documents.lock().unwrap();
        let access = docs.get_mut(&("access".to_string(), id.clone())).unwrap();
        access["info"]["status"] = json!("approved");
        access["info"]["active"] = json!(true);
    }
    let synced = call(&app, "sync", json!({})).await;
    assert_eq!(synced["sources"][0]["access"]["imported"], 1, "{synced:#}");
    let mine = call(&app, "access_list", json!({"mine": true})).await;
    let entry = &mine.as_array().unwrap()[0];
    assert_eq!(
        (&entry["id"], &entry["status"], &entry["target"]),
        (&json!(id), &json!("approved"), &json!("catalog"))
    );
    assert!(entry["decided_at"].is_string(), "{entry:#}");
    let consumers = call(&app, "consumers", json!({"id": "finance-fx-rates"})).await;
    assert!(
        consumers
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["consumer"] == "marketing" && c["via"] == "agreement"),
        "{consumers:#}"
    );
}
