//! A synthetic OpenMetadata catalog of any size for the scoped-sync test and benchmark, answered
//! from arithmetic instead of stored entities, so a million tables cost no memory: table `i` is in
//! domain `i % domains`, reads table `i - domains` of its own domain and, for one table in a
//! hundred, table `i + 1` of the next domain. Each domain has one data product. It answers what a
//! scoped pull asks (`/api/v1/search/query` filtered on domains, lineage and tables by name, the
//! product, test case and service listings); the unscoped table listing is refused with 400, so a
//! scoped pull that fell back to it would fail.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub struct Catalog {
    pub tables: usize,
    pub domains: usize,
    /// Waited before each answer.
    pub latency: Duration,
    /// When set, one table in a hundred of every domain has a new version and update time.
    pub changed: AtomicBool,
    pub requests: AtomicU64,
}

impl Catalog {
    pub fn new(tables: usize, domains: usize, latency: Duration) -> Catalog {
        Catalog {
            tables,
            domains,
            latency,
            changed: AtomicBool::new(false),
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

    pub fn upstream(&self, table: usize) -> Vec<usize> {
        let own = table.checked_sub(self.domains);
        own.into_iter()
            .chain(self.crosses(table).then_some(table + 1))
            .collect()
    }

    pub fn downstream(&self, table: usize) -> Vec<usize> {
        let own = Some(table + self.domains).filter(|&t| t < self.tables);
        let cross = table.checked_sub(1).filter(|&t| self.crosses(t));
        own.into_iter().chain(cross).collect()
    }

    /// The tables of `domains` and those within `hops` of lineage of them.
    pub fn in_scope(&self, domains: &[usize], hops: u32) -> BTreeSet<usize> {
        let mut kept: BTreeSet<usize> = (0..self.tables)
            .filter(|t| domains.contains(&(t % self.domains)))
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

    pub fn table(&self, table: usize) -> Value {
        let domain = Self::domain_name(table % self.domains);
        let changed = self.changed(table);
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
            "updatedAt": 1_700_000_000_000_i64 + if changed { 60_000 } else { 0 },
            "columns": columns,
            "tableConstraints": [{"constraintType": "PRIMARY_KEY", "columns": ["id"]}],
            "tags": [{"tagFQN": format!("Tier.Tier{}", table % 3)}],
            "owners": [{"type": "team", "name": format!("team_{:03}", table % self.domains)}],
            "domains": [{"type": "domain", "name": domain, "fullyQualifiedName": domain}],
            "deleted": false
        })
    }

    /// One `EntityLineage` answer: the table, its direct neighbours and the edges to them.
    fn lineage(&self, table: usize) -> Value {
        let node = |t: usize| json!({"id": format!("t{t}"), "type": "table", "fullyQualifiedName": self.fqn(t)});
        let edge = |from: usize, to: usize| json!({"fromEntity": format!("t{from}"), "toEntity": format!("t{to}")});
        let (up, down) = (self.upstream(table), self.downstream(table));
        json!({
            "entity": node(table),
            "nodes": up.iter().chain(&down).map(|&t| node(t)).collect::<Vec<_>>(),
            "upstreamEdges": up.iter().map(|&t| edge(t, table)).collect::<Vec<_>>(),
            "downstreamEdges": down.iter().map(|&t| edge(table, t)).collect::<Vec<_>>()
        })
    }

    /// The domains a search's `query_filter` names (`domains.fullyQualifiedName` terms).
    fn filtered_domains(&self, filter: &str) -> Option<Vec<usize>> {
        let filter: Value = serde_json::from_str(filter).ok()?;
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

    /// One page of the search: the tables of `domains` after the cursor, in FQN order.
    fn search(&self, query: &HashMap<String, String>) -> Option<Value> {
        let domains = self.filtered_domains(query.get("query_filter")?)?;
        let size: usize = query.get("size")?.parse().ok()?;
        let after = query
            .get("search_after")
            .and_then(|fqn| Self::index_of(fqn));
        let start = |domain: usize| match after {
            Some(last) if last % self.domains == domain => last + self.domains,
            Some(last) if last % self.domains > domain => self.tables,
            _ => domain,
        };
        let hits: Vec<Value> = domains
            .iter()
            .flat_map(|&d| (start(d)..self.tables).step_by(self.domains))
            .take(size)
            .map(|t| {
                json!({"_index": "table_search_index", "_id": format!("t{t}"),
                "_source": self.table(t), "sort": [self.fqn(t)]})
            })
            .collect();
        Some(json!({"took": 1, "timed_out": false,
            "hits": {"total": {"value": hits.len(), "relation": "gte"}, "hits": hits}}))
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
                    "version": 0.1, "updatedAt": 1_700_000_000_000_i64,
                    "domain": {"type": "domain", "name": domain}, "assets": assets,
                    "owners": [{"type": "team", "name": format!("team_{d:03}")}], "tags": []})
            })
            .collect();
        json!({"data": products, "paging": {"total": self.domains}})
    }

    fn answer(&self, path: &str, query: &HashMap<String, String>) -> Option<Value> {
        let table_named = |prefix: &str| {
            let fqn = path.strip_prefix(prefix)?;
            Self::index_of(fqn).filter(|&t| t < self.tables && self.fqn(t) == fqn)
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
