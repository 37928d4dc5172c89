//! A synthetic OpenMetadata catalog of any size for the scoped-sync test and benchmark, answered
//! from arithmetic instead of stored entities, so a million tables cost no memory: table `i` is in
//! domain `i % domains`, reads table `i - domains` of its own domain and, for one table in a
//! hundred, table `i + 1` of the next domain. Each domain has one data product. It answers what a
//! scoped pull asks (`/api/v1/search/query` filtered on domains or on a range of
//! `upstreamLineage.updatedAt`, or sorted on it; lineage and tables by name; the product, test
//! case and service listings); the unscoped table listing is refused with 400, so a scoped pull
//! that fell back to it would fail. Each search document carries the table's upstream edges
//! (`upstreamLineage`) as OpenMetadata indexes them. [`Edits`] change it as users would upstream:
//! tables deleted or moved to another domain, lineage edges added or removed (which, as in
//! OpenMetadata, give no table a new version).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// When the tables were last updated, and the edges of the arithmetic made (epoch ms).
const UPDATED_AT: i64 = 1_700_000_000_000;
const EDGES_AT: i64 = 1_690_000_000_000;
/// When an edit was made upstream: after any sync of the unedited catalog.
pub const EDITED_AT: i64 = UPDATED_AT + 120_000;

/// Changes made upstream after the catalog's arithmetic.
#[derive(Debug, Default, Clone)]
pub struct Edits {
    /// Tables deleted (with the edges to and from them).
    pub deleted: BTreeSet<usize>,
    /// Tables moved to another domain (a new version and update time).
    pub moved: BTreeMap<usize, usize>,
    /// Lineage edges (from, to) added at [`EDITED_AT`].
    pub added: BTreeSet<(usize, usize)>,
    /// Lineage edges (from, to) removed.
    pub removed: BTreeSet<(usize, usize)>,
}

impl Edits {
    fn is_empty(&self) -> bool {
        self.deleted.is_empty()
            && self.moved.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
    }
}

pub struct Catalog {
    pub tables: usize,
    pub domains: usize,
    /// Waited before each answer.
    pub latency: Duration,
    /// When set, one table in a hundred of every domain has a new version and update time.
    pub changed: AtomicBool,
    pub edits: Mutex<Edits>,
    pub requests: AtomicU64,
}

impl Catalog {
    pub fn new(tables: usize, domains: usize, latency: Duration) -> Catalog {
        Catalog {
            tables,
            domains,
            latency,
            changed: AtomicBool::new(false),
            edits: Mutex::new(Edits::default()),
            requests: AtomicU64::new(0),
        }
    }

    pub fn domain_name(domain: usize) -> String {
        format!("domain_{domain:03}")
    }

    /// FQNs sort as the search API pages them: by domain, then by table number.
    pub fn fqn(&self, table: usize) -> String {
        format!("bench.db.d{:03}.t{table:07}", table % self.domains)
    }

    fn index_of(fqn: &str) -> Option<usize> {
        fqn.rsplit(".t").next()?.parse().ok()
    }

    /// Whether table `i` reads table `i + 1` (of the next domain) too.
    fn crosses(&self, table: usize) -> bool {
        (table / self.domains).is_multiple_of(100) && table + 1 < self.tables
    }

    fn edits(&self) -> Edits {
        self.edits.lock().unwrap().clone()
    }

    /// Whether table `t` exists (not deleted).
    fn exists(&self, edits: &Edits, table: usize) -> bool {
        table < self.tables && !edits.deleted.contains(&table)
    }

    pub fn domain_of(&self, table: usize) -> usize {
        let moved = self.edits.lock().unwrap().moved.get(&table).copied();
        moved.unwrap_or(table % self.domains)
    }

    /// The tables `table` reads, with when each edge was made.
    fn upstream_edges(&self, edits: &Edits, table: usize) -> Vec<(usize, i64)> {
        let own = table.checked_sub(self.domains);
        let arithmetic = own
            .into_iter()
            .chain(self.crosses(table).then_some(table + 1));
        let added = edits.added.iter().filter(|(_, to)| *to == table);
        arithmetic
            .filter(|&from| !edits.removed.contains(&(from, table)))
            .map(|from| (from, EDGES_AT))
            .chain(added.map(|&(from, _)| (from, EDITED_AT)))
            .filter(|&(from, _)| self.exists(edits, from) && self.exists(edits, table))
            .collect()
    }

