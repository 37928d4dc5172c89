//! Access agreements read from sources (table of migration 0009), one row per agreement file.

use std::collections::HashSet;

use meshlens_model::Agreement;
use sqlx::{Row, SqliteConnection};

use crate::Store;
use crate::error::{Ctx, StoreError};

/// An agreement as cached, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAgreement {
    pub source: String,
    pub path: String,
    pub agreement: Agreement,
    /// When a sync first read the present decision (approved or rejected).
    pub decided_at: Option<String>,
}

impl Store {
    /// Stores the agreement of one file, keeping `decided_at` while the declared status stays.
    pub async fn upsert_agreement(
        &self,
        source: &str,
        path: &str,
        agreement: &Agreement,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool().acquire().await.ctx("store agreement")?;
        write_agreement(&mut conn, source, path, agreement).await
    }

    /// Makes a catalog's agreements those `read` (path and agreement) in one transaction, keeping
    /// the ones at `kept` (a path whose document was invalid this time keeps its last good
    /// agreement) and forgetting every other agreement of `source`.
    pub async fn replace_agreements(
        &self,
        source: &str,
        read: &[(String, Agreement)],
        kept: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await.ctx("replace agreements")?;
        let stored: Vec<String> =
            sqlx::query_scalar("SELECT path FROM access_agreements WHERE source = ?")
                .bind(source)
                .fetch_all(&mut *tx)
                .await
                .ctx("list a source's agreements")?;
        let present: HashSet<&str> = read
            .iter()
            .map(|(path, _)| path.as_str())
            .chain(kept.iter().map(String::as_str))
            .collect();
        for gone in stored.iter().filter(|p| !present.contains(p.as_str())) {
            delete_agreement(&mut tx, source, gone).await?;
        }
        for (path, agreement) in read {
            write_agreement(&mut tx, source, path, agreement).await?;
        }
        tx.commit().await.ctx("replace agreements")?;
        Ok(())
    }

    /// Every output port as (product, port name), in product order: what `meshlens bench access`
    /// spreads agreements over.
    pub async fn output_ports(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT product_id, name FROM ports WHERE direction = 'out' ORDER BY product_id, ordinal",
        )
        .fetch_all(self.pool())
        .await
        .ctx("list output ports")?)
    }

    /// One product's output ports as (name, contract id), in order; None for an unknown product. What
    /// `consumers` needs of a product, without reading its documents.
    pub async fn product_output_ports(
        &self,
        product: &str,
    ) -> Result<Option<Vec<(String, Option<String>)>>, StoreError> {
        let rows: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT po.name, po.contract_id FROM products pr
             LEFT JOIN ports po ON po.product_id = pr.id AND po.direction = 'out'
             WHERE pr.id = ? ORDER BY po.ordinal",
        )
        .bind(product)
        .fetch_all(self.pool())
        .await
        .ctx("read a product's output ports")?;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            rows.into_iter()
                .filter_map(|(name, contract)| Some((name?, contract)))
                .collect(),
        ))
    }

    /// Forgets the agreements of files removed upstream (or no longer agreements), in one
    /// transaction.
    pub async fn remove_agreements(
        &self,
        source: &str,
        paths: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await.ctx("remove agreements")?;
        for path in paths {
            delete_agreement(&mut tx, source, path).await?;
        }
        tx.commit().await.ctx("remove agreements")?;
        Ok(())
    }

    /// Every cached agreement, or those on one product's ports, by id.
    pub async fn list_agreements(
        &self,
        product: Option<&str>,
    ) -> Result<Vec<StoredAgreement>, StoreError> {
        // Two statements, not `?1 IS NULL OR product = ?1`: SQLite cannot use the product index for
        // that, and one product's agreements are read on every product page (`consumers`).
        let query = match product {
            Some(product) => sqlx::query(
                "SELECT source, path, agreement, decided_at FROM access_agreements
                 WHERE product = ? ORDER BY id, source, path",
            )
            .bind(product),
            None => sqlx::query(
                "SELECT source, path, agreement, decided_at FROM access_agreements
                 ORDER BY id, source, path",
            ),
        };
        let rows = query.fetch_all(self.pool()).await.ctx("list agreements")?;
        Ok(rows.iter().filter_map(stored_agreement).collect())
    }

    /// The cached agreements with one of `ids` (this machine's requests, read back), by id.
    pub async fn agreements_with_ids(
        &self,
        ids: &[String],
    ) -> Result<Vec<StoredAgreement>, StoreError> {
        let mut found = Vec::new();
        for id in ids {
            let rows = sqlx::query(
                "SELECT source, path, agreement, decided_at FROM access_agreements
                 WHERE id = ? ORDER BY source, path",
            )
            .bind(id)
            .fetch_all(self.pool())
            .await
            .ctx("read agreements by id")?;
            found.extend(rows.iter().filter_map(stored_agreement));
        }
        found.sort_by(|a, b| a.agreement.id.cmp(&b.agreement.id));
        Ok(found)
    }
}

