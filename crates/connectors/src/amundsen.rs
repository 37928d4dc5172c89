//! Amundsen: the search service lists the tables (`POST /v2/search` with an empty query, paged by
//! `page_index`: the endpoint Amundsen's own frontend uses; the metadata service's popular tables
//! are not an inventory), the metadata service (Flask REST) gives each table (`GET /table/<key>`)
//! and its direct lineage both ways (`GET /table/<key>/lineage?direction=both&depth=1`).
//!
//! A table becomes an ODCS contract: its columns in sort order with their types, descriptions and
//! badges (as column tags), its description, tags and owners, its schema as domain, its badges and
//! programmatic descriptions as custom properties. Lineage becomes one OpenLineage event per table
//! that has upstream tables, in the `amundsen` namespace by table key. Amundsen has no entity
//! version, and `last_updated_timestamp` is when the table's data changed, not its metadata: every
//! sync maps every table (the provenance carries the key and that time). Edited descriptions,
//! tags and owners go back through the metadata service's PUT and DELETE routes (see
//! [`push_amundsen`]).
//!
//! Limit: the search service pages Elasticsearch with `from`/`size` and reports its hit count,
//! both bounded by Elasticsearch's defaults (`index.max_result_window` and the tracked total,
//! 10,000 each): a catalog of more tables needs both raised on the table index, or meshlens reads
//! the first 10,000.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use reqwest::Method;
use serde_json::{Value, json};

use crate::documents::{ColumnDoc, TableDoc, document_path};
use crate::edits::{
    CatalogEdit, CatalogFields, EditedEntity, PushOutcome, answer_lost, set_changes,
};
use crate::marquez::encode_segment;
use crate::openlineage::{RUN_EVENT_SCHEMA, edge_run_id};
use crate::openmetadata::epoch_millis_to_rfc3339;
use crate::paging::{PageCounters, cursor_pages, fetch_each, page_items};
use crate::{
    ConnectorError, Found, FoundKind, HttpClient, Provenance, PullContext, Pulled, PulledDocument,
    list,
};

const PRODUCER: &str = "https://github.com/meshlens/meshlens/connectors/amundsen";
/// Namespace of the OpenLineage datasets built from Amundsen lineage (tables by key).
const LINEAGE_NAMESPACE: &str = "amundsen";
const SEARCH_PATH: &str = "v2/search";
/// Longest table key asked for or kept (Amundsen keys are `db://cluster.schema/table`).
const MAX_KEY_LEN: usize = 1024;
/// Longest piece of a server's own error text repeated in an error message.
const MAX_QUOTED: usize = 200;