    pub fn upstream(&self, table: usize) -> Vec<usize> {
        let edits = self.edits();
        let edges = self.upstream_edges(&edits, table);
        edges.into_iter().map(|(from, _)| from).collect()
    }

    pub fn downstream(&self, table: usize) -> Vec<usize> {
        let edits = self.edits();
        let own = Some(table + self.domains).filter(|&t| t < self.tables);
        let cross = table.checked_sub(1).filter(|&t| self.crosses(t));
        let added = edits.added.iter().filter(|(from, _)| *from == table);
        let mut down: Vec<usize> = own
            .into_iter()
            .chain(cross)
            .chain(added.map(|&(_, to)| to))
            .filter(|&to| !edits.removed.contains(&(table, to)))
            .filter(|&to| self.exists(&edits, to) && self.exists(&edits, table))
            .collect();
        down.dedup();
        down
    }

    /// The tables of `domains` and those within `hops` of lineage of them.
    pub fn in_scope(&self, domains: &[usize], hops: u32) -> BTreeSet<usize> {
        let edits = self.edits();
        let mut kept: BTreeSet<usize> = (0..self.tables)
            .filter(|&t| self.exists(&edits, t) && domains.contains(&self.domain_of(t)))
            .collect();
        let mut frontier: Vec<usize> = kept.iter().copied().collect();
        for _ in 0..hops {
            let reached: Vec<usize> = frontier
                .iter()
                .flat_map(|&t| self.upstream(t).into_iter().chain(self.downstream(t)))
                .filter(|t| !kept.contains(t))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            kept.extend(reached.iter().copied());
            frontier = reached;
        }
        kept
    }

    fn changed(&self, table: usize) -> bool {
        self.changed.load(Ordering::Relaxed) && (table / self.domains) % 100 == 7
    }

    /// Table `table` as the tables API answers it.
    pub fn table(&self, table: usize) -> Value {
        let moved = self.edits.lock().unwrap().moved.get(&table).copied();
        let domain = Self::domain_name(moved.unwrap_or(table % self.domains));
        let changed = self.changed(table) || moved.is_some();
        let columns: Vec<Value> = ["id", "created_at", "customer", "amount", "status", "region"]
            .iter()
            .enumerate()
            .map(|(n, column)| {
                json!({"name": column, "dataType": if n == 0 { "BIGINT" } else { "VARCHAR" },
                    "dataTypeDisplay": if n == 0 { "bigint" } else { "varchar(64)" },
                    "description": format!("{column} of table {table}"), "tags": []})
            })
            .collect();
        json!({
            "id": format!("t{table}"),
            "name": format!("t{table:07}"),
            "fullyQualifiedName": self.fqn(table),
            "description": if changed { format!("Table {table}, revised.") } else { format!("Table {table}.") },
            "version": if changed { 0.2 } else { 0.1 },
            "updatedAt": UPDATED_AT + if changed { 60_000 } else { 0 },
            "columns": columns,
            "tableConstraints": [{"constraintType": "PRIMARY_KEY", "columns": ["id"]}],
            "tags": [{"tagFQN": format!("Tier.Tier{}", table % 3)}],
            "owners": [{"type": "team", "name": format!("team_{:03}", table % self.domains)}],
            "domains": [{"type": "domain", "name": domain, "fullyQualifiedName": domain}],
            "deleted": false
        })
    }

    /// Table `table` as the search indexes it: with its upstream edges (`upstreamLineage`).
    fn search_document(&self, table: usize) -> Value {
        let edits = self.edits();
        let edges: Vec<Value> = self
            .upstream_edges(&edits, table)
            .into_iter()
            .map(|(from, at)| {
                json!({"fromEntity": self.node(from), "docUniqueId": format!("t{from}--->t{table}"),
                    "updatedAt": at, "source": "Manual"})
            })
            .collect();
        let mut document = self.table(table);
        document["upstreamLineage"] = json!(edges);
        document
    }

    fn node(&self, table: usize) -> Value {
        json!({"id": format!("t{table}"), "type": "table", "fullyQualifiedName": self.fqn(table)})
    }

