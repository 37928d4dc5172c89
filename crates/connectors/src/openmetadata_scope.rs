//! OpenMetadata limited to a scope ([`CatalogScope`]): the tables of its domains, tags and owners
//! are found by the server's search API (`GET /api/v1/search/query` on `table_search_index`, a
//! `query_filter` on `domains.fullyQualifiedName`, `tags.tagFQN` and `owners.name`, paged with
//! `search_after` on the FQN), so the rest of a large catalog is never downloaded. Their lineage
//! is then read one hop at a time (`/api/v1/lineage/table/name/{fqn}`, one hop up and down), and
//! the tables it reaches within `neighbours` hops are read by name. Data products, test cases and
//! services, few next to tables, are listed whole and filtered here (the server cannot filter
//! them on tags or owners).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use meshlens_model::CatalogScope;
use serde_json::{Value, json};

use crate::marquez::encode_segment;
use crate::openmetadata::{
    SEARCH_PATH, TABLE_FIELDS, known_tables, lineage_path, table_unchanged, text,
};
use crate::paging::{PageCounters, cursor_pages, not_json, take_each};
use crate::{ConnectorError, PullContext, list};

/// The search index of tables (OpenMetadata's default index of `/search/query`).
const TABLE_INDEX: &str = "table_search_index";

/// How far before its cursor a re-sync looks again: what was committed while the last sync read
/// (the search index shows a change about a second after it) and some skew between the clocks
/// of several OpenMetadata servers.
const CURSOR_OVERLAP_MS: i64 = 10 * 60 * 1000;

/// Where the tables of a scope go as their answers arrive (mapped at once, so no page of
/// tables is held); returns nothing, the caller keeps what it needs.
pub(crate) type TableSink<'s> = dyn FnMut(&Value) + Send + 's;

/// What a scoped pull read besides the tables it handed over.
pub(crate) struct ScopedRead {
    /// The lineage answers of the tables read, cut down to what their events need.
    pub lineage: Vec<Value>,
    /// Where the next pull may start ([`crate::Pulled::cursor`]); `None` when the search index
    /// does not hold the tables' lineage, so the next pull reads all of it again.
    pub cursor: Option<i64>,
}

/// A table of the scope as the search found it.
struct Found {
    fqn: String,
    /// Its search document holds `upstreamLineage` (OpenMetadata 1.6+ indexes lineage).
    lineage_indexed: bool,
    /// On a re-sync, for a table the cache holds unchanged: its upstream edges from that
    /// document, as a lineage answer.
    indexed: Option<Value>,
    /// Its update time, or its newest upstream edge's when later (the server's clock, epoch ms).
    newest: Option<i64>,
}

/// Reads the scope's tables and the tables within its `neighbours` hops of lineage, handing each
/// to `sink` as it arrives; returns the lineage answers of all of them, cut down to what their
/// events need, and the next pull's cursor. A scope whose search finds no table is
/// [`ConnectorError::EmptyScope`].
///
/// With the cursor of the last good sync, the scoped tables' own lineage comes from the search
/// index instead of one lineage request each ([`hop_zero_since`]).
pub(crate) async fn scoped_tables(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    scope: &CatalogScope,
    sink: &mut TableSink<'_>,
) -> Result<ScopedRead, ConnectorError> {
    let sink = Mutex::new(sink);
    // Asked before anything else is read, so a change made while this pull reads is newer.
    let newest_edge = newest_edge(ctx, counters).await?;
    let scoped = search_tables(ctx, counters, scope, &sink).await?;
    if scoped.is_empty() {
        return Err(ConnectorError::EmptyScope {
            source_name: ctx.http.source_name().to_string(),
            scope: scope.describe(),
            path: SEARCH_PATH.to_string(),
            status: 200,
        });
    }
    let cursor = next_cursor(&scoped, newest_edge);
    let mut seen: HashSet<String> = scoped.iter().map(|found| found.fqn.clone()).collect();
    let mut hop = match ctx.known.cursor() {
        Some(since) => hop_zero_since(ctx, counters, scope, scoped, &seen, since).await?,
        None => {
            let mut fqns: Vec<String> = scoped.into_iter().map(|found| found.fqn).collect();
            fqns.sort_unstable();
            Hop::asked(table_lineage(ctx, counters, &fqns).await?)
        }
    };
    let mut lineage = Vec::new();
    for _ in 0..scope.neighbours {
        let reached: BTreeSet<String> = hop
            .answers
            .iter()
            .flat_map(lineage_tables)
            .chain(std::mem::take(&mut hop.downstream))
            .filter(|table| !seen.contains(table))
            .collect();
        let frontier = tables_by_name(ctx, counters, reached, &sink).await?;
        seen.extend(frontier.iter().cloned());
        lineage.append(&mut hop.answers);
        hop.answers = hop.lineage_of(ctx, counters, frontier).await?;
    }
    lineage.append(&mut hop.answers);
    Ok(ScopedRead { lineage, cursor })
}

