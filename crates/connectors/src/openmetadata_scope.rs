//! OpenMetadata limited to a scope ([`CatalogScope`]): the tables of its domains, tags and owners
//! are found by the server's search API (`GET /api/v1/search/query` on `table_search_index`, a
//! `query_filter` on `domains.fullyQualifiedName`, `tags.tagFQN` and `owners.name`, paged with
//! `search_after` on the FQN), so the rest of a large catalog is never downloaded. Their lineage
//! is then read one hop at a time (`/api/v1/lineage/table/name/{fqn}`, one hop up and down), and
//! the tables it reaches within `neighbours` hops are read by name. Data products, test cases and
//! services, few next to tables, are listed whole and filtered here (the server cannot filter
//! them on tags or owners).

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;

use meshlens_model::CatalogScope;
use serde_json::{Value, json};

use crate::marquez::encode_segment;
use crate::openmetadata::{SEARCH_PATH, TABLE_FIELDS, lineage_path, text};
use crate::paging::{PageCounters, cursor_pages, not_json, take_each};
use crate::{ConnectorError, PullContext, list};

/// The search index of tables (OpenMetadata's default index of `/search/query`).
const TABLE_INDEX: &str = "table_search_index";

/// Where the tables of a scope go as their answers arrive (mapped at once, so no page of
/// tables is held); returns nothing, the caller keeps what it needs.
pub(crate) type TableSink<'s> = dyn FnMut(&Value) + Send + 's;

/// Reads the scope's tables and the tables within its `neighbours` hops of lineage, handing each
/// to `sink` as it arrives; returns the lineage answers of all of them, cut down to what their
/// events need. A scope whose search finds no table is [`ConnectorError::EmptyScope`].
pub(crate) async fn scoped_tables(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    scope: &CatalogScope,
    sink: &mut TableSink<'_>,
) -> Result<Vec<Value>, ConnectorError> {
    let sink = Mutex::new(sink);
    let scoped = search_tables(ctx, counters, scope, &sink).await?;
    if scoped.is_empty() {
        return Err(ConnectorError::EmptyScope {
            source_name: ctx.http.source_name().to_string(),
            scope: scope.describe(),
            path: SEARCH_PATH.to_string(),
            status: 200,
        });
    }
    let mut seen: HashSet<String> = scoped.iter().cloned().collect();
    let mut frontier = scoped;
    let mut lineage = Vec::new();
    for hop in 0..=scope.neighbours {
        frontier.sort_unstable();
        let answers = table_lineage(ctx, counters, &frontier).await?;
        if hop < scope.neighbours {
            let reached: BTreeSet<String> = answers
                .iter()
                .flat_map(lineage_tables)
                .filter(|table| !seen.contains(table))
                .collect();
            frontier = tables_by_name(ctx, counters, reached, &sink).await?;
            seen.extend(frontier.iter().cloned());
        }
        lineage.extend(answers);
    }
    Ok(lineage)
}

/// Hands `table` to the sink; its FQN, when it has one.
fn hand_over(sink: &Mutex<&mut TableSink<'_>>, table: &Value) -> Option<String> {
    let fqn = text(table, "fullyQualifiedName")?;
    (sink.lock().unwrap_or_else(|e| e.into_inner()))(table);
    Some(fqn)
}

/// Every table the search finds in the scope, in FQN order, handed to the sink page by page;
/// returns their FQNs.
async fn search_tables(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    scope: &CatalogScope,
    sink: &Mutex<&mut TableSink<'_>>,
) -> Result<Vec<String>, ConnectorError> {
    let filter = query_filter(scope).to_string();
    let size = ctx.page_size.max(1);
    let fetch = |after: Option<String>| {
        let mut query = vec![
            ("q", "*".to_string()),
            ("index", TABLE_INDEX.to_string()),
            ("query_filter", filter.clone()),
            ("size", size.to_string()),
            ("sort_field", "fullyQualifiedName".to_string()),
            ("sort_order", "asc".to_string()),
        ];
        query.extend(after.map(|cursor| ("search_after", cursor)));
        async move { ctx.http.get_json(SEARCH_PATH, &query).await }
    };
    let split = |page: Value| {
        let (tables, next) = search_page(ctx, page, size)?;
        let fqns = tables.iter().filter_map(|table| hand_over(sink, table));
        Ok((fqns.map(Value::String).collect(), next))
    };
    let fqns = cursor_pages(ctx, counters, SEARCH_PATH, fetch, split).await?;
    Ok(fqns
        .into_iter()
        .filter_map(|fqn| fqn.as_str().map(str::to_owned))
        .collect())
}

