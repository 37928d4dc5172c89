use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use meshlens_model::{Contract, DocKind, Entity, ParsedDocument, Product};
use serde::{Deserialize, Serialize};
use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, Transaction};
use ts_rs::TS;

use crate::error::Ctx;
use crate::history::{RecentTexts, Recorder};
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
/// The id lists feed the index; they stay out of the JSON report, which may cover 10k products.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppliedSync {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Products added or updated (or moved between files).
    #[serde(skip_serializing, default)]
    #[ts(skip)]
    pub changed_product_ids: Vec<String>,
    /// Products no longer in the cache.
    #[serde(skip_serializing, default)]
    #[ts(skip)]
    pub removed_product_ids: Vec<String>,
    /// Contract ids with at least one version added or updated (or a version removed while
    /// others remain).
    #[serde(skip_serializing, default)]
    #[ts(skip)]
    pub changed_contract_ids: Vec<String>,
    /// Contract ids with no version left in the cache.
    #[serde(skip_serializing, default)]
    #[ts(skip)]
    pub removed_contract_ids: Vec<String>,
    /// Time spent recording history in the commit, in microseconds (for `meshlens bench history`).
    #[serde(skip_serializing, default)]
    #[ts(skip)]
    pub history_us: u64,
}

/// Rows per multi-row INSERT: large enough to amortise statement overhead, small enough to stay
/// far below SQLite's bound-parameter limit (11 columns x 256 = 2816).
const CHUNK: usize = 256;
/// Buffered documents before a flush: bounds memory (raw text) while keeping statements big.
const DOCS_PER_FLUSH: usize = 128;

/// Who holds an entity key: (source, path).
type Holder = (String, String);

/// One open write transaction for syncing one source. Nothing is visible to readers until
/// [`SyncTx::commit`]; dropping it (cancellation, error, crash) rolls everything back.
///
/// Per-statement overhead dominates SQLite writes through sqlx, so the transaction keeps the
/// source's documents and all entity keys in memory (it holds the write lock, so they cannot
/// change underneath) and writes new rows in multi-row INSERTs with ids it allocates itself.
pub struct SyncTx {
    tx: Transaction<'static, Sqlite>,
    /// The connection's own `cache_size`, given back at commit.
    cache_size_before: i64,
    source: String,
    applied: AppliedSync,
    /// This source's documents by path.
    docs: HashMap<String, ExistingDoc>,
    /// Every product id in the cache (all sources) and its file.
    products: HashMap<String, Holder>,
    /// Every (contract id, version or "") in the cache and its file.
    contracts: HashMap<(String, String), Holder>,
    changed_products: BTreeSet<String>,
    removed_products: BTreeSet<String>,
    changed_contracts: BTreeSet<String>,
    removed_contracts: BTreeSet<String>,
    next_doc_id: i64,
    /// Document ids at or above this are still in the buffers.
    first_unflushed_id: i64,
    buffers: Buffers,
    /// What this sync stored and removed, for the history its commit records.
    history: Recorder,
    /// Where the commit leaves the texts of the versions it recorded (the store's, shared).
    recent_texts: Arc<Mutex<RecentTexts>>,
    /// The source's pull cursor after this sync (see [`SyncTx::set_pull_cursor`]).
    pull_cursor: Option<i64>,
}

#[derive(Default)]
struct Buffers {
    documents: Vec<DocumentRow>,
    products: Vec<ProductRow>,
    contracts: Vec<ContractRow>,
    datasets: Vec<DatasetRow>,
    columns: Vec<ColumnRow>,
    tags: Vec<TagRow>,
    ports: Vec<PortRow>,
}

/// What the cache holds of one source's documents, read once per sync: each file's state, for
/// change detection, and what the sync transaction needs to replace or remove a document (given to
/// [`Store::begin_sync_indexed`], which then does not read them again).
pub struct DocumentIndex {
    /// path -> stored state for every cached file of the source.
    pub files: HashMap<String, StoredFileState>,
    source: String,
    held: HashMap<String, ExistingDoc>,
}

