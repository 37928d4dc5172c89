//! Reading history (migration 0011): the versions of one entity, the versions the syncs of a window
//! recorded, the comparisons the app derives for them, follows and the feed's read mark.

use std::sync::Mutex;

use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection};

use crate::change_lists::{pack_changes, unpack_changes};
use crate::error::Ctx;
use crate::history::{RecentTexts, read_body, read_chain};
use crate::{Store, StoreError};

/// One kept version, without its body.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct VersionRow {
    pub id: i64,
    /// product | contract | dataset
    pub kind: String,
    pub entity_id: String,
    /// A contract's version (`""` for products and datasets of unversioned contracts).
    pub slot: String,
    /// added | changed | removed
    pub op: String,
    /// The version the entity declares.
    pub version: Option<String>,
    pub content_hash: Option<String>,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub source: String,
    pub sync_id: i64,
    pub seen_at: String,
    /// JSON list of field changes against the previous version; None until derived.
    #[sqlx(skip)]
    pub changes: Option<String>,
    pub breaking: Option<bool>,
    pub summary: Option<String>,
}

/// A [`VersionRow`] as stored: its change list deflated.
#[derive(FromRow)]
struct StoredVersion {
    #[sqlx(flatten)]
    row: VersionRow,
    changes: Option<Vec<u8>>,
}

impl StoredVersion {
    fn read(self) -> Result<VersionRow, StoreError> {
        let mut row = self.row;
        row.changes = match self.changes {
            Some(bytes) => Some(unpack_changes(&bytes, row.id)?),
            None => None,
        };
        Ok(row)
    }
}

fn read_all(rows: Vec<StoredVersion>) -> Result<Vec<VersionRow>, StoreError> {
    rows.into_iter().map(StoredVersion::read).collect()
}

/// A version with its entity (interned, migration 0014) and its sync.
const VERSIONS: &str = "SELECT v.id, e.kind, e.entity_id, e.slot, v.op, v.version,
         IIF(v.hash IS NULL, NULL, lower(hex(v.hash))) AS content_hash, v.name, v.domain, s.source, v.sync_id, s.at AS seen_at,
         v.changes, v.breaking, v.summary
     FROM entity_versions v JOIN history_entities e ON e.id = v.entity JOIN syncs s ON s.id = v.sync_id";

/// One committed sync of one source.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SyncRow {
    pub id: i64,
    pub source: String,
    pub at: String,
}

/// One followed product, contract, dataset or domain.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct FollowRow {
    pub kind: String,
    pub entity_id: String,
    pub since: String,
}

/// What the history takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryFootprint {
    pub versions: u64,
    /// Compressed bodies.
    pub body_bytes: u64,
    /// Pages of the history tables and their indexes (SQLite's dbstat), entities included.
    pub disk_bytes: u64,
    /// Entities (what versions are of: product, contract, dataset, contract version) and their pages, with
    /// their index: paid once per entity, not per version.
    pub entities: u64,
    pub entity_bytes: u64,
    /// Product versions deflated on their own (keyframes) and against the version before (deltas), with the
    /// bytes of their bodies.
    pub product_keyframes: (u64, u64),
    pub product_deltas: (u64, u64),
}

/// A version's comparison with the one before it, as the app derived it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSummary {
    pub id: i64,
    pub changes: String,
    pub breaking: bool,
    pub summary: String,
}

