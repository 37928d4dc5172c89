//! Reading history (migration 0011): the versions of one entity, the versions the syncs of a window
//! recorded, the comparisons the app derives for them, follows and the feed's read mark.

use sqlx::{FromRow, QueryBuilder, Sqlite};

use crate::error::Ctx;
use crate::history::read_body;
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
    pub changes: Option<String>,
    pub breaking: Option<bool>,
    pub summary: Option<String>,
}

const VERSION_COLUMNS: &str =
    "v.id, v.kind, v.entity_id, v.slot, v.op, v.version, v.content_hash, v.name,
     v.domain, v.source, v.sync_id, s.at AS seen_at, v.changes, v.breaking, v.summary";

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
    /// Pages of the history tables and their indexes (SQLite's dbstat).
    pub disk_bytes: u64,
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
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM entity_versions v JOIN syncs s ON s.id = v.sync_id
             WHERE v.entity_id = ? ORDER BY v.id DESC"
        ))
        .bind(entity_id)
        .fetch_all(&self.pool)
        .await
        .ctx("read versions")?)
    }

    /// The canonical JSON of a kept version; None for a removal.
    pub async fn version_body(&self, version_id: i64) -> Result<Option<String>, StoreError> {
        let mut conn = self.pool.acquire().await.ctx("read version body")?;
        read_body(&mut conn, version_id).await
    }

    /// The newest version of the same entity before `version`, if one is kept.
    pub async fn version_before(
        &self,
        version: &VersionRow,
    ) -> Result<Option<VersionRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM entity_versions v JOIN syncs s ON s.id = v.sync_id
             WHERE v.entity_id = ? AND v.kind = ? AND v.slot = ? AND v.id < ? ORDER BY v.id DESC LIMIT 1"
        ))
        .bind(&version.entity_id)
        .bind(&version.kind)
        .bind(&version.slot)
        .bind(version.id)
        .fetch_optional(&self.pool)
        .await
        .ctx("read previous version")?)
    }

    /// Versions whose comparison with the previous one is not derived yet, oldest first.
    pub async fn versions_to_summarise(&self) -> Result<Vec<VersionRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM entity_versions v JOIN syncs s ON s.id = v.sync_id
             WHERE v.summary IS NULL ORDER BY v.id"
        ))
        .fetch_all(&self.pool)
        .await
        .ctx("read versions to summarise")?)
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
            .bind(&s.changes)
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
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM entity_versions v JOIN syncs s ON s.id = v.sync_id
             WHERE v.sync_id BETWEEN ? AND ? ORDER BY v.id"
        ))
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await
        .ctx("read recorded versions")?)
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
        let (disk_bytes,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat
             WHERE name IN ('syncs', 'entity_versions') OR name LIKE 'entity_versions_%'",
        )
        .fetch_one(&self.pool)
        .await
        .ctx("measure history")?;
        let (keyframes, keyframe_bytes, deltas, delta_bytes): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(base_id IS NULL), 0), COALESCE(SUM(IIF(base_id IS NULL, LENGTH(body), 0)), 0),
                    COALESCE(SUM(base_id IS NOT NULL), 0), COALESCE(SUM(IIF(base_id IS NULL, 0, LENGTH(body))), 0)
             FROM entity_versions WHERE kind = 'product' AND body IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await
        .ctx("measure history")?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(HistoryFootprint {
            versions: count(versions),
            body_bytes: count(body_bytes),
            disk_bytes: count(disk_bytes),
            product_keyframes: (count(keyframes), count(keyframe_bytes)),
            product_deltas: (count(deltas), count(delta_bytes)),
        })
    }

    /// Deletes the history recorded from `source` (`source remove --forget-history`).
    pub async fn forget_history(&self, source: &str) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await.ctx("forget history")?;
        let done = sqlx::query("DELETE FROM entity_versions WHERE source = ?")
            .bind(source)
            .execute(&mut *tx)
            .await
            .ctx("forget history")?;
        sqlx::query("DELETE FROM syncs WHERE source = ?")
            .bind(source)
            .execute(&mut *tx)
            .await
            .ctx("forget history")?;
        tx.commit().await.ctx("forget history")?;
        Ok(done.rows_affected())
    }
}