/// A row of `access_agreements`; `None` when its JSON no longer decodes (an older build's row).
fn stored_agreement(row: &sqlx::sqlite::SqliteRow) -> Option<StoredAgreement> {
    let agreement = serde_json::from_str(row.get("agreement")).ok()?;
    Some(StoredAgreement {
        source: row.get("source"),
        path: row.get("path"),
        agreement,
        decided_at: row.get("decided_at"),
    })
}

async fn delete_agreement(
    conn: &mut SqliteConnection,
    source: &str,
    path: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM access_agreements WHERE source = ? AND path = ?")
        .bind(source)
        .bind(path)
        .execute(conn)
        .await
        .ctx("remove agreement")?;
    Ok(())
}

/// Inserts or updates one agreement row; `decided_at` is stamped when the declared status becomes
/// a decision and kept while it stays.
async fn write_agreement(
    conn: &mut SqliteConnection,
    source: &str,
    path: &str,
    agreement: &Agreement,
) -> Result<(), StoreError> {
    let decided = matches!(agreement.declared_status.as_str(), "approved" | "rejected");
    let encoded = serde_json::to_string(agreement).map_err(|source| StoreError::Encode {
        what: format!("agreement {path}"),
        source,
    })?;
    sqlx::query(
        "INSERT INTO access_agreements (source, path, id, product, port, status, agreement, decided_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END)
         ON CONFLICT (source, path) DO UPDATE SET id = excluded.id, product = excluded.product,
             port = excluded.port, agreement = excluded.agreement, status = excluded.status,
             decided_at = CASE WHEN access_agreements.status = excluded.status
                 THEN access_agreements.decided_at ELSE excluded.decided_at END",
    )
    .bind(source)
    .bind(path)
    .bind(&agreement.id)
    .bind(&agreement.product)
    .bind(&agreement.port)
    .bind(&agreement.declared_status)
    .bind(encoded)
    .bind(decided)
    .execute(conn)
    .await
    .ctx("store agreement")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SourceConfig, SourceKind};

    fn agreement(status: &str) -> Agreement {
        let yaml = format!(
            "dataUsageAgreementSpecification: 0.0.1\nid: a1\ninfo: {{purpose: p, status: {status}, startDate: 2026-01-01}}\n\
             provider: {{teamId: t, dataProductId: prod, outputPortId: port}}\nconsumer: {{teamId: c}}\n"
        );
        meshlens_model::parse_agreement("access/a1.yaml", yaml.as_bytes()).unwrap()
    }

    #[tokio::test]
    async fn the_decision_time_is_kept_until_the_status_changes() {
        let store = Store::open_in_memory().await.unwrap();
        let folder = SourceKind::Folder { path: ".".into() };
        let config = SourceConfig {
            name: "s".into(),
            kind: folder,
            scope: None,
        };
        store.add_source(&config).await.unwrap();
        store
            .upsert_agreement("s", "access/a1.yaml", &agreement("requested"))
            .await
            .unwrap();
        let read = store.list_agreements(Some("prod")).await.unwrap();
        assert_eq!((read.len(), read[0].decided_at.as_deref()), (1, None));
        store
            .upsert_agreement("s", "access/a1.yaml", &agreement("approved"))
            .await
            .unwrap();
        let decided = store.list_agreements(None).await.unwrap()[0]
            .decided_at
            .clone();
        assert!(decided.is_some());
        store
            .upsert_agreement("s", "access/a1.yaml", &agreement("approved"))
            .await
            .unwrap();
        assert_eq!(
            store.list_agreements(None).await.unwrap()[0].decided_at,
            decided
        );
        assert!(
            store
                .list_agreements(Some("other"))
                .await
                .unwrap()
                .is_empty()
        );
        let removed = ["access/a1.yaml".to_string()];
        store.remove_agreements("s", &removed).await.unwrap();
        assert!(store.list_agreements(None).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_catalog_s_agreements_are_replaced_except_those_kept() {
        let store = Store::open_in_memory().await.unwrap();
        for name in ["s", "other"] {
            let kind = SourceKind::Folder { path: ".".into() };
            let config = SourceConfig {
                name: name.into(),
                kind,
                scope: None,
            };
            store.add_source(&config).await.unwrap();
        }
        let approved = agreement("approved");
        store
            .upsert_agreement("other", "access/a1.yaml", &approved)
            .await
            .unwrap();
        let read = |paths: &[&str]| -> Vec<(String, Agreement)> {
            paths
                .iter()
                .map(|p| (p.to_string(), approved.clone()))
                .collect()
        };
        store
            .replace_agreements("s", &read(&["access/a.json", "access/b.json"]), &[])
            .await
            .unwrap();
        // b.json was invalid this time (kept), a.json is gone upstream, c.json is new.
        store
            .replace_agreements("s", &read(&["access/c.json"]), &["access/b.json".into()])
            .await
            .unwrap();
        let mut left: Vec<(String, String)> = store
            .list_agreements(None)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.source, a.path))
            .collect();
        left.sort();
        let expected = [
            ("other", "access/a1.yaml"),
            ("s", "access/b.json"),
            ("s", "access/c.json"),
        ];
        assert_eq!(left, expected.map(|(s, p)| (s.to_owned(), p.to_owned())));
    }
}
