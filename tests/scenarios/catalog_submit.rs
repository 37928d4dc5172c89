//! Drafts submitted to OpenMetadata and DataHub sources through the real CLI: `draft new` from a
//! synced table, `draft edit --set`, `submit` (its receipt), the next `sync` reading the edit
//! back, and a conflict when the entity moved upstream (printed field by field, resolved with
//! `conflict resolve --take mine`, then sent). The catalogs are fakes that keep what they are
//! sent (crates/connectors/tests/common/keeping.rs, shared with the connector's and the app's
//! tests).

mod common;

#[path = "../../crates/connectors/tests/common/keeping.rs"]
mod keeping;

use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{Value, json};

type Entities = Arc<Mutex<Vec<Value>>>;

/// A fake catalog of `kind` keeping `entities`, registered as source `catalog` and synced.
fn synced(
    kind: &str,
    entities: Vec<Value>,
    answer: fn(&mut [Value], &str, &str, &Value) -> Option<Value>,
) -> (Meshlens, Entities) {
    let entities = Arc::new(Mutex::new(entities));
    let kept = entities.clone();
    let url = serve(move |method, path, body| {
        let body = serde_json::from_str(body).unwrap_or(Value::Null);
        match answer(&mut kept.lock().unwrap(), method, path, &body) {
            Some(answer) => (200, answer.to_string()),
            None => (
                404,
                r#"{"code": 404, "message": "HTTP 404 Not Found"}"#.into(),
            ),
        }
    });
    // SAFETY: set before any command is started; every test sets the same value.
    unsafe { std::env::set_var("MESHLENS_TOKEN_CATALOG", "test-token") };
    let m = Meshlens::new();
    m.ok(&["source", "add", "catalog", "--kind", kind, "--url", &url]);
    let report = m.json(&["sync"]);
    assert!(report["sources"][0]["unreadable"].is_null(), "{report}");
    (m, entities)
}

/// The synced document of `id`, as a new draft starts from it.
fn synced_document(m: &Meshlens, id: &str) -> Value {
    let draft = m.json(&["draft", "new", "--from", id]);
    serde_json::from_str(draft["text"].as_str().unwrap()).unwrap()
}

/// A draft of `id` with `sets` applied; returns its id.
fn edited_draft(m: &Meshlens, id: &str, sets: &[&str]) -> String {
    let draft = m.json(&["draft", "new", "--from", id])["id"].to_string();
    let mut args = vec!["draft", "edit", draft.as_str()];
    for set in sets {
        args.extend(["--set", set]);
    }
    m.ok(&args);
    draft
}

/// An edit of `id`'s description conflicts once `move_upstream` changed it; it is printed field
/// by field, resolved as mine, and sent.
fn conflict_resolved_and_sent(m: &Meshlens, id: &str, move_upstream: impl FnOnce()) {
    let draft = edited_draft(m, id, &["description.purpose=Mine."]);
    move_upstream();
    let out = m.run(&["submit", &draft]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains("changed upstream on the same fields: description.purpose")
            && printed
                .contains(r#"description.purpose: mine "Mine." / theirs "Someone else's words.""#),
        "{printed}"
    );
    m.ok(&["conflict", "resolve", &draft, "--take", "mine"]);
    let sent = m.ok(&["submit", &draft]);
    assert!(
        sent.starts_with(&format!("submitted draft {draft}")),
        "{sent}"
    );
    m.ok(&["sync"]);
    assert_eq!(synced_document(m, id)["description"]["purpose"], "Mine.");
}

const TABLE: &str = "sample_data.ecommerce_db.shopify.dim_address";

#[test]
fn an_openmetadata_table_edit_is_submitted_read_back_and_conflicts_when_upstream_moved() {
    let (m, entities) = synced(
        "openmetadata",
        keeping::openmetadata_entities(),
        keeping::openmetadata_answer,
    );
    let draft = edited_draft(
        &m,
        TABLE,
        &[
            "description.purpose=Addresses, one row per customer address.",
            "tags=[PII.Sensitive, Business.Revenue]",
        ],
    );
    let sent = m.ok(&["submit", &draft]);
    assert!(
        sent.contains("(outbox item 1): PATCH api/v1/tables/3cda8ecb-f4c6-4ed4-8506-abe965b54b86 (description, tags)"),
        "{sent}"
    );
    let outbox = m.ok(&["outbox"]);
    assert!(
        outbox.contains("submitted") && outbox.contains("PATCH api/v1/tables/"),
        "{outbox}"
    );

    m.ok(&["sync"]);
    let synced = synced_document(&m, TABLE);
    assert_eq!(
        synced["description"]["purpose"],
        "Addresses, one row per customer address."
    );
    // Tags are a set upstream: OpenMetadata keeps them in its own order.
    let mut tags: Vec<&str> = synced["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    tags.sort();
    assert_eq!(tags, ["Business.Revenue", "PII.Sensitive"]);
    assert_eq!(synced["version"], "0.2");

    conflict_resolved_and_sent(&m, TABLE, || {
        let table = &mut entities.lock().unwrap()[0];
        table["description"] = json!("Someone else's words.");
        table["version"] = json!(0.4);
    });
}

#[test]
fn a_datahub_dataset_edit_is_submitted_read_back_and_conflicts_when_upstream_moved() {
    let (m, entities) = synced(
        "datahub",
        keeping::datahub_entities(),
        |entities, _, path, body| keeping::datahub_answer(entities, path, body),
    );
    let dataset = keeping::DATAHUB_DATASET;
    let draft = edited_draft(
        &m,
        dataset,
        &[
            "tags=[pii, Adoption]",
            "customProperties.0.value=vets, jdoe",
        ],
    );
    let sent = m.ok(&["submit", &draft]);
    assert!(
        sent.contains("addTags urn:li:tag:pii; addTerms urn:li:glossaryTerm:Adoption; removeTag urn:li:tag:legacy; addOwners urn:li:corpuser:jdoe"),
        "{sent}"
    );

    m.ok(&["sync"]);
    let synced = synced_document(&m, dataset);
    assert_eq!(synced["tags"], json!(["pii", "Adoption"]));
    assert_eq!(synced["customProperties"][0]["value"], "vets, jdoe");

    conflict_resolved_and_sent(&m, dataset, || {
        let pets = &mut entities.lock().unwrap()[0];
        pets["editableProperties"]["description"] = json!("Someone else's words.");
    });
}
