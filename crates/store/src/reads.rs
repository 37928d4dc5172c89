use std::collections::HashMap;

use meshlens_model::{Contract, DocKind, Product, Sensitivity};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use ts_rs::TS;

use crate::error::{Ctx, decode_json};
use crate::port_links::INPUT_PORT_LINKS;
use crate::version::compare_versions;
use crate::{EntityProvenance, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum PortDirection {
    In,
    Out,
}

impl PortDirection {
    fn parse(text: &str) -> PortDirection {
        if text == "in" {
            PortDirection::In
        } else {
            PortDirection::Out
        }
    }
}

/// A product port that names a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PortRef {
    pub direction: PortDirection,
    pub port: String,
    pub contract_id: String,
    /// The port version, which ODPS matches against the contract version.
    pub version: Option<String>,
    /// The normalised level of the data it carries: its contract's (`unknown` while the contract is
    /// not in the cache).
    #[serde(default)]
    pub sensitivity: Sensitivity,
}

/// A port's contract as found in the cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PortContract {
    pub port: PortRef,
    pub contract: Contract,
    pub source: String,
    pub path: String,
    /// The standard and version the contract's file declares (a DCS or old ODCS file can be upgraded).
    pub kind: DocKind,
    pub declared_version: String,
    pub raw: String,
    /// The product publishing this contract on an output port (for input ports: the producer).
    pub producer: Option<String>,
    /// Upstream origins when the contract came from catalog servers (see [`Store::document_origins`]).
    pub origins: Vec<EntityProvenance>,
}