impl Store {
    /// Every kept version of `entity_id` (of any kind), newest first.
    pub async fn versions_of(&self, entity_id: &str) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sqlx::query_as(&format!(
            "{VERSIONS} WHERE e.entity_id = ? ORDER BY v.id DESC"
        ))
        .bind(entity_id)
        .fetch_all(&self.pool)
        .await
        .ctx("read versions")?;
        read_all(rows)
    }

    /// The canonical JSON of a kept version; None for a removal.
    pub async fn version_body(&self, version_id: i64) -> Result<Option<String>, StoreError> {
        let mut conn = self.pool.acquire().await.ctx("read version body")?;
        read_body(&mut conn, version_id).await
    }

    /// For each of `version_ids`, the texts of the kept version of the same entity before it and of it, on one
    /// connection; None when no version before it is kept or either is a removal. A version deflated against
    /// the one before it passes through it: both texts then come from one walk of its chain.
    pub async fn bodies_to_compare(
        &self,
        version_ids: &[i64],
    ) -> Result<Vec<Option<(String, String)>>, StoreError> {
        let mut conn = self.pool.acquire().await.ctx("read versions to compare")?;
        let mut pairs = Vec::with_capacity(version_ids.len());
        for &id in version_ids {
            pairs.push(body_and_previous(&mut conn, &self.recent_texts, id).await?);
        }
        Ok(pairs)
    }

    /// Versions whose comparison with the previous one is not derived yet, oldest first.
    pub async fn versions_to_summarise(&self) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sqlx::query_as(&format!("{VERSIONS} WHERE v.summary IS NULL ORDER BY v.id"))
            .fetch_all(&self.pool)
            .await
            .ctx("read versions to summarise")?;
        read_all(rows)
    }

    /// Stores derived comparisons in one transaction.
    pub async fn set_version_summaries(
        &self,
        summaries: &[VersionSummary],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await.ctx("store version summaries")?;
        for s in summaries {
            sqlx::query(
                "UPDATE entity_versions SET changes = ?, breaking = ?, summary = ? WHERE id = ?",
            )
            .bind(pack_changes(&s.changes))
            .bind(s.breaking)
            .bind(&s.summary)
            .bind(s.id)
            .execute(&mut *tx)
            .await
            .ctx("store version summaries")?;
        }
        tx.commit().await.ctx("store version summaries")?;
        Ok(())
    }

    /// Syncs after sync `after` and at or after the time `from` (ISO 8601), oldest first.
    pub async fn syncs_in(
        &self,
        after: i64,
        from: Option<&str>,
    ) -> Result<Vec<SyncRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, source, at FROM syncs WHERE id > ? AND at >= COALESCE(?, '') ORDER BY id",
        )
        .bind(after)
        .bind(from)
        .fetch_all(&self.pool)
        .await
        .ctx("read syncs")?)
    }

    /// The versions recorded by the syncs `first..=last`, in recording order.
    pub async fn versions_recorded(
        &self,
        first: i64,
        last: i64,
    ) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sqlx::query_as(&format!(
            "{VERSIONS} WHERE v.sync_id BETWEEN ? AND ? ORDER BY v.id"
        ))
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await
        .ctx("read recorded versions")?;
        read_all(rows)
    }

    /// (contract id, product id, product domain) for every output port publishing one of `contract_ids`.
    pub async fn publishers(
        &self,
        contract_ids: &[String],
    ) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
        let mut out = Vec::new();
        for chunk in contract_ids.chunks(500) {
            let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
                "SELECT DISTINCT po.contract_id, po.product_id, pr.domain FROM ports po
                 JOIN products pr ON pr.id = po.product_id
                 WHERE po.direction = 'out' AND po.contract_id IN (",
            );
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            query.push(")");
            let rows: Vec<(String, String, Option<String>)> = query
                .build_query_as()
                .persistent(false)
                .fetch_all(&self.pool)
                .await
                .ctx("read publishers")?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// The newest sync, if any.
    pub async fn last_sync_id(&self) -> Result<Option<i64>, StoreError> {
        let (id,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM syncs")
            .fetch_one(&self.pool)
            .await
            .ctx("read last sync")?;
        Ok(id)
    }

    /// The newest sync the user has read in the change feed (0: none).
    pub async fn last_read_sync(&self) -> Result<i64, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT last_read_sync FROM feed_state WHERE id = 1")
                .fetch_optional(&self.pool)
                .await
                .ctx("read feed mark")?;
        Ok(row.map_or(0, |(id,)| id))
    }

    /// Marks the feed read up to sync `sync_id` (never backwards).
    pub async fn mark_read(&self, sync_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO feed_state (id, last_read_sync) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET last_read_sync = MAX(last_read_sync, ?1)",
        )
        .bind(sync_id)
        .execute(&self.pool)
        .await
        .ctx("mark feed read")?;
        Ok(())
    }

    /// Follows an entity or domain; following it again changes nothing.
    pub async fn follow(&self, kind: &str, entity_id: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT OR IGNORE INTO follows (kind, entity_id) VALUES (?, ?)")
            .bind(kind)
            .bind(entity_id)
            .execute(&self.pool)
            .await
            .ctx("follow")?;
        Ok(())
    }

    /// Stops following `entity_id` (of any kind); false when it was not followed.
    pub async fn unfollow(&self, entity_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM follows WHERE entity_id = ?")
            .bind(entity_id)
            .execute(&self.pool)
            .await
            .ctx("unfollow")?;
        Ok(done.rows_affected() > 0)
    }

    /// Everything followed, by kind then id.
    pub async fn follows(&self) -> Result<Vec<FollowRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT kind, entity_id, since FROM follows ORDER BY kind, entity_id")
                .fetch_all(&self.pool)
                .await
                .ctx("read follows")?,
        )
    }

    /// How many versions are kept and what they take.
    pub async fn history_footprint(&self) -> Result<HistoryFootprint, StoreError> {
        let (versions, body_bytes): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(LENGTH(body)), 0) FROM entity_versions")
                .fetch_one(&self.pool)
                .await
                .ctx("measure history")?;
        let (entities,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM history_entities")
            .fetch_one(&self.pool)
            .await
            .ctx("measure history")?;
        let disk = |tables: &'static str| self.pages_of(tables);
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(HistoryFootprint {
            versions: count(versions),
            body_bytes: count(body_bytes),
            disk_bytes: disk("'syncs', 'entity_versions', 'history_legacy_changes'").await?
                + disk("'history_entities'").await?,
            entities: count(entities),
            entity_bytes: disk("'history_entities'").await?,
            product_keyframes: self.product_bodies("base_id IS NULL").await?,
            product_deltas: self.product_bodies("base_id IS NOT NULL").await?,
        })
    }

    /// Bytes of the pages of `tables` (a quoted SQL list) and their indexes (SQLite's dbstat).
    async fn pages_of(&self, tables: &str) -> Result<u64, StoreError> {
        let (bytes,): (i64,) = sqlx::query_as(&format!(
            "SELECT COALESCE(SUM(d.pgsize), 0) FROM dbstat d JOIN sqlite_schema m ON m.name = d.name
             WHERE m.tbl_name IN ({tables})"
        ))
        .fetch_one(&self.pool)
        .await
        .ctx("measure history")?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    /// How many product versions with a body match `filter`, and the bytes of their bodies.
    async fn product_bodies(&self, filter: &'static str) -> Result<(u64, u64), StoreError> {
        let (n, bytes): (i64, i64) = sqlx::query_as(&format!(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(v.body)), 0)
             FROM entity_versions v JOIN history_entities e ON e.id = v.entity
             WHERE e.kind = 'product' AND v.body IS NOT NULL AND v.{filter}"
        ))
        .fetch_one(&self.pool)
        .await
        .ctx("measure history")?;
        Ok((
            u64::try_from(n).unwrap_or(0),
            u64::try_from(bytes).unwrap_or(0),
        ))
    }

    /// Deletes the history recorded from `source` (`source remove --forget-history`).
    pub async fn forget_history(&self, source: &str) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await.ctx("forget history")?;
        let done = sqlx::query(
            "DELETE FROM entity_versions WHERE sync_id IN (SELECT id FROM syncs WHERE source = ?)",
        )
        .bind(source)
        .execute(&mut *tx)
        .await
        .ctx("forget history")?;
        sqlx::query("DELETE FROM syncs WHERE source = ?")
            .bind(source)
            .execute(&mut *tx)
            .await
            .ctx("forget history")?;
        // Entities left without a version (a walk of every entity: this runs only when the user asks).
        sqlx::query(
            "DELETE FROM history_entities
             WHERE NOT EXISTS (SELECT 1 FROM entity_versions v WHERE v.entity = history_entities.id)",
        )
        .execute(&mut *tx)
        .await
        .ctx("forget history")?;
        tx.commit().await.ctx("forget history")?;
        Ok(done.rows_affected())
    }
}

