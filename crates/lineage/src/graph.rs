//! The in-memory lineage graph: every dataset, job, column and product interned to a `u32`, with
//! forward and reverse adjacency in CSR form (offsets + targets) for each level.
//!
//! Why a cache and not recursive CTEs (measured by `benches/lineage.rs`, 1M events, 100k datasets,
//! 497k edges, release build on 2 cores): a `WITH RECURSIVE` walk over the indexed
//! `lineage_edges` table, 5 dataset hops up and down and only *counting* nodes, took p50 5.8 ms /
//! p99 19.5 ms; SQLite re-probes the index per row and `UNION` dedupes (node, depth) pairs, so a
//! node reached at several depths is expanded again. The full answer from the cache (walk, names,
//! products, edge list of a median 6k-node neighbourhood) took p50 4.8 ms / p99 14.2 ms, and the
//! impact of a hub with 10k downstream nodes p99 2.5 ms. Product lineage also needs data SQL
//! cannot walk cheaply (contract servers → OpenLineage names, port contracts). The price is a
//! rebuild (1.6 s for that mesh) after a change. The graph is
//! rebuilt from SQLite when `lineage_meta.generation` changes: ingestion bumps it per batch, and
//! triggers bump it on any change to products, ports, contracts or contract datasets.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use meshlens_model::{Product, SupportChannel};
use meshlens_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::SqliteConnection;
use ts_rs::TS;

use meshlens_store::Ctx;

use crate::codec::{Lazy, Malformed, Reader, Writer};
use crate::error::LineageError;
use crate::graph_file;
use crate::naming::dataset_identities;
use crate::nodes::Nodes;

/// What a node in a lineage graph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Dataset,
    Job,
    Column,
    Product,
}

