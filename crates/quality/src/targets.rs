//! Contract datasets under every key tools report them by (see `keys.rs`), with the owning
//! product and the promised latency. Rebuilt lazily when the catalogue changed, so results imported
//! before their contract existed link as soon as a sync brings it in.

use std::collections::{HashMap, HashSet};

use meshlens_model::{Contract, QualityRule, SlaProperty, duration_ms};
use meshlens_store::Store;
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use meshlens_store::Ctx;

use crate::error::QualityError;
use crate::keys::{openlineage_key, target_keys};
use crate::policy::{StoredContractFacts, contract_facts, custom_properties, declared_roles};

/// (document id, contract id, version, domain, entity JSON, canonical JSON)
type ContractRow = (i64, String, Option<String>, Option<String>, String, String);
/// (product id, contract id, port version, product domain)
type PortRow = (String, String, Option<String>, Option<String>);
/// One `quality_targets` row, in column order.
type TargetRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// Brings `quality_targets` up to date with the catalogue.
pub(crate) async fn ensure_targets(store: &Store) -> Result<(), QualityError> {
    let Some(generation) = stale_generation(store).await? else {
        return Ok(());
    };
    let mut catalogue = read_catalogue(store).await?;
    // Each contract's texts go as soon as its targets are derived (the texts of 10k contracts are
    // hundreds of MiB), and none is held while writing.
    let contracts = std::mem::take(&mut catalogue.contracts);
    let targets = derive_targets(&catalogue, contracts);
    let Catalogue { products, .. } = catalogue;
    write_targets(store, generation, &targets, &products).await
}

/// The catalogue generation when the targets were built for an older one, else `None`.
async fn stale_generation(store: &Store) -> Result<Option<i64>, QualityError> {
    // Triggers on products/ports/contracts/datasets bump this counter (migration 0002).
    let (generation,): (i64,) = sqlx::query_as("SELECT generation FROM lineage_meta WHERE id = 1")
        .fetch_one(store.pool())
        .await
        .ctx("read catalogue generation")?;
    let (built,): (i64,) = sqlx::query_as("SELECT built_generation FROM quality_meta WHERE id = 1")
        .fetch_one(store.pool())
        .await
        .ctx("read quality target generation")?;
    Ok((built != generation).then_some(generation))
}

/// What the targets are derived from, read from the store.
struct Catalogue {
    contracts: Vec<ContractRow>,
    /// (document id, dataset name, physical name)
    datasets: Vec<(i64, String, Option<String>)>,
    ports: Vec<PortRow>,
    /// (product id, canonical JSON)
    products: Vec<(String, String)>,
    /// Keys of the datasets the lineage graph knows.
    in_lineage: HashSet<String>,
    updates: HashMap<String, i64>,
}

async fn read_catalogue(store: &Store) -> Result<Catalogue, QualityError> {
    let contracts: Vec<ContractRow> = sqlx::query_as(
        "SELECT c.document_id, c.id, c.version, c.domain, c.entity, d.canonical
         FROM contracts c JOIN documents d ON d.id = c.document_id",
    )
    .fetch_all(store.pool())
    .await
    .ctx("read contracts for quality targets")?;
    let datasets = sqlx::query_as(
        "SELECT document_id, name, physical_name FROM datasets ORDER BY document_id, ordinal",
    )
    .fetch_all(store.pool())
    .await
    .ctx("read datasets for quality targets")?;
    let ports: Vec<PortRow> = sqlx::query_as(
        "SELECT p.product_id, p.contract_id, p.version, pr.domain FROM ports p JOIN products pr ON pr.id = p.product_id
         WHERE p.direction = 'out' AND p.contract_id IS NOT NULL ORDER BY p.product_id",
    )
    .fetch_all(store.pool())
    .await
    .ctx("read output ports for quality targets")?;
    let products = sqlx::query_as(
        "SELECT p.id, d.canonical FROM products p JOIN documents d ON d.id = p.document_id",
    )
    .fetch_all(store.pool())
    .await
    .ctx("read products for quality facts")?;
    let lineage_nodes: Vec<(String, String)> =
        sqlx::query_as("SELECT namespace, name FROM lineage_nodes WHERE kind = 'dataset'")
            .fetch_all(store.pool())
            .await
            .ctx("read lineage datasets")?;
    let in_lineage = lineage_nodes
        .iter()
        .map(|(ns, n)| openlineage_key(ns, n))
        .collect();
    Ok(Catalogue {
        contracts,
        datasets,
        ports,
        products,
        in_lineage,
        updates: last_updates(store).await?,
    })
}

/// The rows to write: targets, contract rules and facts, and the products seen in lineage.
#[derive(Default)]
struct Targets {
    rows: Vec<TargetRow>,
    rules: Vec<RuleRow>,
    facts: Vec<ContractFacts>,
    lineage_products: HashSet<String>,
}