/// The texts of the version before `version_id` and of it (see [`Store::bodies_to_compare`]): from `recent` when
/// the sync that recorded it left them there, else from the kept bodies.
async fn body_and_previous(
    conn: &mut SqliteConnection,
    recent: &Mutex<RecentTexts>,
    version_id: i64,
) -> Result<Option<(String, String)>, StoreError> {
    let previous: Option<(i64, Option<String>)> = sqlx::query_as(
        "SELECT w.id, IIF(v.hash IS NULL, NULL, lower(hex(v.hash)))
         FROM entity_versions v JOIN entity_versions w ON w.entity = v.entity AND w.id < v.id
         WHERE v.id = ? ORDER BY w.id DESC LIMIT 1",
    )
    .bind(version_id)
    .fetch_optional(&mut *conn)
    .await
    .ctx("read previous version")?;
    let Some((previous, hash)) = previous else {
        return Ok(None);
    };
    let kept = recent
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take(version_id, hash.as_deref());
    if kept.is_some() {
        return Ok(kept);
    }
    let mut before = None;
    let after = read_chain(&mut *conn, version_id, |id, text| {
        if id == previous {
            before = Some(text.to_string());
        }
    })
    .await?;
    if before.is_none() {
        before = read_body(&mut *conn, previous).await?;
    }
    Ok(before.zip(after))
}
