//! Submitting drafts to OpenMetadata and DataHub sources: the outbox sends the edited
//! description, tags (glossary terms too) and owners of a table and a data product through the
//! catalog's own write API, exactly once (an answer lost after the write is retried and sends
//! nothing twice), the next sync reads back what the draft said, and an edit of a field someone
//! changed upstream since the sync is a conflict to resolve field by field. The servers are
//! in-process fakes that keep what they are sent (`keeping.rs`, shared with the connector's
//! tests, which also check every request against the catalogs' published APIs).

mod common;

#[path = "../../connectors/tests/common/keeping.rs"]
mod keeping;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use common::{call, open};
use meshlens_app::App;
use serde_json::{Value, json};

/// The upstream catalog, and whether the next write's answer is to be cut after it applied.
struct Catalog {
    entities: Vec<Value>,
    cut_next_write: bool,
    writes: usize,
}

type Shared = Arc<Mutex<Catalog>>;

/// A fake catalog's answer to (entities, method, path, body), `None` for 404.
type Answer = fn(&mut [Value], &str, &str, &Value) -> Option<Value>;

/// Serves `answer(catalog, method, path, body)`; a write answered while
/// `cut_next_write` is set is applied and its answer cut in half.
async fn serve(catalog: Shared, answer: Answer) -> String {
    let handler = move |State(catalog): State<Shared>, request: Request| async move {
        let (method, path) = (request.method().clone(), request.uri().path().to_string());
        let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let mut catalog = catalog.lock().unwrap();
        let Some(answer) = answer(&mut catalog.entities, method.as_str(), &path, &body) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let text = answer.to_string();
        let write = method == Method::PATCH || keeping::datahub_mutation(&body).is_some();
        if write {
            catalog.writes += 1;
        }
        if write && std::mem::take(&mut catalog.cut_next_write) {
            return (
                [("content-type", "application/json")],
                text[..text.len() / 2].to_string(),
            )
                .into_response();
        }
        ([("content-type", "application/json")], text).into_response()
    };
    let router = axum::Router::new().fallback(handler).with_state(catalog);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

const TABLE: &str = "sample_data.ecommerce_db.shopify.dim_address";
const PRODUCT: &str = "TestDomain.TestDataProduct";
use keeping::{DATAHUB_DATASET as PETS, DATAHUB_PRODUCT as ADOPTION};
/// A fake catalog of `kind` holding `entities`, answering with `answer`, as a source `catalog`
/// of an app on `data`, synced.
async fn synced_app(
    data: &std::path::Path,
    kind: &str,
    entities: Vec<Value>,
    answer: Answer,
) -> (App, Shared) {
    let catalog: Shared = Arc::new(Mutex::new(Catalog {
        entities,
        cut_next_write: false,
        writes: 0,
    }));
    let url = serve(catalog.clone(), answer).await;
    // SAFETY: both tests set the same value before their app reads it.
    unsafe { std::env::set_var("MESHLENS_TOKEN_CATALOG", "test-token") };
    let app = open(data).await;
    call(
        &app,
        "add_source",
        json!({"name": "catalog", "kind": kind, "url": url}),
    )
    .await;
    let synced = call(&app, "sync", json!({})).await;
    assert!(synced["sources"][0]["unreadable"].is_null(), "{synced:#}");
    (app, catalog)
}

/// A draft of `id` with `edit` applied to its document; returns the draft's id and document.
async fn edited_draft(app: &App, id: &str, edit: impl FnOnce(&mut Value)) -> (i64, Value) {
    let draft = call(app, "draft_new", json!({"from": id})).await;
    let mut doc: Value = serde_json::from_str(draft["text"].as_str().unwrap()).unwrap();
    edit(&mut doc);
    let draft_id = draft["id"].as_i64().unwrap();
    call(
        app,
        "draft_edit",
        json!({"draft": draft_id, "text": doc.to_string()}),
    )
    .await;
    (draft_id, doc)
}

/// What the cache holds of `id` now, in the fields a catalog takes back: description, tags as a
/// set, owners.
async fn synced_fields(app: &App, id: &str) -> (Value, BTreeSet<String>, Value) {
    let draft = call(app, "draft_new", json!({"from": id})).await;
    let doc: Value = serde_json::from_str(draft["text"].as_str().unwrap()).unwrap();
    fields_of(&doc)
}

fn fields_of(doc: &Value) -> (Value, BTreeSet<String>, Value) {
    let tags = doc["tags"].as_array().into_iter().flatten();
    let tags = tags.filter_map(Value::as_str).map(str::to_owned).collect();
    (
        doc["description"]["purpose"].clone(),
        tags,
        doc["customProperties"][0]["value"].clone(),
    )
}

/// Submits `draft` with the answer to its first write lost: the item waits, queued, and its
/// retry sends what is left, not that write again. Returns the retried item and the writes sent.
async fn submit_through_a_lost_answer(app: &App, catalog: &Shared, draft: i64) -> (Value, usize) {
    catalog.lock().unwrap().cut_next_write = true;
    let writes = catalog.lock().unwrap().writes;
    let first = call(app, "submit", json!({"draft": draft})).await;
    assert_eq!(first["item"]["status"], "queued", "{first:#}");
    let reason = first["item"]["reason"].as_str().unwrap();
    assert!(reason.contains("may have been applied"), "{reason}");
    let retried = call(app, "outbox_retry", json!({"id": first["item"]["id"]})).await;
    assert_eq!(retried["status"], "submitted", "{retried:#}");
    let sent = catalog.lock().unwrap().writes - writes;
    (retried, sent)
}

/// Someone changes the description upstream after the sync: the draft's edit of it conflicts;
/// keeping mine rebases the draft and the next submit sends it.
async fn conflict_then_resolve(
    app: &App,
    catalog: &Shared,
    id: &str,
    change_upstream: impl FnOnce(&mut Catalog),
) {
    let (draft, _) = edited_draft(app, id, |doc| {
        doc["description"]["purpose"] = json!("Mine.")
    })
    .await;
    change_upstream(&mut catalog.lock().unwrap());
    let refused = call(app, "submit", json!({"draft": draft})).await;
    assert_eq!(refused["item"]["status"], "conflict", "{refused:#}");
    assert_eq!(
        refused["draft"]["conflicts"][0]["path"],
        "description.purpose"
    );
    assert_eq!(
        refused["draft"]["conflicts"][0]["theirs"],
        "Someone else's words."
    );
    call(
        app,
        "conflict_resolve",
        json!({"draft": draft, "take": "mine"}),
    )
    .await;
    let resent = call(app, "submit", json!({"draft": draft})).await;
    assert_eq!(resent["item"]["status"], "submitted", "{resent:#}");
    call(app, "sync", json!({})).await;
    assert_eq!(synced_fields(app, id).await.0, "Mine.");
}

#[tokio::test(flavor = "multi_thread")]
async fn openmetadata_takes_edits_of_tables_and_products_once_and_conflicts_when_they_moved() {
    let data = tempfile::tempdir().unwrap();
    let (app, catalog) = synced_app(
        data.path(),
        "openmetadata",
        keeping::openmetadata_entities(),
        keeping::openmetadata_answer,
    )
    .await;

    let (draft, edited) = edited_draft(&app, TABLE, |doc| {
        doc["description"]["purpose"] = json!("Addresses, one row per customer address.");
        doc["tags"] = json!(["PII.Sensitive", "Business.Revenue"]);
        doc["customProperties"][0]["value"] = json!("Sales, jdoe");
    })
    .await;
    // One JSON Patch: applied once, its lost answer retried without sending it again.
    let (item, writes) = submit_through_a_lost_answer(&app, &catalog, draft).await;
    assert_eq!(writes, 1, "{item:#}");
    assert_eq!(
        item["receipt"],
        "nothing to send: openmetadata already holds the edit"
    );
    assert_eq!(catalog.lock().unwrap().entities[0]["version"], json!(0.2));
    let labels = catalog.lock().unwrap().entities[0]["tags"].clone();
    assert_eq!(labels[0]["source"], "Glossary", "{labels}");
    // The next sync reads back what the draft said.
    call(&app, "sync", json!({})).await;
    assert_eq!(synced_fields(&app, TABLE).await, fields_of(&edited));

    // A field OpenMetadata does not take from meshlens stays out, and the receipt says so.
    let (product_draft, edited) = edited_draft(&app, PRODUCT, |doc| {
        doc["tags"] = json!(["Business.Revenue"]);
        doc["name"] = json!("Renamed");
    })
    .await;
    let sent = call(&app, "submit", json!({"draft": product_draft})).await;
    assert_eq!(sent["item"]["status"], "submitted", "{sent:#}");
    let receipt = sent["item"]["receipt"].as_str().unwrap();
    assert!(
        receipt.starts_with("PATCH api/v1/dataProducts/")
            && receipt.ends_with("(tags); not sent, as openmetadata takes only descriptions, tags and owners from meshlens: dataProducts/TestDomain.TestDataProduct.odps.json (name)"),
        "{receipt}"
    );
    call(&app, "sync", json!({})).await;
    assert_eq!(synced_fields(&app, PRODUCT).await, fields_of(&edited));

    conflict_then_resolve(&app, &catalog, TABLE, |catalog| {
        catalog.entities[0]["description"] = json!("Someone else's words.");
        catalog.entities[0]["version"] = json!(0.4);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn datahub_takes_edits_of_datasets_and_products_once_and_conflicts_when_they_moved() {
    let data = tempfile::tempdir().unwrap();
    let (app, catalog) = synced_app(
        data.path(),
        "datahub",
        keeping::datahub_entities(),
        |entities, _, path, body| keeping::datahub_answer(entities, path, body),
    )
    .await;

    let (draft, edited) = edited_draft(&app, PETS, |doc| {
        doc["description"]["purpose"] = json!("Every pet, one row each.");
        doc["tags"] = json!(["pii", "Adoption"]);
        doc["customProperties"][0]["value"] = json!("jdoe");
    })
    .await;
    // Six mutations, the first one's answer lost: the retry sends the five others.
    let (item, writes) = submit_through_a_lost_answer(&app, &catalog, draft).await;
    assert_eq!(writes, 6, "{item:#}");
    let receipt = item["receipt"].as_str().unwrap();
    assert!(
        !receipt.contains("updateDescription")
            && receipt.contains("removeOwner urn:li:corpGroup:vets"),
        "{receipt}"
    );
    let dataset = catalog.lock().unwrap().entities[0].clone();
    assert_eq!(
        dataset["editableProperties"]["description"], "Every pet, one row each.",
        "{item:#}"
    );
    call(&app, "sync", json!({})).await;
    assert_eq!(synced_fields(&app, PETS).await, fields_of(&edited));

    let (product_draft, edited) = edited_draft(&app, ADOPTION, |doc| {
        doc["description"]["purpose"] = json!("Adoptions, by shelter.");
        doc["tags"] = json!(["legacy", "Adoption"]);
    })
    .await;
    let sent = call(&app, "submit", json!({"draft": product_draft})).await;
    assert_eq!(sent["item"]["status"], "submitted", "{sent:#}");
    call(&app, "sync", json!({})).await;
    assert_eq!(synced_fields(&app, ADOPTION).await, fields_of(&edited));

    conflict_then_resolve(&app, &catalog, PETS, |catalog| {
        catalog.entities[0]["editableProperties"]["description"] = json!("Someone else's words.");
    })
    .await;
}
