//! Submitting a draft to an Amundsen source: the outbox sends the edited description, tags and
//! owners of a table through the metadata service's write routes, the next sync reads them back,
//! and an edit of a field someone changed upstream meanwhile is a conflict to resolve. The services are an
//! in-process fake that keeps what it is sent; the connector's requests are checked against
//! Amundsen's routes in `crates/connectors/tests`.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::Method;
use common::{call, open};
use serde_json::{Value, json};

const TABLE: &str = "hive://gold.test_schema/test_table1";

type Table = Arc<Mutex<Value>>;

fn fixture_table() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../connectors/tests/fixtures/amundsen/tables.json");
    let tables: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    tables[TABLE].clone()
}

/// Applies one write route (`/description`, `/tag/<name>`, `/owner/<name>`) to the table.
fn write(table: &mut Value, method: &Method, route: &str, body: &Value) -> bool {
    // Flask decodes the path's `%XX` before routing (the name alone parses as a form key).
    let decoded = |name: &str| {
        let mut pairs = url::form_urlencoded::parse(name.as_bytes());
        pairs
            .next()
            .map(|(name, _)| name.into_owned())
            .unwrap_or_default()
    };
    let (list, item) = match route.split_once('/').map(|(r, name)| (r, decoded(name))) {
        Some(("tag", name)) => ("tags", json!({"tag_type": "default", "tag_name": name})),
        Some(("owner", name)) => ("owners", json!({"user_id": name, "email": name})),
        _ if route == "description" && method == Method::PUT => {
            table["description"] = body["description"].clone();
            return true;
        }
        _ => return false,
    };
    let entries = table[list].as_array_mut().unwrap();
    let name = |entry: &Value| entry.get("tag_name").or(entry.get("email")).cloned();
    entries.retain(|entry| name(entry) != name(&item));
    if method == Method::PUT {
        entries.push(item);
    }
    true
}

async fn fake_amundsen(table: Table) -> String {
    async fn answer(State(table): State<Table>, request: Request) -> axum::Json<Value> {
        let (method, path) = (request.method().clone(), request.uri().path().to_string());
        let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let mut table = table.lock().unwrap();
        let route = path
            .strip_prefix(&format!("/table/{TABLE}"))
            .unwrap_or(&path);
        axum::Json(match route.trim_start_matches('/') {
            "v2/search" => json!({"msg": "Success", "page_index": 0, "results_per_page": 100,
                "results": {"table": {"results": [{"key": TABLE}], "total_results": 1}}, "status_code": 200}),
            "" => table.clone(),
            "lineage" => json!({"key": TABLE, "upstream_entities": [], "downstream_entities": []}),
            route => {
                assert!(write(&mut table, &method, route, &body), "{method} {path}");
                Value::Null
            }
        })
    }
    let router = axum::Router::new().fallback(answer).with_state(table);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_edit_goes_to_amundsen_comes_back_with_the_sync_and_conflicts_when_upstream_moved()
{
    let table: Table = Arc::new(Mutex::new(fixture_table()));
    let url = fake_amundsen(table.clone()).await;
    let data = tempfile::tempdir().unwrap();
    let app = open(data.path()).await;
    call(
        &app,
        "add_source",
        json!({"name": "amundsen", "kind": "amundsen", "url": url, "search_url": null}),
    )
    .await;
    let synced = call(&app, "sync", json!({})).await;
    assert!(synced["sources"][0]["unreadable"].is_null(), "{synced:#}");

    // Description, one tag more, one less, and a second owner.
    let draft = call(&app, "draft_new", json!({"from": TABLE})).await;
    let id = draft["id"].as_i64().unwrap();
    let mut doc: Value = serde_json::from_str(draft["text"].as_str().unwrap()).unwrap();
    doc["description"]["purpose"] = json!("Wizards, one row each.");
    doc["tags"] = json!(["tag2", "wizards"]);
    doc["customProperties"][0]["value"] = json!("mmcgonagall@hogwarts.com, hpotter@hogwarts.com");
    call(
        &app,
        "draft_edit",
        json!({"draft": id, "text": doc.to_string()}),
    )
    .await;
    let outcome = call(&app, "submit", json!({"draft": id})).await;
    assert_eq!(outcome["item"]["status"], "submitted", "{outcome:#}");
    let receipt = outcome["item"]["receipt"].as_str().unwrap();
    assert!(
        receipt.contains(&format!("DELETE table/{TABLE}/tag/tag1")),
        "{receipt}"
    );
    {
        let upstream = table.lock().unwrap();
        assert_eq!(upstream["description"], "Wizards, one row each.");
        assert_eq!(upstream["tags"].as_array().unwrap().len(), 2);
        assert_eq!(upstream["owners"][1]["email"], "hpotter@hogwarts.com");
    }
    // The next sync reads the edit back from Amundsen.
    let again = call(&app, "sync", json!({})).await;
    assert_eq!(again["sources"][0]["updated"], 1, "{again:#}");

    // Someone rewrites the description in Amundsen; an edit based on the synced one is refused.
    table.lock().unwrap()["description"] = json!("Someone else's words.");
    let second = call(&app, "draft_new", json!({"from": TABLE})).await;
    let second_id = second["id"].as_i64().unwrap();
    call(
        &app,
        "draft_edit",
        json!({"draft": second_id, "set": ["description.purpose=Mine."]}),
    )
    .await;
    let refused = call(&app, "submit", json!({"draft": second_id})).await;
    assert_eq!(refused["item"]["status"], "conflict", "{refused:#}");
    let reason = refused["item"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("changed upstream") && reason.contains("description"),
        "{reason}"
    );
    assert_eq!(
        refused["draft"]["conflicts"][0]["theirs"],
        "Someone else's words."
    );
    assert_eq!(
        table.lock().unwrap()["description"],
        "Someone else's words."
    );
    // Keeping mine rebases the draft on upstream's values: the next submit sends it.
    call(
        &app,
        "conflict_resolve",
        json!({"draft": second_id, "take": "mine"}),
    )
    .await;
    let resent = call(&app, "submit", json!({"draft": second_id})).await;
    assert_eq!(resent["item"]["status"], "submitted", "{resent:#}");
    assert_eq!(table.lock().unwrap()["description"], "Mine.");
}