impl DocumentIndex {
    /// The number and the sum of the document ids read. Ids are never reused and a new document
    /// takes an id above every other, so any sync that added, replaced or removed one of the
    /// source's documents since changes this pair.
    fn id_fingerprint(&self) -> (i64, i64) {
        let ids = self.held.values().map(|doc| doc.id);
        (self.held.len() as i64, ids.sum())
    }
}

type IndexRow = (
    String,
    String,
    i64,
    i64,
    i64,
    String,
    String,
    Option<String>,
);

/// The documents of `source` as they are now, in one statement (one consistent snapshot).
async fn read_document_index<'e>(
    conn: impl sqlx::SqliteExecutor<'e>,
    source: &str,
) -> Result<DocumentIndex, StoreError> {
    let rows: Vec<IndexRow> = sqlx::query_as(
        "SELECT d.path, d.content_hash, d.size, d.mtime, d.id, d.kind, d.entity_id,
                IIF(c.document_id IS NULL, NULL, COALESCE(c.version, ''))
         FROM documents d LEFT JOIN contracts c ON c.document_id = d.id WHERE d.source = ?",
    )
    .bind(source)
    .fetch_all(conn)
    .await
    .ctx("read document index")?;
    let mut index = DocumentIndex {
        files: HashMap::with_capacity(rows.len()),
        source: source.to_string(),
        held: HashMap::with_capacity(rows.len()),
    };
    for (path, content_hash, size, mtime, id, kind, entity_id, contract_version) in rows {
        let size = u64::try_from(size).unwrap_or(0);
        let state = StoredFileState {
            content_hash,
            size,
            mtime,
        };
        index.files.insert(path.clone(), state);
        let doc = ExistingDoc {
            id,
            kind,
            entity_id,
            contract_version,
        };
        index.held.insert(path, doc);
    }
    Ok(index)
}

impl Store {
    /// What the cache holds of `source`'s documents.
    pub async fn document_index(&self, source: &str) -> Result<DocumentIndex, StoreError> {
        read_document_index(&self.pool, source).await
    }

    /// Opens the write transaction for a sync of `source`, holding SQLite's write lock (waiting up to
    /// the busy timeout for another writer) before anything is read.
    pub async fn begin_sync(&self, source: &str) -> Result<SyncTx, StoreError> {
        self.open_sync(source, None).await
    }

    /// As [`Store::begin_sync`] for the source of `index`, taking its documents from `index`
    /// (read before the write lock) instead of reading them again, unless another sync changed
    /// them in between.
    pub async fn begin_sync_indexed(&self, index: &DocumentIndex) -> Result<SyncTx, StoreError> {
        self.open_sync(&index.source, Some(index)).await
    }

