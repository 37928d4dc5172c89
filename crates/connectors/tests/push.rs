//! Pushes of edited descriptions, tags (glossary terms too) and owners to OpenMetadata and
//! DataHub, against fakes that keep what they are sent and refuse what the real servers refuse
//! (OpenMetadata's routes in fixtures/openmetadata/api.json, DataHub's GraphQL schema), with
//! faults: 429 with Retry-After, 500 once, a truncated answer after the write, an HTML error page.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use axum::response::Response;
use common::*;
use meshlens_connectors::{
    CatalogEdit, CatalogFields, ConnectorError, EditedEntity, PushOutcome, ServerKind,
    push_catalog_edit,
};
use serde_json::{Value, json};

const FQN: &str = "sample_data.ecommerce_db.shopify.dim_address";
const TABLE_ID: &str = "3cda8ecb-f4c6-4ed4-8506-abe965b54b86";

/// A fault served once, on the first request of its method.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    /// 429 with `Retry-After: 1`; nothing applied.
    RateLimited,
    /// 500; nothing applied.
    ServerError,
    /// A proxy's HTML error page with 502; nothing applied.
    HtmlPage,
    /// The write is applied, its answer cut in half.
    Truncated,
    /// Answered as usual (a place in the queue).
    Pass,
}

type Faults = Arc<Mutex<Vec<(Method, Fault)>>>;

/// The fault to serve for `seen`, taken from the queue.
fn take_fault(faults: &Faults, seen: &Seen) -> Option<Fault> {
    let mut faults = faults.lock().unwrap();
    let at = faults
        .iter()
        .position(|(method, _)| *method == seen.method)?;
    Some(faults.remove(at).1)
}

/// The answer a fault gives instead of `answer` (which is the applied write's, for `Truncated`).
fn faulty(fault: Fault, answer: &Value) -> Response {
    match fault {
        Fault::Pass => ok(answer),
        Fault::RateLimited => {
            let mut limited = status(429);
            limited
                .headers_mut()
                .insert("retry-after", "1".parse().unwrap());
            limited
        }
        Fault::ServerError => status(500),
        Fault::HtmlPage => raw(
            StatusCode::BAD_GATEWAY,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        ),
        Fault::Truncated => {
            let text = answer.to_string();
            raw(
                StatusCode::OK,
                "application/json",
                text[..text.len() / 2].to_string(),
            )
        }
    }
}

/// OpenMetadata's answer to a lookup by name, or 404.
fn openmetadata_lookup(path: &str) -> Response {
    let known = [
        ("/api/v1/tags/name/PII.Sensitive", json!({"id": "tag-1"})),
        (
            "/api/v1/glossaryTerms/name/Business.Revenue",
            json!({"id": "term-1"}),
        ),
        (
            "/api/v1/users/name/jdoe",
            json!({"id": "user-1", "name": "jdoe"}),
        ),
        (
            "/api/v1/teams/name/Finance",
            json!({"id": "team-1", "name": "Finance"}),
        ),
    ];
    match known.iter().find(|(known, _)| *known == path) {
        Some((_, entity)) => ok(entity),
        None => status(404),
    }
}

/// Who the owner ids of the fake OpenMetadata are.
const OWNER_NAMES: [(&str, &str); 3] = [
    ("user-1", "jdoe"),
    ("team-1", "Finance"),
    ("team-2", "Sales"),
];

/// A checked fake OpenMetadata that keeps the table `table` and applies the patches it is sent.
async fn openmetadata_keeping(table: Arc<Mutex<Value>>, faults: Faults) -> FakeServer {
    FakeServer::start_checked("openmetadata", move |seen| {
        let fault = take_fault(&faults, seen);
        let mut table = table.lock().unwrap();
        let answer = match (&seen.method, seen.path.as_str()) {
            (&Method::GET, path) if path == format!("/api/v1/tables/name/{FQN}") => table.clone(),
            (&Method::GET, path) => return openmetadata_lookup(path),
            (&Method::PATCH, path) if path == format!("/api/v1/tables/{TABLE_ID}") => {
                if let Some(fault @ (Fault::RateLimited | Fault::ServerError | Fault::HtmlPage)) =
                    fault
                {
                    return faulty(fault, &Value::Null);
                }
                let patch = serde_json::from_str(&seen.body).unwrap();
                keeping::apply_openmetadata_patch(&mut table, &patch, &OWNER_NAMES);
                table.clone()
            }
            _ => return status(404),
        };
        match fault {
            Some(fault) => faulty(fault, &answer),
            None => ok(&answer),
        }
    })
    .await
}

