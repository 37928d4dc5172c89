//! History (migration 0010): the versions of products, contracts and datasets each sync saw, kept compressed
//! up to a limit per entity, the syncs, follows and how far the user has read the change feed.
//!
//! A sync notes what it stored and removed ([`Recorder`]); at commit, in the same transaction, every entity
//! whose canonical form hashes differently from its newest kept version gets a new version. A version's
//! comparison with the one before it (`changes`, `breaking`, `summary`) is derived later by the app, which
//! owns the classifier.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::sync::OnceLock;

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use meshlens_model::{Contract, Entity, Product, content_hash};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::StoreError;
use crate::error::Ctx;

/// Versions kept per entity when nothing else is installed.
pub const DEFAULT_HISTORY_VERSIONS: usize = 50;
static HISTORY_VERSIONS: OnceLock<usize> = OnceLock::new();

/// Sets how many versions of each entity every sync of this process keeps (the first call counts).
pub fn install_history_limit(versions: usize) {
    let _ = HISTORY_VERSIONS.set(versions.max(2));
}

/// Versions kept per entity.
pub fn history_limit() -> usize {
    HISTORY_VERSIONS
        .get()
        .copied()
        .unwrap_or(DEFAULT_HISTORY_VERSIONS)
}

/// Deflate (flate2 on miniz_oxide, pure Rust): descriptor JSON shrinks 4-6x at level 6.
pub(crate) fn pack(text: &str) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::with_capacity(text.len() / 4), Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(text.as_bytes());
    encoder.finish().unwrap_or_default()
}

pub(crate) fn unpack(bytes: &[u8], version_id: i64) -> Result<String, StoreError> {
    let mut text = String::new();
    DeflateDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|source| StoreError::CorruptHistory { version_id, source })?;
    Ok(text)
}

/// What one history entry is about: the kind, the id (`contract/dataset` for datasets) and the slot that tells
/// apart what the cache holds side by side under one id (a contract's version; `""` otherwise).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct EntityKey {
    kind: &'static str,
    id: String,
    slot: String,
}

/// An entity as a sync stored it.
struct Seen {
    version: Option<String>,
    hash: String,
    name: Option<String>,
    domain: Option<String>,
    body: String,
}

/// What one sync stored and removed, for the versions its commit records.
#[derive(Default)]
pub(crate) struct Recorder {
    seen: BTreeMap<EntityKey, Seen>,
    /// Products and contracts whose file went away (they may come back from another file in this sync).
    gone: BTreeSet<EntityKey>,
}

impl Recorder {
    /// Notes an entity stored from a document whose canonical JSON text is `canonical`.
    pub(crate) fn saw(&mut self, entity: &Entity, canonical: &str) -> Result<(), StoreError> {
        match entity {
            Entity::Product(p) => self.saw_product(p, canonical),
            Entity::Contract(c) => self.saw_contract(c, canonical)?,
        }
        Ok(())
    }

    fn saw_product(&mut self, p: &Product, canonical: &str) {
        let key = EntityKey {
            kind: "product",
            id: p.id.clone(),
            slot: String::new(),
        };
        let seen = Seen {
            version: p.version.clone(),
            hash: content_hash(canonical.as_bytes()),
            name: p.name.clone(),
            domain: p.domain.clone(),
            body: canonical.to_string(),
        };
        self.seen.insert(key, seen);
    }

    fn saw_contract(&mut self, c: &Contract, canonical: &str) -> Result<(), StoreError> {
        let slot = c.version.clone().unwrap_or_default();
        for dataset in &c.datasets {
            let body = serde_json::to_string(dataset).map_err(|source| StoreError::Encode {
                what: format!("dataset {}/{}", c.id, dataset.name),
                source,
            })?;
            let key = EntityKey {
                kind: "dataset",
                id: format!("{}/{}", c.id, dataset.name),
                slot: slot.clone(),
            };
            let seen = Seen {
                version: c.version.clone(),
                hash: content_hash(body.as_bytes()),
                name: Some(dataset.name.clone()),
                domain: c.domain.clone(),
                body,
            };
            self.seen.insert(key, seen);
        }
        let key = EntityKey {
            kind: "contract",
            id: c.id.clone(),
            slot,
        };
        let seen = Seen {
            version: c.version.clone(),
            hash: content_hash(canonical.as_bytes()),
            name: c.name.clone(),
            domain: c.domain.clone(),
            body: canonical.to_string(),
        };
        self.seen.insert(key, seen);
        Ok(())
    }

    /// Notes that the file holding a product (`slot` None) or a contract version went away.
    pub(crate) fn lost(&mut self, entity_id: &str, contract_slot: Option<&str>) {
        self.gone.insert(EntityKey {
            kind: if contract_slot.is_some() {
                "contract"
            } else {
                "product"
            },
            id: entity_id.to_string(),
            slot: contract_slot.unwrap_or_default().to_string(),
        });
    }