/// The tables of one search answer (`hits.hits[]._source`) and the `search_after` of the next
/// page: the last hit's sort values, when the page was full.
fn search_page(
    ctx: &PullContext<'_>,
    mut page: Value,
    size: usize,
) -> Result<(Vec<Value>, Option<String>), ConnectorError> {
    let Some(hits) = page.pointer_mut("/hits/hits").and_then(Value::as_array_mut) else {
        return Err(not_json(ctx, SEARCH_PATH, "expected `hits.hits`".into()));
    };
    let next = hits.last().filter(|_| hits.len() >= size).and_then(|last| {
        last.get("sort")?
            .as_array()
            .map(|values| sort_cursor(values))
    });
    let tables = hits
        .iter_mut()
        .filter_map(|hit| hit.get_mut("_source").map(Value::take));
    Ok((tables.collect(), next))
}

/// `search_after` as the search API takes it: the sort values joined by commas.
fn sort_cursor(values: &[Value]) -> String {
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    values.iter().map(text).collect::<Vec<_>>().join(",")
}

/// The scope as an Elasticsearch query: any named domain, tag or owner. `tags.tagFQN` and
/// `owners.name` are keywords with a lowercase normalizer; a domain's `fullyQualifiedName` is
/// its name for a top-level domain.
fn query_filter(scope: &CatalogScope) -> Value {
    let terms = [
        ("domains.fullyQualifiedName", &scope.domains),
        ("tags.tagFQN", &scope.tags),
        ("owners.name", &scope.owners),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(field, values)| json!({"terms": {field: values}}))
    .collect::<Vec<_>>();
    json!({"query": {"bool": {"should": terms, "minimum_should_match": 1}}})
}

/// One lineage request per table, one hop up and down; each answer cut down to what its events
/// and the next hop need as it arrives.
async fn table_lineage(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    fqns: &[String],
) -> Result<Vec<Value>, ConnectorError> {
    let paths = fqns.iter().map(|fqn| lineage_path(fqn)).collect();
    let query = [("upstreamDepth", "1"), ("downstreamDepth", "1")];
    // A table deleted since it was listed has no lineage: 404 is nothing, not a failure.
    let answers = take_each(ctx, counters, paths, &query, &[404], |a| {
        Ok(compact_lineage(a))
    })
    .await?;
    Ok(answers.into_iter().filter(|a| !a.is_null()).collect())
}

/// An `EntityLineage` answer with only what the events and the next hop read: the entity's and
/// nodes' id, type and FQN, and the upstream edges (downstream edges are some other table's
/// upstream ones).
fn compact_lineage(answer: Value) -> Value {
    if answer.is_null() {
        return answer;
    }
    let node = |node: &Value| json!({"id": node.get("id"), "type": node.get("type"), "fullyQualifiedName": node.get("fullyQualifiedName")});
    let edge = |edge: &Value| {
        json!({"fromEntity": edge.get("fromEntity"), "toEntity": edge.get("toEntity"), "lineageDetails": {
            "pipeline": {"fullyQualifiedName": edge.pointer("/lineageDetails/pipeline/fullyQualifiedName")},
            "updatedAt": edge.pointer("/lineageDetails/updatedAt")}})
    };
    json!({
        "entity": answer.get("entity").map(node),
        "nodes": list(&answer, "nodes").map(node).collect::<Vec<_>>(),
        "upstreamEdges": list(&answer, "upstreamEdges").map(edge).collect::<Vec<_>>()
    })
}