fn derive_targets(catalogue: &Catalogue, contracts: Vec<ContractRow>) -> Targets {
    let mut publishers: HashMap<&str, Vec<&PortRow>> = HashMap::new();
    for port in &catalogue.ports {
        publishers.entry(port.1.as_str()).or_default().push(port);
    }
    let mut datasets_of: HashMap<i64, Vec<(&str, &str)>> = HashMap::new();
    for (doc, name, physical) in &catalogue.datasets {
        let physical = physical.as_deref().unwrap_or(name);
        datasets_of.entry(*doc).or_default().push((name, physical));
    }
    let mut targets = Targets::default();
    for row in contracts {
        // The product publishing this exact version, else any product publishing the contract id.
        let candidates = publishers
            .get(row.1.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let owner = candidates
            .iter()
            .find(|(_, _, v, _)| v.is_none() || *v == row.2)
            .or_else(|| candidates.first())
            .copied();
        let datasets = datasets_of
            .get(&row.0)
            .map(Vec::as_slice)
            .unwrap_or_default();
        targets.add_contract(catalogue, &row, owner, datasets);
    }
    targets
}

impl Targets {
    /// A contract's rules and facts, and a target row per key of each of its datasets.
    fn add_contract(
        &mut self,
        catalogue: &Catalogue,
        row: &ContractRow,
        owner: Option<&PortRow>,
        datasets: &[(&str, &str)],
    ) {
        let (_, id, version, contract_domain, entity, canonical) = row;
        let contract = serde_json::from_str::<Contract>(entity).ok();
        let latency = contract.as_ref().and_then(|c| promised_latency(&c.sla));
        let document: Value = serde_json::from_str(canonical).unwrap_or_default();
        if let Some(c) = contract {
            self.rules
                .extend(c.quality.iter().enumerate().map(|(ordinal, rule)| RuleRow {
                    contract_id: id.clone(),
                    contract_version: version.clone(),
                    ordinal: ordinal as i64,
                    rule: rule.clone(),
                }));
            self.facts.push(ContractFacts {
                stored: contract_facts(&c, &document),
                id: c.id,
                version: version.clone(),
            });
        }
        let servers = document
            .get("servers")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let product = owner.map(|o| o.0.clone());
        let domain = owner
            .and_then(|o| o.3.clone())
            .or_else(|| contract_domain.clone());
        for &(name, physical) in datasets {
            for key in dataset_keys(servers, physical) {
                if let Some(product) = product
                    .as_ref()
                    .filter(|_| catalogue.in_lineage.contains(&key))
                {
                    self.lineage_products.insert(product.clone());
                }
                let updated = catalogue.updates.get(&key).copied();
                self.rows.push((
                    key,
                    id.clone(),
                    version.clone(),
                    name.to_owned(),
                    product.clone(),
                    domain.clone(),
                    latency,
                    updated,
                ));
            }
        }
    }
}

/// Every key the contract's servers give a dataset, once each, sorted.
fn dataset_keys(servers: &[Value], physical: &str) -> Vec<String> {
    let mut keys: Vec<String> = servers
        .iter()
        .flat_map(|s| target_keys(s, physical))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Replaces the targets, facts and rules in one transaction, stamped with the generation they are of.
async fn write_targets(
    store: &Store,
    generation: i64,
    targets: &Targets,
    products: &[(String, String)],
) -> Result<(), QualityError> {
    let mut tx = store.begin_write().await.ctx("begin quality targets")?;
    write_target_rows(&mut tx, &targets.rows).await?;
    write_facts(&mut tx, &targets.facts, products, &targets.lineage_products).await?;
    write_rules(&mut tx, &targets.rules).await?;
    sqlx::query("UPDATE quality_meta SET built_generation = ? WHERE id = 1")
        .bind(generation)
        .execute(&mut *tx)
        .await
        .ctx("record quality target generation")?;
    tx.commit().await.ctx("commit quality targets")?;
    Ok(())
}

async fn write_target_rows(
    conn: &mut SqliteConnection,
    rows: &[TargetRow],
) -> Result<(), QualityError> {
    sqlx::query("DELETE FROM quality_targets")
        .execute(&mut *conn)
        .await
        .ctx("clear quality targets")?;
    for chunk in rows.chunks(4_000) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT OR IGNORE INTO quality_targets (target_key, contract_id, contract_version, dataset, product_id, domain, latency_ms, updated_ms) ",
        );
        insert.push_values(chunk, |mut b, r| {
            b.push_bind(&r.0)
                .push_bind(&r.1)
                .push_bind(&r.2)
                .push_bind(&r.3)
                .push_bind(&r.4)
                .push_bind(&r.5)
                .push_bind(r.6)
                .push_bind(r.7);
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("write quality targets")?;
    }
    Ok(())
}

/// A `quality_contract_rules` row: one ODCS quality rule of a contract.
struct RuleRow {
    contract_id: String,
    contract_version: Option<String>,
    ordinal: i64,
    rule: QualityRule,
}

async fn write_rules(conn: &mut SqliteConnection, rules: &[RuleRow]) -> Result<(), QualityError> {
    sqlx::query("DELETE FROM quality_contract_rules")
        .execute(&mut *conn)
        .await
        .ctx("clear contract rules")?;
    for chunk in rules.chunks(3_000) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO quality_contract_rules (contract_id, contract_version, dataset, column_name, ordinal, name, rule_type, metric, dimension, description) ",
        );
        insert.push_values(chunk, |mut b, r| {
            b.push_bind(&r.contract_id)
                .push_bind(&r.contract_version)
                .push_bind(r.rule.dataset.as_deref().unwrap_or(""))
                .push_bind(r.rule.column.as_deref().unwrap_or(""))
                .push_bind(r.ordinal)
                .push_bind(&r.rule.name)
                .push_bind(&r.rule.rule_type)
                .push_bind(&r.rule.metric)
                .push_bind(&r.rule.dimension)
                .push_bind(&r.rule.description);
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("write contract rules")?;
    }
    Ok(())
}

/// A `quality_contract_facts` row.
struct ContractFacts {
    id: String,
    version: Option<String>,
    stored: StoredContractFacts,
}

async fn write_facts(
    conn: &mut SqliteConnection,
    contracts: &[ContractFacts],
    products: &[(String, String)],
    lineage_products: &HashSet<String>,
) -> Result<(), QualityError> {
    sqlx::query("DELETE FROM quality_contract_facts")
        .execute(&mut *conn)
        .await
        .ctx("clear contract facts")?;
    sqlx::query("DELETE FROM quality_product_facts")
        .execute(&mut *conn)
        .await
        .ctx("clear product facts")?;
    for chunk in contracts.chunks(4_000) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO quality_contract_facts (contract_id, contract_version, classification, has_retention, has_quality, pii_datasets, custom, roles) ",
        );
        insert.push_values(chunk, |mut b, f| {
            let stored = &f.stored;
            b.push_bind(&f.id)
                .push_bind(&f.version)
                .push_bind(&stored.classification)
                .push_bind(stored.has_retention)
                .push_bind(stored.has_quality)
                .push_bind(&stored.pii_datasets)
                .push_bind(&stored.custom)
                .push_bind(&stored.roles);
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("write contract facts")?;
    }
    // 4 bound values a row: 8,000 rows stay under SQLite's 32,766 variables (10,000 did not once
    // roles made it 4, so facts of a 10k-product mesh could not be written).
    for chunk in products.chunks(8_000) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT OR REPLACE INTO quality_product_facts (product_id, custom, in_lineage, roles) ",
        );
        insert.push_values(chunk, |mut b, (id, canonical)| {
            let doc: Value = serde_json::from_str(canonical).unwrap_or_default();
            let custom =
                serde_json::to_string(&custom_properties(&doc)).unwrap_or_else(|_| "[]".into());
            b.push_bind(id)
                .push_bind(custom)
                .push_bind(lineage_products.contains(id))
                .push_bind(
                    serde_json::to_string(&declared_roles(&doc)).unwrap_or_else(|_| "[]".into()),
                );
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("write product facts")?;
    }
    Ok(())
}

/// Dataset key → end of the newest COMPLETE run of a job that produces the dataset.
async fn last_updates(store: &Store) -> Result<HashMap<String, i64>, QualityError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT n.namespace, n.name, MAX(r.ended_ms) FROM lineage_edges e
         JOIN lineage_nodes n ON n.id = e.to_node
         JOIN lineage_runs r ON r.job = e.from_node
         WHERE e.kind = 'produces' AND r.state = 'COMPLETE' AND r.ended_ms IS NOT NULL
         GROUP BY e.to_node",
    )
    .fetch_all(store.pool())
    .await
    .ctx("read dataset updates from lineage runs")?;
    let mut out: HashMap<String, i64> = HashMap::new();
    for (namespace, name, ended) in rows {
        let slot = out
            .entry(openlineage_key(&namespace, &name))
            .or_insert(ended);
        *slot = (*slot).max(ended);
    }
    Ok(out)
}

/// How old the data may be, in milliseconds: the tightest `latency`/`freshness` promise plus the
/// update `frequency` when one is declared (daily data with 4 h latency may be 28 h old).
pub(crate) fn promised_latency(sla: &[SlaProperty]) -> Option<i64> {
    let of = |names: &[&str]| {
        sla.iter()
            .filter(|p| names.contains(&p.property.to_ascii_lowercase().as_str()))
            .filter_map(|p| duration_ms(&p.value, p.unit.as_deref()))
            .min()
    };
    of(&["latency", "freshness"]).map(|latency| latency + of(&["frequency"]).unwrap_or(0))
}