fn fields(description: &str, tags: &[&str], owners: &[&str]) -> CatalogFields {
    CatalogFields {
        description: Some(description.into()),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        owners: owners.iter().map(|o| o.to_string()).collect(),
    }
}

fn synced_table() -> Value {
    let mut table = fixture("openmetadata", "tables.json")["data"][0].clone();
    table["description"] = json!("Addresses.");
    table["tags"] = json!([{"tagFQN": "Tier.Tier2", "source": "Classification",
        "labelType": "Manual", "state": "Confirmed"}]);
    table["owners"] = json!([{"id": "team-2", "type": "team", "name": "Sales"}]);
    table
}

fn openmetadata_edit() -> CatalogEdit {
    CatalogEdit {
        id: FQN.into(),
        entity: EditedEntity::Table,
        base: fields("Addresses.", &["Tier.Tier2"], &["Sales"]),
        edited: fields(
            "Addresses, one row per customer address.",
            &["PII.Sensitive", "Business.Revenue"],
            &["Sales", "jdoe"],
        ),
    }
}

fn patches(server: &FakeServer) -> Vec<Value> {
    server
        .requests()
        .iter()
        .filter(|r| r.method == Method::PATCH)
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn openmetadata_gets_one_patch_of_the_edited_fields_and_a_conflict_when_they_moved() {
    let table = Arc::new(Mutex::new(synced_table()));
    let server = openmetadata_keeping(table.clone(), Faults::default()).await;
    let http = client(&server, bearer());
    let push = |edit: CatalogEdit| {
        let http = http.clone();
        async move { push_catalog_edit(ServerKind::OpenMetadata, &http, &edit).await }
    };
    let edit = openmetadata_edit();
    let sent = push(edit.clone()).await.unwrap();
    assert_eq!(
        sent,
        PushOutcome::Sent(vec![format!(
            "PATCH api/v1/tables/{TABLE_ID} (description, tags, owners)"
        )])
    );
    let patch = &patches(&server)[0];
    assert_eq!(
        patch[0],
        json!({"op": "add", "path": "/description",
        "value": "Addresses, one row per customer address."})
    );
    // The tier tag goes; the added names are looked up: a classification tag, a glossary term.
    assert_eq!(
        patch[1]["value"],
        json!([
        {"tagFQN": "Business.Revenue", "source": "Glossary", "labelType": "Manual", "state": "Confirmed"},
        {"tagFQN": "PII.Sensitive", "source": "Classification", "labelType": "Manual", "state": "Confirmed"}])
    );
    assert_eq!(
        patch[2]["value"],
        json!([
        {"id": "team-2", "type": "team"}, {"id": "user-1", "type": "user"}])
    );
    assert_eq!(table.lock().unwrap()["version"], json!(0.2));

    // A retry (an answer lost) reads the table, finds the edit there and sends nothing.
    let before = server.requests().len();
    assert_eq!(
        push(edit.clone()).await.unwrap(),
        PushOutcome::Sent(Vec::new())
    );
    assert_eq!(server.requests().len(), before + 1, "only the read");

    // Someone rewrites the description upstream (version 0.3): an edit of it conflicts.
    {
        let mut table = table.lock().unwrap();
        table["description"] = json!("Someone else's words.");
        table["version"] = json!(0.3);
    }
    let stale = CatalogEdit {
        base: edit.edited.clone(),
        edited: fields(
            "Mine.",
            &["PII.Sensitive", "Business.Revenue"],
            &["Sales", "jdoe"],
        ),
        ..edit.clone()
    };
    let PushOutcome::Conflict(conflict) = push(stale).await.unwrap() else {
        panic!("not a conflict");
    };
    assert_eq!(conflict.fields, ["description"]);
    assert_eq!(conflict.version.as_deref(), Some("0.3"));
    assert_eq!(
        conflict.current.description.as_deref(),
        Some("Someone else's words.")
    );
    assert_eq!(patches(&server).len(), 1, "nothing sent");

    // A tag OpenMetadata does not have is refused before anything is written.
    let unknown = CatalogEdit {
        base: conflict.current.clone(),
        edited: CatalogFields {
            tags: ["Nope.Nothing".to_string()].into(),
            ..conflict.current.clone()
        },
        ..edit
    };
    let err = push(unknown).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("no classification tag or glossary term named 'Nope.Nothing'"),
        "{err}"
    );
    assert_eq!(patches(&server).len(), 1);
}

