//! Graph queries over the cached [`Graph`]: lineage neighbourhoods, paths and impact analysis.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write;

use meshlens_model::SupportChannel;
use meshlens_store::Store;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use meshlens_store::Ctx;

use crate::error::LineageError;
use crate::graph::{Csr, Graph, NodeKind, column_id, graph};

/// Which graph to walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Datasets and the jobs between them; depth counts datasets (a job adds no depth).
    #[default]
    Dataset,
    /// Columns, from the columnLineage facet.
    Column,
    /// Products, from ports, inputContracts and the datasets they own.
    Product,
}

/// `meshlens lineage ID [--upstream N] [--downstream N] [--level L]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LineageRequest {
    /// A product id, `product/port`, a dataset `namespace:name` (or an alias), a column
    /// `namespace:name#column`, or a job `job:namespace:name`.
    pub id: String,
    pub upstream: u32,
    pub downstream: u32,
    pub level: Level,
}

impl LineageRequest {
    /// The CLI defaults: 3 up, 3 down, dataset level.
    pub fn new(id: impl Into<String>) -> Self {
        LineageRequest {
            id: id.into(),
            upstream: 3,
            downstream: 3,
            level: Level::Dataset,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LineageGraph {
    pub root: String,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GraphNode {
    pub id: String,
    pub kind: NodeKind,
    pub name: String,
    /// Owning product id, when the node belongs to one.
    pub product: Option<String>,
    pub domain: Option<String>,
}

/// `kind`: consumes, produces, derived, triggers (dataset level); the column transformation
/// (`DIRECT/IDENTITY`, `INDIRECT/FILTER`, ... or `column`) at column level; port,
/// input_contract or dataset at product level. Edges point downstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    pub kind: String,
}

/// `meshlens impact ID`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ImpactReport {
    pub root: String,
    /// Every downstream dataset (or, for a column, the datasets of downstream columns), grouped
    /// by owning product (unowned last), then by depth.
    pub datasets: Vec<ImpactDataset>,
    /// Every downstream product, nearest first.
    pub products: Vec<ImpactProduct>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImpactDataset {
    pub id: String,
    pub depth: u32,
    pub product: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ImpactProduct {
    pub id: String,
    pub name: String,
    pub owner_team: Option<String>,
    pub contacts: Vec<SupportChannel>,
    pub depth: u32,
}

/// What an id given by a user names.
enum Target {
    Node(u32),
    Port {
        product: u32,
        output: bool,
        contracts: Vec<String>,
    },
    /// A column the graph has no lineage for (its dataset exists).
    BareColumn {
        dataset: u32,
        id: String,
        name: String,
    },
}

fn resolve(g: &Graph, id: &str) -> Result<Target, LineageError> {
    if let Some(node) = g.nodes.find(id) {
        return Ok(Target::Node(node));
    }
    // `product/port`: a product id can itself hold '/', so try every split.
    for (at, _) in id.match_indices('/') {
        let (product, port) = (&id[..at], &id[at + 1..]);
        let Some(p) = g
            .nodes
            .find(product)
            .filter(|&p| g.nodes.kind(p) == NodeKind::Product)
        else {
            continue;
        };
        let ports: Vec<_> = g.product_info[&p]
            .ports
            .iter()
            .filter(|(name, _, _)| name == port)
            .collect();
        if let Some((_, output, _)) = ports.first() {
            let contracts = ports.iter().filter_map(|(_, _, c)| c.clone()).collect();
            return Ok(Target::Port {
                product: p,
                output: *output,
                contracts,
            });
        }
    }
    // `namespace:name#column`: the name can hold '#', so try from the right.
    for (at, _) in id.rmatch_indices('#') {
        let Some(dataset) = g.nodes.find(&id[..at]) else {
            continue;
        };
        let column = &id[at + 1..];
        let canonical = column_id(g.nodes.id(dataset), column);
        return Ok(match g.nodes.find(&canonical) {
            Some(c) => Target::Node(c),
            None => Target::BareColumn {
                dataset,
                id: canonical,
                name: column.to_owned(),
            },
        });
    }
    Err(LineageError::NotFound(id.to_owned()))
}

impl Graph {
    fn csr(&self, level: Level) -> &Csr {
        match level {
            Level::Dataset => &self.datasets,
            Level::Column => &self.columns,
            Level::Product => &self.products,
        }
    }

    /// Start nodes of `target` at `level`.
    fn roots(&self, target: &Target, level: Level) -> Result<Vec<u32>, LineageError> {
        let datasets_of_product =
            |p: u32| self.product_datasets.get(&p).cloned().unwrap_or_default();
        let port_datasets = |contracts: &[String]| -> Vec<u32> {
            contracts
                .iter()
                .flat_map(|c| self.contract_datasets.get(c).into_iter().flatten().copied())
                .collect()
        };
        let roots = match (target, level) {
            (Target::BareColumn { .. }, _) => Vec::new(),
            (Target::Node(n), _) if self.nodes.kind(*n) == level_kind(level) => vec![*n],
            (Target::Node(n), Level::Dataset) => match self.nodes.kind(*n) {
                NodeKind::Job => vec![*n],
                NodeKind::Product => datasets_of_product(*n),
                _ => vec![self.dataset_of_column(*n)],
            },
            (Target::Node(n), Level::Column) => {
                let datasets = match self.nodes.kind(*n) {
                    NodeKind::Product => datasets_of_product(*n),
                    _ => vec![*n],
                };
                datasets
                    .iter()
                    .flat_map(|d| self.dataset_columns.get(d).into_iter().flatten().copied())
                    .collect()
            }
            (Target::Node(n), Level::Product) => match self.nodes.product(*n) {
                Some(p) => vec![p],
                None => {
                    return Err(LineageError::Unsupported(format!(
                        "'{}' belongs to no data product, so it has no product-level lineage",
                        self.nodes.id(*n)
                    )));
                }
            },
            (Target::Port { product, .. }, Level::Product) => vec![*product],
            (Target::Port { contracts, .. }, Level::Dataset) => port_datasets(contracts),
            (Target::Port { contracts, .. }, Level::Column) => port_datasets(contracts)
                .iter()
                .flat_map(|d| self.dataset_columns.get(d).into_iter().flatten().copied())
                .collect(),
        };
        Ok(roots)
    }

    fn dataset_of_column(&self, column: u32) -> u32 {
        let id = self.nodes.id(column);
        id.rfind('#')
            .and_then(|at| self.nodes.find(&id[..at]))
            .unwrap_or(column)
    }

    /// Depth of a step onto `node`: jobs sit between datasets and add none.
    fn step(&self, node: u32) -> u32 {
        u32::from(self.nodes.kind(node) != NodeKind::Job)
    }

    /// 0-1 BFS from `roots` up to `max` depth in one direction. Visited distances make cycles
    /// and self-loops harmless. Returns (node, depth) in discovery order, roots included.
    /// A depth of 0 is the roots alone: the jobs next to them add no depth, but asking for
    /// none in a direction means nothing from that side.
    fn walk(&self, csr: &Csr, roots: &[u32], downstream: bool, max: u32) -> Vec<(u32, u32)> {
        // Dense distances: a memset of 4 bytes per node beats hashing every visit.
        let mut dist = vec![u32::MAX; self.nodes.len()];
        let mut order = Vec::new();
        let mut queue = VecDeque::new();
        for &r in roots {
            if dist[r as usize] == u32::MAX {
                dist[r as usize] = 0;
                order.push(r);
                queue.push_back(r);
            }
        }
        if max == 0 {
            queue.clear();
        }
        while let Some(u) = queue.pop_front() {
            let d = dist[u as usize];
            for (v, _) in csr.dir(downstream, u) {
                let w = self.step(v);
                let nd = d + w;
                let old = dist[v as usize];
                if nd > max || old <= nd {
                    continue;
                }
                if old == u32::MAX {
                    order.push(v);
                }
                dist[v as usize] = nd;
                if w == 0 {
                    queue.push_front(v)
                } else {
                    queue.push_back(v)
                }
            }
        }
        order.into_iter().map(|n| (n, dist[n as usize])).collect()
    }

    fn node_out(&self, n: u32) -> GraphNode {
        let product = self.nodes.product(n);
        GraphNode {
            id: self.nodes.id(n).to_string(),
            kind: self.nodes.kind(n),
            name: self.nodes.name(n).to_string(),
            product: product.map(|p| self.nodes.id(p).to_string()),
            domain: product.and_then(|p| self.product_domains.get(&p).cloned()),
        }
    }

    /// The nodes in `order`, and every edge of `csr` between two of them.
    fn subgraph(&self, root: String, csr: &Csr, order: &[u32]) -> LineageGraph {
        let mut included = vec![false; self.nodes.len()];
        for &n in order {
            included[n as usize] = true;
        }
        let mut edges = Vec::new();
        for &u in order {
            for (v, k) in csr.out(u) {
                if included[v as usize] {
                    edges.push(GraphEdge {
                        from: self.nodes.id(u).to_string(),
                        to: self.nodes.id(v).to_string(),
                        kind: self.edge_kinds[k as usize].to_string(),
                    });
                }
            }
        }
        LineageGraph {
            root,
            nodes: order.iter().map(|&n| self.node_out(n)).collect(),
            edges,
        }
    }
}

fn level_kind(level: Level) -> NodeKind {
    match level {
        Level::Dataset => NodeKind::Dataset,
        Level::Column => NodeKind::Column,
        Level::Product => NodeKind::Product,
    }
}

/// Upstream and downstream of `request.id` at the requested level and depths.
pub async fn lineage(
    store: &Store,
    request: &LineageRequest,
) -> Result<LineageGraph, LineageError> {
    let g = graph(store).await?;
    lineage_in(&g, request)
}

pub(crate) fn lineage_in(
    g: &Graph,
    request: &LineageRequest,
) -> Result<LineageGraph, LineageError> {
    let target = resolve(g, &request.id)?;
    if let Target::BareColumn { dataset, id, name } = &target {
        // A column without column lineage: the answer is the column alone.
        let owner = g.node_out(*dataset);
        let node = GraphNode {
            id: id.clone(),
            kind: NodeKind::Column,
            name: name.clone(),
            product: owner.product,
            domain: owner.domain,
        };
        return Ok(LineageGraph {
            root: id.clone(),
            nodes: vec![node],
            edges: Vec::new(),
        });
    }
    let roots = g.roots(&target, request.level)?;
    let csr = g.csr(request.level);
    let mut order: Vec<u32> = Vec::new();
    let mut seen = vec![false; g.nodes.len()];
    let walks = [(false, request.upstream), (true, request.downstream)];
    for (downstream, depth) in walks {
        for (n, _) in g.walk(csr, &roots, downstream, depth) {
            if !std::mem::replace(&mut seen[n as usize], true) {
                order.push(n);
            }
        }
    }
    if let Target::Node(n) = target {
        // The root itself leads the node list, even when the level shows it through its parts.
        if !seen[n as usize] {
            order.insert(0, n);
        }
    }
    let root = root_id(g, &target, &request.id);
    Ok(g.subgraph(root, csr, &order))
}

fn root_id(g: &Graph, target: &Target, asked: &str) -> String {
    match target {
        Target::Node(n) => g.nodes.id(*n).to_string(),
        Target::Port { .. } => asked.to_owned(),
        Target::BareColumn { id, .. } => id.clone(),
    }
}

/// A shortest path from `from` to `to` along the data flow at `level`; when `to` lies upstream
/// of `from` the path from `to` to `from` is returned. `None` when they are not connected.
pub async fn path_between(
    store: &Store,
    from: &str,
    to: &str,
    level: Level,
) -> Result<Option<LineageGraph>, LineageError> {
    let g = graph(store).await?;
    let (source, target) = (resolve(&g, from)?, resolve(&g, to)?);
    let (sources, targets) = (g.roots(&source, level)?, g.roots(&target, level)?);
    let csr = g.csr(level);
    let path =
        shortest_path(csr, &sources, &targets).or_else(|| shortest_path(csr, &targets, &sources));
    Ok(path.map(|nodes| {
        let mut out = g.subgraph(root_id(&g, &source, from), csr, &nodes);
        // Only the path's own steps, not every edge between its nodes.
        let steps: HashSet<(&str, &str)> = nodes
            .windows(2)
            .map(|w| (g.nodes.id(w[0]), g.nodes.id(w[1])))
            .collect();
        out.edges
            .retain(|e| steps.contains(&(e.from.as_str(), e.to.as_str())));
        out
    }))
}

fn shortest_path(csr: &Csr, sources: &[u32], targets: &[u32]) -> Option<Vec<u32>> {
    let goal: HashSet<u32> = targets.iter().copied().collect();
    let mut parent: HashMap<u32, u32> = sources.iter().map(|&s| (s, s)).collect();
    let mut queue: VecDeque<u32> = sources.iter().copied().collect();
    while let Some(u) = queue.pop_front() {
        if goal.contains(&u) {
            let mut path = vec![u];
            let mut at = u;
            while parent[&at] != at {
                at = parent[&at];
                path.push(at);
            }
            path.reverse();
            return Some(path);
        }
        for (v, _) in csr.out(u) {
            if let std::collections::hash_map::Entry::Vacant(slot) = parent.entry(v) {
                slot.insert(u);
                queue.push_back(v);
            }
        }
    }
    None
}

/// Everything downstream of a product, port, dataset or column: datasets with depth and owning
/// product, and products with owner team and support contacts. Dataset depth counts dataset
/// hops; a product's depth is the smallest of its impacted datasets' depths and its hops along
/// product-level lineage (ports and inputContracts) from the root's product.
pub async fn impact(store: &Store, id: &str) -> Result<ImpactReport, LineageError> {
    let g = graph(store).await?;
    impact_in(&g, id)
}

pub(crate) fn impact_in(g: &Graph, id: &str) -> Result<ImpactReport, LineageError> {
    let target = resolve(g, id)?;
    let (level, excluded_product, seeds): (Level, Option<u32>, Vec<(u32, u32)>) = match &target {
        Target::Node(n) => match g.nodes.kind(*n) {
            NodeKind::Column => (Level::Column, None, Vec::new()),
            NodeKind::Product => (Level::Dataset, Some(*n), vec![(*n, 0)]),
            _ => {
                let contracts = g
                    .contract_datasets
                    .iter()
                    .filter(|(_, ds)| ds.contains(n))
                    .map(|(c, _)| c.as_str());
                (Level::Dataset, None, consumers(g, contracts))
            }
        },
        Target::Port {
            product,
            output: true,
            contracts,
        } => (
            Level::Dataset,
            Some(*product),
            consumers(g, contracts.iter().map(String::as_str)),
        ),
        Target::Port {
            product,
            output: false,
            ..
        } => (Level::Dataset, Some(*product), vec![(*product, 0)]),
        Target::BareColumn { .. } => (Level::Column, None, Vec::new()),
    };
    let roots = match &target {
        Target::Port {
            output: false,
            product,
            ..
        } => g.roots(&Target::Node(*product), level)?,
        _ => g.roots(&target, level)?,
    };
    let root_set: HashSet<u32> = roots.iter().copied().collect();

    let mut datasets: HashMap<u32, u32> = HashMap::new();
    for (n, depth) in g.walk(g.csr(level), &roots, true, u32::MAX - 1) {
        if root_set.contains(&n) {
            continue;
        }
        let dataset = match g.nodes.kind(n) {
            NodeKind::Dataset => n,
            NodeKind::Column => g.dataset_of_column(n),
            _ => continue,
        };
        let best = datasets.entry(dataset).or_insert(depth);
        *best = (*best).min(depth);
    }
    if level == Level::Column {
        // A column's own dataset is where the walk started, not something impacted.
        for r in &roots {
            datasets.remove(&g.dataset_of_column(*r));
        }
    }

    let mut products: HashMap<u32, u32> = HashMap::new();
    let mut note = |p: u32, depth: u32| {
        let best = products.entry(p).or_insert(depth);
        *best = (*best).min(depth);
    };
    for (&d, &depth) in &datasets {
        if let Some(p) = g.nodes.product(d) {
            note(p, depth);
        }
    }
    for (seed, base) in seeds {
        for (p, hops) in g.walk(&g.products, &[seed], true, u32::MAX - 1 - base) {
            note(p, base + hops);
        }
    }
    if let Some(p) = excluded_product {
        products.remove(&p);
    }
    products.retain(|_, depth| *depth > 0);

    let mut dataset_list: Vec<ImpactDataset> = datasets
        .into_iter()
        .map(|(d, depth)| ImpactDataset {
            id: g.nodes.id(d).to_string(),
            depth,
            product: g.nodes.product(d).map(|p| g.nodes.id(p).to_string()),
        })
        .collect();
    dataset_list.sort_by(|a, b| {
        (a.product.is_none(), &a.product, a.depth, &a.id).cmp(&(
            b.product.is_none(),
            &b.product,
            b.depth,
            &b.id,
        ))
    });
    let mut product_list: Vec<ImpactProduct> = products
        .into_iter()
        .map(|(p, depth)| {
            let info = g.product_info.get(&p);
            ImpactProduct {
                id: g.nodes.id(p).to_string(),
                name: g.nodes.name(p).to_string(),
                owner_team: info.and_then(|i| i.owner_team.clone()),
                contacts: info.map(|i| i.contacts.clone()).unwrap_or_default(),
                depth,
            }
        })
        .collect();
    product_list.sort_by(|a, b| (a.depth, &a.id).cmp(&(b.depth, &b.id)));
    Ok(ImpactReport {
        root: root_id(g, &target, id),
        datasets: dataset_list,
        products: product_list,
    })
}

/// Products consuming any of `contracts`, at depth 1.
fn consumers<'a>(g: &Graph, contracts: impl Iterator<Item = &'a str>) -> Vec<(u32, u32)> {
    contracts
        .flat_map(|c| {
            g.contract_consumers
                .get(c)
                .into_iter()
                .flatten()
                .map(|&p| (p, 1))
        })
        .collect()
}

/// Graphviz rendering of a lineage graph (`meshlens lineage --dot`).
pub fn to_dot(graph: &LineageGraph) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out =
        String::from("digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for n in &graph.nodes {
        let shape = match n.kind {
            NodeKind::Dataset => "cylinder",
            NodeKind::Job => "box",
            NodeKind::Column => "note",
            NodeKind::Product => "component",
        };
        let style = if n.id == graph.root {
            ", style=bold, penwidth=2"
        } else {
            ""
        };
        let label = match &n.product {
            Some(p) if n.kind != NodeKind::Product => format!("{}\n[{p}]", n.name),
            _ => n.name.clone(),
        };
        let _ = writeln!(
            out,
            "  {} [label={}, shape={shape}{style}];",
            quote(&n.id),
            quote(&label)
        );
    }
    for e in &graph.edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            quote(&e.from),
            quote(&e.to),
            quote(&e.kind)
        );
    }
    out.push_str("}\n");
    out
}

/// A job and its most recent run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::FromRow)]
pub struct JobRun {
    pub namespace: String,
    pub name: String,
    pub run_id: String,
    /// State of the newest event of the run (START, RUNNING, COMPLETE, FAIL, ABORT, OTHER).
    pub state: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
}

/// Every job with its latest run (the one that started last), ordered by job.
pub async fn latest_runs(store: &Store) -> Result<Vec<JobRun>, LineageError> {
    Ok(sqlx::query_as(
        "SELECT n.namespace, n.name, r.run_id, r.state, r.started_at, r.ended_at
         FROM lineage_nodes n
         JOIN (SELECT *, row_number() OVER (PARTITION BY job ORDER BY coalesce(started_ms, state_key / 8) DESC, run_id) AS rn
               FROM lineage_runs) r ON r.job = n.id AND r.rn = 1
         ORDER BY n.namespace, n.name",
    )
    .fetch_all(store.pool())
    .await
    .ctx("read latest runs")?)
}
