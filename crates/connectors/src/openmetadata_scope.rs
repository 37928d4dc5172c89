//! OpenMetadata limited to a scope ([`CatalogScope`]): the tables of its domains, tags and owners
//! are found by the server's search API (`GET /api/v1/search/query` on `table_search_index`, a
//! `query_filter` on `domains.fullyQualifiedName`, `tags.tagFQN` and `owners.name`, paged with
//! `search_after` on the FQN), so the rest of a large catalog is never downloaded. Their lineage
//! is then read one hop at a time (`/api/v1/lineage/table/name/{fqn}`, one hop up and down), and
//! the tables it reaches within `neighbours` hops are read by name. Data products, test cases and
//! services, few next to tables, are listed whole and filtered here (the server cannot filter
//! them on tags or owners).

use std::collections::{BTreeSet, HashSet};

use meshlens_model::CatalogScope;
use serde_json::{Value, json};

use crate::marquez::encode_segment;
use crate::paging::{PageCounters, cursor_pages, fetch_each, not_json};
use crate::{ConnectorError, PullContext};

const SEARCH: &str = "api/v1/search/query";
/// The search index of tables (OpenMetadata's default index of `/search/query`).
const TABLE_INDEX: &str = "table_search_index";
/// What a table is read with, by name, as the listing reads it.
const TABLE_FIELDS: &str = "columns,tags,owners,tableConstraints";

/// The tables of a scope with their neighbours, and the lineage answers of all of them.
pub(crate) struct ScopedTables {
    pub(crate) tables: Vec<Value>,
    /// One `EntityLineage` answer per table (one hop up and down).
    pub(crate) lineage: Vec<Value>,
}

/// Reads the scope's tables and the tables within its `neighbours` hops of lineage. A scope
/// whose search finds no table is [`ConnectorError::EmptyScope`]: nothing is written.
pub(crate) async fn scoped_tables(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    scope: &CatalogScope,
) -> Result<ScopedTables, ConnectorError> {
    let mut tables = search_tables(ctx, counters, scope).await?;
    if tables.is_empty() {
        return Err(ConnectorError::EmptyScope {
            source_name: ctx.http.source_name().to_string(),
            scope: scope.describe(),
            path: SEARCH.to_string(),
            status: 200,
        });
    }
    let mut seen: HashSet<String> = tables.iter().filter_map(fqn).collect();
    let mut frontier: Vec<String> = seen.iter().cloned().collect();
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
            frontier = reached.into_iter().collect();
            seen.extend(frontier.iter().cloned());
            tables.extend(tables_by_name(ctx, counters, &frontier).await?);
        }
        lineage.extend(answers);
    }
    Ok(ScopedTables { tables, lineage })
}

/// Every table the search finds in the scope, in FQN order.
async fn search_tables(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    scope: &CatalogScope,
) -> Result<Vec<Value>, ConnectorError> {
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
        async move { ctx.http.get_json(SEARCH, &query).await }
    };
    let split = |page: Value| search_page(ctx, page, size);
    cursor_pages(ctx, counters, SEARCH, fetch, split).await
}

/// The tables of one search answer (`hits.hits[]._source`) and the `search_after` of the next
/// page: the last hit's sort values, when the page was full.
fn search_page(
    ctx: &PullContext<'_>,
    page: Value,
    size: usize,
) -> Result<(Vec<Value>, Option<String>), ConnectorError> {
    let Some(hits) = page.pointer("/hits/hits").and_then(Value::as_array) else {
        return Err(not_json(ctx, SEARCH, "expected `hits.hits`".into()));
    };
    let next = hits.last().filter(|_| hits.len() >= size).and_then(|last| {
        last.get("sort")?
            .as_array()
            .map(|values| sort_cursor(values))
    });
    let tables = hits.iter().filter_map(|hit| hit.get("_source").cloned());
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

/// One lineage request per table, one hop up and down.
async fn table_lineage(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    fqns: &[String],
) -> Result<Vec<Value>, ConnectorError> {
    let paths = fqns
        .iter()
        .map(|fqn| format!("api/v1/lineage/table/name/{}", encode_segment(fqn)))
        .collect();
    let query = [("upstreamDepth", "1"), ("downstreamDepth", "1")];
    // A table deleted since it was listed has no lineage: 404 is nothing, not a failure.
    let answers = fetch_each(ctx, counters, paths, &query, &[404]).await?;
    Ok(answers.into_iter().filter(|a| !a.is_null()).collect())
}

/// Tables read by FQN; one deleted meanwhile (404) is left out.
async fn tables_by_name(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    fqns: &[String],
) -> Result<Vec<Value>, ConnectorError> {
    let paths = fqns
        .iter()
        .map(|fqn| format!("api/v1/tables/name/{}", encode_segment(fqn)))
        .collect();
    let tables = fetch_each(ctx, counters, paths, &[("fields", TABLE_FIELDS)], &[404]).await?;
    counters.list(ctx, tables.len())?;
    Ok(tables.into_iter().filter(|t| !t.is_null()).collect())
}

/// FQNs of the tables a lineage answer names (its entity and nodes).
fn lineage_tables(answer: &Value) -> impl Iterator<Item = String> + '_ {
    let nodes = answer.get("nodes").and_then(Value::as_array).into_iter();
    std::iter::once(answer.get("entity"))
        .flatten()
        .chain(nodes.flatten())
        .filter(|node| node.get("type").and_then(Value::as_str) == Some("table"))
        .filter_map(fqn)
}

fn fqn(entity: &Value) -> Option<String> {
    entity
        .get("fullyQualifiedName")
        .and_then(Value::as_str)
        .map(str::to_owned)
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
