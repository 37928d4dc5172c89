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
    // Triggers on products/ports/contracts/datasets bump this counter (migration 0002).
    let (generation,): (i64,) = sqlx::query_as("SELECT generation FROM lineage_meta WHERE id = 1")
        .fetch_one(store.pool())
        .await
        .ctx("read catalogue generation")?;
    let (built,): (i64,) = sqlx::query_as("SELECT built_generation FROM quality_meta WHERE id = 1")
        .fetch_one(store.pool())
        .await
        .ctx("read quality target generation")?;
    if built == generation {
        return Ok(());
    }
    let contracts: Vec<ContractRow> = sqlx::query_as(
        "SELECT c.document_id, c.id, c.version, c.domain, c.entity, d.canonical
         FROM contracts c JOIN documents d ON d.id = c.document_id",
    )
    .fetch_all(store.pool())
    .await
    .ctx("read contracts for quality targets")?;
    let datasets: Vec<(i64, String, Option<String>)> = sqlx::query_as(
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

    let products: Vec<(String, String)> = sqlx::query_as(
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
    let in_lineage: HashSet<String> = lineage_nodes
        .iter()
        .map(|(ns, n)| openlineage_key(ns, n))
        .collect();
    let mut lineage_products: HashSet<String> = HashSet::new();
    let mut facts: Vec<ContractFacts> = Vec::with_capacity(contracts.len());
    let updates = last_updates(store).await?;
    let mut publishers: HashMap<&str, Vec<&PortRow>> = HashMap::new();
    for port in &ports {
        publishers.entry(port.1.as_str()).or_default().push(port);
    }
    let mut datasets_of: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for (doc, name, physical) in datasets {
        let physical = physical.unwrap_or_else(|| name.clone());
        datasets_of.entry(doc).or_default().push((name, physical));
    }
    let mut rows: Vec<TargetRow> = Vec::new();
    let mut rules: Vec<RuleRow> = Vec::new();
    for (doc, id, version, contract_domain, entity, canonical) in contracts {
        // The product publishing this exact version, else any product publishing the contract id.
        let candidates = publishers
            .get(id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let owner = candidates
            .iter()
            .find(|(_, _, v, _)| v.is_none() || *v == version)
            .or_else(|| candidates.first())
            .copied();
        let contract = serde_json::from_str::<Contract>(&entity).ok();
        let latency = contract.as_ref().and_then(|c| promised_latency(&c.sla));
        let document: Value = serde_json::from_str(&canonical).unwrap_or_default();
        let servers: Vec<Value> = document
            .get("servers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Some(c) = contract {
            rules.extend(c.quality.iter().enumerate().map(|(ordinal, rule)| RuleRow {
                contract_id: id.clone(),
                contract_version: version.clone(),
                ordinal: ordinal as i64,
                rule: rule.clone(),
            }));
            facts.push(ContractFacts {
                stored: contract_facts(&c, &document),
                id: c.id,
                version: version.clone(),
            });
        }
        for (name, physical) in datasets_of.get(&doc).into_iter().flatten() {
            let mut keys: Vec<String> = servers
                .iter()
                .flat_map(|s| target_keys(s, physical))
                .collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                if let Some(owner) = owner.filter(|_| in_lineage.contains(&key)) {
                    lineage_products.insert(owner.0.clone());
                }
                let updated = updates.get(&key).copied();
                rows.push((
                    key,
                    id.clone(),
                    version.clone(),
                    name.clone(),
                    owner.map(|o| o.0.clone()),
                    owner
                        .and_then(|o| o.3.clone())
                        .or_else(|| contract_domain.clone()),
                    latency,
                    updated,
                ));
            }
        }
    }
    let mut tx = store.begin_write().await.ctx("begin quality targets")?;
    sqlx::query("DELETE FROM quality_targets")
        .execute(&mut *tx)
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
            .execute(&mut *tx)
            .await
            .ctx("write quality targets")?;
    }
    write_facts(&mut tx, &facts, &products, &lineage_products).await?;
    write_rules(&mut tx, &rules).await?;
    sqlx::query("UPDATE quality_meta SET built_generation = ? WHERE id = 1")
        .bind(generation)
        .execute(&mut *tx)
        .await
        .ctx("record quality target generation")?;
    tx.commit().await.ctx("commit quality targets")?;
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
