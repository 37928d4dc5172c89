use std::collections::{BTreeSet, HashMap, HashSet};

use meshlens_model::{Contract, Entity, ParsedDocument, Product};
use serde::{Deserialize, Serialize};
use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, Transaction};
use ts_rs::TS;

use crate::error::Ctx;
use crate::{Store, StoreError, SyncStatus};

/// Size and modification time of a file as the sync engine saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime: i64,
}

/// What the cache knows about one file of a source, for change detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFileState {
    pub content_hash: String,
    pub size: u64,
    pub mtime: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Product,
    Contract,
}

/// An upsert refused because another file already holds the same product id (or contract id and
/// version). The cached file wins; `source`/`path` name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EntityConflict {
    pub kind: EntityKind,
    pub id: String,
    pub version: Option<String>,
    pub source: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertOutcome {
    Added,
    Updated,
    /// Nothing was written for this file.
    Conflict(EntityConflict),
}

/// What one committed sync changed, for reporting and for updating the search index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppliedSync {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Products added or updated (or moved between files).
    pub changed_product_ids: Vec<String>,
    /// Products no longer in the cache.
    pub removed_product_ids: Vec<String>,
    /// Contract ids with at least one version added or updated (or a version removed while
    /// others remain).
    pub changed_contract_ids: Vec<String>,
    /// Contract ids with no version left in the cache.
    pub removed_contract_ids: Vec<String>,
}

/// Rows per multi-row INSERT: large enough to amortise statement overhead, small enough to stay
/// far below SQLite's bound-parameter limit (8 columns x 256 = 2048).
const CHUNK: usize = 256;

/// One open write transaction for syncing one source. Nothing is visible to readers until
/// [`SyncTx::commit`]; dropping it (cancellation, error, crash) rolls everything back.
pub struct SyncTx {
    tx: Transaction<'static, Sqlite>,
    source: String,
    applied: AppliedSync,
    changed_products: BTreeSet<String>,
    removed_products: BTreeSet<String>,
    changed_contracts: BTreeSet<String>,
    removed_contracts: BTreeSet<String>,
    /// Documents whose child rows may still sit in the buffers below.
    buffered_docs: HashSet<i64>,
    datasets: Vec<DatasetRow>,
    columns: Vec<ColumnRow>,
    tags: Vec<TagRow>,
    ports: Vec<PortRow>,
}

impl Store {
    /// path -> stored state for every cached file of `source`.
    pub async fn document_index(
        &self,
        source: &str,
    ) -> Result<HashMap<String, StoredFileState>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT path, content_hash, size, mtime FROM documents WHERE source = ?",
        )
        .bind(source)
        .fetch_all(&self.pool)
        .await
        .ctx("read document index")?;
        Ok(rows
            .into_iter()
            .map(|(path, content_hash, size, mtime)| {
                let size = u64::try_from(size).unwrap_or(0);
                (
                    path,
                    StoredFileState {
                        content_hash,
                        size,
                        mtime,
                    },
                )
            })
            .collect())
    }

    /// Opens the write transaction for a sync of `source` and takes SQLite's write lock right
    /// away, so later reads inside the transaction never hit a stale snapshot.
    pub async fn begin_sync(&self, source: &str) -> Result<SyncTx, StoreError> {
        let mut tx = self.pool.begin().await.ctx("begin sync")?;
        let touched =
            sqlx::query("UPDATE sources SET last_sync_status = last_sync_status WHERE name = ?")
                .bind(source)
                .execute(&mut *tx)
                .await
                .ctx("begin sync")?;
        if touched.rows_affected() == 0 {
            return Err(StoreError::UnknownSource(source.to_string()));
        }
        Ok(SyncTx {
            tx,
            source: source.to_string(),
            applied: AppliedSync::default(),
            changed_products: BTreeSet::new(),
            removed_products: BTreeSet::new(),
            changed_contracts: BTreeSet::new(),
            removed_contracts: BTreeSet::new(),
            buffered_docs: HashSet::new(),
            datasets: Vec::new(),
            columns: Vec::new(),
            tags: Vec::new(),
            ports: Vec::new(),
        })
    }
}

