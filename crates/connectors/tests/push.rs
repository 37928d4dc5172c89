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

/// A fake that keeps `entities` with `answer` (the shared fake catalogs), checked with `check`:
/// a fault queued for a request's method is served instead, after applying a write whose
/// answer is to be cut.
async fn keeping_fake(
    check: Option<&'static str>,
    entities: Arc<Mutex<Vec<Value>>>,
    faults: Faults,
    answer: fn(&mut [Value], &str, &str, &Value) -> Option<Value>,
) -> FakeServer {
    let handler = move |seen: &Seen| {
        let fault = take_fault(&faults, seen);
        if let Some(fault @ (Fault::RateLimited | Fault::ServerError | Fault::HtmlPage)) = fault {
            return faulty(fault, &Value::Null);
        }
        let body = serde_json::from_str(&seen.body).unwrap_or(Value::Null);
        let mut entities = entities.lock().unwrap();
        let Some(answer) = answer(&mut entities, seen.method.as_str(), &seen.path, &body) else {
            return status(404);
        };
        match fault {
            Some(fault) => faulty(fault, &answer),
            None => ok(&answer),
        }
    };
    match check {
        Some(connector) => FakeServer::start_checked(connector, handler).await,
        None => FakeServer::start_datahub(handler).await,
    }
}

/// The fake OpenMetadata, its table described and tagged as `openmetadata_edit` synced it.
async fn openmetadata_keeping(faults: Faults) -> (FakeServer, Arc<Mutex<Vec<Value>>>) {
    let mut entities = keeping::openmetadata_entities();
    entities[0]["description"] = json!("Addresses.");
    entities[0]["tags"] = json!([{"tagFQN": "Tier.Tier2", "source": "Classification",
        "labelType": "Manual", "state": "Confirmed"}]);
    let entities = Arc::new(Mutex::new(entities));
    let server = keeping_fake(
        Some("openmetadata"),
        entities.clone(),
        faults,
        keeping::openmetadata_answer,
    )
    .await;
    (server, entities)
}

fn fields(description: &str, tags: &[&str], owners: &[&str]) -> CatalogFields {
    CatalogFields {
        description: Some(description.into()),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        owners: owners.iter().map(|o| o.to_string()).collect(),
    }
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
    let (server, entities) = openmetadata_keeping(Faults::default()).await;
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
    assert_eq!(entities.lock().unwrap()[0]["version"], json!(0.2));

    // A retry (an answer lost) reads the table, finds the edit there and sends nothing.
    let before = server.requests().len();
    assert_eq!(
        push(edit.clone()).await.unwrap(),
        PushOutcome::Sent(Vec::new())
    );
    assert_eq!(server.requests().len(), before + 1, "only the read");

    // Someone rewrites the description upstream (version 0.3): an edit of it conflicts.
    {
        let table = &mut entities.lock().unwrap()[0];
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
    let faults: Faults = Arc::new(Mutex::new(vec![
        (Method::GET, Fault::ServerError),
        (Method::PATCH, Fault::RateLimited),
        (Method::PATCH, Fault::HtmlPage),
    ]));
    let (server, entities) = openmetadata_keeping(faults.clone()).await;
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
    assert_eq!(
        entities.lock().unwrap()[0]["version"],
        json!(0.2),
        "applied once"
    );

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
    assert_eq!(entities.lock().unwrap()[0]["version"], json!(0.3));
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

use keeping::DATAHUB_DATASET as PETS;

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
    let entities = Arc::new(Mutex::new(keeping::datahub_entities()));
    let faults: Faults = Arc::new(Mutex::new(vec![(Method::POST, Fault::ServerError)]));
    let answer = |entities: &mut [Value], _: &str, path: &str, body: &Value| {
        keeping::datahub_answer(entities, path, body)
    };
    let server = keeping_fake(None, entities.clone(), faults.clone(), answer).await;
    let http = client(&server, bearer());
    let push = |edit: CatalogEdit| {
        let http = http.clone();
        async move { push_catalog_edit(ServerKind::DataHub, &http, &edit).await }
    };
    let edit = CatalogEdit {
        id: PETS.into(),
        entity: EditedEntity::Table,
        base: fields("Every pet.", &["legacy"], &["vets"]),
        edited: fields("Every pet, one row each.", &["pii", "Adoption"], &["jdoe"]),
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
            "addOwners urn:li:corpuser:jdoe".into(),
            "removeOwner urn:li:corpGroup:vets".into(),
        ]
    );
    let now = entities.lock().unwrap()[0].clone();
    assert_eq!(
        now["editableProperties"]["description"],
        "Every pet, one row each."
    );
    assert_eq!(
        now["tags"]["tags"],
        json!([{"tag": {"urn": "urn:li:tag:pii", "name": "pii"}}])
    );
    assert_eq!(
        now["ownership"]["owners"],
        json!([{"owner": {"urn": "urn:li:corpuser:jdoe", "username": "jdoe"}}])
    );

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
        entities.lock().unwrap()[0]["editableProperties"]["description"],
        "Pets."
    );

    // Someone rewrites the description in DataHub: an edit of it conflicts, nothing is sent.
    entities.lock().unwrap()[0]["editableProperties"]["description"] = json!("Theirs.");
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
