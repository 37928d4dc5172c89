//! Contract datasets under every key tools report them by (see `keys.rs`), with the owning
//! product and the promised latency. Rebuilt lazily when the catalogue changed, so results imported
//! before their contract existed link as soon as a sync brings it in.

use std::collections::{HashMap, HashSet};

use meshlens_model::{Contract, QualityRule, SlaProperty, duration_ms};
use meshlens_store::Store;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use meshlens_store::Ctx;

use crate::error::{QualityError, rows_from_json};
use crate::keys::{openlineage_key, target_keys};
use crate::policy::{StoredContractFacts, contract_facts, custom_properties, declared_roles};

/// (document id, contract id, version, entity JSON, canonical JSON)
type ContractRow = (i64, String, Option<String>, String, String);
/// (product id, contract id, port version, product domain)
type PortRow = (String, String, Option<String>, Option<String>);
/// A dataset key of a parsed contract: (contract id, version, contract domain, dataset, key, latency).
type KeyRow = (
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<i64>,
);
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

/// Contracts parsed at a time: the texts of 10k contracts are hundreds of MiB.
const PARSE_BATCH: i64 = 500;

/// Brings `quality_targets` up to date with the catalogue, parsing only the contract documents that no
/// earlier build parsed (migration 0015). A change to what [`parse_contract`] derives needs a migration that
/// empties `quality_contracts_parsed` and what it keeps, or documents parsed before keep the old derivation.
pub(crate) async fn ensure_targets(store: &Store) -> Result<(), QualityError> {
    let Some(generation) = stale_generation(store).await? else {
        return Ok(());
    };
    let phase = std::time::Instant::now();
    parse_new_contracts(store).await?;
    tracing::debug!(ms = phase.elapsed().as_millis(), "new contracts parsed");
    let phase = std::time::Instant::now();
    let catalogue = read_catalogue(store).await?;
    let targets = derive_targets(&catalogue);
    tracing::debug!(ms = phase.elapsed().as_millis(), "quality targets derived");
    write_targets(store, generation, &targets, &catalogue.products).await
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

/// What one contract document gives, derived once per document.
struct ParsedContract {
    document_id: i64,
    latency: Option<i64>,
    /// (dataset, key)
    keys: Vec<(String, String)>,
    rules: Vec<RuleRow>,
    facts: Option<ContractFacts>,
}

/// Parses the contract documents not parsed yet, a batch at a time, and keeps what they give.
async fn parse_new_contracts(store: &Store) -> Result<(), QualityError> {
    let mut after = 0;
    loop {
        let batch: Vec<ContractRow> = sqlx::query_as(
            "SELECT c.document_id, c.id, c.version, c.entity, d.canonical
             FROM contracts c JOIN documents d ON d.id = c.document_id
             WHERE c.document_id > ?
               AND c.document_id NOT IN (SELECT document_id FROM quality_contracts_parsed)
             ORDER BY c.document_id LIMIT ?",
        )
        .bind(after)
        .bind(PARSE_BATCH)
        .fetch_all(store.pool())
        .await
        .ctx("read contracts for quality targets")?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = last.0;
        let datasets = datasets_of(store, &batch).await?;
        let parsed: Vec<ParsedContract> = batch
            .into_iter()
            .map(|row| {
                let of_row = datasets.get(&row.0).map(Vec::as_slice).unwrap_or_default();
                parse_contract(row, of_row)
            })
            .collect();
        write_parsed(store, &parsed).await?;
    }
}

/// (name, physical name) of each dataset of the contract documents in `batch`, in declared order.
async fn datasets_of(
    store: &Store,
    batch: &[ContractRow],
) -> Result<HashMap<i64, Vec<(String, String)>>, QualityError> {
    let ids = json_ids(batch.iter().map(|row| row.0));
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT document_id, name, physical_name FROM datasets
         WHERE document_id IN (SELECT value FROM json_each(?)) ORDER BY document_id, ordinal",
    )
    .bind(ids)
    .fetch_all(store.pool())
    .await
    .ctx("read datasets for quality targets")?;
    let mut of: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for (doc, name, physical) in rows {
        let physical = physical.unwrap_or_else(|| name.clone());
        of.entry(doc).or_default().push((name, physical));
    }
    Ok(of)
}