struct ExistingDoc {
    id: i64,
    kind: String,
    entity_id: String,
}

impl SyncTx {
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Stores `doc` as the content of `path`, replacing what the path held before.
    pub async fn upsert(
        &mut self,
        path: &str,
        stat: FileStat,
        doc: &ParsedDocument,
    ) -> Result<UpsertOutcome, StoreError> {
        let existing = self.existing(path).await?;
        let own_id = existing.as_ref().map_or(-1, |e| e.id);
        if let Some(conflict) = self.conflict(&doc.entity, own_id).await? {
            return Ok(UpsertOutcome::Conflict(conflict));
        }
        let canonical =
            serde_json::to_string(&doc.canonical).map_err(|source| StoreError::Encode {
                what: format!("canonical form of {path}"),
                source,
            })?;
        let size = i64::try_from(stat.size).unwrap_or(i64::MAX);
        let doc_id = match &existing {
            Some(old) => {
                if self.buffered_docs.contains(&old.id) {
                    self.flush(true).await?;
                }
                self.forget_entity(old);
                sqlx::query(
                    "UPDATE documents SET kind = ?, declared_version = ?, content_hash = ?, size = ?, mtime = ?,
                         raw = ?, canonical = ?, entity_id = ?, synced_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                     WHERE id = ?",
                )
                .bind(doc.kind.as_str())
                .bind(&doc.declared_version)
                .bind(&doc.content_hash)
                .bind(size)
                .bind(stat.mtime)
                .bind(&doc.raw)
                .bind(&canonical)
                .bind(doc.entity.id())
                .bind(old.id)
                .execute(&mut *self.tx)
                .await
                .ctx("update document")?;
                // Cascades take the old product/contract's child rows with them.
                for table in [
                    "DELETE FROM products WHERE document_id = ?",
                    "DELETE FROM contracts WHERE document_id = ?",
                ] {
                    sqlx::query(table)
                        .bind(old.id)
                        .execute(&mut *self.tx)
                        .await
                        .ctx("replace document entity")?;
                }
                self.applied.updated += 1;
                old.id
            }
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO documents (source, path, kind, declared_version, content_hash, size, mtime, raw, canonical, entity_id)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(&self.source)
                .bind(path)
                .bind(doc.kind.as_str())
                .bind(&doc.declared_version)
                .bind(&doc.content_hash)
                .bind(size)
                .bind(stat.mtime)
                .bind(&doc.raw)
                .bind(&canonical)
                .bind(doc.entity.id())
                .fetch_one(&mut *self.tx)
                .await
                .ctx("insert document")?;
                self.applied.added += 1;
                id
            }
        };
        match &doc.entity {
            Entity::Product(product) => self.insert_product(doc_id, product).await?,
            Entity::Contract(contract) => self.insert_contract(doc_id, contract).await?,
        }
        self.buffered_docs.insert(doc_id);
        if self.columns.len() >= 4 * CHUNK || self.datasets.len() >= 4 * CHUNK {
            self.flush(false).await?;
        }
        Ok(match existing {
            Some(_) => UpsertOutcome::Updated,
            None => UpsertOutcome::Added,
        })
    }

    /// Removes `path` from the cache. Returns false when it was not cached.
    pub async fn delete(&mut self, path: &str) -> Result<bool, StoreError> {
        let Some(old) = self.existing(path).await? else {
            return Ok(false);
        };
        if self.buffered_docs.contains(&old.id) {
            self.flush(true).await?;
        }
        self.forget_entity(&old);
        sqlx::query("DELETE FROM documents WHERE id = ?")
            .bind(old.id)
            .execute(&mut *self.tx)
            .await
            .ctx("delete document")?;
        self.applied.removed += 1;
        Ok(true)
    }

    /// Counts `path` as unchanged. With a `stat`, records the file's new size/mtime (content
    /// identical, e.g. after a git checkout touched it) so the next sync takes the fast path.
    pub async fn unchanged(
        &mut self,
        path: &str,
        stat: Option<FileStat>,
    ) -> Result<(), StoreError> {
        if let Some(stat) = stat {
            sqlx::query("UPDATE documents SET size = ?, mtime = ? WHERE source = ? AND path = ?")
                .bind(i64::try_from(stat.size).unwrap_or(i64::MAX))
                .bind(stat.mtime)
                .bind(&self.source)
                .bind(path)
                .execute(&mut *self.tx)
                .await
                .ctx("update file state")?;
        }
        self.applied.unchanged += 1;
        Ok(())
    }

    /// Writes the remaining rows and the source status, then commits atomically.
    pub async fn commit(
        mut self,
        status: SyncStatus,
        last_error: Option<&str>,
    ) -> Result<AppliedSync, StoreError> {
        self.flush(true).await?;
        let mut applied = std::mem::take(&mut self.applied);
        let (changed, removed) = (
            std::mem::take(&mut self.changed_products),
            std::mem::take(&mut self.removed_products),
        );
        let (changed, removed) = self
            .reconcile("SELECT 1 FROM products WHERE id = ?", changed, removed)
            .await?;
        applied.changed_product_ids = changed;
        applied.removed_product_ids = removed;
        let (changed, removed) = (
            std::mem::take(&mut self.changed_contracts),
            std::mem::take(&mut self.removed_contracts),
        );
        let (changed, removed) = self
            .reconcile("SELECT 1 FROM contracts WHERE id = ?", changed, removed)
            .await?;
        applied.changed_contract_ids = changed;
        applied.removed_contract_ids = removed;
        sqlx::query(
            "UPDATE sources SET last_sync_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                 last_sync_status = ?, last_error = ? WHERE name = ?",
        )
        .bind(status.as_str())
        .bind(last_error)
        .bind(&self.source)
        .execute(&mut *self.tx)
        .await
        .ctx("record sync status")?;
        self.tx.commit().await.ctx("commit sync")?;
        Ok(applied)
    }

    /// An id that lost its file may still exist elsewhere (moved, or another contract version):
    /// then it is a change, not a removal.
    async fn reconcile(
        &mut self,
        exists_sql: &'static str,
        mut changed: BTreeSet<String>,
        removed: BTreeSet<String>,
    ) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let mut gone = Vec::new();
        for id in removed {
            if changed.contains(&id) {
                continue;
            }
            let still: Option<(i64,)> = sqlx::query_as(exists_sql)
                .bind(&id)
                .fetch_optional(&mut *self.tx)
                .await
                .ctx("reconcile removed ids")?;
            if still.is_some() {
                changed.insert(id);
            } else {
                gone.push(id);
            }
        }
        Ok((changed.into_iter().collect(), gone))
    }

    fn forget_entity(&mut self, old: &ExistingDoc) {
        let set = if old.kind == "odps" || old.kind == "dps" {
            &mut self.removed_products
        } else {
            &mut self.removed_contracts
        };
        set.insert(old.entity_id.clone());
    }

    async fn existing(&mut self, path: &str) -> Result<Option<ExistingDoc>, StoreError> {
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT id, kind, entity_id FROM documents WHERE source = ? AND path = ?",
        )
        .bind(&self.source)
        .bind(path)
        .fetch_optional(&mut *self.tx)
        .await
        .ctx("look up document")?;
        Ok(row.map(|(id, kind, entity_id)| ExistingDoc {
            id,
            kind,
            entity_id,
        }))
    }

    async fn conflict(
        &mut self,
        entity: &Entity,
        own_doc: i64,
    ) -> Result<Option<EntityConflict>, StoreError> {
        let (kind, id, version) = match entity {
            Entity::Product(p) => (EntityKind::Product, &p.id, None),
            Entity::Contract(c) => (EntityKind::Contract, &c.id, c.version.as_ref()),
        };
        let holder: Option<(String, String)> = match kind {
            EntityKind::Product => sqlx::query_as(
                "SELECT d.source, d.path FROM products p JOIN documents d ON d.id = p.document_id
                 WHERE p.id = ? AND d.id != ?",
            )
            .bind(id)
            .bind(own_doc),
            EntityKind::Contract => sqlx::query_as(
                "SELECT d.source, d.path FROM contracts c JOIN documents d ON d.id = c.document_id
                 WHERE c.id = ? AND COALESCE(c.version, '') = COALESCE(?, '') AND d.id != ?",
            )
            .bind(id)
            .bind(version)
            .bind(own_doc),
        }
        .fetch_optional(&mut *self.tx)
        .await
        .ctx("check duplicate ids")?;
        Ok(holder.map(|(source, path)| EntityConflict {
            kind,
            id: id.clone(),
            version: version.cloned(),
            source,
            path,
        }))
    }

    async fn insert_product(&mut self, doc_id: i64, p: &Product) -> Result<(), StoreError> {
        let entity = encode_entity(p, &p.id)?;
        sqlx::query(
            "INSERT INTO products (id, document_id, name, domain, status, version, owner_team, owner, description, classification, entity)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.id)
        .bind(doc_id)
        .bind(&p.name)
        .bind(&p.domain)
        .bind(&p.status)
        .bind(&p.version)
        .bind(&p.owner_team)
        .bind(&p.owner)
        .bind(&p.description)
        .bind(&p.classification)
        .bind(entity)
        .execute(&mut *self.tx)
        .await
        .ctx("insert product")?;
        self.tags
            .extend(p.tags.iter().enumerate().map(|(i, tag)| TagRow {
                product_id: p.id.clone(),
                ordinal: i as i64,
                tag: tag.clone(),
            }));
        let inputs = p
            .input_ports
            .iter()
            .map(|port| ("in", &port.name, &port.version, &port.contract_id));
        let outputs = p
            .output_ports
            .iter()
            .map(|port| ("out", &port.name, &port.version, &port.contract_id));
        for (i, (direction, name, version, contract_id)) in inputs.chain(outputs).enumerate() {
            self.ports.push(PortRow {
                product_id: p.id.clone(),
                direction,
                ordinal: i as i64,
                name: name.clone(),
                version: version.clone(),
                contract_id: contract_id.clone(),
            });
        }
        self.changed_products.insert(p.id.clone());
        Ok(())
    }

    async fn insert_contract(&mut self, doc_id: i64, c: &Contract) -> Result<(), StoreError> {
        let entity = encode_entity(c, &c.id)?;
        sqlx::query(
            "INSERT INTO contracts (document_id, id, version, name, status, domain, owner_team, classification, entity)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(doc_id)
        .bind(&c.id)
        .bind(&c.version)
        .bind(&c.name)
        .bind(&c.status)
        .bind(&c.domain)
        .bind(&c.owner_team)
        .bind(&c.classification)
        .bind(entity)
        .execute(&mut *self.tx)
        .await
        .ctx("insert contract")?;
        for (i, dataset) in c.datasets.iter().enumerate() {
            self.datasets.push(DatasetRow {
                document_id: doc_id,
                ordinal: i as i64,
                name: dataset.name.clone(),
                physical_name: dataset.physical_name.clone(),
                physical_type: dataset.physical_type.clone(),
                description: dataset.description.clone(),
                classification: dataset.classification.clone(),
            });
            self.columns.extend(
                dataset
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(j, column)| ColumnRow {
                        document_id: doc_id,
                        dataset_ordinal: i as i64,
                        ordinal: j as i64,
                        name: column.name.clone(),
                        logical_type: column.logical_type.clone(),
                        physical_type: column.physical_type.clone(),
                        classification: column.classification.clone(),
                        description: column.description.clone(),
                    }),
            );
        }
        self.changed_contracts.insert(c.id.clone());
        Ok(())
    }

    /// Writes buffered child rows. Datasets always go out completely first, because columns
    /// reference them; other tables keep a partial tail unless `all` (so most statements have
    /// the same shape and reuse one prepared statement).
    async fn flush(&mut self, all: bool) -> Result<(), StoreError> {
        let conn: &mut SqliteConnection = &mut self.tx;
        insert_rows(conn, &mut self.datasets, true).await?;
        insert_rows(conn, &mut self.columns, all).await?;
        insert_rows(conn, &mut self.tags, all).await?;
        insert_rows(conn, &mut self.ports, all).await?;
        if all {
            self.buffered_docs.clear();
        }
        Ok(())
    }
}