#[tokio::test]
async fn an_openmetadata_push_through_faults_applies_once() {
    let table = Arc::new(Mutex::new(synced_table()));
    let faults: Faults = Arc::new(Mutex::new(vec![
        (Method::GET, Fault::ServerError),
        (Method::PATCH, Fault::RateLimited),
        (Method::PATCH, Fault::HtmlPage),
    ]));
    let server = openmetadata_keeping(table.clone(), faults.clone()).await;
    let http = client(&server, bearer());
    let edit = openmetadata_edit();
    let started = Instant::now();
    let sent = push_catalog_edit(ServerKind::OpenMetadata, &http, &edit)
        .await
        .unwrap();
    assert!(
        matches!(sent, PushOutcome::Sent(ref s) if s.len() == 1),
        "{sent:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(
        patches(&server).len(),
        3,
        "limited, a 502 page, then applied"
    );
    assert_eq!(table.lock().unwrap()["version"], json!(0.2), "applied once");

    // The next edit's answer is cut after it was applied: a lost connection, to be retried;
    // the retry reads the table and sends nothing.
    let next = CatalogEdit {
        base: edit.edited.clone(),
        edited: CatalogFields {
            description: Some("Addresses, once.".into()),
            ..edit.edited.clone()
        },
        ..edit
    };
    faults
        .lock()
        .unwrap()
        .push((Method::PATCH, Fault::Truncated));
    let err = push_catalog_edit(ServerKind::OpenMetadata, &http, &next)
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Network { .. }), "{err:?}");
    assert!(err.to_string().contains("may have been applied"), "{err}");
    let retried = push_catalog_edit(ServerKind::OpenMetadata, &http, &next)
        .await
        .unwrap();
    assert_eq!(retried, PushOutcome::Sent(Vec::new()));
    assert_eq!(table.lock().unwrap()["version"], json!(0.3));
    assert_eq!(patches(&server).len(), 4);

    // An HTML page instead of the table (a proxy's sign-in page) is not taken for JSON.
    let html = FakeServer::start(|_| {
        raw(
            StatusCode::OK,
            "text/html",
            "<!DOCTYPE html><html>Sign in</html>",
        )
    })
    .await;
    let err = push_catalog_edit(ServerKind::OpenMetadata, &client(&html, bearer()), &next)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HTML page"), "{err}");
    assert_eq!(html.requests().len(), 1, "nothing written");
}

const PETS: &str =
    "urn:li:dataset:(urn:li:dataPlatform:snowflake,long_tail_companions.adoption.pets,PROD)";

/// What the fake DataHub knows exists besides the dataset.
const DATAHUB_ENTITIES: [&str; 4] = [
    "urn:li:tag:pii",
    "urn:li:glossaryTerm:Adoption",
    "urn:li:corpuser:jdoe",
    "urn:li:corpGroup:vets",
];

/// The dataset as the push's read answers it.
fn pets_dataset() -> Value {
    json!({
        "properties": {"description": "Ingested words."},
        "editableProperties": {"description": "Every pet."},
        "ownership": {"owners": [{"owner": {"urn": "urn:li:corpuser:datahub", "username": "datahub"}}]},
        "tags": {"tags": [{"tag": {"urn": "urn:li:tag:legacy", "name": "legacy"}}]},
        "glossaryTerms": {"terms": []}
    })
}

/// A fake DataHub (requests checked against its schema) that keeps the dataset `PETS`.
async fn datahub_keeping(dataset: Arc<Mutex<Value>>, faults: Faults) -> FakeServer {
    FakeServer::start_datahub(move |seen| {
        let body: Value = serde_json::from_str(&seen.body).unwrap();
        let query = body["query"].as_str().unwrap();
        let variables = &body["variables"];
        let fault = take_fault(&faults, seen);
        if let Some(fault @ (Fault::RateLimited | Fault::ServerError | Fault::HtmlPage)) = fault {
            return faulty(fault, &Value::Null);
        }
        let mut dataset = dataset.lock().unwrap();
        let data = if query.contains("dataset(urn") {
            assert_eq!(variables["urn"], PETS);
            json!({"dataset": dataset.clone()})
        } else if query.contains("entityExists") {
            let exists = |v: &Value| DATAHUB_ENTITIES.contains(&v.as_str().unwrap());
            json!({"first": exists(&variables["first"]), "second": exists(&variables["second"])})
        } else {
            let name = keeping::datahub_mutation(&body).unwrap();
            assert_eq!(variables["input"]["resourceUrn"], PETS);
            keeping::apply_datahub_mutation(&mut dataset, name, &variables["input"]);
            json!({name: true})
        };
        let answer = json!({"data": data, "extensions": {}});
        match fault {
            Some(fault) => faulty(fault, &answer),
            None => ok(&answer),
        }
    })
    .await
}

