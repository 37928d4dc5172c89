//! History (migration 0011): the versions of products, contracts and datasets each sync saw, kept compressed
//! up to a limit per entity, the syncs, follows and how far the user has read the change feed.
//!
//! A sync notes what it stored and removed ([`Recorder`]); at commit, in the same transaction, every entity
//! whose canonical form hashes differently from its newest kept version gets a new version. A version's
//! comparison with the one before it (`changes`, `breaking`, `summary`) is derived later by the app, which
//! owns the classifier.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use meshlens_model::{Contract, Entity, Product, content_hash};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::StoreError;
use crate::change_lists::pack_changes;
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

/// A keyframe (a body deflated on its own) every this many versions of an entity: reading a version
/// inflates at most this many bodies.
const KEYFRAME_EVERY: i64 = 8;
/// A kept body never inflates past this (a damaged cache must not exhaust memory).
const MAX_BODY_BYTES: usize = 256 << 20;
/// What a sync holds of the texts its files replaced, and what the store holds of the texts just recorded, each
/// at most: past it, recording and comparing inflate the kept bodies instead (slower, same result).
const TEXTS_BUDGET: usize = 64 << 20;

/// Raw deflate at level 6, with `dictionary` (the version before) preset: a version that changed one field
/// costs tens of bytes instead of a whole compressed document.
pub(crate) fn pack(text: &str, dictionary: Option<&str>) -> Vec<u8> {
    let mut deflate = Compress::new(Compression::new(6), false);
    if let Some(dictionary) = dictionary {
        // Fails only on a stream already started.
        let _ = deflate.set_dictionary(dictionary.as_bytes());
    }
    let input = text.as_bytes();
    let mut out = Vec::with_capacity(input.len() / 3 + 64);
    loop {
        let read = usize::try_from(deflate.total_in()).unwrap_or(input.len());
        match deflate.compress_vec(&input[read..], &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) | Err(_) => return out,
            Ok(_) => out.reserve(out.capacity().max(256)),
        }
    }
}

pub(crate) fn unpack(
    bytes: &[u8],
    dictionary: Option<&str>,
    version_id: i64,
) -> Result<String, StoreError> {
    let corrupt = |detail: String| StoreError::CorruptHistory { version_id, detail };
    let mut inflate = Decompress::new(false);
    if let Some(dictionary) = dictionary {
        inflate
            .set_dictionary(dictionary.as_bytes())
            .map_err(|e| corrupt(e.to_string()))?;
    }
    let mut out = Vec::with_capacity(bytes.len() * 4 + 64);
    loop {
        let read = usize::try_from(inflate.total_in()).unwrap_or(bytes.len());
        let status = inflate
            .decompress_vec(&bytes[read..], &mut out, FlushDecompress::Finish)
            .map_err(|e| corrupt(e.to_string()))?;
        match status {
            Status::StreamEnd => break,
            _ if out.len() >= MAX_BODY_BYTES => return Err(corrupt("too large".into())),
            Status::BufError if read == bytes.len() && out.len() < out.capacity() => {
                return Err(corrupt("truncated".into()));
            }
            _ => out.reserve(out.capacity().max(256)),
        }
    }
    String::from_utf8(out).map_err(|e| corrupt(e.to_string()))
}

/// The text of version `version_id`: its keyframe inflated, then each version after it with the one before as
/// dictionary. None for a removal.
pub(crate) async fn read_body(
    conn: &mut SqliteConnection,
    version_id: i64,
) -> Result<Option<String>, StoreError> {
    read_chain(conn, version_id, |_, _| {}).await
}

/// [`read_body`], showing `visit` the text of every version on the way (the keyframe first).
pub(crate) async fn read_chain(
    conn: &mut SqliteConnection,
    version_id: i64,
    mut visit: impl FnMut(i64, &str),
) -> Result<Option<String>, StoreError> {
    let chain: Vec<(i64, Option<Vec<u8>>)> = sqlx::query_as(
        "WITH RECURSIVE chain(id, base_id, body, n) AS (
             SELECT id, base_id, body, 0 FROM entity_versions WHERE id = ?
             UNION ALL
             SELECT v.id, v.base_id, v.body, c.n + 1 FROM entity_versions v JOIN chain c ON v.id = c.base_id
         )
         SELECT id, body FROM chain ORDER BY n DESC",
    )
    .bind(version_id)
    .fetch_all(&mut *conn)
    .await
    .ctx("read version body")?;
    let mut text: Option<String> = None;
    for (id, body) in chain {
        let Some(body) = body else { return Ok(None) };
        let inflated = unpack(&body, text.as_deref(), id)?;
        visit(id, &inflated);
        text = Some(inflated);
    }
    Ok(text)
}