/// Tables read by FQN and handed to the sink; returns the FQNs of those found (one deleted
/// meanwhile, 404, is left out).
async fn tables_by_name(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    fqns: BTreeSet<String>,
    sink: &Mutex<&mut TableSink<'_>>,
) -> Result<Vec<String>, ConnectorError> {
    let paths: Vec<String> = fqns
        .iter()
        .map(|fqn| format!("api/v1/tables/name/{}", encode_segment(fqn)))
        .collect();
    counters.list(ctx, paths.len())?;
    let query = [("fields", TABLE_FIELDS)];
    let found = take_each(ctx, counters, paths, &query, &[404], |table| {
        Ok(hand_over(sink, &table))
    })
    .await?;
    Ok(found.into_iter().flatten().collect())
}

/// FQNs of the tables a lineage answer names (its entity and nodes).
fn lineage_tables(answer: &Value) -> impl Iterator<Item = String> + '_ {
    let nodes = answer.get("nodes").and_then(Value::as_array).into_iter();
    std::iter::once(answer.get("entity"))
        .flatten()
        .chain(nodes.flatten())
        .filter(|node| node.get("type").and_then(Value::as_str) == Some("table"))
        .filter_map(|node| text(node, "fullyQualifiedName"))
}

/// Keeps the lineage events whose datasets are both read (the others reach outside the scope),
/// each once: the answers of two neighbours both hold the edge between them.
pub(crate) fn events_within(events: Vec<Value>, tables: &HashSet<&str>) -> Vec<Value> {
    let inside = |event: &Value, side: &str| {
        event
            .pointer(&format!("/{side}/0/name"))
            .and_then(Value::as_str)
            .is_some_and(|name| tables.contains(name))
    };
    let mut runs = HashSet::new();
    events
        .into_iter()
        .filter(|event| inside(event, "inputs") && inside(event, "outputs"))
        .filter(|event| runs.insert(event.pointer("/run/runId").cloned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_names_only_what_the_scope_names() {
        let scope = CatalogScope {
            domains: vec!["Sales".into()],
            owners: vec!["alice".into()],
            ..CatalogScope::default()
        };
        assert_eq!(
            query_filter(&scope),
            json!({"query": {"bool": {"should": [
                {"terms": {"domains.fullyQualifiedName": ["Sales"]}},
                {"terms": {"owners.name": ["alice"]}}
            ], "minimum_should_match": 1}}})
        );
    }

    #[test]
    fn cursors_join_sort_values() {
        assert_eq!(
            sort_cursor(&[json!("svc.db.s.t"), json!(12)]),
            "svc.db.s.t,12"
        );
    }

    #[test]
    fn lineage_names_its_tables_only() {
        let answer = json!({
            "entity": {"id": "1", "type": "table", "fullyQualifiedName": "s.d.x.a"},
            "nodes": [
                {"id": "2", "type": "table", "fullyQualifiedName": "s.d.x.b"},
                {"id": "3", "type": "pipeline", "fullyQualifiedName": "airflow.dag"}
            ]
        });
        assert_eq!(
            lineage_tables(&answer).collect::<Vec<_>>(),
            vec!["s.d.x.a", "s.d.x.b"]
        );
    }

    #[test]
    fn events_leaving_the_tables_are_dropped_and_twins_kept_once() {
        let event = |from: &str, to: &str| {
            json!({"run": {"runId": format!("{from}>{to}")},
                "inputs": [{"name": from}], "outputs": [{"name": to}]})
        };
        let tables: HashSet<&str> = ["a", "b"].into_iter().collect();
        let kept = events_within(
            vec![event("a", "b"), event("a", "b"), event("c", "a")],
            &tables,
        );
        assert_eq!(kept, vec![event("a", "b")]);
    }
}