pub(crate) async fn pull(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Pulled, ConnectorError> {
    let keys = table_keys(ctx, counters).await?;
    let table_paths = keys.iter().map(|k| table_path(k)).collect();
    let tables = fetch_each(ctx, counters, table_paths, &[], &[])
        .await
        .map_err(|err| explain_404(err, DELETED_HINT))?;
    let lineage_paths = keys
        .iter()
        .map(|k| format!("{}/lineage", table_path(k)))
        .collect();
    // Lineage is optional: Amundsen answers 404 for a table it has no lineage for and when its
    // backend cannot give lineage at all (501 where it says so); the table itself was read.
    let lineage = fetch_each(
        ctx,
        counters,
        lineage_paths,
        &[("direction", "both"), ("depth", "1")],
        &[404, 501],
    )
    .await?;

    let mut pulled = Pulled::default();
    // Table key -> its last update (epoch seconds), the time of its lineage event.
    let mut updated = BTreeMap::new();
    for (key, table) in keys.iter().zip(&tables) {
        if let Some(seconds) = table.get("last_updated_timestamp").and_then(Value::as_i64) {
            updated.insert(key.clone(), seconds);
        }
        pulled.documents.extend(table_document(key, table));
    }
    let mut edges = BTreeMap::new();
    for (key, answer) in keys.iter().zip(&lineage) {
        lineage_edges(key, answer, &mut edges);
    }
    pulled.lineage_events = lineage_events(edges, &updated);
    Ok(pulled)
}

const DELETED_HINT: &str = "the search service lists this table but the metadata service does not have it: \
    deleted upstream, or the search index is behind (Amundsen's databuilder rebuilds it)";
const SEARCH_HINT: &str = "not found; check the source URL: no Amundsen search service answers \
    there, give its URL with `meshlens source add NAME --kind amundsen --url METADATA_URL \
    --search-url SEARCH_URL`";

/// A 404 with a hint saying what it means on this route (the generic one blames the source URL).
fn explain_404(err: ConnectorError, hint: &str) -> ConnectorError {
    match err {
        ConnectorError::Status {
            source_name,
            method,
            path,
            status: 404,
            ..
        } => ConnectorError::Status {
            source_name,
            method,
            path,
            status: 404,
            hint: hint.to_string(),
        },
        other => other,
    }
}

/// The keys of every table the search service knows, each once, in its order.
async fn table_keys(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Vec<String>, ConnectorError> {
    let search = ctx.search.as_ref().unwrap_or(&ctx.http);
    let per_page = ctx.page_size.max(1);
    // The cursor is the next page's index, so the page loop's loop detection covers a server
    // that answers every page with the same `page_index`.
    let fetch = |cursor: Option<String>| {
        let page: u64 = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = search_request("", page, per_page);
        async move {
            search
                .send_json(Method::POST, SEARCH_PATH, &body, None)
                .await
        }
    };
    let split = |answer: Value| search_page(ctx, answer, per_page);
    let hits = cursor_pages(ctx, counters, SEARCH_PATH, fetch, split)
        .await
        .map_err(|err| explain_404(err, SEARCH_HINT))?;
    let mut seen = HashSet::new();
    Ok(hits
        .iter()
        .filter_map(|hit| hit.get("key").and_then(Value::as_str))
        .filter(|key| usable_key(key) && seen.insert(key.to_string()))
        .map(str::to_owned)
        .collect())
}

/// One page of the tables matching `query`: an empty `query_term` matches everything (Amundsen's
/// search proxy builds no query clause for it). Only `SearchRequest`'s fields: its schema refuses
/// others.
fn search_request(query: &str, page: u64, per_page: usize) -> Value {
    json!({
        "query_term": query,
        "resource_types": ["table"],
        "page_index": page,
        "results_per_page": per_page,
        "filters": []
    })
}

/// A `SearchResponse`'s table hits and the next page's index while `total_results` says more
/// follow. The service answers HTTP 200 even when Elasticsearch failed, with the failure in
/// `status_code` and `msg`.
fn search_page(
    ctx: &PullContext<'_>,
    answer: Value,
    per_page: usize,
) -> Result<(Vec<Value>, Option<String>), ConnectorError> {
    search_failed(&ctx.http, &answer)?;
    let page = answer
        .get("page_index")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let Some(tables) = answer.pointer("/results/table").cloned() else {
        // No table index in the search service: no tables.
        return Ok((Vec::new(), None));
    };
    let total = tables.get("total_results").and_then(Value::as_u64);
    let hits = page_items(ctx, SEARCH_PATH, tables, "results")?;
    let more = total.is_some_and(|total| (page + 1) * (per_page as u64) < total);
    let next = (more && !hits.is_empty()).then(|| (page + 1).to_string());
    Ok((hits, next))
}

/// The failure the search service reports in an HTTP 200 answer (`status_code` and `msg`).
fn search_failed(http: &HttpClient, answer: &Value) -> Result<(), ConnectorError> {
    let status = answer.get("status_code").and_then(Value::as_u64);
    let Some(status) = status.filter(|s| *s != 200) else {
        return Ok(());
    };
    let msg = answer.get("msg").and_then(Value::as_str).unwrap_or("");
    Err(ConnectorError::Status {
        source_name: http.source_name().to_string(),
        method: "POST".into(),
        path: SEARCH_PATH.into(),
        status: u16::try_from(status).unwrap_or(500),
        hint: format!(
            "the search service could not search: {}",
            msg.chars().take(MAX_QUOTED).collect::<String>()
        ),
    })
}

/// Online search: the first `limit` tables the search service finds for `query`. A table's
/// page is the frontend's `table_detail/<cluster>/<database>/<schema>/<table>` under the
/// metadata service's URL (the frontend usually serves both).
pub(crate) async fn search(
    http: &HttpClient,
    search: &HttpClient,
    query: &str,
    limit: usize,
) -> Result<Vec<Found>, ConnectorError> {
    let body = search_request(query, 0, limit);
    let answer = search
        .send_json(Method::POST, SEARCH_PATH, &body, None)
        .await
        .map_err(|err| explain_404(err, SEARCH_HINT))?;
    search_failed(search, &answer)?;
    let hits = answer
        .pointer("/results/table/results")
        .and_then(Value::as_array);
    Ok(hits
        .into_iter()
        .flatten()
        .filter_map(|hit| {
            let key = text(hit, "key").filter(|key| usable_key(key))?;
            let part = |name: &str| text(hit, name).unwrap_or_default();
            let (cluster, database) = (part("cluster"), part("database"));
            let (schema, table) = (part("schema"), part("table"));
            Some(Found {
                url: http.page_url(&["table_detail", &cluster, &database, &schema, &table]),
                name: if table.is_empty() { key.clone() } else { table },
                upstream_id: key,
                kind: FoundKind::Dataset,
                description: text(hit, "description"),
                // The pull makes a table's schema its domain.
                domain: Some(schema).filter(|s| !s.is_empty()),
                tags: list(hit, "tag")
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                owners: Vec::new(),
            })
        })
        .collect())
}

/// A key meshlens asks the metadata service about: bounded, printable, and without `.` or `..`
/// segments (a URL resolves those, so the request would reach another route).
fn usable_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && !key.chars().any(char::is_control)
        && !key
            .split('/')
            .any(|segment| segment == "." || segment == "..")
}

/// `table/<key>`: the key as Amundsen's frontend sends it (its `/` and `:` as they are, for the
/// `<path:table_uri>` route), everything that would end or change the path escaped.
fn table_path(key: &str) -> String {
    let mut path = String::with_capacity(key.len() + 6);
    path.push_str("table/");
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:/@".contains(&byte) {
            path.push(byte as char);
        } else {
            path.push_str(&format!("%{byte:02X}"));
        }
    }
    path
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn badge_names(value: &Value) -> Vec<String> {
    list(value, "badges")
        .filter_map(|badge| text(badge, "badge_name"))
        .collect()
}

