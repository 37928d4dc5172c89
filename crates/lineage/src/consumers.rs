//! The products that consume a product as OpenLineage shows it: a run read one of its datasets
//! (directly, or through jobs and datasets no product owns) and wrote a dataset of another product.
//! Declared consumption (input ports) is the store's; this is the evidence of what actually ran.
//!
//! The links are derived from the lineage graph. Building that graph takes seconds on a large mesh,
//! so every product's links are stored (`lineage_consumers`, migration 0010) by [`refresh_consumers`]
//! after each change, stamped with the lineage generation they hold for; a request reads its
//! product's rows and walks the graph only when the stamp is not the current generation.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use meshlens_store::{Ctx, Store};
use sqlx::types::Json;

use crate::error::LineageError;
use crate::graph::{Graph, NodeKind, graph, meta};

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

/// A job by its OpenLineage `(namespace, name)`.
type Job = (String, String);

/// How one product consumes another: what `lineage_consumers` stores per (provider, consumer).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Link {
    consumer: String,
    contracts: Vec<String>,
    jobs: Vec<Job>,
}

/// The products lineage shows consuming `product`, by id; empty for a product lineage does not know.
pub async fn lineage_consumers(
    store: &Store,
    product: &str,
) -> Result<Vec<LineageConsumer>, LineageError> {
    let links = match stored_links(store, product).await? {
        Some(links) => links,
        None => {
            let g = graph(store).await?;
            links_of(&g, &contracts_by_dataset(&g), product)
        }
    };
    let mut consumers = Vec::with_capacity(links.len());
    for link in links {
        consumers.push(LineageConsumer {
            since: earliest_run(store, &link.jobs).await?,
            product: link.consumer,
            contracts: link.contracts,
        });
    }
    Ok(consumers)
}

/// Stores every product's links for the current lineage generation, unless they are stored already;
/// true when it wrote them. Meant for after each change (sync, import, source removal), so that
/// [`lineage_consumers`] need not build the graph.
pub async fn refresh_consumers(store: &Store) -> Result<bool, LineageError> {
    if stored_generation(store).await? == meta(store).await?.1 {
        return Ok(false);
    }
    let g = graph(store).await?;
    let contracts = contracts_by_dataset(&g);
    let mut providers: Vec<&str> = g.product_info.keys().map(|&p| g.nodes.id(p)).collect();
    providers.sort_unstable();
    let mut tx = store
        .begin_write()
        .await
        .ctx("begin storing lineage consumers")?;
    // Another change committed since the graph was built: its own refresh stores that generation.
    let (now,): (i64,) = sqlx::query_as("SELECT generation FROM lineage_meta WHERE id = 1")
        .fetch_one(&mut *tx)
        .await
        .ctx("read lineage generation")?;
    if now != g.generation {
        return Ok(false);
    }
    sqlx::query("DELETE FROM lineage_consumers")
        .execute(&mut *tx)
        .await
        .ctx("clear lineage consumers")?;
    for provider in providers {
        for link in links_of(&g, &contracts, provider) {
            sqlx::query(
                "INSERT INTO lineage_consumers (provider, consumer, contracts, jobs) VALUES (?, ?, ?, ?)",
            )
            .bind(provider)
            .bind(&link.consumer)
            .bind(Json(&link.contracts))
            .bind(Json(&link.jobs))
            .execute(&mut *tx)
            .await
            .ctx("store lineage consumers")?;
        }
    }
    sqlx::query("UPDATE lineage_consumers_meta SET generation = ? WHERE id = 1")
        .bind(g.generation)
        .execute(&mut *tx)
        .await
        .ctx("stamp lineage consumers")?;
    tx.commit().await.ctx("commit lineage consumers")?;
    Ok(true)
}

async fn stored_generation(store: &Store) -> Result<i64, LineageError> {
    let (generation,): (i64,) =
        sqlx::query_as("SELECT generation FROM lineage_consumers_meta WHERE id = 1")
            .fetch_one(store.pool())
            .await
            .ctx("read lineage consumers generation")?;
    Ok(generation)
}

/// Every (provider, consumer) pair lineage shows across the mesh, ordered: the stored rows when they
/// hold for the current generation, else a walk of the graph (slower, never wrong).
pub async fn all_lineage_links(store: &Store) -> Result<Vec<(String, String)>, LineageError> {
    let mut tx = store
        .pool()
        .begin()
        .await
        .ctx("begin reading lineage consumers")?;
    if stored_rows_hold(&mut tx).await? {
        // One JSON text: 14k rows on a 10k-product mesh crossed sqlx one by one in a sixth of `mesh`.
        let (text,): (String,) = sqlx::query_as(
            "SELECT json_group_array(json_array(provider, consumer) ORDER BY provider, consumer)
             FROM lineage_consumers",
        )
        .fetch_one(&mut *tx)
        .await
        .ctx("read lineage consumers")?;
        return serde_json::from_str(&text).map_err(|err| LineageError::Db {
            context: "decode lineage consumers",
            source: sqlx::Error::Decode(Box::new(err)),
        });
    }
    drop(tx);
    let g = graph(store).await?;
    let mut providers: Vec<&str> = g.product_info.keys().map(|&p| g.nodes.id(p)).collect();
    providers.sort_unstable();
    Ok(providers
        .into_iter()
        .flat_map(|provider| {
            links_in(&g, provider)
                .into_keys()
                .map(move |consumer| (provider.to_owned(), consumer))
        })
        .collect())
}