    /// One `EntityLineage` answer: the table, its direct neighbours and the edges to them.
    fn lineage(&self, table: usize) -> Value {
        let edits = self.edits();
        let edge = |from: usize, to: usize, at: i64| {
            json!({"fromEntity": format!("t{from}"), "toEntity": format!("t{to}"),
            "lineageDetails": {"updatedAt": at}})
        };
        let up = self.upstream_edges(&edits, table);
        let down: Vec<(usize, i64)> = self
            .downstream(table)
            .into_iter()
            .filter_map(|to| {
                let edges = self.upstream_edges(&edits, to);
                edges
                    .into_iter()
                    .find(|&(from, _)| from == table)
                    .map(|(_, at)| (to, at))
            })
            .collect();
        json!({
            "entity": self.node(table),
            "nodes": up.iter().chain(&down).map(|&(t, _)| self.node(t)).collect::<Vec<_>>(),
            "upstreamEdges": up.iter().map(|&(t, at)| edge(t, table, at)).collect::<Vec<_>>(),
            "downstreamEdges": down.iter().map(|&(t, at)| edge(table, t, at)).collect::<Vec<_>>()
        })
    }

    /// The domains a search's `query_filter` names (`domains.fullyQualifiedName` terms).
    fn filtered_domains(&self, filter: &Value) -> Option<Vec<usize>> {
        let should = filter.pointer("/query/bool/should")?.as_array()?;
        let names = should
            .iter()
            .filter_map(|clause| clause.pointer("/terms/domains.fullyQualifiedName"))
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(Value::as_str);
        let domains = (0..self.domains).collect::<Vec<_>>();
        let wanted: BTreeSet<usize> = names
            .filter_map(|name| {
                domains
                    .iter()
                    .copied()
                    .find(|&d| Self::domain_name(d) == name)
            })
            .collect();
        Some(wanted.into_iter().collect())
    }

    /// One page of a search: the tables its `query_filter` selects after the cursor, in FQN
    /// order; or, sorted on `upstreamLineage.updatedAt`, the table with the newest edge.
    fn search(&self, query: &HashMap<String, String>) -> Option<Value> {
        let size: usize = query.get("size")?.parse().ok()?;
        let only_fqn =
            query.get("include_source_fields").map(String::as_str) == Some("fullyQualifiedName");
        let hit = |t: usize, sort: Value| {
            let source = if only_fqn {
                json!({"fullyQualifiedName": self.fqn(t)})
            } else {
                self.search_document(t)
            };
            json!({"_index": "table_search_index", "_id": format!("t{t}"), "_source": source, "sort": [sort]})
        };
        let hits: Vec<Value> = match query.get("sort_field").map(String::as_str) {
            Some("upstreamLineage.updatedAt") => self
                .newest_edge()
                .map(|(t, at)| hit(t, json!(at)))
                .into_iter()
                .collect(),
            Some("fullyQualifiedName") => {
                let filter: Value = serde_json::from_str(query.get("query_filter")?).ok()?;
                let after = query
                    .get("search_after")
                    .and_then(|fqn| Self::index_of(fqn));
                let tables = self.selected(&filter, after, size)?;
                tables
                    .into_iter()
                    .map(|t| hit(t, json!(self.fqn(t))))
                    .collect()
            }
            _ => return None,
        };
        Some(json!({"took": 1, "timed_out": false,
            "hits": {"total": {"value": hits.len(), "relation": "gte"}, "hits": hits}}))
    }

    /// The table with the newest edge into it, and when that edge was made.
    fn newest_edge(&self) -> Option<(usize, i64)> {
        let edits = self.edits();
        match edits
            .added
            .iter()
            .find(|&&(from, to)| self.exists(&edits, from) && self.exists(&edits, to))
        {
            Some(&(_, to)) => Some((to, EDITED_AT)),
            None => (self.domains < self.tables).then_some((self.domains, EDGES_AT)),
        }
    }