/// The lineage answers of one hop's tables, and what the next hop starts from besides them.
#[derive(Default)]
struct Hop {
    answers: Vec<Value>,
    /// Tables one hop downstream of these that their answers do not name (hop 0 of a re-sync,
    /// whose answers come from the search index with upstream edges only).
    downstream: Vec<String>,
    /// Answers already read of tables the next hops may reach, by FQN.
    read: HashMap<String, Value>,
}

impl Hop {
    fn asked(answers: Vec<Value>) -> Hop {
        Hop {
            answers,
            ..Hop::default()
        }
    }

    /// The lineage answers of `tables`, each asked unless read already.
    async fn lineage_of(
        &mut self,
        ctx: &PullContext<'_>,
        counters: &PageCounters,
        mut tables: Vec<String>,
    ) -> Result<Vec<Value>, ConnectorError> {
        tables.sort_unstable();
        let mut answers = Vec::with_capacity(tables.len());
        tables.retain(|fqn| match self.read.remove(fqn) {
            Some(answer) => {
                answers.push(answer);
                false
            }
            None => true,
        });
        answers.extend(table_lineage(ctx, counters, &tables).await?);
        Ok(answers)
    }
}

/// Hop 0 of a re-sync since `since`: a scoped table the cache holds unchanged takes its upstream
/// edges from its search document (`upstreamLineage`, which OpenMetadata rewrites whenever an
/// edge into the table is added or deleted, without a new version or `updatedAt` of the table:
/// `LineageRepository.addLineage` -> `addLineageToSearch`, open-metadata/OpenMetadata
/// openmetadata-service/src/main/java/org/openmetadata/service/jdbi3/LineageRepository.java at
/// 015f49b4999acbf63460f55ad16c60fbea68374d); the others are asked as in a full pull. Its
/// downstream edges are upstream edges of the tables below it, so with neighbours to take, the
/// tables that may be one hop downstream are asked for their lineage: those the cache holds
/// outside the scope (last sync's neighbours) and those with an edge added or changed since
/// the cursor (a range on `upstreamLineage.updatedAt`, `epoch_millis` in the index mapping,
/// openmetadata-spec/src/main/resources/elasticsearch/en/table_index_mapping.json at
/// 010700cea8e7d9fb1b8a615d7e625218d70ba115). A table downstream through an older edge is one
/// of them: the last sync read it, unless the scoped table above it changed (asked in full).
async fn hop_zero_since(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    scope: &CatalogScope,
    scoped: Vec<Found>,
    scoped_fqns: &HashSet<String>,
    since: i64,
) -> Result<Hop, ConnectorError> {
    let mut hop = Hop::default();
    let mut asked = Vec::new();
    for found in scoped {
        match found.indexed {
            Some(answer) => hop.answers.push(answer),
            None => asked.push(found.fqn),
        }
    }
    asked.sort_unstable();
    hop.answers
        .extend(table_lineage(ctx, counters, &asked).await?);
    if scope.neighbours == 0 {
        return Ok(hop);
    }
    let recent = recent_edges(ctx, counters, since - CURSOR_OVERLAP_MS).await?;
    let candidates: BTreeSet<String> = known_tables(ctx)
        .chain(recent)
        .filter(|fqn| !scoped_fqns.contains(fqn))
        .collect();
    let candidates: Vec<String> = candidates.into_iter().collect();
    for answer in table_lineage(ctx, counters, &candidates).await? {
        let Some(fqn) = answer
            .pointer("/entity/fullyQualifiedName")
            .and_then(Value::as_str)
        else {
            continue;
        };
        if lineage_tables(&answer).any(|table| scoped_fqns.contains(&table)) {
            hop.downstream.push(fqn.to_string());
            hop.read.insert(fqn.to_string(), answer);
        }
    }
    Ok(hop)
}

/// The next pull's cursor: the newest update time of the scoped tables and their upstream
/// edges, or of any table's edge ([`newest_edge`]), when later; `None` when a scoped table's
/// search document holds no lineage.
fn next_cursor(scoped: &[Found], newest_edge: Option<i64>) -> Option<i64> {
    if scoped.iter().any(|found| !found.lineage_indexed) {
        return None;
    }
    scoped
        .iter()
        .filter_map(|found| found.newest)
        .chain(newest_edge)
        .max()
}