/// What one history entry is about: the kind, the id (`contract/dataset` for datasets) and the slot that tells
/// apart what the cache holds side by side under one id (a contract's version; `""` otherwise).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// The canonical texts those files held: the newest kept version's text when its hash says so, which spares
    /// inflating its chain to use it as the dictionary and to compare with it.
    replaced: HashMap<EntityKey, String>,
    replaced_bytes: usize,
}

/// A version a commit recorded, with the text of the version before it.
pub(crate) struct JustRecorded {
    version_id: i64,
    hash: String,
    before: String,
    after: String,
}

/// The texts of versions recorded by this process's syncs, until the comparison derived after the sync takes them
/// (it would otherwise inflate both chains again). At most [`TEXTS_BUDGET`] bytes.
#[derive(Default)]
pub(crate) struct RecentTexts {
    by_version: HashMap<i64, JustRecorded>,
    bytes: usize,
}

impl RecentTexts {
    pub(crate) fn keep(&mut self, recorded: Vec<JustRecorded>) {
        for entry in recorded {
            let size = entry.before.len() + entry.after.len();
            if self.bytes + size <= TEXTS_BUDGET {
                self.bytes += size;
                self.by_version.insert(entry.version_id, entry);
            }
        }
    }

    /// The texts before and of `version_id`, if kept and still of a version with `hash` (an id is reused after
    /// the newest versions are deleted, by another process too).
    pub(crate) fn take(&mut self, version_id: i64, hash: Option<&str>) -> Option<(String, String)> {
        let entry = self.by_version.remove(&version_id)?;
        self.bytes -= entry.before.len() + entry.after.len();
        (Some(entry.hash.as_str()) == hash).then_some((entry.before, entry.after))
    }
}

impl std::fmt::Debug for RecentTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RecentTexts({} versions, {} bytes)",
            self.by_version.len(),
            self.bytes
        )
    }
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

    /// Notes that the file holding a product (`slot` None) or a contract version went away, and the canonical
    /// text it held.
    pub(crate) fn lost(
        &mut self,
        entity_id: &str,
        contract_slot: Option<&str>,
        text: Option<String>,
    ) {
        let key = EntityKey {
            kind: if contract_slot.is_some() {
                "contract"
            } else {
                "product"
            },
            id: entity_id.to_string(),
            slot: contract_slot.unwrap_or_default().to_string(),
        };
        if let Some(text) = text.filter(|t| self.replaced_bytes + t.len() <= TEXTS_BUDGET) {
            self.replaced_bytes += text.len();
            self.replaced.insert(key.clone(), text);
        }
        self.gone.insert(key);
    }

    /// Records, in the sync's transaction, one sync row and a version for every entity that changed; returns the
    /// changed versions with the texts compared. `still_cached` says whether a product or contract version that
    /// lost its file is held by another.
    pub(crate) async fn commit(
        mut self,
        tx: &mut Transaction<'static, Sqlite>,
        source: &str,
        still_cached: impl Fn(&EntityKey) -> bool,
    ) -> Result<Vec<JustRecorded>, StoreError> {
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
        let (mut written, mut recorded) = (Vec::new(), Vec::new());
        for (key, seen) in std::mem::take(&mut self.seen) {
            let replaced = self.replaced.remove(&key);
            if let Some(done) = record_seen(conn, sync_id, &key, seen, replaced).await? {
                written.push(done.entity);
                recorded.extend(done.texts);
            }
        }
        for key in &removed {
            written.extend(record_removal(conn, sync_id, key).await?);
        }
        for entity in written {
            prune(conn, entity).await?;
        }
        Ok(recorded)
    }
}

/// A version's body as stored.
struct Encoded {
    body: Option<Vec<u8>>,
    base_id: Option<i64>,
    depth: i64,
}

/// What [`record_seen`] recorded: the entity, and the texts to compare when it changed.
struct Recorded {
    entity: i64,
    texts: Option<JustRecorded>,
}

