//! Where documents pulled from catalog servers came from upstream (migration 0007).

use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};
use ts_rs::TS;

use crate::error::Ctx;
use crate::{Store, StoreError, SyncTx};

/// Provenance of one cached document to record in a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceRow {
    pub path: String,
    /// OpenMetadata FQN, DataHub URN, Marquez `namespace:name`, Entropy id.
    pub upstream_id: String,
    pub upstream_version: Option<String>,
    pub upstream_updated_at: Option<String>,
}

/// A cached document's upstream origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EntityProvenance {
    pub source: String,
    pub path: String,
    pub upstream_id: String,
    pub upstream_version: Option<String>,
    pub upstream_updated_at: Option<String>,
    /// UTC, RFC 3339: when meshlens read it.
    pub fetched_at: String,
}

/// A cached document of a catalog source, found by its upstream id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedEntity {
    pub upstream_id: String,
    /// The product or contract id the document gives.
    pub entity_id: String,
    /// True for a product (ODPS/DPS) document, false for a contract.
    pub product: bool,
}

/// Rows per multi-row statement (5 bound columns each, far below SQLite's parameter limit).
const CHUNK: usize = 400;

impl SyncTx {
    /// Records (replacing) the provenance of `rows` in this sync's transaction, fetched now.
    pub async fn record_provenance(&mut self, rows: &[ProvenanceRow]) -> Result<(), StoreError> {
        let source = self.source().to_string();
        for chunk in rows.chunks(CHUNK) {
            let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR REPLACE INTO entity_provenance
                 (source, path, upstream_id, upstream_version, upstream_updated_at, fetched_at) ",
            );
            query.push_values(chunk, |mut row, p| {
                row.push_bind(&source)
                    .push_bind(&p.path)
                    .push_bind(&p.upstream_id)
                    .push_bind(&p.upstream_version)
                    .push_bind(&p.upstream_updated_at)
                    .push("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
            });
            query
                .build()
                .persistent(false)
                .execute(&mut *self.connection())
                .await
                .ctx("record provenance")?;
        }
        Ok(())
    }

    /// Forgets the provenance of a document that left the source (part of [`SyncTx::delete`]).
    pub(crate) async fn forget_provenance(&mut self, path: &str) -> Result<(), StoreError> {
        let source = self.source().to_string();
        sqlx::query("DELETE FROM entity_provenance WHERE source = ? AND path = ?")
            .bind(source)
            .bind(path)
            .execute(&mut *self.connection())
            .await
            .ctx("forget provenance")?;
        Ok(())
    }
}

const SELECT: &str =
    "SELECT source, path, upstream_id, upstream_version, upstream_updated_at, fetched_at
     FROM entity_provenance";

type Row = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

fn record(row: Row) -> EntityProvenance {
    let (source, path, upstream_id, upstream_version, upstream_updated_at, fetched_at) = row;
    EntityProvenance {
        source,
        path,
        upstream_id,
        upstream_version,
        upstream_updated_at,
        fetched_at,
    }
}

impl Store {
    /// The upstream origin of one cached document, if it came from a catalog server.
    pub async fn provenance(
        &self,
        source: &str,
        path: &str,
    ) -> Result<Option<EntityProvenance>, StoreError> {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE source = ? AND path = ?"))
            .bind(source)
            .bind(path)
            .fetch_optional(&self.pool)
            .await
            .ctx("read provenance")?;
        Ok(row.map(record))
    }