impl NodeKind {
    /// The kind's number in the graph file.
    pub(crate) fn code(self) -> u8 {
        match self {
            NodeKind::Dataset => 0,
            NodeKind::Job => 1,
            NodeKind::Column => 2,
            NodeKind::Product => 3,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<NodeKind> {
        [
            NodeKind::Dataset,
            NodeKind::Job,
            NodeKind::Column,
            NodeKind::Product,
        ]
        .into_iter()
        .find(|kind| kind.code() == code)
    }
}

pub(crate) struct ProductInfo {
    pub owner_team: Option<String>,
    pub contacts: Vec<SupportChannel>,
    /// (port name, is output, contract id)
    pub ports: Vec<(String, bool, Option<String>)>,
}

/// Adjacency of one level, both directions. Edge kinds index [`Graph::edge_kinds`].
#[derive(Default)]
pub(crate) struct Csr {
    fwd: Adjacency,
    rev: Adjacency,
}

#[derive(Default)]
struct Adjacency {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    kinds: Vec<u16>,
}

impl Adjacency {
    fn build(n: usize, edges: &[(u32, u32, u16)], reverse: bool) -> Adjacency {
        let mut offsets = vec![0u32; n + 1];
        for &(f, t, _) in edges {
            offsets[if reverse { t } else { f } as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets.clone();
        let (mut targets, mut kinds) = (vec![0u32; edges.len()], vec![0u16; edges.len()]);
        for &(f, t, k) in edges {
            let (from, to) = if reverse { (t, f) } else { (f, t) };
            let slot = cursor[from as usize] as usize;
            cursor[from as usize] += 1;
            targets[slot] = to;
            kinds[slot] = k;
        }
        Adjacency {
            offsets,
            targets,
            kinds,
        }
    }

    fn neighbours(&self, node: u32) -> impl Iterator<Item = (u32, u16)> + '_ {
        let (a, b) = (
            self.offsets[node as usize] as usize,
            self.offsets[node as usize + 1] as usize,
        );
        self.targets[a..b]
            .iter()
            .copied()
            .zip(self.kinds[a..b].iter().copied())
    }
}

/// The graph file's encoding of a level's adjacency: each direction's offsets, targets and kinds.
impl Csr {
    pub(crate) fn encode(&self, w: &mut Writer) {
        for side in [&self.fwd, &self.rev] {
            w.u32s(&side.offsets);
            w.u32s(&side.targets);
            w.u16s(&side.kinds);
        }
    }

    /// What [`Csr::encode`] wrote, checked so that no walk can index out of range.
    pub(crate) fn decode(r: &mut Reader, nodes: usize, kinds: usize) -> Result<Csr, Malformed> {
        Ok(Csr {
            fwd: Adjacency::decode(r, nodes, kinds)?,
            rev: Adjacency::decode(r, nodes, kinds)?,
        })
    }
}

impl Adjacency {
    fn decode(r: &mut Reader, nodes: usize, edge_kinds: usize) -> Result<Adjacency, Malformed> {
        let offsets = r.u32s()?;
        let targets = r.nodes(nodes)?;
        let kinds = r.u16s()?;
        let sound = offsets.len() == nodes + 1
            && offsets.first() == Some(&0)
            && offsets.windows(2).all(|pair| pair[0] <= pair[1])
            && offsets.last().map(|&end| end as usize) == Some(targets.len())
            && kinds.len() == targets.len()
            && kinds.iter().all(|&k| (k as usize) < edge_kinds);
        if !sound {
            return Err(Malformed("an adjacency does not fit the nodes"));
        }
        Ok(Adjacency {
            offsets,
            targets,
            kinds,
        })
    }
}

impl Csr {
    fn build(n: usize, mut edges: Vec<(u32, u32, u16)>) -> Csr {
        edges.sort_unstable();
        edges.dedup();
        Csr {
            fwd: Adjacency::build(n, &edges, false),
            rev: Adjacency::build(n, &edges, true),
        }
    }

    pub(crate) fn out(&self, node: u32) -> impl Iterator<Item = (u32, u16)> + '_ {
        self.fwd.neighbours(node)
    }

    pub(crate) fn dir(&self, downstream: bool, node: u32) -> impl Iterator<Item = (u32, u16)> + '_ {
        if downstream {
            self.fwd.neighbours(node)
        } else {
            self.rev.neighbours(node)
        }
    }
}

pub(crate) struct Graph {
    pub instance: String,
    pub generation: i64,
    /// Every node with its id (and dataset aliases), name, kind and owning product.
    pub nodes: Nodes,
    pub edge_kinds: Vec<Box<str>>,
    /// Datasets and jobs.
    pub datasets: Csr,
    pub columns: Csr,
    pub products: Csr,
    /// Dataset node → its column nodes.
    pub dataset_columns: HashMap<u32, Vec<u32>>,
    /// Product → its domain, apart from the rest of its info: every answer names its nodes' domains.
    pub product_domains: HashMap<u32, String>,
    pub product_info: Lazy<HashMap<u32, ProductInfo>>,
    pub product_datasets: HashMap<u32, Vec<u32>>,
    pub contract_datasets: Lazy<HashMap<String, Vec<u32>>>,
    /// Contract id → products consuming it (input ports, output ports' inputContracts).
    pub contract_consumers: Lazy<HashMap<String, Vec<u32>>>,
}

/// Recently used graphs, one per database (`lineage_meta.instance`), newest first.
static CACHE: Mutex<Vec<Arc<Graph>>> = Mutex::new(Vec::new());
const CACHED_DATABASES: usize = 4;
/// One build at a time: a request that arrives while the graph is being built (by a background warm-up or
/// another request) waits for that build instead of starting a second one beside it.
static BUILD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
/// Builds under way (of any database).
static BUILDING: AtomicUsize = AtomicUsize::new(0);

/// Whether a lineage request would be answered from the cache or wait for the graph to be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct LineageStatus {
    /// The cached graph matches the store: lineage requests are answered at once.
    pub ready: bool,
    /// A graph is being built now (the first request after opening or after a change waits for it).
    pub building: bool,
}

/// The graph for `store`, rebuilt only when its generation moved on: read from the graph file when
/// that holds this generation (a new process), else built from SQLite and the file written again.
pub(crate) async fn graph(store: &Store) -> Result<Arc<Graph>, LineageError> {
    let (instance, generation) = meta(store).await?;
    if let Some(hit) = cached(&instance, generation) {
        return Ok(hit);
    }
    let _one_build = BUILD.lock().await;
    // The build this call waited for may have been of this very generation.
    let (instance, generation) = meta(store).await?;
    if let Some(hit) = cached(&instance, generation) {
        return Ok(hit);
    }
    let _building = Building::start();
    if let Some(read) = graph_file::read_current(store, &instance, generation).await {
        return Ok(keep(Arc::new(read)));
    }
    let built = keep(Arc::new(load(store).await?));
    graph_file::write_in_background(store, built.clone());
    Ok(built)
}

/// Builds the graph from SQLite whether or not the cached one or the graph file is current, and
/// caches it (`doctor --repair`).
pub(crate) async fn rebuild(store: &Store) -> Result<Arc<Graph>, LineageError> {
    let _one_build = BUILD.lock().await;
    let _building = Building::start();
    Ok(keep(Arc::new(load(store).await?)))
}