/// Records `seen` unless its newest kept version has the same hash. `replaced` is the text the entity's file held
/// before this sync, if known.
async fn record_seen(
    conn: &mut SqliteConnection,
    sync_id: i64,
    key: &EntityKey,
    seen: Seen,
    replaced: Option<String>,
) -> Result<Option<Recorded>, StoreError> {
    let newest = newest(conn, key).await?;
    let entity = match &newest {
        Some(n) => n.entity,
        None => intern(conn, key).await?,
    };
    let live = newest.filter(|n| n.op != "removed");
    if live
        .as_ref()
        .is_some_and(|n| n.hash.as_deref() == Some(&seen.hash))
    {
        return Ok(None);
    }
    let before = match &live {
        Some(n) => text_before(conn, n, replaced).await?,
        None => None,
    };
    // The version before is the dictionary, unless the chain back to a keyframe is long enough.
    let base = live
        .as_ref()
        .filter(|n| n.depth + 1 < KEYFRAME_EVERY && before.is_some());
    let encoded = Encoded {
        body: Some(pack(&seen.body, base.and(before.as_deref()))),
        base_id: base.map(|n| n.id),
        depth: base.map_or(0, |n| n.depth + 1),
    };
    let at = Recording {
        sync_id,
        entity,
        kind: key.kind,
        op: if live.is_some() { "changed" } else { "added" },
    };
    let version_id = insert_version(conn, &at, &seen, encoded).await?;
    let texts = before.map(|before| JustRecorded {
        version_id,
        hash: seen.hash,
        before,
        after: seen.body,
    });
    Ok(Some(Recorded { entity, texts }))
}

/// The text of `newest`: the `replaced` text of its file when it hashes the same, else its kept body unless a
/// keyframe comes next anyway (then the comparison reads it later).
async fn text_before(
    conn: &mut SqliteConnection,
    newest: &Newest,
    replaced: Option<String>,
) -> Result<Option<String>, StoreError> {
    let replaced =
        replaced.filter(|text| newest.hash.as_deref() == Some(&content_hash(text.as_bytes())));
    match replaced {
        Some(text) => Ok(Some(text)),
        None if newest.depth + 1 < KEYFRAME_EVERY => read_body(conn, newest.id).await,
        None => Ok(None),
    }
}

/// Records the removal of `key` unless it is already removed; the entity's key when it did.
async fn record_removal(
    conn: &mut SqliteConnection,
    sync_id: i64,
    key: &EntityKey,
) -> Result<Option<i64>, StoreError> {
    let Some(last) = newest(conn, key).await?.filter(|n| n.op != "removed") else {
        return Ok(None);
    };
    // A removal keeps the name, domain and version it had, so the feed can place it.
    let gone = Seen {
        version: last.version,
        hash: String::new(),
        name: last.name,
        domain: last.domain,
        body: String::new(),
    };
    let encoded = Encoded {
        body: None,
        base_id: None,
        depth: 0,
    };
    let at = Recording {
        sync_id,
        entity: last.entity,
        kind: key.kind,
        op: "removed",
    };
    insert_version(conn, &at, &gone, encoded).await?;
    Ok(Some(last.entity))
}

/// What a new version is compared with: the newest kept one.
#[derive(sqlx::FromRow)]
struct Newest {
    id: i64,
    /// The interned entity (`history_entities`).
    entity: i64,
    depth: i64,
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
        "SELECT v.id, v.entity, v.depth, v.op, IIF(v.hash IS NULL, NULL, lower(hex(v.hash))) AS hash, v.version, v.name, v.domain
         FROM history_entities e JOIN entity_versions v ON v.entity = e.id
         WHERE e.entity_id = ? AND e.kind = ? AND e.slot = ?
         ORDER BY v.id DESC LIMIT 1",
    )
    .bind(&key.id)
    .bind(key.kind)
    .bind(&key.slot)
    .fetch_optional(&mut *conn)
    .await
    .ctx("read newest version")?)
}

/// The integer key of `key` in `history_entities`, added if it has none.
async fn intern(conn: &mut SqliteConnection, key: &EntityKey) -> Result<i64, StoreError> {
    // DO UPDATE (a no-op) rather than DO NOTHING: RETURNING then answers for an existing row too.
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO history_entities (kind, entity_id, slot) VALUES (?, ?, ?)
         ON CONFLICT (entity_id, kind, slot) DO UPDATE SET slot = excluded.slot RETURNING id",
    )
    .bind(key.kind)
    .bind(&key.id)
    .bind(&key.slot)
    .fetch_one(&mut *conn)
    .await
    .ctx("record entity")?;
    Ok(id)
}

/// Datasets of the contract version `contract` whose newest kept version is not a removal.
async fn live_datasets(
    conn: &mut SqliteConnection,
    contract: &EntityKey,
) -> Result<Vec<EntityKey>, StoreError> {
    // `contract/` up to `contract0` ('0' follows '/'): a range of the entities' index, not a scan.
    let (from, to) = (format!("{}/", contract.id), format!("{}0", contract.id));
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT e.entity_id FROM history_entities e
         WHERE e.entity_id >= ?2 AND e.entity_id < ?3 AND e.kind = 'dataset' AND e.slot = ?1
           AND (SELECT v.op FROM entity_versions v WHERE v.entity = e.id ORDER BY v.id DESC LIMIT 1)
               != 'removed'",
    )
    .bind(&contract.slot)
    .bind(&from)
    .bind(&to)
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