    /// Where a cached document came from upstream: its own provenance first, then every other
    /// source holding the same upstream entity. Empty for documents read from files.
    pub async fn document_origins(
        &self,
        source: &str,
        path: &str,
    ) -> Result<Vec<EntityProvenance>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE upstream_id = (
                 SELECT upstream_id FROM entity_provenance WHERE source = ?1 AND path = ?2)
             ORDER BY (source = ?1 AND path = ?2) DESC, source, path"
        ))
        .bind(source)
        .bind(path)
        .fetch_all(&self.pool)
        .await
        .ctx("read document origins")?;
        Ok(rows.into_iter().map(record).collect())
    }

    /// The provenance of every cached document of `source` (what an incremental pull compares
    /// the server's entities with).
    pub async fn source_provenance(
        &self,
        source: &str,
    ) -> Result<Vec<EntityProvenance>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} WHERE source = ? ORDER BY path"))
            .bind(source)
            .fetch_all(&self.pool)
            .await
            .ctx("read the source's provenance")?;
        Ok(rows.into_iter().map(record).collect())
    }

    /// The cached documents of `source` whose upstream id is one of `upstream_ids` (which hits of
    /// an online search the cache holds).
    pub async fn cached_entities(
        &self,
        source: &str,
        upstream_ids: &[String],
    ) -> Result<Vec<CachedEntity>, StoreError> {
        let ids = serde_json::to_string(upstream_ids).unwrap_or_else(|_| "[]".into());
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT p.upstream_id, d.entity_id, d.kind
             FROM entity_provenance p JOIN documents d ON d.source = p.source AND d.path = p.path
             WHERE p.source = ? AND p.upstream_id IN (SELECT value FROM json_each(?))",
        )
        .bind(source)
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .ctx("read cached entities by upstream id")?;
        Ok(rows
            .into_iter()
            .map(|(upstream_id, entity_id, kind)| CachedEntity {
                upstream_id,
                entity_id,
                product: matches!(kind.as_str(), "odps" | "dps"),
            })
            .collect())
    }

    /// Every source holding the upstream entity `upstream_id` (one entity, several origins).
    pub async fn origins(&self, upstream_id: &str) -> Result<Vec<EntityProvenance>, StoreError> {
        let rows: Vec<Row> =
            sqlx::query_as(&format!("{SELECT} WHERE upstream_id = ? ORDER BY source"))
                .bind(upstream_id)
                .fetch_all(&self.pool)
                .await
                .ctx("read origins")?;
        Ok(rows.into_iter().map(record).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SourceConfig, SourceKind, SyncStatus};

    #[tokio::test]
    async fn provenance_commits_with_the_sync_and_goes_with_the_source() {
        let store = Store::open_in_memory().await.unwrap();
        for name in ["om", "marquez"] {
            let config = SourceConfig {
                name: name.into(),
                kind: SourceKind::Marquez {
                    url: "http://localhost:5000".into(),
                },
                scope: None,
            };
            store.add_source(&config).await.unwrap();
            let mut tx = store.begin_sync(name).await.unwrap();
            let row = ProvenanceRow {
                path: "datasets/a.odcs.json".into(),
                upstream_id: "food_delivery:public.categories".into(),
                upstream_version: Some("aeccd013".into()),
                upstream_updated_at: Some("2022-07-12T16:24:33.355699Z".into()),
            };
            tx.record_provenance(&[row]).await.unwrap();
            tx.commit(SyncStatus::Ok, None).await.unwrap();
        }
        let origin = store
            .provenance("om", "datasets/a.odcs.json")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(origin.upstream_version.as_deref(), Some("aeccd013"));
        assert!(origin.fetched_at.ends_with('Z'));
        assert_eq!(
            store
                .origins("food_delivery:public.categories")
                .await
                .unwrap()
                .len(),
            2
        );
        // A document's origins: its own first, then the other source holding the same entity.
        let origins = store
            .document_origins("marquez", "datasets/a.odcs.json")
            .await
            .unwrap();
        let sources: Vec<&str> = origins.iter().map(|o| o.source.as_str()).collect();
        assert_eq!(sources, ["marquez", "om"]);
        assert!(
            store
                .document_origins("marquez", "products/from-a-file.yaml")
                .await
                .unwrap()
                .is_empty()
        );
        store.remove_source("om").await.unwrap();
        assert_eq!(
            store
                .origins("food_delivery:public.categories")
                .await
                .unwrap()
                .len(),
            1
        );

        // A sync that is dropped (failed, cancelled) leaves the provenance as it was; a committed
        // delete takes it away.
        let provenance = || store.provenance("marquez", "datasets/a.odcs.json");
        let mut tx = store.begin_sync("marquez").await.unwrap();
        tx.delete("datasets/a.odcs.json").await.unwrap();
        drop(tx);
        assert!(provenance().await.unwrap().is_some());
        let mut tx = store.begin_sync("marquez").await.unwrap();
        tx.delete("datasets/a.odcs.json").await.unwrap();
        tx.commit(SyncStatus::Ok, None).await.unwrap();
        assert!(provenance().await.unwrap().is_none());
    }
}