/// The update time of the newest lineage edge into any table (a search sorted on
/// `upstreamLineage.updatedAt`, newest first), so the next re-sync asks only for edges newer
/// than this pull. `None` when the index has no edges or cannot sort on them, or the search
/// cannot be read.
pub(crate) async fn newest_edge(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Option<i64>, ConnectorError> {
    let query = [
        ("q", "*"),
        ("index", TABLE_INDEX),
        ("size", "1"),
        ("sort_field", "upstreamLineage.updatedAt"),
        ("sort_order", "desc"),
        ("include_source_fields", "fullyQualifiedName"),
    ]
    .map(|(key, value)| (key, value.to_string()));
    // A server that cannot answer it (no search, an index without lineage) is read in full.
    let answer = match ctx.http.get_json(SEARCH_PATH, &query).await {
        Ok(answer) => answer,
        Err(err @ (ConnectorError::Cancelled(_) | ConnectorError::OverBudget { .. })) => {
            return Err(err);
        }
        Err(err) => {
            tracing::debug!(%err, "no newest lineage edge");
            return Ok(None);
        }
    };
    counters.answered();
    // A document without edges sorts last, with the smallest long as its sort value.
    Ok(answer
        .pointer("/hits/hits/0/sort/0")
        .and_then(Value::as_i64)
        .filter(|&time| time > 0))
}

/// FQNs of the tables with a lineage edge into them added or changed at `from` or later.
async fn recent_edges(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    from: i64,
) -> Result<Vec<String>, ConnectorError> {
    let filter = json!({"query": {"range": {"upstreamLineage.updatedAt": {"gte": from}}}});
    let fqn = |table: Value| text(&table, "fullyQualifiedName").map(Value::String);
    let fqns = search_pages(ctx, counters, Some(&filter), &["fullyQualifiedName"], fqn).await?;
    Ok(fqns
        .into_iter()
        .filter_map(|fqn| fqn.as_str().map(str::to_owned))
        .collect())
}

/// Hands `table` to the sink; what the pull keeps of it, when it has an FQN.
fn hand_over(
    ctx: &PullContext<'_>,
    sink: &Mutex<&mut TableSink<'_>>,
    table: &Value,
) -> Option<Found> {
    let fqn = text(table, "fullyQualifiedName")?;
    let re_sync = ctx.known.cursor().is_some();
    let indexed = (re_sync && table_unchanged(ctx, table))
        .then(|| indexed_lineage(table, &fqn))
        .flatten();
    let edge_times =
        list(table, "upstreamLineage").filter_map(|edge| edge.get("updatedAt")?.as_i64());
    let updated = table.get("updatedAt").and_then(Value::as_i64);
    let found = Found {
        lineage_indexed: table.get("upstreamLineage").is_some_and(Value::is_array),
        newest: updated.into_iter().chain(edge_times).max(),
        fqn,
        indexed,
    };
    (sink.lock().unwrap_or_else(|e| e.into_inner()))(table);
    Some(found)
}

/// A table's search document's upstream edges (`upstreamLineage`: `fromEntity`, `pipeline`,
/// `updatedAt` of each, as `EsLineageData` holds them) as the lineage answer the lineage API
/// would give, cut down as [`compact_lineage`] cuts it; `None` when the document has no
/// `upstreamLineage` (OpenMetadata puts it in every document since it indexes lineage:
/// `SearchIndex.populateLineageData`, openmetadata-service/src/main/java/org/openmetadata/
/// service/search/indexes/SearchIndex.java at 6b29a6d1e6b7aab3fa9a841f02a7aecdc6a25dee).
fn indexed_lineage(table: &Value, fqn: &str) -> Option<Value> {
    let edges = table.get("upstreamLineage")?.as_array()?;
    let id = table.get("id");
    let nodes = edges.iter().filter_map(|edge| edge.get("fromEntity")).map(
        |from| json!({"id": from.get("id"), "type": from.get("type"), "fullyQualifiedName": from.get("fullyQualifiedName")}),
    );
    let upstream = edges.iter().map(|edge| {
        json!({"fromEntity": edge.pointer("/fromEntity/id"), "toEntity": id, "lineageDetails": {
            "pipeline": {"fullyQualifiedName": edge.pointer("/pipeline/fullyQualifiedName")},
            "updatedAt": edge.get("updatedAt")}})
    });
    Some(json!({
        "entity": {"id": id, "type": "table", "fullyQualifiedName": fqn},
        "nodes": nodes.collect::<Vec<_>>(),
        "upstreamEdges": upstream.collect::<Vec<_>>()
    }))
}

/// Every table the search finds in the scope, in FQN order, handed to the sink page by page.
async fn search_tables(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    scope: &CatalogScope,
    sink: &Mutex<&mut TableSink<'_>>,
) -> Result<Vec<Found>, ConnectorError> {
    let found = Mutex::new(Vec::new());
    // Each table counts against the pull's entities as a `null`; what is kept of it goes aside.
    let take = |table: Value| {
        let table = hand_over(ctx, sink, &table)?;
        found.lock().unwrap_or_else(|e| e.into_inner()).push(table);
        Some(Value::Null)
    };
    let filter = query_filter(scope);
    search_pages(ctx, counters, Some(&filter), &[], take).await?;
    Ok(found.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// Every table the search finds with `filter` (all of them without one), in FQN order
/// (`search_after` paging), with only `fields` of each when some are named; `take` keeps what it
/// needs of each as its page arrives, and what it keeps counts against the pull's entities.
async fn search_pages(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    filter: Option<&Value>,
    fields: &[&str],
    take: impl Fn(Value) -> Option<Value>,
) -> Result<Vec<Value>, ConnectorError> {
    let filter = filter.map(Value::to_string);
    let size = ctx.page_size.max(1);
    let fetch = |after: Option<String>| {
        let mut query = vec![
            ("q", "*".to_string()),
            ("index", TABLE_INDEX.to_string()),
            ("size", size.to_string()),
            ("sort_field", "fullyQualifiedName".to_string()),
            ("sort_order", "asc".to_string()),
        ];
        query.extend(filter.clone().map(|filter| ("query_filter", filter)));
        // A list parameter (`List<String> includeSourceFields`): one pair per field.
        query.extend(
            fields
                .iter()
                .map(|field| ("include_source_fields", field.to_string())),
        );
        query.extend(after.map(|cursor| ("search_after", cursor)));
        async move { ctx.http.get_json(SEARCH_PATH, &query).await }
    };
    let split = |page: Value| {
        let (tables, next) = search_page(ctx, page, size)?;
        Ok((tables.into_iter().filter_map(&take).collect(), next))
    };
    cursor_pages(ctx, counters, SEARCH_PATH, fetch, split).await
}

/// The upstream edges of every table as the search index holds them, as lineage answers by
/// FQN (a table whose document has no `upstreamLineage` is left out). Not counted as entities:
/// the pull counted the tables when it listed them.
pub(crate) async fn indexed_tables(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<HashMap<String, Value>, ConnectorError> {
    let indexed = Mutex::new(HashMap::new());
    let take = |table: Value| {
        let fqn = text(&table, "fullyQualifiedName")?;
        let answer = indexed_lineage(&table, &fqn)?;
        indexed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(fqn, answer);
        None
    };
    let fields = ["id", "fullyQualifiedName", "upstreamLineage"];
    search_pages(ctx, counters, None, &fields, take).await?;
    Ok(indexed.into_inner().unwrap_or_else(|e| e.into_inner()))
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
        Ok(hand_over(ctx, sink, &table).map(|found| found.fqn))
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
    fn a_search_documents_lineage_reads_as_the_lineage_apis() {
        let from = json!({"id": "1", "type": "table", "fullyQualifiedName": "s.d.x.a"});
        let pipeline = json!({"id": "9", "fullyQualifiedName": "airflow.dag"});
        let api = json!({
            "entity": {"id": "2", "type": "table", "fullyQualifiedName": "s.d.x.b", "name": "b"},
            "nodes": [from],
            "upstreamEdges": [{"fromEntity": "1", "toEntity": "2",
                "lineageDetails": {"pipeline": pipeline, "updatedAt": 1_700_000_000_000_i64, "source": "Manual"}}],
            "downstreamEdges": []
        });
        let document = json!({"id": "2", "fullyQualifiedName": "s.d.x.b", "upstreamLineage": [
            {"fromEntity": from, "pipeline": pipeline, "updatedAt": 1_700_000_000_000_i64,
             "docUniqueId": "1--->2", "source": "Manual"}]});
        let indexed = indexed_lineage(&document, "s.d.x.b").unwrap();
        assert_eq!(indexed, compact_lineage(api));
        let unindexed = json!({"id": "2", "fullyQualifiedName": "s.d.x.b"});
        assert_eq!(indexed_lineage(&unindexed, "s.d.x.b"), None);
    }

    #[test]
    fn the_cursor_is_the_newest_change_seen_while_the_index_holds_lineage() {
        let found = |newest: Option<i64>, lineage_indexed: bool| Found {
            fqn: "t".into(),
            lineage_indexed,
            indexed: None,
            newest,
        };
        let scoped = [
            found(Some(5), true),
            found(Some(9), true),
            found(None, true),
        ];
        assert_eq!(next_cursor(&scoped, Some(7)), Some(9));
        assert_eq!(next_cursor(&scoped, Some(12)), Some(12));
        assert_eq!(
            next_cursor(&[found(Some(5), true), found(Some(9), false)], None),
            None
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
