//! The products that consume a product as OpenLineage shows it: a run read one of its datasets
//! (directly, or through jobs and datasets no product owns) and wrote a dataset of another product.
//! Declared consumption (input ports) is the store's; this is the evidence of what actually ran.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use meshlens_store::{Ctx, Store};
use sqlx::{QueryBuilder, Sqlite};

use crate::error::LineageError;
use crate::graph::{Graph, NodeKind, graph};

/// One product seen consuming datasets of another in lineage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageConsumer {
    /// The consuming product's id.
    pub product: String,
    /// The provider's contracts whose datasets it read (their output ports publish them).
    pub contracts: Vec<String>,
    /// Start of the earliest run of a job that links them (RFC 3339), if any run is known.
    pub since: Option<String>,
}

/// The products lineage shows consuming `product`, by id; empty for a product lineage does not know.
pub async fn lineage_consumers(
    store: &Store,
    product: &str,
) -> Result<Vec<LineageConsumer>, LineageError> {
    let g = graph(store).await?;
    let mut consumers = Vec::new();
    for (consumer, (datasets, jobs)) in links_in(&g, product) {
        consumers.push(LineageConsumer {
            product: consumer,
            contracts: contracts_of(&g, &datasets),
            since: earliest_run(store, &jobs).await?,
        });
    }
    Ok(consumers)
}

/// (dataset nodes of `product` read, ids of the jobs that read them) per consuming product id.
type Links = BTreeMap<String, (BTreeSet<u32>, BTreeSet<String>)>;

fn links_in(g: &Graph, product: &str) -> Links {
    let mut links = Links::new();
    let Some(provider) = g
        .nodes
        .find(product)
        .filter(|&n| g.nodes.kind(n) == NodeKind::Product)
    else {
        return links;
    };
    for &start in g.product_datasets.get(&provider).into_iter().flatten() {
        // Breadth-first to the first owned dataset on each path, remembering the job that read `start`.
        let mut via: HashMap<u32, Option<u32>> = HashMap::from([(start, None)]);
        let mut queue = VecDeque::from([start]);
        while let Some(u) = queue.pop_front() {
            for (v, _) in g.datasets.out(u) {
                if via.contains_key(&v) {
                    continue;
                }
                let job = via[&u].or((g.nodes.kind(v) == NodeKind::Job).then_some(v));
                via.insert(v, job);
                match (g.nodes.kind(v), g.nodes.product(v)) {
                    (NodeKind::Dataset, Some(owner)) if owner == provider => {}
                    (NodeKind::Dataset, Some(owner)) => {
                        let entry = links.entry(g.nodes.id(owner).to_owned()).or_default();
                        entry.0.insert(start);
                        entry.1.extend(job.map(|j| g.nodes.id(j).to_owned()));
                    }
                    _ => queue.push_back(v),
                }
            }
        }
    }
    links
}

fn contracts_of(g: &Graph, datasets: &BTreeSet<u32>) -> Vec<String> {
    let mut contracts: Vec<String> = g
        .contract_datasets
        .iter()
        .filter(|(_, members)| members.iter().any(|d| datasets.contains(d)))
        .map(|(c, _)| c.clone())
        .collect();
    contracts.sort();
    contracts
}

/// The earliest start of a run of these jobs (graph ids `job:<namespace>:<name>`).
async fn earliest_run(
    store: &Store,
    jobs: &BTreeSet<String>,
) -> Result<Option<String>, LineageError> {
    if jobs.is_empty() {
        return Ok(None);
    }
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT r.started_at FROM lineage_runs r JOIN lineage_nodes n ON n.id = r.job
         WHERE r.started_ms IS NOT NULL AND n.kind = 'job' AND ('job:' || n.namespace || ':' || n.name) IN (",
    );
    let mut list = query.separated(", ");
    for job in jobs {
        list.push_bind(job);
    }
    query.push(") ORDER BY r.started_ms LIMIT 1");
    let first: Option<(Option<String>,)> = query
        .build_query_as()
        .persistent(false)
        .fetch_optional(store.pool())
        .await
        .ctx("read the first run of consuming jobs")?;
    Ok(first.and_then(|(at,)| at))
}