/// A port whose contract is not in the cache, with the file that declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MissingContract {
    pub source: String,
    pub path: String,
    pub product_id: String,
    pub port: PortRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ProductDetail {
    pub product: Product,
    pub source: String,
    pub path: String,
    pub kind: DocKind,
    pub declared_version: String,
    pub raw: String,
    #[ts(type = "unknown")]
    pub canonical: serde_json::Value,
    pub contracts: Vec<PortContract>,
    pub missing_contracts: Vec<PortRef>,
    /// Upstream origins when the product came from catalog servers (see [`Store::document_origins`]).
    pub origins: Vec<EntityProvenance>,
    /// The product's level, raised by its output ports' contracts (see [`Product::sensitivity`]).
    pub sensitivity: Sensitivity,
    /// Its retention in days, else its output contracts' longest; `None` when none is declared.
    pub retention_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ContractDetail {
    pub contract: Contract,
    pub source: String,
    pub path: String,
    pub kind: DocKind,
    pub declared_version: String,
    pub raw: String,
    #[ts(type = "unknown")]
    pub canonical: serde_json::Value,
    /// The product publishing it on an output port.
    pub product_id: Option<String>,
    /// Products consuming it on an input port, by id.
    pub consumers: Vec<String>,
}

/// A contract as the search index reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ContractEntry {
    pub contract: Contract,
    /// The owning product (publishes it on an output port).
    pub product_id: Option<String>,
    /// The contract's domain, else its owning product's.
    pub domain: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ProductFilter {
    pub domain: Option<String>,
    pub status: Option<String>,
    pub owner_team: Option<String>,
    pub tag: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProductSummary {
    pub id: String,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub status: Option<String>,
    pub version: Option<String>,
    pub owner_team: Option<String>,
    pub tags: Vec<String>,
    pub source: String,
    /// As in [`ProductDetail::sensitivity`].
    pub sensitivity: Sensitivity,
    pub retention_days: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StoreStats {
    pub sources: i64,
    pub documents: i64,
    pub products: i64,
    pub contracts: i64,
    pub datasets: i64,
    pub columns: i64,
}

/// A product's sensitivity and retention as [`ProductDetail`] has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductLevels {
    pub sensitivity: Sensitivity,
    pub retention_days: Option<i64>,
}

/// Select columns (for a product aliased `pr`) holding what its sensitivity and retention are made
/// of, read from rows instead of whole entities: its tags, own classification and retention, and each
/// output contract's classification, retention and tags. [`levels_of`] reads them.
fn level_columns() -> String {
    format!(
        "(SELECT json_group_array(tag) FROM (SELECT tag FROM product_tags t WHERE t.product_id = pr.id ORDER BY t.ordinal)) AS tags,
         pr.classification, json_extract(pr.entity, '$.retention') AS retention,
         (SELECT json_group_array(json_object('classification', c.classification,
                 'retention', json_extract(c.entity, '$.retention'), 'tags', json_extract(c.entity, '$.tags')))
          FROM ports p JOIN contracts c ON {PORT_MATCHES_CONTRACT}
          WHERE p.product_id = pr.id AND p.direction = 'out') AS outputs"
    )
}

/// The product's tags and its levels, from the [`level_columns`] of a row.
fn levels_of(row: &SqliteRow, id: &str) -> Result<(Vec<String>, ProductLevels), StoreError> {
    let tags: String = row.get("tags");
    let outputs: String = row.get("outputs");
    let outputs: Vec<OutputFacts> =
        decode_json(&outputs, || format!("output contracts of product '{id}'"))?;
    let outputs: Vec<Contract> = outputs
        .into_iter()
        .map(OutputFacts::into_contract)
        .collect();
    let product = Product {
        classification: row.get("classification"),
        retention: row.get("retention"),
        tags: decode_json(&tags, || format!("tags of product '{id}'"))?,
        ..Product::default()
    };
    let levels = ProductLevels {
        sensitivity: product.sensitivity(&outputs),
        retention_days: product.retention_days(&outputs),
    };
    Ok((product.tags, levels))
}

/// The parts of an output contract that a product's sensitivity and retention are made of.
#[derive(Deserialize)]
struct OutputFacts {
    classification: Option<String>,
    retention: Option<String>,
    tags: Option<Vec<String>>,
}

impl OutputFacts {
    fn into_contract(self) -> Contract {
        Contract {
            classification: self.classification,
            retention: self.retention,
            tags: self.tags.unwrap_or_default(),
            ..Contract::default()
        }
    }
}

/// SQLite's default bound-parameter ceiling is far above this; it keeps IN lists modest.
const IDS_PER_QUERY: usize = 500;

/// A port matches a contract on id, and on version when the port states one.
const PORT_MATCHES_CONTRACT: &str =
    "c.id = p.contract_id AND (p.version IS NULL OR COALESCE(c.version, '') = p.version)";

/// The owning product of contract `c`: the first product publishing it on an output port.
const OWNER_OF_CONTRACT: &str = "(SELECT o.product_id FROM ports o WHERE o.contract_id = c.id AND o.direction = 'out'
       AND (o.version IS NULL OR c.version IS NULL OR o.version = c.version) ORDER BY o.product_id LIMIT 1)";

fn parse_kind(text: &str) -> Result<DocKind, StoreError> {
    decode_json(&format!("\"{text}\""), || format!("document kind '{text}'"))
}

/// A stored contract with the levels of its datasets and columns, which are not stored (a cache
/// written before they existed has none).
fn decode_contract(entity: &str, what: impl FnOnce() -> String) -> Result<Contract, StoreError> {
    let mut contract: Contract = decode_json(entity, what)?;
    contract.note_levels();
    Ok(contract)
}

fn contract_entry(row: &SqliteRow) -> Result<(i64, ContractEntry), StoreError> {
    let rowid: i64 = row.get("rowid");
    let entity: String = row.get("entity");
    let contract = decode_contract(&entity, || format!("contract row {rowid}"))?;
    let product_id: Option<String> = row.get("product_id");
    let domain = contract
        .domain
        .clone()
        .or_else(|| row.get("product_domain"));
    Ok((
        rowid,
        ContractEntry {
            contract,
            product_id,
            domain,
        },
    ))
}

fn contract_entry_query() -> String {
    format!(
        "SELECT c.document_id AS rowid, c.entity, pr.id AS product_id, pr.domain AS product_domain
         FROM contracts c LEFT JOIN products pr ON pr.id = {OWNER_OF_CONTRACT}"
    )
}

impl Store {
    /// Products matching every set field of `filter`, sorted by domain then name (missing last).
    pub async fn list_products(
        &self,
        filter: &ProductFilter,
    ) -> Result<Vec<ProductSummary>, StoreError> {
        // What sensitivity and retention are made of, read from the rows (not whole entities):
        // the product's own, and each output contract's classification, retention and tags.
        let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(format!(
            "SELECT pr.id, pr.name, pr.domain, pr.status, pr.version, pr.owner_team, d.source, {}
             FROM products pr JOIN documents d ON d.id = pr.document_id WHERE 1 = 1",
            level_columns()
        ));
        for (column, value) in [
            ("pr.domain", &filter.domain),
            ("pr.status", &filter.status),
            ("pr.owner_team", &filter.owner_team),
            ("d.source", &filter.source),
        ] {
            if let Some(value) = value {
                query.push(format!(" AND {column} = ")).push_bind(value);
            }
        }
        if let Some(tag) = &filter.tag {
            query
                .push(" AND EXISTS (SELECT 1 FROM product_tags t WHERE t.product_id = pr.id AND t.tag = ")
                .push_bind(tag)
                .push(")");
        }
        query.push(" ORDER BY pr.domain IS NULL, pr.domain, pr.name IS NULL, pr.name, pr.id");
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .ctx("list products")?;
        rows.iter()
            .map(|row| {
                let id: String = row.get("id");
                let (tags, levels) = levels_of(row, &id)?;
                Ok(ProductSummary {
                    sensitivity: levels.sensitivity,
                    retention_days: levels.retention_days,
                    tags,
                    name: row.get("name"),
                    domain: row.get("domain"),
                    status: row.get("status"),
                    version: row.get("version"),
                    owner_team: row.get("owner_team"),
                    source: row.get("source"),
                    id,
                })
            })
            .collect()
    }

    /// A product with its document and the contracts its ports point at.
    pub async fn get_product(&self, id: &str) -> Result<Option<ProductDetail>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT p.entity, d.source, d.path, d.kind, d.declared_version, d.raw, d.canonical
             FROM products p JOIN documents d ON d.id = p.document_id WHERE p.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .ctx("get product")?
        else {
            return Ok(None);
        };
        let entity: String = row.get("entity");
        let canonical: String = row.get("canonical");
        let kind: String = row.get("kind");
        let product: Product = decode_json(&entity, || format!("product '{id}'"))?;
        let mut contracts = Vec::new();
        let mut missing_contracts = Vec::new();
        for port in product_ports(&product) {
            match self
                .resolve_contract(&port.contract_id, port.version.as_deref())
                .await?
            {
                Some(found) => contracts.push(PortContract {
                    port: PortRef {
                        sensitivity: found.contract.sensitivity(),
                        ..port
                    },
                    origins: self.document_origins(&found.source, &found.path).await?,
                    contract: found.contract,
                    source: found.source,
                    path: found.path,
                    kind: found.kind,
                    declared_version: found.declared_version,
                    raw: found.raw,
                    producer: found.product_id,
                }),
                None => missing_contracts.push(port),
            }
        }
        let source: String = row.get("source");
        let path: String = row.get("path");
        let outputs: Vec<&Contract> = contracts
            .iter()
            .filter(|c| c.port.direction == PortDirection::Out)
            .map(|c| &c.contract)
            .collect();
        let sensitivity = product.sensitivity(outputs.iter().copied());
        let retention_days = product.retention_days(outputs);
        Ok(Some(ProductDetail {
            sensitivity,
            retention_days,
            product,
            origins: self.document_origins(&source, &path).await?,
            source,
            path,
            kind: parse_kind(&kind)?,
            declared_version: row.get("declared_version"),
            raw: row.get("raw"),
            canonical: decode_json(&canonical, || format!("canonical form of product '{id}'"))?,
            contracts,
            missing_contracts,
        }))
    }

    /// A contract by id and version; without a version, the latest version cached.
    pub async fn get_contract(
        &self,
        id: &str,
        version: Option<&str>,
    ) -> Result<Option<ContractDetail>, StoreError> {
        self.resolve_contract(id, version).await
    }

    async fn resolve_contract(
        &self,
        id: &str,
        version: Option<&str>,
    ) -> Result<Option<ContractDetail>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT c.entity, c.version, d.source, d.path, d.kind, d.declared_version, d.raw, d.canonical,
                    {OWNER_OF_CONTRACT} AS product_id
             FROM contracts c JOIN documents d ON d.id = c.document_id
             WHERE c.id = ? AND (? IS NULL OR COALESCE(c.version, '') = ?)"
        ))
        .bind(id)
        .bind(version)
        .bind(version)
        .fetch_all(&self.pool)
        .await
        .ctx("get contract")?;
        let Some(row) = rows.into_iter().max_by(|a, b| {
            let a: Option<String> = a.get("version");
            let b: Option<String> = b.get("version");
            compare_versions(a.as_deref().unwrap_or(""), b.as_deref().unwrap_or(""))
        }) else {
            return Ok(None);
        };
        let entity: String = row.get("entity");
        let canonical: String = row.get("canonical");
        let kind: String = row.get("kind");
        let contract = decode_contract(&entity, || format!("contract '{id}'"))?;
        let consumers: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT product_id FROM ports
             WHERE direction = 'in' AND contract_id = ? AND (version IS NULL OR version = COALESCE(?, ''))
             ORDER BY product_id",
        )
        .bind(id)
        .bind(&contract.version)
        .fetch_all(&self.pool)
        .await
        .ctx("get contract consumers")?;
        Ok(Some(ContractDetail {
            source: row.get("source"),
            path: row.get("path"),
            kind: parse_kind(&kind)?,
            declared_version: row.get("declared_version"),
            raw: row.get("raw"),
            canonical: decode_json(&canonical, || format!("canonical form of contract '{id}'"))?,
            product_id: row.get("product_id"),
            consumers: consumers.into_iter().map(|(p,)| p).collect(),
            contract,
        }))
    }

    /// Ports of `source`'s products that name a contract the cache does not hold.
    pub async fn missing_contracts(
        &self,
        source: &str,
    ) -> Result<Vec<MissingContract>, StoreError> {
        let rows: Vec<(String, String, String, String, String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT d.path, p.product_id, p.direction, p.name, p.contract_id, p.version
             FROM ports p JOIN products pr ON pr.id = p.product_id JOIN documents d ON d.id = pr.document_id
             WHERE d.source = ? AND p.contract_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM contracts c WHERE {PORT_MATCHES_CONTRACT})
             ORDER BY d.path, p.ordinal"
        ))
        .bind(source)
        .fetch_all(&self.pool)
        .await
        .ctx("find missing contracts")?;
        Ok(rows
            .into_iter()
            .map(
                |(path, product_id, direction, port, contract_id, version)| MissingContract {
                    source: source.to_string(),
                    path,
                    product_id,
                    port: PortRef {
                        direction: PortDirection::parse(&direction),
                        port,
                        contract_id,
                        version,
                        sensitivity: Sensitivity::Unknown,
                    },
                },
            )
            .collect())
    }

    /// Products in id order after `after` (keyset paging for index builds).
    pub async fn products_page(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Product>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, entity FROM products WHERE ? IS NULL OR id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .ctx("page products")?;
        rows.iter()
            .map(|(id, entity)| decode_json(entity, || format!("product '{id}'")))
            .collect()
    }

    /// Contracts in row order after `after_rowid` (start with 0), with their row keys.
    pub async fn contracts_page(
        &self,
        after_rowid: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ContractEntry)>, StoreError> {
        let rows = sqlx::query(&format!(
            "{} WHERE c.document_id > ? ORDER BY c.document_id LIMIT ?",
            contract_entry_query()
        ))
        .bind(after_rowid)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .ctx("page contracts")?;
        rows.iter().map(contract_entry).collect()
    }

    /// Like [`Store::contracts_page`], but only the newest cached version of each contract id: what the
    /// search index shows.
    pub async fn latest_contracts_page(
        &self,
        after_rowid: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ContractEntry)>, StoreError> {
        let rows = sqlx::query(&format!(
            "{} WHERE c.document_id > ?
               AND c.document_id IN (SELECT MAX(document_id) FROM contracts GROUP BY id)
             ORDER BY c.document_id LIMIT ?",
            contract_entry_query()
        ))
        .bind(after_rowid)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .ctx("page latest contracts")?;
        rows.iter().map(contract_entry).collect()
    }

    /// The products with these ids (unknown ids are skipped), in id order.
    pub async fn products_by_ids(&self, ids: &[String]) -> Result<Vec<Product>, StoreError> {
        let mut products = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let mut query =
                QueryBuilder::<Sqlite>::new("SELECT id, entity FROM products WHERE id IN (");
            push_id_list(&mut query, chunk);
            query.push(") ORDER BY id");
            let rows = query
                .build()
                .fetch_all(&self.pool)
                .await
                .ctx("read products by id")?;
            for row in &rows {
                let id: String = row.get("id");
                let entity: String = row.get("entity");
                products.push(decode_json(&entity, || format!("product '{id}'"))?);
            }
        }
        Ok(products)
    }

    /// (consuming product, provider's output port) for every input port of another product that
    /// names the contract of one of `product`'s output ports (the same version when both state one).
    pub async fn input_port_consumers(
        &self,
        product: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(&format!(
            "{INPUT_PORT_LINKS} AND o.product_id = ? ORDER BY i.product_id, o.name"
        ))
        .bind(product)
        .fetch_all(&self.pool)
        .await
        .ctx("find input port consumers")?;
        Ok(rows
            .into_iter()
            .map(|(_, consumer, port)| (consumer, port))
            .collect())
    }

    /// (id, name, domain) of every product (of one domain), by domain then id: what lists of the
    /// whole mesh need, without the sensitivity and retention `list_products` derives.
    pub async fn product_labels(
        &self,
        domain: Option<&str>,
    ) -> Result<Vec<(String, Option<String>, Option<String>)>, StoreError> {
        sqlx::query_as(
            "SELECT id, name, domain FROM products WHERE ?1 IS NULL OR domain = ?1 ORDER BY domain, id",
        )
        .bind(domain)
        .fetch_all(&self.pool)
        .await
        .ctx("list product names")
        .map_err(StoreError::from)
    }

    /// Sensitivity and retention of the products with these ids (as `list_products` has them).
    pub async fn product_levels(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, ProductLevels>, StoreError> {
        let mut levels = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let mut query = QueryBuilder::<Sqlite>::new(format!(
                "SELECT pr.id, {} FROM products pr WHERE pr.id IN (",
                level_columns()
            ));
            push_id_list(&mut query, chunk);
            query.push(")");
            let rows = query
                .build()
                .persistent(false)
                .fetch_all(&self.pool)
                .await
                .ctx("read product sensitivity and retention")?;
            for row in &rows {
                let id: String = row.get("id");
                let (_, of_product) = levels_of(row, &id)?;
                levels.insert(id, of_product);
            }
        }
        Ok(levels)
    }

    /// Every cached version of the contracts with these ids, with their row keys.
    pub async fn contracts_by_ids(
        &self,
        ids: &[String],
    ) -> Result<Vec<(i64, ContractEntry)>, StoreError> {
        let mut entries = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let mut query = QueryBuilder::<Sqlite>::new(contract_entry_query());
            query.push(" WHERE c.id IN (");
            push_id_list(&mut query, chunk);
            query.push(") ORDER BY c.document_id");
            let rows = query
                .build()
                .fetch_all(&self.pool)
                .await
                .ctx("read contracts by id")?;
            for row in &rows {
                entries.push(contract_entry(row)?);
            }
        }
        Ok(entries)
    }

    pub async fn stats(&self) -> Result<StoreStats, StoreError> {
        let (sources, documents, products, contracts, datasets, columns) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM documents),
                    (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM contracts),
                    (SELECT COUNT(*) FROM datasets), (SELECT COUNT(*) FROM columns)",
        )
        .fetch_one(&self.pool)
        .await
        .ctx("count rows")?;
        Ok(StoreStats {
            sources,
            documents,
            products,
            contracts,
            datasets,
            columns,
        })
    }
}

fn push_id_list<'a>(query: &mut QueryBuilder<'a, Sqlite>, ids: &'a [String]) {
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id.as_str());
    }
}

/// The ports of a product that name a contract, inputs first, in document order.
fn product_ports(product: &Product) -> Vec<PortRef> {
    let inputs = product
        .input_ports
        .iter()
        .map(|p| (PortDirection::In, &p.name, &p.version, &p.contract_id));
    let outputs = product
        .output_ports
        .iter()
        .map(|p| (PortDirection::Out, &p.name, &p.version, &p.contract_id));
    inputs
        .chain(outputs)
        .filter_map(|(direction, name, version, contract_id)| {
            Some(PortRef {
                direction,
                port: name.clone(),
                contract_id: contract_id.clone()?,
                version: version.clone(),
                sensitivity: Sensitivity::Unknown,
            })
        })
        .collect()
}