/// Document ids as a JSON array, for `IN (SELECT value FROM json_each(?))`.
fn json_ids(ids: impl Iterator<Item = i64>) -> String {
    serde_json::to_string(&ids.collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

/// A contract's rules, facts and latency, and every key of each of its datasets.
fn parse_contract(row: ContractRow, datasets: &[(String, String)]) -> ParsedContract {
    let (document_id, id, version, entity, canonical) = row;
    let contract = serde_json::from_str::<Contract>(&entity).ok();
    let document: Value = serde_json::from_str(&canonical).unwrap_or_default();
    let servers = document
        .get("servers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let keys = datasets
        .iter()
        .flat_map(|(name, physical)| {
            dataset_keys(servers, physical)
                .into_iter()
                .map(move |key| (name.clone(), key))
        })
        .collect();
    let latency = contract.as_ref().and_then(|c| promised_latency(&c.sla));
    let rules = contract.iter().flat_map(|c| {
        c.quality.iter().enumerate().map(|(ordinal, rule)| RuleRow {
            document_id,
            contract_id: id.clone(),
            contract_version: version.clone(),
            ordinal: ordinal as i64,
            rule: rule.clone(),
        })
    });
    ParsedContract {
        document_id,
        latency,
        keys,
        rules: rules.collect(),
        facts: contract.as_ref().map(|c| ContractFacts {
            document_id,
            stored: contract_facts(c, &document),
            id: c.id.clone(),
            version: version.clone(),
        }),
    }
}

/// Keeps what `parsed` gives, for the documents still in the cache that no other build parsed meanwhile.
async fn write_parsed(store: &Store, parsed: &[ParsedContract]) -> Result<(), QualityError> {
    let mut tx = store
        .begin_write()
        .await
        .ctx("begin keeping parsed contracts")?;
    let ids = json_ids(parsed.iter().map(|p| p.document_id));
    let still: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM documents WHERE id IN (SELECT value FROM json_each(?))
           AND id NOT IN (SELECT document_id FROM quality_contracts_parsed)",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await
    .ctx("read contracts to keep")?;
    let still: HashSet<i64> = still.into_iter().map(|(id,)| id).collect();
    let kept: Vec<&ParsedContract> = parsed
        .iter()
        .filter(|p| still.contains(&p.document_id))
        .collect();
    write_parsed_rows(&mut tx, &kept).await?;
    write_keys(&mut tx, &kept).await?;
    let rules: Vec<&RuleRow> = kept.iter().flat_map(|p| &p.rules).collect();
    write_rules(&mut tx, &rules).await?;
    let facts: Vec<&ContractFacts> = kept.iter().filter_map(|p| p.facts.as_ref()).collect();
    write_contract_facts(&mut tx, &facts).await?;
    tx.commit().await.ctx("commit parsed contracts")?;
    Ok(())
}

async fn write_parsed_rows(
    conn: &mut SqliteConnection,
    kept: &[&ParsedContract],
) -> Result<(), QualityError> {
    for chunk in kept.chunks(8_000) {
        let mut insert: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO quality_contracts_parsed (document_id, latency_ms) ");
        insert.push_values(chunk, |mut b, p| {
            b.push_bind(p.document_id).push_bind(p.latency);
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("keep parsed contracts")?;
    }
    Ok(())
}

async fn write_keys(
    conn: &mut SqliteConnection,
    kept: &[&ParsedContract],
) -> Result<(), QualityError> {
    let keys: Vec<(i64, &str, &str)> = kept
        .iter()
        .flat_map(|p| {
            p.keys
                .iter()
                .map(|(dataset, key)| (p.document_id, dataset.as_str(), key.as_str()))
        })
        .collect();
    for chunk in keys.chunks(8_000) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO quality_contract_keys (document_id, dataset, target_key) ",
        );
        insert.push_values(chunk, |mut b, (doc, dataset, key)| {
            b.push_bind(*doc).push_bind(*dataset).push_bind(*key);
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("keep contract dataset keys")?;
    }
    Ok(())
}

/// What the targets are derived from, read from the store.
struct Catalogue {
    keys: Vec<KeyRow>,
    ports: Vec<PortRow>,
    /// (product id, canonical JSON)
    products: Vec<(String, String)>,
    /// Keys of the datasets the lineage graph knows.
    in_lineage: HashSet<String>,
    updates: HashMap<String, i64>,
}

async fn read_catalogue(store: &Store) -> Result<Catalogue, QualityError> {
    // Hundreds of thousands of rows: one JSON text crosses from SQLite far faster than each row on its own.
    let keys: Vec<KeyRow> = json_rows(
        store,
        "SELECT json_group_array(json_array(c.id, c.version, c.domain, k.dataset, k.target_key, p.latency_ms)
                ORDER BY k.document_id, k.rowid)
         FROM quality_contract_keys k
         JOIN contracts c ON c.document_id = k.document_id
         JOIN quality_contracts_parsed p ON p.document_id = k.document_id",
        "read contract dataset keys",
    )
    .await?;
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
    let lineage_nodes: Vec<(String, String)> = json_rows(
        store,
        "SELECT json_group_array(json_array(namespace, name)) FROM lineage_nodes WHERE kind = 'dataset'",
        "read lineage datasets",
    )
    .await?;
    let in_lineage = lineage_nodes
        .iter()
        .map(|(ns, n)| openlineage_key(ns, n))
        .collect();
    Ok(Catalogue {
        keys,
        ports,
        products,
        in_lineage,
        updates: last_updates(store).await?,
    })
}

/// The rows of `query`, which selects them as one JSON array of arrays.
async fn json_rows<T: serde::de::DeserializeOwned>(
    store: &Store,
    query: &str,
    what: &'static str,
) -> Result<Vec<T>, QualityError> {
    let (text,): (String,) = sqlx::query_as(query)
        .fetch_one(store.pool())
        .await
        .ctx(what)?;
    rows_from_json(&text, what)
}

/// The rows to write: targets, and the products seen in lineage.
#[derive(Default)]
struct Targets {
    rows: Vec<TargetRow>,
    lineage_products: HashSet<String>,
}

fn derive_targets(catalogue: &Catalogue) -> Targets {
    let mut publishers: HashMap<&str, Vec<&PortRow>> = HashMap::new();
    for port in &catalogue.ports {
        publishers.entry(port.1.as_str()).or_default().push(port);
    }
    let mut targets = Targets::default();
    for (id, version, contract_domain, dataset, key, latency) in &catalogue.keys {
        // The product publishing this exact version, else any product publishing the contract id.
        let candidates = publishers
            .get(id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let owner = candidates
            .iter()
            .find(|(_, _, v, _)| v.is_none() || v == version)
            .or_else(|| candidates.first());
        let product = owner.map(|o| o.0.clone());
        let domain = owner
            .and_then(|o| o.3.clone())
            .or_else(|| contract_domain.clone());
        if let Some(product) = product
            .as_ref()
            .filter(|_| catalogue.in_lineage.contains(key))
        {
            targets.lineage_products.insert(product.clone());
        }
        targets.rows.push((
            key.clone(),
            id.clone(),
            version.clone(),
            dataset.clone(),
            product,
            domain,
            *latency,
            catalogue.updates.get(key).copied(),
        ));
    }
    targets
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

/// Replaces the targets, product facts, trust facts and the input-port links of the mesh in one transaction, stamped
/// with the generation they are of.
async fn write_targets(
    store: &Store,
    generation: i64,
    targets: &Targets,
    products: &[(String, String)],
) -> Result<(), QualityError> {
    let phase = std::time::Instant::now();
    let mut tx = store.begin_write().await.ctx("begin quality targets")?;
    write_target_rows(&mut tx, &targets.rows).await?;
    tracing::debug!(ms = phase.elapsed().as_millis(), "quality targets written");
    write_product_facts(&mut tx, products, &targets.lineage_products).await?;
    crate::trust::write_trust_facts(&mut tx).await?;
    meshlens_store::write_input_port_links(&mut tx, generation).await?;
    sqlx::query("UPDATE quality_meta SET built_generation = ? WHERE id = 1")
        .bind(generation)
        .execute(&mut *tx)
        .await
        .ctx("record quality target generation")?;
    tx.commit().await.ctx("commit quality targets")?;
    Ok(())
}

/// Brings `quality_targets` to `rows` (the first of two rows with one key wins), touching only the rows that
/// differ: a sync that changed a few products changes few targets, and rewriting all of them (370k rows on a
/// 10k-product mesh) took seconds.
async fn write_target_rows(
    conn: &mut SqliteConnection,
    rows: &[TargetRow],
) -> Result<(), QualityError> {
    let digest = rows_digest(rows);
    let (stored_digest,): (Option<Vec<u8>>,) =
        sqlx::query_as("SELECT targets_digest FROM quality_meta WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .ctx("read quality targets digest")?;
    if stored_digest.as_deref() == Some(digest.as_slice()) {
        return Ok(());
    }
    let mut wanted: HashMap<(&str, &str, &str), &TargetRow> = HashMap::with_capacity(rows.len());
    for row in rows {
        wanted.entry((&row.0, &row.1, &row.3)).or_insert(row);
    }
    let stored: Vec<TargetRow> = sqlx::query_as(
        "SELECT target_key, contract_id, contract_version, dataset, product_id, domain, latency_ms, updated_ms
         FROM quality_targets",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx("read quality targets")?;
    let mut stale = Vec::new();
    for row in &stored {
        let key = (row.0.as_str(), row.1.as_str(), row.3.as_str());
        match wanted.get(&key) {
            Some(&same) if same == row => {
                wanted.remove(&key);
            }
            _ => stale.push(key),
        }
    }
    delete_target_rows(conn, &stale).await?;
    let fresh: Vec<&TargetRow> = wanted.into_values().collect();
    tracing::debug!(
        stale = stale.len(),
        fresh = fresh.len(),
        "quality targets compared"
    );
    insert_target_rows(conn, &fresh).await?;
    sqlx::query("UPDATE quality_meta SET targets_digest = ? WHERE id = 1")
        .bind(digest)
        .execute(&mut *conn)
        .await
        .ctx("record quality targets digest")?;
    Ok(())
}

/// SHA-256 over `rows` in order, each field length-prefixed (None apart from every value).
fn rows_digest(rows: &[TargetRow]) -> Vec<u8> {
    let mut hash = Sha256::new();
    let mut text = |field: Option<&str>| match field {
        Some(text) => {
            hash.update((text.len() as u64).to_le_bytes());
            hash.update(text.as_bytes());
        }
        None => hash.update(u64::MAX.to_le_bytes()),
    };
    for r in rows {
        text(Some(&r.0));
        text(Some(&r.1));
        text(r.2.as_deref());
        text(Some(&r.3));
        text(r.4.as_deref());
        text(r.5.as_deref());
        text(r.6.map(|n| n.to_string()).as_deref());
        text(r.7.map(|n| n.to_string()).as_deref());
    }
    hash.finalize().to_vec()
}

/// Deletes the targets with the given (key, contract, dataset).
async fn delete_target_rows(
    conn: &mut SqliteConnection,
    keys: &[(&str, &str, &str)],
) -> Result<(), QualityError> {
    for chunk in keys.chunks(10_000) {
        let keys = serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "DELETE FROM quality_targets WHERE (target_key, contract_id, dataset) IN
                 (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?))",
        )
        .bind(keys)
        .execute(&mut *conn)
        .await
        .ctx("delete quality targets")?;
    }
    Ok(())
}

async fn insert_target_rows(
    conn: &mut SqliteConnection,
    rows: &[&TargetRow],
) -> Result<(), QualityError> {
    for chunk in rows.chunks(4_000) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO quality_targets (target_key, contract_id, contract_version, dataset, product_id, domain, latency_ms, updated_ms) ",
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
    document_id: i64,
    contract_id: String,
    contract_version: Option<String>,
    ordinal: i64,
    rule: QualityRule,
}

async fn write_rules(conn: &mut SqliteConnection, rules: &[&RuleRow]) -> Result<(), QualityError> {
    for chunk in rules.chunks(2_900) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO quality_contract_rules (document_id, contract_id, contract_version, dataset, column_name, ordinal, name, rule_type, metric, dimension, description) ",
        );
        insert.push_values(chunk, |mut b, r| {
            b.push_bind(r.document_id)
                .push_bind(&r.contract_id)
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
    document_id: i64,
    id: String,
    version: Option<String>,
    stored: StoredContractFacts,
}

async fn write_contract_facts(
    conn: &mut SqliteConnection,
    contracts: &[&ContractFacts],
) -> Result<(), QualityError> {
    for chunk in contracts.chunks(3_600) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO quality_contract_facts (document_id, contract_id, contract_version, classification, has_retention, has_quality, pii_datasets, custom, roles) ",
        );
        insert.push_values(chunk, |mut b, f| {
            let stored = &f.stored;
            b.push_bind(f.document_id)
                .push_bind(&f.id)
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
    Ok(())
}

async fn write_product_facts(
    conn: &mut SqliteConnection,
    products: &[(String, String)],
    lineage_products: &HashSet<String>,
) -> Result<(), QualityError> {
    sqlx::query("DELETE FROM quality_product_facts")
        .execute(&mut *conn)
        .await
        .ctx("clear product facts")?;
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