/// Where a new version goes: its sync, its entity and what happened to it.
struct Recording {
    sync_id: i64,
    entity: i64,
    kind: &'static str,
    op: &'static str,
}

/// Inserts a version; its id.
async fn insert_version(
    conn: &mut SqliteConnection,
    at: &Recording,
    seen: &Seen,
    encoded: Encoded,
) -> Result<i64, StoreError> {
    let removed = at.op == "removed";
    // An addition or a removal needs no comparison: it is summarised here (with no change listed); a change
    // waits for the app's classifier (summary NULL).
    let summary = (at.op != "changed").then(|| format!("{} {}", at.kind, at.op));
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO entity_versions (entity, op, version, hash, name, domain, sync_id, body, base_id, depth,
             changes, breaking, summary)
         VALUES (?, ?, ?, unhex(?), ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(at.entity)
    .bind(at.op)
    .bind(seen.version.as_deref())
    .bind((!removed).then_some(seen.hash.as_str()))
    .bind(seen.name.as_deref())
    .bind(seen.domain.as_deref())
    .bind(at.sync_id)
    .bind(encoded.body)
    .bind(encoded.base_id)
    .bind(encoded.depth)
    .bind(summary.is_some().then(|| pack_changes("[]")))
    .bind(summary.is_some().then_some(removed))
    .bind(summary)
    .fetch_one(&mut *conn)
    .await
    .ctx("record version")?;
    Ok(id)
}

/// Drops the versions of `entity` beyond the newest [`history_limit`]; the oldest one kept becomes a keyframe
/// first when its dictionary is among them.
async fn prune(conn: &mut SqliteConnection, entity: i64) -> Result<(), StoreError> {
    let oldest_kept: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, base_id FROM entity_versions WHERE entity = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
    )
    .bind(entity)
    .bind(i64::try_from(history_limit()).unwrap_or(i64::MAX) - 1)
    .fetch_optional(&mut *conn)
    .await
    .ctx("prune history")?;
    let Some((id, base_id)) = oldest_kept else {
        return Ok(());
    };
    if base_id.is_some() {
        let text = read_body(conn, id).await?.unwrap_or_default();
        sqlx::query("UPDATE entity_versions SET body = ?, base_id = NULL, depth = 0 WHERE id = ?")
            .bind(pack(&text, None))
            .bind(id)
            .execute(&mut *conn)
            .await
            .ctx("prune history")?;
    }
    sqlx::query("DELETE FROM entity_versions WHERE entity = ? AND id < ?")
        .bind(entity)
        .bind(id)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A version deflated with the one before it as dictionary costs a fraction of a stand-alone one.
    #[test]
    fn a_version_packed_against_the_one_before_is_small_and_reads_back() {
        let before: String = (0..200)
            .map(|i| format!("{{\"name\":\"column_{i}\",\"logicalType\":\"number\"}},"))
            .collect();
        let after = before.replacen("column_7\"", "column_seven\"", 1);
        let alone = pack(&after, None);
        let delta = pack(&after, Some(&before));
        assert!(
            delta.len() * 3 < alone.len(),
            "{} vs {}",
            delta.len(),
            alone.len()
        );
        assert_eq!(unpack(&delta, Some(&before), 1).unwrap(), after);
        assert_eq!(unpack(&alone, None, 1).unwrap(), after);
        assert!(unpack(&alone[..alone.len() / 2], None, 1).is_err());
    }

    fn recorded(version_id: i64, hash: &str, size: usize) -> JustRecorded {
        JustRecorded {
            version_id,
            hash: hash.into(),
            before: "b".repeat(size),
            after: "a".repeat(size),
        }
    }

    /// Texts are handed over once, only for the version they were recorded for, and never past the budget.
    #[test]
    fn recent_texts_go_once_to_the_same_version_and_stay_within_the_budget() {
        let mut recent = RecentTexts::default();
        recent.keep(vec![recorded(1, "h1", 10), recorded(2, "h2", 10)]);
        assert_eq!(
            recent.take(1, Some("h1")),
            Some(("b".repeat(10), "a".repeat(10)))
        );
        assert_eq!(recent.take(1, Some("h1")), None, "taken already");
        // Id 2 reused by another version (its newest versions deleted meanwhile): not its texts.
        assert_eq!(recent.take(2, Some("other")), None);
        assert_eq!(recent.bytes, 0);
        recent.keep(vec![
            recorded(3, "h3", TEXTS_BUDGET / 2 + 1),
            recorded(4, "h4", 1),
        ]);
        assert!(recent.take(3, Some("h3")).is_none(), "over the budget");
        assert!(recent.take(4, Some("h4")).is_some());
    }
}