/// An Amundsen `Table` as an ODCS contract under its key.
fn table_document(key: &str, table: &Value) -> Option<PulledDocument> {
    let name = text(table, "name")?;
    let schema = text(table, "schema");
    let physical_name = match &schema {
        Some(schema) => format!("{schema}.{name}"),
        None => name.clone(),
    };
    let mut server = json!({"type": "custom"});
    server["server"] = json!(format!(
        "{}.{}",
        text(table, "database").unwrap_or_default(),
        text(table, "cluster").unwrap_or_default()
    ));
    if let Some(schema) = &schema {
        server["schema"] = json!(schema);
    }
    let doc = TableDoc {
        id: key.to_string(),
        name,
        // ODCS wants a version; Amundsen has none.
        version: "1.0.0".into(),
        domain: schema,
        description: text(table, "description"),
        physical_name,
        tags: list(table, "tags")
            .filter_map(|tag| text(tag, "tag_name"))
            .collect(),
        owners: list(table, "owners").filter_map(owner_name).collect(),
        columns: columns(table),
        servers: vec![server],
        properties: table_properties(table),
    };
    let updated = table.get("last_updated_timestamp").and_then(Value::as_i64);
    Some(PulledDocument {
        path: document_path("tables", key, "odcs"),
        text: serde_json::to_string(&doc.to_json()).ok()?,
        provenance: Provenance {
            upstream_id: key.to_string(),
            upstream_version: None,
            upstream_updated_at: updated
                .map(|seconds| epoch_millis_to_rfc3339(seconds.saturating_mul(1000))),
        },
    })
}

/// A `User` as the owners list shows it: the address, else the name, else the id.
fn owner_name(user: &Value) -> Option<String> {
    text(user, "email")
        .or_else(|| text(user, "display_name"))
        .or_else(|| text(user, "full_name"))
        .or_else(|| text(user, "user_id"))
}

/// The columns in Amundsen's sort order; a column's badges (`primary_key`, `partition_column`,
/// ...) become its tags.
fn columns(table: &Value) -> Vec<ColumnDoc> {
    let mut columns: Vec<(i64, ColumnDoc)> = list(table, "columns")
        .filter_map(|column| {
            let doc = ColumnDoc {
                name: text(column, "name")?,
                physical_type: text(column, "col_type").unwrap_or_else(|| "STRING".into()),
                description: text(column, "description"),
                primary_key: false,
                tags: badge_names(column),
            };
            let order = column.get("sort_order").and_then(Value::as_i64);
            Some((order.unwrap_or(i64::MAX), doc))
        })
        .collect();
    columns.sort_by_key(|(order, _)| *order);
    columns.into_iter().map(|(_, column)| column).collect()
}