    /// Records, in the sync's transaction, one sync row and a version for every entity that changed.
    /// `still_cached` says whether a product or contract version that lost its file is held by another.
    pub(crate) async fn commit(
        self,
        tx: &mut Transaction<'static, Sqlite>,
        source: &str,
        still_cached: impl Fn(&EntityKey) -> bool,
    ) -> Result<i64, StoreError> {
        let conn: &mut SqliteConnection = tx;
        let (sync_id,): (i64,) =
            sqlx::query_as("INSERT INTO syncs (source) VALUES (?) RETURNING id")
                .bind(source)
                .fetch_one(&mut *conn)
                .await
                .ctx("record sync")?;
        let mut removed: BTreeSet<EntityKey> = self
            .gone
            .into_iter()
            .filter(|key| !self.seen.contains_key(key) && !still_cached(key))
            .collect();
        // The datasets of a changed or removed contract that are no longer in it.
        let touched: Vec<EntityKey> = self.seen.keys().chain(&removed).cloned().collect();
        for key in touched.iter().filter(|k| k.kind == "contract") {
            for dataset in live_datasets(conn, key).await? {
                if !self.seen.contains_key(&dataset) {
                    removed.insert(dataset);
                }
            }
        }
        let mut written = Vec::new();
        for (key, seen) in &self.seen {
            let op = match newest(conn, key).await? {
                Some(n) if n.op != "removed" && n.hash.as_deref() == Some(&seen.hash) => continue,
                Some(n) if n.op != "removed" => "changed",
                _ => "added",
            };
            insert_version(conn, sync_id, source, key, op, seen).await?;
            written.push(key);
        }
        for key in &removed {
            let Some(last) = newest(conn, key).await?.filter(|n| n.op != "removed") else {
                continue;
            };
            // A removal keeps the name, domain and version it had, so the feed can place it.
            let gone = Seen {
                version: last.version,
                hash: String::new(),
                name: last.name,
                domain: last.domain,
                body: String::new(),
            };
            insert_version(conn, sync_id, source, key, "removed", &gone).await?;
            written.push(key);
        }
        for key in written {
            prune(conn, key).await?;
        }
        Ok(sync_id)
    }
}

/// What a new version is compared with: the newest kept one.
#[derive(sqlx::FromRow)]
struct Newest {
    op: String,
    hash: Option<String>,
    version: Option<String>,
    name: Option<String>,
    domain: Option<String>,
}

async fn newest(
    conn: &mut SqliteConnection,
    key: &EntityKey,
) -> Result<Option<Newest>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT op, content_hash AS hash, version, name, domain FROM entity_versions WHERE entity_id = ? AND kind = ? AND slot = ?
         ORDER BY id DESC LIMIT 1",
    )
    .bind(&key.id)
    .bind(key.kind)
    .bind(&key.slot)
    .fetch_optional(&mut *conn)
    .await
    .ctx("read newest version")?)
}

/// Datasets of the contract version `contract` whose newest kept version is not a removal.
async fn live_datasets(
    conn: &mut SqliteConnection,
    contract: &EntityKey,
) -> Result<Vec<EntityKey>, StoreError> {
    let prefix = format!("{}/", contract.id);
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT v.entity_id FROM entity_versions v
         WHERE v.kind = 'dataset' AND v.slot = ?1 AND substr(v.entity_id, 1, length(?2)) = ?2
           AND v.id = (SELECT MAX(id) FROM entity_versions w
                       WHERE w.entity_id = v.entity_id AND w.kind = 'dataset' AND w.slot = ?1)
           AND v.op != 'removed'",
    )
    .bind(&contract.slot)
    .bind(&prefix)
    .fetch_all(&mut *conn)
    .await
    .ctx("read datasets of a contract")?;
    Ok(ids
        .into_iter()
        .map(|(id,)| EntityKey {
            kind: "dataset",
            id,
            slot: contract.slot.clone(),
        })
        .collect())
}

async fn insert_version(
    conn: &mut SqliteConnection,
    sync_id: i64,
    source: &str,
    key: &EntityKey,
    op: &str,
    seen: &Seen,
) -> Result<(), StoreError> {
    let removed = op == "removed";
    sqlx::query(
        "INSERT INTO entity_versions (kind, entity_id, slot, op, version, content_hash, name, domain, source, sync_id, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(key.kind)
    .bind(&key.id)
    .bind(&key.slot)
    .bind(op)
    .bind(seen.version.as_deref())
    .bind((!removed).then_some(seen.hash.as_str()))
    .bind(seen.name.as_deref())
    .bind(seen.domain.as_deref())
    .bind(source)
    .bind(sync_id)
    .bind((!removed).then(|| pack(&seen.body)))
    .execute(&mut *conn)
    .await
    .ctx("record version")?;
    Ok(())
}

/// Drops the versions of `key` beyond the newest [`history_limit`].
async fn prune(conn: &mut SqliteConnection, key: &EntityKey) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM entity_versions WHERE entity_id = ?1 AND kind = ?2 AND slot = ?3 AND id <= (
             SELECT id FROM entity_versions WHERE entity_id = ?1 AND kind = ?2 AND slot = ?3
             ORDER BY id DESC LIMIT 1 OFFSET ?4)",
    )
    .bind(&key.id)
    .bind(key.kind)
    .bind(&key.slot)
    .bind(i64::try_from(history_limit()).unwrap_or(i64::MAX))
    .execute(&mut *conn)
    .await
    .ctx("prune history")?;
    Ok(())
}

impl EntityKey {
    pub(crate) fn kind(&self) -> &str {
        self.kind
    }
    pub(crate) fn id(&self) -> &str {
        &self.id
    }
    pub(crate) fn slot(&self) -> &str {
        &self.slot
    }
}