/// Counts a build in [`BUILDING`] for as long as it lives (a failed or cancelled build too).
struct Building;

impl Building {
    fn start() -> Building {
        BUILDING.fetch_add(1, Ordering::SeqCst);
        Building
    }
}

impl Drop for Building {
    fn drop(&mut self) {
        BUILDING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Puts `graph` first in the cache, in place of any other graph of its database.
fn keep(graph: Arc<Graph>) -> Arc<Graph> {
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    cache.retain(|g| g.instance != graph.instance);
    cache.insert(0, graph.clone());
    cache.truncate(CACHED_DATABASES);
    graph
}

/// The cached graph of `instance` at `generation`, moved to the front; a stale one is dropped (its memory
/// is freed before the next build allocates).
fn cached(instance: &str, generation: i64) -> Option<Arc<Graph>> {
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    let pos = cache.iter().position(|g| g.instance == instance)?;
    if cache[pos].generation != generation {
        cache.remove(pos);
        return None;
    }
    let hit = cache.remove(pos);
    cache.insert(0, hit.clone());
    Some(hit)
}

/// Empties the cache, as a new process starts.
#[cfg(test)]
pub(crate) fn forget_cached() {
    CACHE.lock().unwrap_or_else(|p| p.into_inner()).clear();
}

/// Builds the graph of `store` now unless the cached one is current, so that the next lineage request
/// does not wait for it. Meant for a background task after opening and after every change.
pub async fn warm(store: &Store) -> Result<(), LineageError> {
    graph(store).await.map(|_| ())
}

/// Whether the graph of `store` is built and current, and whether a build is under way.
pub async fn status(store: &Store) -> Result<LineageStatus, LineageError> {
    let (instance, generation) = meta(store).await?;
    let ready = CACHE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .any(|g| g.instance == instance && g.generation == generation);
    Ok(LineageStatus {
        ready,
        building: BUILDING.load(Ordering::SeqCst) > 0,
    })
}

pub(crate) async fn meta(store: &Store) -> Result<(String, i64), LineageError> {
    Ok(
        sqlx::query_as("SELECT instance, generation FROM lineage_meta WHERE id = 1")
            .fetch_one(store.pool())
            .await
            .ctx("read lineage generation")?,
    )
}

#[derive(Default)]
struct Builder {
    nodes: Nodes,
    edge_kinds: Vec<Box<str>>,
    kind_ids: HashMap<String, u16>,
}

impl Builder {
    fn kind(&mut self, kind: &str) -> u16 {
        if let Some(&k) = self.kind_ids.get(kind) {
            return k;
        }
        let k = self.edge_kinds.len() as u16;
        self.edge_kinds.push(kind.into());
        self.kind_ids.insert(kind.to_owned(), k);
        k
    }
}

pub(crate) fn dataset_id(namespace: &str, name: &str) -> String {
    format!("{namespace}:{name}")
}

pub(crate) fn column_id(dataset: &str, column: &str) -> String {
    format!("{dataset}#{column}")
}

/// Reads everything in one transaction, so the generation matches the data read.
pub(crate) async fn load(store: &Store) -> Result<Graph, LineageError> {
    let mut tx = store.pool().begin().await.ctx("begin graph load")?;
    let conn: &mut SqliteConnection = &mut tx;
    let (instance, generation): (String, i64) =
        sqlx::query_as("SELECT instance, generation FROM lineage_meta WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .ctx("read lineage generation")?;
    let mut b = Builder::default();
    let node_of = load_nodes(&mut b, conn).await?;
    let dataset_edges = load_dataset_edges(&mut b, conn, &node_of).await?;
    let (column_edges, dataset_columns) = load_column_edges(&mut b, conn, &node_of).await?;
    let products = load_products(&mut b, conn).await?;
    let contract_datasets = link_contracts(&mut b, conn, &products.providers).await?;
    tx.commit().await.ctx("end graph load")?;

    let n = b.nodes.len();
    let datasets = Csr::build(n, dataset_edges);
    let columns = Csr::build(n, column_edges);
    let mut product_datasets: HashMap<u32, Vec<u32>> = HashMap::new();
    for index in 0..n as u32 {
        if let (NodeKind::Dataset, Some(p)) = (b.nodes.kind(index), b.nodes.product(index)) {
            product_datasets.entry(p).or_default().push(index);
        }
    }
    assign_derived_owners(&mut b.nodes, &datasets, &dataset_columns);
    let mut product_edges = products.edges;
    let via_datasets = b.kind("dataset");
    product_edges.extend(
        products_linked_by_datasets(&b.nodes, &datasets)
            .into_iter()
            .map(|(f, t)| (f, t, via_datasets)),
    );
    // One edge per product pair: the strongest evidence (ports, then inputContracts, then datasets).
    product_edges.sort_unstable_by_key(|&(f, t, k)| (f, t, k));
    product_edges.dedup_by_key(|&mut (f, t, _)| (f, t));
    b.nodes.shrink_to_fit();

    Ok(Graph {
        instance,
        generation,
        edge_kinds: b.edge_kinds,
        datasets,
        columns,
        products: Csr::build(n, product_edges),
        nodes: b.nodes,
        dataset_columns,
        product_domains: products.domains,
        product_info: Lazy::ready(products.info),
        product_datasets,
        contract_datasets: Lazy::ready(contract_datasets),
        contract_consumers: Lazy::ready(products.consumers),
    })
}

/// The graph node of each stored lineage node, by its database id.
struct NodeOf {
    db_index: HashMap<i64, usize>,
    node_of_row: Vec<u32>,
}

impl NodeOf {
    fn get(&self, db: i64) -> Option<u32> {
        self.db_index.get(&db).map(|&i| self.node_of_row[i])
    }
}

/// OpenLineage datasets and jobs as graph nodes; aliases resolve to their target through
/// union-find, and each alias's id is kept as another name of the target's node.
async fn load_nodes(b: &mut Builder, conn: &mut SqliteConnection) -> Result<NodeOf, LineageError> {
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, kind, namespace, name FROM lineage_nodes ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .ctx("read lineage nodes")?;
    let db_index: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.0, i)).collect();
    let mut parent: Vec<usize> = (0..rows.len()).collect();
    let aliases: Vec<(i64, i64)> =
        sqlx::query_as("SELECT alias, target FROM dataset_aliases ORDER BY target, alias")
            .fetch_all(&mut *conn)
            .await
            .ctx("read dataset aliases")?;
    for (alias, target) in aliases {
        let (Some(&a), Some(&t)) = (db_index.get(&alias), db_index.get(&target)) else {
            continue;
        };
        let (ra, rt) = (find(&mut parent, a), find(&mut parent, t));
        if ra != rt {
            parent[ra] = rt;
        }
    }
    let mut node_of_row = vec![u32::MAX; rows.len()];
    for i in 0..rows.len() {
        let root = find(&mut parent, i);
        if root == i {
            let (_, kind, ns, name) = &rows[i];
            node_of_row[i] = if kind == "job" {
                b.nodes
                    .add(NodeKind::Job, &format!("job:{ns}:{name}"), name)
            } else {
                b.nodes.add(NodeKind::Dataset, &dataset_id(ns, name), name)
            };
        }
    }
    for i in 0..rows.len() {
        let root = find(&mut parent, i);
        if root != i {
            let node = node_of_row[root];
            node_of_row[i] = node;
            let (_, _, ns, name) = &rows[i];
            b.nodes.add_alias(&dataset_id(ns, name), node);
        }
    }
    Ok(NodeOf {
        db_index,
        node_of_row,
    })
}

/// Dataset and job edges, fetched one kind at a time: 500k (i64, i64) pairs instead of 500k rows
/// with a String each.
async fn load_dataset_edges(
    b: &mut Builder,
    conn: &mut SqliteConnection,
    node_of: &NodeOf,
) -> Result<Vec<(u32, u32, u16)>, LineageError> {
    let kinds: Vec<String> = sqlx::query_scalar("SELECT DISTINCT kind FROM lineage_edges")
        .fetch_all(&mut *conn)
        .await
        .ctx("read lineage edge kinds")?;
    let mut edges = Vec::new();
    for kind in kinds {
        let pairs: Vec<(i64, i64)> =
            sqlx::query_as("SELECT from_node, to_node FROM lineage_edges WHERE kind = ?")
                .bind(&kind)
                .fetch_all(&mut *conn)
                .await
                .ctx("read lineage edges")?;
        let k = b.kind(&kind);
        edges.extend(
            pairs
                .into_iter()
                .filter_map(|(f, t)| Some((node_of.get(f)?, node_of.get(t)?, k))),
        );
    }
    Ok(edges)
}

/// Column edges, with a node for each column they name, and each dataset's columns.
async fn load_column_edges(
    b: &mut Builder,
    conn: &mut SqliteConnection,
    node_of: &NodeOf,
) -> Result<(Vec<(u32, u32, u16)>, HashMap<u32, Vec<u32>>), LineageError> {
    let raw_columns: Vec<(i64, String, i64, String, String)> = sqlx::query_as(
        "SELECT from_node, from_column, to_node, to_column, transformation FROM column_edges",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx("read column edges")?;
    let mut dataset_columns: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut column_edges = Vec::with_capacity(raw_columns.len());
    for (f, fc, t, tc, transformation) in raw_columns {
        let (Some(fd), Some(td)) = (node_of.get(f), node_of.get(t)) else {
            continue;
        };
        let from = column_node(b, &mut dataset_columns, fd, fc);
        let to = column_node(b, &mut dataset_columns, td, tc);
        let k = b.kind(if transformation.is_empty() {
            "column"
        } else {
            &transformation
        });
        column_edges.push((from, to, k));
    }
    Ok((column_edges, dataset_columns))
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn column_node(
    b: &mut Builder,
    dataset_columns: &mut HashMap<u32, Vec<u32>>,
    dataset: u32,
    column: String,
) -> u32 {
    let id = column_id(b.nodes.id(dataset), &column);
    let before = b.nodes.len();
    let index = b.nodes.add(NodeKind::Column, &id, &column);
    if b.nodes.len() > before {
        dataset_columns.entry(dataset).or_default().push(index);
    }
    index
}

struct Products {
    domains: HashMap<u32, String>,
    info: HashMap<u32, ProductInfo>,
    /// Contract id → products publishing it on an output port.
    providers: HashMap<String, Vec<u32>>,
    consumers: HashMap<String, Vec<u32>>,
    edges: Vec<(u32, u32, u16)>,
}

impl Products {
    /// `consumer` reads `contract`: an edge of `kind` from every other product publishing it.
    fn consume(&mut self, contract: &str, consumer: u32, kind: u16) {
        self.consumers
            .entry(contract.to_owned())
            .or_default()
            .push(consumer);
        for &provider in self.providers.get(contract).into_iter().flatten() {
            if provider != consumer {
                self.edges.push((provider, consumer, kind));
            }
        }
    }
}

async fn load_products(
    b: &mut Builder,
    conn: &mut SqliteConnection,
) -> Result<Products, LineageError> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, entity FROM products ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .ctx("read products")?;
    let mut out = Products {
        domains: HashMap::new(),
        info: HashMap::new(),
        providers: HashMap::new(),
        consumers: HashMap::new(),
        edges: Vec::new(),
    };
    let mut parsed = Vec::with_capacity(rows.len());
    for (id, entity) in rows {
        // The store wrote this JSON from the same type; a row it cannot read back still gets a node.
        let product: Product = serde_json::from_str(&entity).unwrap_or_else(|_| Product {
            id: id.clone(),
            ..Product::default()
        });
        let index = b.nodes.add(
            NodeKind::Product,
            &id,
            product.name.as_deref().unwrap_or(&id),
        );
        b.nodes.set_product(index, Some(index));
        for port in &product.output_ports {
            if let Some(c) = &port.contract_id {
                out.providers.entry(c.clone()).or_default().push(index);
            }
        }
        parsed.push((index, product));
    }
    let (port, input_contract) = (b.kind("port"), b.kind("input_contract"));
    for (index, product) in parsed {
        let mut ports = Vec::new();
        for p in &product.input_ports {
            ports.push((p.name.clone(), false, p.contract_id.clone()));
            if let Some(c) = &p.contract_id {
                out.consume(c, index, port);
            }
        }
        for p in &product.output_ports {
            ports.push((p.name.clone(), true, p.contract_id.clone()));
            for c in &p.input_contracts {
                out.consume(c, index, input_contract);
            }
        }
        if let Some(domain) = product.domain {
            out.domains.insert(index, domain);
        }
        out.info.insert(
            index,
            ProductInfo {
                owner_team: product.owner_team,
                contacts: product.support,
                ports,
            },
        );
    }
    for list in out.consumers.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    Ok(out)
}

/// Links each contract dataset to the OpenLineage dataset with the same derived identity (case
/// -insensitively, through aliases too), creating a dataset node when lineage never mentioned it,
/// and marks it owned by the product publishing the contract. Returns contract id → datasets.
async fn link_contracts(
    b: &mut Builder,
    conn: &mut SqliteConnection,
    providers: &HashMap<String, Vec<u32>>,
) -> Result<HashMap<String, Vec<u32>>, LineageError> {
    // Only the servers of each contract document, extracted by SQLite: fetching the whole canonical document
    // with every dataset row read ~1.7 GB of text on a 10k-product mesh (100k datasets × 17 KB).
    let servers: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT c.document_id, json_extract(doc.canonical, '$.servers')
         FROM contracts c JOIN documents doc ON doc.id = c.document_id",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx("read contract servers")?;
    let servers_of: HashMap<i64, Vec<Value>> = servers
        .into_iter()
        .map(|(document, servers)| {
            let list = servers
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .and_then(|v| match v {
                    Value::Array(list) => Some(list),
                    _ => None,
                })
                .unwrap_or_default();
            (document, list)
        })
        .collect();
    let rows: Vec<(String, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT c.id, c.document_id, d.name, d.physical_name
         FROM datasets d JOIN contracts c ON c.document_id = d.document_id
         ORDER BY c.id, c.version, d.ordinal",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx("read contract datasets")?;
    let mut by_lower: HashMap<String, u32> = HashMap::new();
    for (key, index) in b.nodes.ids() {
        if b.nodes.kind(index) == NodeKind::Dataset {
            by_lower.entry(key.to_lowercase()).or_insert(index);
        }
    }
    let mut out: HashMap<String, Vec<u32>> = HashMap::new();
    for (contract, document, name, physical) in rows {
        let servers = servers_of.get(&document).map_or(&[][..], Vec::as_slice);
        let physical = physical.unwrap_or(name);
        let identities: Vec<(String, String)> = servers
            .iter()
            .flat_map(|s| dataset_identities(s, &physical))
            .collect();
        let found = identities
            .iter()
            .find_map(|(ns, n)| by_lower.get(&dataset_id(ns, n).to_lowercase()).copied());
        let index = match (found, identities.first()) {
            (Some(index), _) => index,
            (None, Some((ns, n))) => {
                let index = b.nodes.add(NodeKind::Dataset, &dataset_id(ns, n), n);
                by_lower.insert(dataset_id(ns, n).to_lowercase(), index);
                index
            }
            (None, None) => continue,
        };
        if let Some(&owner) = providers.get(&contract).and_then(|p| p.first())
            && b.nodes.product(index).is_none()
        {
            b.nodes.set_product(index, Some(owner));
        }
        let list = out.entry(contract).or_default();
        if !list.contains(&index) {
            list.push(index);
        }
    }
    Ok(out)
}

/// Columns belong to their dataset's product; a job to the product of the first owned dataset it
/// writes (jobs sit inside the product that publishes their output).
fn assign_derived_owners(
    nodes: &mut Nodes,
    datasets: &Csr,
    dataset_columns: &HashMap<u32, Vec<u32>>,
) {
    for (&dataset, columns) in dataset_columns {
        let owner = nodes.product(dataset);
        for &c in columns {
            nodes.set_product(c, owner);
        }
    }
    for index in 0..nodes.len() as u32 {
        if nodes.kind(index) == NodeKind::Job {
            let owner = datasets.out(index).find_map(|(t, _)| nodes.product(t));
            nodes.set_product(index, owner);
        }
    }
}

/// Product P feeds product Q when a dataset P owns reaches a dataset Q owns through jobs and
/// datasets no product owns (staging tables). Each walk stops at owned datasets.
fn products_linked_by_datasets(nodes: &Nodes, datasets: &Csr) -> Vec<(u32, u32)> {
    let mut seen = vec![u32::MAX; nodes.len()];
    let mut pairs = Vec::new();
    let mut queue = VecDeque::new();
    for start in 0..nodes.len() as u32 {
        let (NodeKind::Dataset, Some(owner)) = (nodes.kind(start), nodes.product(start)) else {
            continue;
        };
        let stamp = start;
        seen[start as usize] = stamp;
        queue.push_back(start);
        while let Some(u) = queue.pop_front() {
            for (v, _) in datasets.out(u) {
                if seen[v as usize] == stamp {
                    continue;
                }
                seen[v as usize] = stamp;
                match (nodes.kind(v), nodes.product(v)) {
                    (NodeKind::Dataset, Some(p)) => {
                        if p != owner {
                            pairs.push((owner, p));
                        }
                    }
                    _ => queue.push_back(v),
                }
            }
        }
    }
    pairs
}