/// The table's badges, and each programmatic description under its source's name.
fn table_properties(table: &Value) -> Vec<(String, String)> {
    let mut properties = Vec::new();
    let badges = badge_names(table);
    if !badges.is_empty() {
        properties.push(("badges".to_string(), badges.join(", ")));
    }
    properties.extend(
        list(table, "programmatic_descriptions").filter_map(|description| {
            let source = text(description, "source").unwrap_or_else(|| "programmatic".into());
            Some((
                format!("programmaticDescription.{source}"),
                text(description, "text")?,
            ))
        }),
    );
    properties
}

/// Adds a `Lineage` answer's edges to `edges` (output table -> its input tables). An item's
/// `parent` is its neighbour on the path from the asked table (the asked table at depth 1).
fn lineage_edges(key: &str, answer: &Value, edges: &mut BTreeMap<String, BTreeSet<String>>) {
    let neighbour = |item: &Value| -> Option<(String, String)> {
        let other = text(item, "key").filter(|k| usable_key(k))?;
        let parent = text(item, "parent")
            .filter(|k| usable_key(k))
            .unwrap_or_else(|| key.to_string());
        (other != parent).then_some((other, parent))
    };
    for (upstream, table) in list(answer, "upstream_entities").filter_map(neighbour) {
        edges.entry(table).or_default().insert(upstream);
    }
    for (downstream, table) in list(answer, "downstream_entities").filter_map(neighbour) {
        edges.entry(downstream).or_default().insert(table);
    }
}

/// One event per table with inputs, timed at the table's last update (epoch 0 when unknown), with
/// a run id derived from the table so a re-sync recognises the event it stored.
fn lineage_events(
    edges: BTreeMap<String, BTreeSet<String>>,
    updated: &BTreeMap<String, i64>,
) -> Vec<Value> {
    edges
        .into_iter()
        .map(|(output, inputs)| {
            let job = format!("lineage.{output}");
            let seconds = updated.get(&output).copied().unwrap_or(0);
            json!({
                "eventType": "COMPLETE",
                "eventTime": epoch_millis_to_rfc3339(seconds.saturating_mul(1000)),
                "run": {"runId": edge_run_id(&job, &output)},
                "job": {"namespace": LINEAGE_NAMESPACE, "name": job},
                "inputs": inputs
                    .iter()
                    .map(|input| json!({"namespace": LINEAGE_NAMESPACE, "name": input}))
                    .collect::<Vec<_>>(),
                "outputs": [{"namespace": LINEAGE_NAMESPACE, "name": output}],
                "producer": PRODUCER,
                "schemaURL": RUN_EVENT_SCHEMA
            })
        })
        .collect()
}

/// The edited fields of a `Table` answer, as the pull maps them.
fn table_fields(table: &Value) -> CatalogFields {
    CatalogFields::new(
        text(table, "description"),
        list(table, "tags").filter_map(|tag| text(tag, "tag_name")),
        list(table, "owners").filter_map(owner_name),
    )
}

/// Pushes `edit` through the metadata service's description, tag and owner routes. Amundsen has
/// no version to check, so the table is read first: a field the edit changes whose upstream value
/// is neither the synced one nor the edited one was changed by someone else meanwhile, and the
/// push is a conflict before anything is sent. A field already as edited is not sent again (a
/// retry after a lost answer). Returns the requests sent.
pub(crate) async fn push_amundsen(
    http: &HttpClient,
    edit: &CatalogEdit,
) -> Result<PushOutcome, ConnectorError> {
    refuse_unroutable(http, edit)?;
    let path = table_path(&edit.id);
    let current = table_fields(&http.get_json(&path, &[]).await?);
    if let Some(conflict) = edit.conflict(&current, None) {
        return Ok(PushOutcome::Conflict(conflict));
    }
    send_changes(http, &path, edit, &current)
        .await
        .map(PushOutcome::Sent)
}

/// An edit no route of Amundsen's can take: a product (Amundsen holds tables), a key meshlens
/// does not ask for, or a tag or owner with `/` (Werkzeug decodes `%2F` before routing, so it
/// would reach another route).
fn refuse_unroutable(http: &HttpClient, edit: &CatalogEdit) -> Result<(), ConnectorError> {
    let refuse = |what: String| ConnectorError::Unexpected {
        source_name: http.source_name().to_string(),
        what,
    };
    if edit.entity != EditedEntity::Table || !usable_key(&edit.id) {
        return Err(refuse(format!(
            "'{}' is not an Amundsen table key",
            edit.id
        )));
    }
    let mut names = edit.edited.tags.iter().chain(&edit.edited.owners);
    match names.find(|name| name.contains('/')) {
        Some(name) => Err(refuse(format!(
            "'{name}' has a '/', which Amundsen's tag and owner routes cannot carry"
        ))),
        None => Ok(()),
    }
}