/// Whether the stored links were derived from the current lineage generation.
async fn stored_rows_hold(tx: &mut sqlx::SqliteConnection) -> Result<bool, LineageError> {
    let (current, stored): (i64, i64) = sqlx::query_as(
        "SELECT l.generation, c.generation FROM lineage_meta l, lineage_consumers_meta c
         WHERE l.id = 1 AND c.id = 1",
    )
    .fetch_one(&mut *tx)
    .await
    .ctx("read lineage consumers generation")?;
    Ok(current == stored)
}

/// A stored link: consumer, contracts, jobs.
type LinkRow = (String, Json<Vec<String>>, Json<Vec<Job>>);

/// The stored links of `product`, or None when they do not hold for the current generation.
async fn stored_links(store: &Store, product: &str) -> Result<Option<Vec<Link>>, LineageError> {
    let mut tx = store
        .pool()
        .begin()
        .await
        .ctx("begin reading lineage consumers")?;
    if !stored_rows_hold(&mut tx).await? {
        return Ok(None);
    }
    let rows: Vec<LinkRow> = sqlx::query_as(
        "SELECT consumer, contracts, jobs FROM lineage_consumers WHERE provider = ? ORDER BY consumer",
    )
    .bind(product)
    .fetch_all(&mut *tx)
    .await
    .ctx("read lineage consumers")?;
    Ok(Some(
        rows.into_iter()
            .map(|(consumer, contracts, jobs)| Link {
                consumer,
                contracts: contracts.0,
                jobs: jobs.0,
            })
            .collect(),
    ))
}

/// The contracts whose datasets include each dataset node.
type ContractsOf<'g> = HashMap<u32, Vec<&'g str>>;

fn contracts_by_dataset(g: &Graph) -> ContractsOf<'_> {
    let mut of = ContractsOf::new();
    for (contract, members) in g.contract_datasets.iter() {
        for &dataset in members {
            of.entry(dataset).or_default().push(contract);
        }
    }
    of
}

/// `product`'s consumers in the graph, by consumer id.
fn links_of(g: &Graph, contracts: &ContractsOf, product: &str) -> Vec<Link> {
    links_in(g, product)
        .into_iter()
        .map(|(consumer, (datasets, jobs))| Link {
            consumer,
            contracts: contracts_of(contracts, &datasets),
            jobs: jobs.into_iter().map(|j| job_key(g, j)).collect(),
        })
        .collect()
}

/// (dataset nodes of `product` read, job nodes that read them) per consuming product id.
type Links = BTreeMap<String, (BTreeSet<u32>, BTreeSet<u32>)>;

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
                        entry.1.extend(job);
                    }
                    _ => queue.push_back(v),
                }
            }
        }
    }
    links
}

/// The contracts publishing any of these datasets, sorted.
fn contracts_of(contracts: &ContractsOf, datasets: &BTreeSet<u32>) -> Vec<String> {
    let found: BTreeSet<&str> = datasets
        .iter()
        .filter_map(|d| contracts.get(d))
        .flatten()
        .copied()
        .collect();
    found.into_iter().map(str::to_owned).collect()
}

/// A job node's `(namespace, name)`: its graph id is `job:<namespace>:<name>`.
fn job_key(g: &Graph, job: u32) -> Job {
    let (id, name) = (g.nodes.id(job), g.nodes.name(job));
    let namespace = id
        .strip_prefix("job:")
        .and_then(|rest| rest.strip_suffix(name))
        .and_then(|rest| rest.strip_suffix(':'))
        .unwrap_or_default();
    (namespace.to_owned(), name.to_owned())
}

/// The earliest start of a run of these jobs, each found through the `(kind, namespace, name)` index.
async fn earliest_run(store: &Store, jobs: &[Job]) -> Result<Option<String>, LineageError> {
    let mut first: Option<(i64, Option<String>)> = None;
    for (namespace, name) in jobs {
        let run: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT r.started_ms, r.started_at FROM lineage_nodes n
             JOIN lineage_runs r ON r.job = n.id
             WHERE n.kind = 'job' AND n.namespace = ? AND n.name = ?
               AND r.started_ms IS NOT NULL
             ORDER BY r.started_ms LIMIT 1",
        )
        .bind(namespace)
        .bind(name)
        .fetch_optional(store.pool())
        .await
        .ctx("read the first run of consuming jobs")?;
        if run
            .as_ref()
            .is_some_and(|(ms, _)| first.as_ref().is_none_or(|(f, _)| ms < f))
        {
            first = run;
        }
    }
    Ok(first.and_then(|(_, at)| at))
}