fn encode_entity<T: Serialize>(value: &T, id: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode {
        what: format!("entity '{id}'"),
        source,
    })
}

/// A child row written in multi-row INSERTs.
trait BufferedRow: Sized {
    const INSERT: &'static str;
    fn bind(self, row: &mut Separated<'_, 'static, Sqlite, &'static str>);
}

async fn insert_rows<R: BufferedRow>(
    conn: &mut SqliteConnection,
    rows: &mut Vec<R>,
    all: bool,
) -> Result<(), StoreError> {
    while rows.len() >= CHUNK || (all && !rows.is_empty()) {
        let take = rows.len().min(CHUNK);
        let mut query: QueryBuilder<'static, Sqlite> = QueryBuilder::new(R::INSERT);
        query.push_values(rows.drain(..take), |mut b, row| row.bind(&mut b));
        query.build().execute(&mut *conn).await.ctx("insert rows")?;
    }
    Ok(())
}

struct DatasetRow {
    document_id: i64,
    ordinal: i64,
    name: String,
    physical_name: Option<String>,
    physical_type: Option<String>,
    description: Option<String>,
    classification: Option<String>,
}

impl BufferedRow for DatasetRow {
    const INSERT: &'static str = "INSERT INTO datasets (document_id, ordinal, name, physical_name, physical_type, description, classification) ";
    fn bind(self, b: &mut Separated<'_, 'static, Sqlite, &'static str>) {
        b.push_bind(self.document_id)
            .push_bind(self.ordinal)
            .push_bind(self.name)
            .push_bind(self.physical_name)
            .push_bind(self.physical_type)
            .push_bind(self.description)
            .push_bind(self.classification);
    }
}

struct ColumnRow {
    document_id: i64,
    dataset_ordinal: i64,
    ordinal: i64,
    name: String,
    logical_type: Option<String>,
    physical_type: Option<String>,
    classification: Option<String>,
    description: Option<String>,
}

impl BufferedRow for ColumnRow {
    const INSERT: &'static str = "INSERT INTO columns (document_id, dataset_ordinal, ordinal, name, logical_type, physical_type, classification, description) ";
    fn bind(self, b: &mut Separated<'_, 'static, Sqlite, &'static str>) {
        b.push_bind(self.document_id)
            .push_bind(self.dataset_ordinal)
            .push_bind(self.ordinal)
            .push_bind(self.name)
            .push_bind(self.logical_type)
            .push_bind(self.physical_type)
            .push_bind(self.classification)
            .push_bind(self.description);
    }
}

struct TagRow {
    product_id: String,
    ordinal: i64,
    tag: String,
}

impl BufferedRow for TagRow {
    const INSERT: &'static str = "INSERT INTO product_tags (product_id, ordinal, tag) ";
    fn bind(self, b: &mut Separated<'_, 'static, Sqlite, &'static str>) {
        b.push_bind(self.product_id)
            .push_bind(self.ordinal)
            .push_bind(self.tag);
    }
}

struct PortRow {
    product_id: String,
    direction: &'static str,
    ordinal: i64,
    name: String,
    version: Option<String>,
    contract_id: Option<String>,
}

impl BufferedRow for PortRow {
    const INSERT: &'static str =
        "INSERT INTO ports (product_id, direction, ordinal, name, version, contract_id) ";
    fn bind(self, b: &mut Separated<'_, 'static, Sqlite, &'static str>) {
        b.push_bind(self.product_id)
            .push_bind(self.direction)
            .push_bind(self.ordinal)
            .push_bind(self.name)
            .push_bind(self.version)
            .push_bind(self.contract_id);
    }
}