    /// The first `size` tables after `after` (in FQN order) that `filter` selects: a domain
    /// filter, or a range on `upstreamLineage.updatedAt`.
    fn selected(&self, filter: &Value, after: Option<usize>, size: usize) -> Option<Vec<usize>> {
        let edits = self.edits();
        if let Some(from) = filter.pointer("/query/range/upstreamLineage.updatedAt/gte") {
            let from = from.as_i64()?;
            let recent = |t: usize| {
                self.upstream_edges(&edits, t)
                    .iter()
                    .any(|&(_, at)| at >= from)
            };
            if from > EDGES_AT {
                // Only added edges are that recent: no need to walk every table.
                let mut targets: Vec<usize> = edits.added.iter().map(|&(_, to)| to).collect();
                targets.sort_by_key(|&t| (t % self.domains, t));
                targets.dedup();
                let key = |t: usize| (t % self.domains, t);
                let later = |t: &usize| after.is_none_or(|last| key(*t) > key(last));
                return Some(
                    targets
                        .into_iter()
                        .filter(later)
                        .filter(|&t| recent(t))
                        .take(size)
                        .collect(),
                );
            }
            return Some(
                self.in_fqn_order(after)
                    .filter(|&t| recent(t))
                    .take(size)
                    .collect(),
            );
        }
        let domains = self.filtered_domains(filter)?;
        if edits.is_empty() {
            return Some(self.domain_page(&domains, after, size));
        }
        let wanted = |t: usize| self.exists(&edits, t) && domains.contains(&self.domain_of(t));
        Some(
            self.in_fqn_order(after)
                .filter(|&t| wanted(t))
                .take(size)
                .collect(),
        )
    }

    /// Every table after `after`, in FQN order (by domain, then by number).
    fn in_fqn_order(&self, after: Option<usize>) -> impl Iterator<Item = usize> + '_ {
        let all = (0..self.domains).flat_map(|d| (d..self.tables).step_by(self.domains));
        let key = |t: usize| (t % self.domains, t);
        all.filter(move |&t| after.is_none_or(|last| key(t) > key(last)))
    }

    /// [`Self::selected`] of an unedited catalog, from arithmetic alone.
    fn domain_page(&self, domains: &[usize], after: Option<usize>, size: usize) -> Vec<usize> {
        let start = |domain: usize| match after {
            Some(last) if last % self.domains == domain => last + self.domains,
            Some(last) if last % self.domains > domain => self.tables,
            _ => domain,
        };
        domains
            .iter()
            .flat_map(|&d| (start(d)..self.tables).step_by(self.domains))
            .take(size)
            .collect()
    }

    fn products(&self) -> Value {
        let products: Vec<Value> = (0..self.domains)
            .map(|d| {
                let domain = Self::domain_name(d);
                let assets: Vec<Value> = (d..self.tables)
                    .step_by(self.domains)
                    .take(3)
                    .map(|t| json!({"id": format!("t{t}"), "type": "table", "fullyQualifiedName": self.fqn(t)}))
                    .collect();
                json!({"id": format!("p{d}"), "name": "orders", "fullyQualifiedName": format!("{domain}.orders"),
                    "version": 0.1, "updatedAt": UPDATED_AT,
                    "domain": {"type": "domain", "name": domain}, "assets": assets,
                    "owners": [{"type": "team", "name": format!("team_{d:03}")}], "tags": []})
            })
            .collect();
        json!({"data": products, "paging": {"total": self.domains}})
    }

    fn answer(&self, path: &str, query: &HashMap<String, String>) -> Option<Value> {
        let table_named = |prefix: &str| {
            let fqn = path.strip_prefix(prefix)?;
            let edits = self.edits();
            Self::index_of(fqn).filter(|&t| self.exists(&edits, t) && self.fqn(t) == fqn)
        };
        match path {
            "/api/v1/search/query" => self.search(query),
            "/api/v1/dataProducts" => Some(self.products()),
            "/api/v1/dataQuality/testCases" | "/api/v1/services/databaseServices" => {
                Some(json!({"data": [], "paging": {"total": 0}}))
            }
            _ => {
                if let Some(table) = table_named("/api/v1/lineage/table/name/") {
                    Some(self.lineage(table))
                } else {
                    table_named("/api/v1/tables/name/").map(|t| self.table(t))
                }
            }
        }
    }
}

async fn answer(
    State(catalog): State<Arc<Catalog>>,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    catalog.requests.fetch_add(1, Ordering::Relaxed);
    if !catalog.latency.is_zero() {
        tokio::time::sleep(catalog.latency).await;
    }
    if uri.path() == "/api/v1/tables" {
        return (
            StatusCode::BAD_REQUEST,
            "a scoped pull does not list every table",
        )
            .into_response();
    }
    match catalog.answer(uri.path(), &query) {
        Some(body) => ([("content-type", "application/json")], body.to_string()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            r#"{"code": 404, "message": "HTTP 404 Not Found"}"#,
        )
            .into_response(),
    }
}

/// The catalog's HTTP routes.
pub fn router(catalog: Arc<Catalog>) -> axum::Router {
    axum::Router::new().fallback(answer).with_state(catalog)
}