    async fn open_sync(
        &self,
        source: &str,
        index: Option<&DocumentIndex>,
    ) -> Result<SyncTx, StoreError> {
        let mut tx = self.begin_write().await.ctx("begin sync")?;
        let (cache_size_before,): (i64,) = sqlx::query_as("PRAGMA cache_size")
            .fetch_one(&mut *tx)
            .await
            .ctx("begin sync")?;
        sqlx::query(&format!("PRAGMA cache_size = {}", crate::SYNC_CACHE_SIZE))
            .execute(&mut *tx)
            .await
            .ctx("begin sync")?;
        let touched =
            sqlx::query("UPDATE sources SET last_sync_status = last_sync_status WHERE name = ?")
                .bind(source)
                .execute(&mut *tx)
                .await
                .ctx("begin sync")?;
        if touched.rows_affected() == 0 {
            return Err(StoreError::UnknownSource(source.to_string()));
        }
        let docs = held_documents(&mut tx, source, index).await?;
        let (products, contracts) = entity_holders(&mut tx).await?;
        let (max_id,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM documents")
            .fetch_one(&mut *tx)
            .await
            .ctx("begin sync")?;
        Ok(SyncTx {
            tx,
            cache_size_before,
            source: source.to_string(),
            applied: AppliedSync::default(),
            docs,
            products,
            contracts,
            changed_products: BTreeSet::new(),
            removed_products: BTreeSet::new(),
            changed_contracts: BTreeSet::new(),
            removed_contracts: BTreeSet::new(),
            next_doc_id: max_id + 1,
            first_unflushed_id: max_id + 1,
            buffers: Buffers::default(),
            history: Recorder::default(),
            recent_texts: self.recent_texts.clone(),
            pull_cursor: None,
        })
    }
}

/// The source's documents, under the write lock: those of `index` while the cache still holds
/// exactly them (one count over the source's ids), else read now.
async fn held_documents(
    conn: &mut SqliteConnection,
    source: &str,
    index: Option<&DocumentIndex>,
) -> Result<HashMap<String, ExistingDoc>, StoreError> {
    if let Some(index) = index {
        let now: (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(id), 0) FROM documents WHERE source = ?")
                .bind(source)
                .fetch_one(&mut *conn)
                .await
                .ctx("begin sync")?;
        if now == index.id_fingerprint() {
            return Ok(index.held.clone());
        }
    }
    Ok(read_document_index(&mut *conn, source).await?.held)
}

/// Who holds every product id and every (contract id, version) in the cache, all sources.
async fn entity_holders(
    conn: &mut SqliteConnection,
) -> Result<(HashMap<String, Holder>, HashMap<(String, String), Holder>), StoreError> {
    let products: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT p.id, d.source, d.path FROM products p JOIN documents d ON d.id = p.document_id",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx("begin sync")?;
    let contracts: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.id, COALESCE(c.version, ''), d.source, d.path
         FROM contracts c JOIN documents d ON d.id = c.document_id",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx("begin sync")?;
    let products = products
        .into_iter()
        .map(|(id, source, path)| (id, (source, path)))
        .collect();
    let contracts = contracts
        .into_iter()
        .map(|(id, version, source, path)| ((id, version), (source, path)))
        .collect();
    Ok((products, contracts))
}

#[derive(Clone)]
struct ExistingDoc {
    id: i64,
    kind: String,
    entity_id: String,
    /// For contracts: the version, `""` when none (the key in `SyncTx::contracts`).
    contract_version: Option<String>,
}

impl ExistingDoc {
    fn is_product(&self) -> bool {
        self.kind == DocKind::Odps.as_str() || self.kind == DocKind::Dps.as_str()
    }
}

impl SyncTx {
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The open transaction, for other tables written in the same sync (provenance).
    pub(crate) fn connection(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    /// Stores `doc` as the content of `path`, replacing what the path held before.
    pub async fn upsert(
        &mut self,
        path: &str,
        stat: FileStat,
        doc: &ParsedDocument,
    ) -> Result<UpsertOutcome, StoreError> {
        if let Some(conflict) = self.conflict(path, &doc.entity) {
            return Ok(UpsertOutcome::Conflict(conflict));
        }
        let canonical =
            serde_json::to_string(&doc.canonical).map_err(|source| StoreError::Encode {
                what: format!("canonical form of {path}"),
                source,
            })?;
        let replaced = self.remove_document(path).await?;
        self.history.saw(&doc.entity, &canonical)?;
        let doc_id = self.next_doc_id;
        self.next_doc_id += 1;
        self.buffers.documents.push(DocumentRow {
            id: doc_id,
            source: self.source.clone(),
            path: path.to_string(),
            kind: doc.kind.as_str(),
            declared_version: doc.declared_version.clone(),
            content_hash: doc.content_hash.clone(),
            size: i64::try_from(stat.size).unwrap_or(i64::MAX),
            mtime: stat.mtime,
            raw: doc.raw.clone(),
            canonical,
            entity_id: doc.entity.id().to_string(),
        });
        let holder = (self.source.clone(), path.to_string());
        match &doc.entity {
            Entity::Product(product) => {
                self.buffer_product(doc_id, product)?;
                self.products.insert(product.id.clone(), holder);
            }
            Entity::Contract(contract) => {
                self.buffer_contract(doc_id, contract)?;
                let key = (
                    contract.id.clone(),
                    contract.version.clone().unwrap_or_default(),
                );
                self.contracts.insert(key, holder);
            }
        }
        self.docs.insert(
            path.to_string(),
            ExistingDoc {
                id: doc_id,
                kind: doc.kind.as_str().to_string(),
                entity_id: doc.entity.id().to_string(),
                contract_version: match &doc.entity {
                    Entity::Contract(c) => Some(c.version.clone().unwrap_or_default()),
                    Entity::Product(_) => None,
                },
            },
        );
        if self.buffers.documents.len() >= DOCS_PER_FLUSH || self.buffers.columns.len() >= 8 * CHUNK
        {
            self.flush().await?;
        }
        Ok(if replaced {
            self.applied.updated += 1;
            UpsertOutcome::Updated
        } else {
            self.applied.added += 1;
            UpsertOutcome::Added
        })
    }

    /// Removes `path` and its upstream provenance from the cache. Returns false when it was not
    /// cached.
    pub async fn delete(&mut self, path: &str) -> Result<bool, StoreError> {
        let removed = self.remove_document(path).await?;
        self.forget_provenance(path).await?;
        if removed {
            self.applied.removed += 1;
        }
        Ok(removed)
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

    /// Where the source's next pull may start (a catalog server's time, epoch milliseconds),
    /// stored with this sync's commit; left unset, the next pull is a full one.
    pub fn set_pull_cursor(&mut self, cursor: Option<i64>) {
        self.pull_cursor = cursor;
    }

    /// Writes the remaining rows, the source status and its pull cursor, then commits atomically.
    pub async fn commit(
        mut self,
        status: SyncStatus,
        last_error: Option<&str>,
    ) -> Result<AppliedSync, StoreError> {
        self.flush().await?;
        let mut applied = std::mem::take(&mut self.applied);
        // An id that lost its file may still exist elsewhere (moved, or another contract
        // version): then it is a change, not a removal.
        let (changed, removed) = reconcile(
            std::mem::take(&mut self.changed_products),
            std::mem::take(&mut self.removed_products),
            |id| self.products.contains_key(id),
        );
        applied.changed_product_ids = changed;
        applied.removed_product_ids = removed;
        let contract_ids: HashSet<&str> =
            self.contracts.keys().map(|(id, _)| id.as_str()).collect();
        let (changed, removed) = reconcile(
            std::mem::take(&mut self.changed_contracts),
            std::mem::take(&mut self.removed_contracts),
            |id| contract_ids.contains(id),
        );
        applied.changed_contract_ids = changed;
        applied.removed_contract_ids = removed;
        let (products, contracts) = (&self.products, &self.contracts);
        let recording = std::time::Instant::now();
        let recorded = std::mem::take(&mut self.history)
            .commit(&mut self.tx, &self.source, |key| match key.kind() {
                "product" => products.contains_key(key.id()),
                _ => contracts.contains_key(&(key.id().to_string(), key.slot().to_string())),
            })
            .await?;
        applied.history_us = recording.elapsed().as_micros() as u64;
        sqlx::query(
            "UPDATE sources SET last_sync_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                 last_sync_status = ?, last_error = ?, pull_cursor = ? WHERE name = ?",
        )
        .bind(status.as_str())
        .bind(last_error)
        .bind(self.pull_cursor)
        .bind(&self.source)
        .execute(&mut *self.tx)
        .await
        .ctx("record sync status")?;
        // Back to the connection's own cache (a pooled reader's is small); the dirty pages this
        // releases are written to the WAL now rather than at COMMIT, which is the same work.
        sqlx::query(&format!("PRAGMA cache_size = {}", self.cache_size_before))
            .execute(&mut *self.tx)
            .await
            .ctx("commit sync")?;
        self.tx.commit().await.ctx("commit sync")?;
        self.recent_texts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keep(recorded);
        Ok(applied)
    }

    /// Deletes the document at `path` (its derived rows go by cascade) and forgets its entity.
    async fn remove_document(&mut self, path: &str) -> Result<bool, StoreError> {
        let Some(old) = self.docs.remove(path) else {
            return Ok(false);
        };
        if old.id >= self.first_unflushed_id {
            self.flush().await?;
        }
        let canonical: Option<(Option<String>,)> =
            sqlx::query_as("DELETE FROM documents WHERE id = ? RETURNING canonical")
                .bind(old.id)
                .fetch_optional(&mut *self.tx)
                .await
                .ctx("delete document")?;
        let slot = old.contract_version.as_deref();
        self.history.lost(
            &old.entity_id,
            (!old.is_product()).then_some(slot.unwrap_or_default()),
            canonical.and_then(|(text,)| text),
        );
        if old.is_product() {
            self.products.remove(&old.entity_id);
            self.removed_products.insert(old.entity_id);
        } else {
            let version = old.contract_version.unwrap_or_default();
            self.contracts.remove(&(old.entity_id.clone(), version));
            self.removed_contracts.insert(old.entity_id);
        }
        Ok(true)
    }

    fn conflict(&self, path: &str, entity: &Entity) -> Option<EntityConflict> {
        let (kind, id, version, holder) = match entity {
            Entity::Product(p) => (EntityKind::Product, &p.id, None, self.products.get(&p.id)),
            Entity::Contract(c) => {
                let key = (c.id.clone(), c.version.clone().unwrap_or_default());
                (
                    EntityKind::Contract,
                    &c.id,
                    c.version.as_ref(),
                    self.contracts.get(&key),
                )
            }
        };
        let (source, held_path) = holder?;
        if source == &self.source && held_path == path {
            return None;
        }
        Some(EntityConflict {
            kind,
            id: id.clone(),
            version: version.cloned(),
            source: source.clone(),
            path: held_path.clone(),
        })
    }

    fn buffer_product(&mut self, doc_id: i64, p: &Product) -> Result<(), StoreError> {
        self.buffers.products.push(ProductRow {
            id: p.id.clone(),
            document_id: doc_id,
            name: p.name.clone(),
            domain: p.domain.clone(),
            status: p.status.clone(),
            version: p.version.clone(),
            owner_team: p.owner_team.clone(),
            owner: p.owner.clone(),
            description: p.description.clone(),
            classification: p.classification.clone(),
            entity: encode_entity(p, &p.id)?,
        });
        self.buffers
            .tags
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
            self.buffers.ports.push(PortRow {
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

    fn buffer_contract(&mut self, doc_id: i64, c: &Contract) -> Result<(), StoreError> {
        self.buffers.contracts.push(ContractRow {
            document_id: doc_id,
            id: c.id.clone(),
            version: c.version.clone(),
            name: c.name.clone(),
            status: c.status.clone(),
            domain: c.domain.clone(),
            owner_team: c.owner_team.clone(),
            classification: c.classification.clone(),
            entity: encode_entity(c, &c.id)?,
        });
        for (i, dataset) in c.datasets.iter().enumerate() {
            self.buffers.datasets.push(DatasetRow {
                document_id: doc_id,
                ordinal: i as i64,
                name: dataset.name.clone(),
                physical_name: dataset.physical_name.clone(),
                physical_type: dataset.physical_type.clone(),
                description: dataset.description.clone(),
                classification: dataset.classification.clone(),
            });
            self.buffers
                .columns
                .extend(
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

    /// Writes every buffered row, parents before children (foreign keys are checked per row).
    async fn flush(&mut self) -> Result<(), StoreError> {
        let conn: &mut SqliteConnection = &mut self.tx;
        let b = &mut self.buffers;
        insert_rows(conn, &mut b.documents).await?;
        insert_rows(conn, &mut b.products).await?;
        insert_rows(conn, &mut b.contracts).await?;
        insert_rows(conn, &mut b.datasets).await?;
        insert_rows(conn, &mut b.columns).await?;
        insert_rows(conn, &mut b.tags).await?;
        insert_rows(conn, &mut b.ports).await?;
        self.first_unflushed_id = self.next_doc_id;
        Ok(())
    }
}

fn reconcile(
    mut changed: BTreeSet<String>,
    removed: BTreeSet<String>,
    still_cached: impl Fn(&str) -> bool,
) -> (Vec<String>, Vec<String>) {
    let mut gone = Vec::new();
    for id in removed {
        if still_cached(&id) {
            changed.insert(id);
        } else {
            gone.push(id);
        }
    }
    (changed.into_iter().collect(), gone)
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
) -> Result<(), StoreError> {
    while !rows.is_empty() {
        let take = rows.len().min(CHUNK);
        let mut query: QueryBuilder<'static, Sqlite> = QueryBuilder::new(R::INSERT);
        query.push_values(rows.drain(..take), |mut b, row| row.bind(&mut b));
        query
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("insert rows")?;
    }
    Ok(())
}

struct DocumentRow {
    id: i64,
    source: String,
    path: String,
    kind: &'static str,
    declared_version: String,
    content_hash: String,
    size: i64,
    mtime: i64,
    raw: String,
    canonical: String,
    entity_id: String,
}

impl BufferedRow for DocumentRow {
    const INSERT: &'static str = "INSERT INTO documents (id, source, path, kind, declared_version, content_hash, size, mtime, raw, canonical, entity_id) ";
    fn bind(self, b: &mut Separated<'_, 'static, Sqlite, &'static str>) {
        b.push_bind(self.id)
            .push_bind(self.source)
            .push_bind(self.path)
            .push_bind(self.kind)
            .push_bind(self.declared_version)
            .push_bind(self.content_hash)
            .push_bind(self.size)
            .push_bind(self.mtime)
            .push_bind(self.raw)
            .push_bind(self.canonical)
            .push_bind(self.entity_id);
    }
}

struct ProductRow {
    id: String,
    document_id: i64,
    name: Option<String>,
    domain: Option<String>,
    status: Option<String>,
    version: Option<String>,
    owner_team: Option<String>,
    owner: Option<String>,
    description: Option<String>,
    classification: Option<String>,
    entity: String,
}

impl BufferedRow for ProductRow {
    const INSERT: &'static str = "INSERT INTO products (id, document_id, name, domain, status, version, owner_team, owner, description, classification, entity) ";
    fn bind(self, b: &mut Separated<'_, 'static, Sqlite, &'static str>) {
        b.push_bind(self.id)
            .push_bind(self.document_id)
            .push_bind(self.name)
            .push_bind(self.domain)
            .push_bind(self.status)
            .push_bind(self.version)
            .push_bind(self.owner_team)
            .push_bind(self.owner)
            .push_bind(self.description)
            .push_bind(self.classification)
            .push_bind(self.entity);
    }
}

struct ContractRow {
    document_id: i64,
    id: String,
    version: Option<String>,
    name: Option<String>,
    status: Option<String>,
    domain: Option<String>,
    owner_team: Option<String>,
    classification: Option<String>,
    entity: String,
}

impl BufferedRow for ContractRow {
    const INSERT: &'static str = "INSERT INTO contracts (document_id, id, version, name, status, domain, owner_team, classification, entity) ";
    fn bind(self, b: &mut Separated<'_, 'static, Sqlite, &'static str>) {
        b.push_bind(self.document_id)
            .push_bind(self.id)
            .push_bind(self.version)
            .push_bind(self.name)
            .push_bind(self.status)
            .push_bind(self.domain)
            .push_bind(self.owner_team)
            .push_bind(self.classification)
            .push_bind(self.entity);
    }
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