/// Sends what the table upstream does not hold yet: the description, then the tags and owners
/// added (PUT) and removed (DELETE). Returns the requests sent.
async fn send_changes(
    http: &HttpClient,
    path: &str,
    edit: &CatalogEdit,
    current: &CatalogFields,
) -> Result<Vec<String>, ConnectorError> {
    let mut sent = Vec::new();
    if edit.to_send("description", current) {
        let body = json!({"description": edit.edited.description.clone().unwrap_or_default()});
        let description = format!("{path}/description");
        http.send_json(Method::PUT, &description, &body, None)
            .await
            .map_err(answer_lost)?;
        sent.push(format!("PUT {description}"));
    }
    let tag_type = json!({"tag_type": "default"});
    for (field, route, edited, upstream) in [
        ("tags", "tag", &edit.edited.tags, &current.tags),
        ("owners", "owner", &edit.edited.owners, &current.owners),
    ] {
        if !edit.to_send(field, current) {
            continue;
        }
        let (added, removed) = set_changes(edited, upstream);
        let requests = added
            .into_iter()
            .map(|name| (Method::PUT, name))
            .chain(removed.into_iter().map(|name| (Method::DELETE, name)));
        for (method, name) in requests {
            let request = format!("{path}/{route}/{}", encode_segment(name));
            http.send_json(method.clone(), &request, &tag_type, None)
                .await
                .map_err(answer_lost)?;
            sent.push(format!("{method} {request}"));
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_slashes_and_colons_and_nothing_else_escapes_the_path() {
        assert_eq!(
            table_path("hive://gold.test_schema/test_table1"),
            "table/hive://gold.test_schema/test_table1"
        );
        assert_eq!(
            table_path("db://c.s/a b?c#d%"),
            "table/db://c.s/a%20b%3Fc%23d%25"
        );
        assert!(usable_key("hive://gold.test_schema/test_table1"));
        assert!(!usable_key("hive://gold.s/../../healthcheck"));
        assert!(!usable_key("hive://gold.s/./t"));
        assert!(!usable_key("a\nb"));
        assert!(!usable_key(""));
    }

    #[test]
    fn lineage_follows_parents_and_meets_each_edge_once() {
        let mut edges = BTreeMap::new();
        let answer = json!({"key": "t", "direction": "both", "depth": 2,
            "upstream_entities": [{"key": "u", "level": 1, "source": "hive", "parent": "t"},
                                  {"key": "uu", "level": 2, "source": "hive", "parent": "u"}],
            "downstream_entities": [{"key": "d", "level": 1, "source": "hive"}]});
        lineage_edges("t", &answer, &mut edges);
        // The same edge seen from the downstream table.
        let from_d = json!({"key": "d", "upstream_entities": [{"key": "t", "level": 1, "source": "hive", "parent": "d"}],
            "downstream_entities": []});
        lineage_edges("d", &from_d, &mut edges);
        let expected: BTreeMap<String, BTreeSet<String>> =
            [("t", vec!["u"]), ("u", vec!["uu"]), ("d", vec!["t"])]
                .into_iter()
                .map(|(out, ins)| (out.to_string(), ins.into_iter().map(String::from).collect()))
                .collect();
        assert_eq!(edges, expected);
        let events = lineage_events(edges, &BTreeMap::from([("d".to_string(), 1_570_581_861)]));
        assert_eq!(events.len(), 3);
        assert_eq!(events[0]["outputs"][0]["name"], "d");
        assert_eq!(events[0]["eventTime"], "2019-10-09T00:44:21.000Z");
        assert_eq!(
            events[0]["inputs"],
            json!([{"namespace": "amundsen", "name": "t"}])
        );
    }

    #[test]
    fn programmatic_descriptions_and_badges_are_custom_properties() {
        let table = json!({"badges": [{"badge_name": "beta", "category": "table_status"}],
            "programmatic_descriptions": [{"source": "quality_service", "text": "Checked daily."},
                                          {"source": "empty", "text": " "}]});
        assert_eq!(
            table_properties(&table),
            [
                ("badges".to_string(), "beta".to_string()),
                (
                    "programmaticDescription.quality_service".to_string(),
                    "Checked daily.".to_string()
                )
            ]
        );
    }
}