fn mutations_sent(server: &FakeServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter_map(|r| {
            let body: Value = serde_json::from_str(&r.body).ok()?;
            keeping::datahub_mutation(&body).map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn datahub_gets_the_edited_aspects_once_and_a_conflict_when_they_moved() {
    let dataset = Arc::new(Mutex::new(pets_dataset()));
    let faults: Faults = Arc::new(Mutex::new(vec![(Method::POST, Fault::ServerError)]));
    let server = datahub_keeping(dataset.clone(), faults.clone()).await;
    let http = client(&server, bearer());
    let push = |edit: CatalogEdit| {
        let http = http.clone();
        async move { push_catalog_edit(ServerKind::DataHub, &http, &edit).await }
    };
    let edit = CatalogEdit {
        id: PETS.into(),
        entity: EditedEntity::Table,
        base: fields("Every pet.", &["legacy"], &["datahub"]),
        edited: fields(
            "Every pet, one row each.",
            &["pii", "Adoption"],
            &["jdoe", "vets"],
        ),
    };
    let PushOutcome::Sent(sent) = push(edit.clone()).await.unwrap() else {
        panic!("not sent");
    };
    assert_eq!(
        sent,
        [
            format!("updateDescription {PETS}"),
            "addTags urn:li:tag:pii".into(),
            "addTerms urn:li:glossaryTerm:Adoption".into(),
            "removeTag urn:li:tag:legacy".into(),
            "addOwners urn:li:corpuser:jdoe urn:li:corpGroup:vets".into(),
            "removeOwner urn:li:corpuser:datahub".into(),
        ]
    );
    let now = dataset.lock().unwrap().clone();
    assert_eq!(
        now["editableProperties"]["description"],
        "Every pet, one row each."
    );
    assert_eq!(
        now["tags"]["tags"],
        json!([{"tag": {"urn": "urn:li:tag:pii", "name": "pii"}}])
    );
    assert_eq!(now["ownership"]["owners"].as_array().unwrap().len(), 2);

    // The 500 on the first request was retried; a retry of the whole push sends nothing.
    let before = mutations_sent(&server).len();
    assert_eq!(
        push(edit.clone()).await.unwrap(),
        PushOutcome::Sent(Vec::new())
    );
    assert_eq!(mutations_sent(&server).len(), before);

    // A mutation's answer cut after it was applied: retried, nothing sent twice.
    let next = CatalogEdit {
        base: edit.edited.clone(),
        edited: CatalogFields {
            description: Some("Pets.".into()),
            ..edit.edited.clone()
        },
        ..edit.clone()
    };
    // The read is limited (Retry-After), then gets a proxy's 502 page, then its answer; the
    // mutation's answer is cut after it was applied.
    faults.lock().unwrap().extend([
        (Method::POST, Fault::RateLimited),
        (Method::POST, Fault::HtmlPage),
        (Method::POST, Fault::Pass),
        (Method::POST, Fault::Truncated),
    ]);
    let err = push(next.clone()).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Network { .. }), "{err:?}");
    let before = mutations_sent(&server).len();
    assert_eq!(
        push(next.clone()).await.unwrap(),
        PushOutcome::Sent(Vec::new())
    );
    assert_eq!(mutations_sent(&server).len(), before);
    assert_eq!(
        dataset.lock().unwrap()["editableProperties"]["description"],
        "Pets."
    );

    // Someone rewrites the description in DataHub: an edit of it conflicts, nothing is sent.
    dataset.lock().unwrap()["editableProperties"]["description"] = json!("Theirs.");
    let stale = CatalogEdit {
        base: next.edited.clone(),
        edited: CatalogFields {
            description: Some("Mine.".into()),
            ..next.edited.clone()
        },
        ..next
    };
    let PushOutcome::Conflict(conflict) = push(stale).await.unwrap() else {
        panic!("not a conflict");
    };
    assert_eq!(conflict.fields, ["description"]);
    assert_eq!(mutations_sent(&server).len(), before);
}
