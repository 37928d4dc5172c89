//! Each product's adoption figures as syncs saw them (table of migration 0018): the history that
//! adoption trends are drawn from. A row is written only when a product's figures changed.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};
use ts_rs::TS;

use crate::Store;
use crate::error::{Ctx, StoreError, decode_json};

/// One product's adoption figures at one time: distinct consumers, then by kind of evidence, and
/// the catalog's usage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AdoptionFigures {
    pub consumers: u64,
    pub agreement: u64,
    pub lineage: u64,
    pub input_port: u64,
    pub queries_30d: Option<u64>,
    pub users_30d: Option<u64>,
}

/// A product's figures since `at_ms` (milliseconds since the epoch), until the next point.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AdoptionPoint {
    pub at_ms: i64,
    #[serde(flatten)]
    pub figures: AdoptionFigures,
}

/// Rows bound per insert: 8 values a row stays under SQLite's 32,766 variables.
const ROWS_PER_INSERT: usize = 4_000;

impl Store {
    /// Notes each product's figures at `at_ms` where they differ from its latest point, and forgets
    /// the history of products no longer in the cache. Returns how many points were written.
    pub async fn record_adoption(
        &self,
        at_ms: i64,
        now: &HashMap<String, AdoptionFigures>,
    ) -> Result<usize, StoreError> {
        let latest = self.latest_adoption().await?;
        let changed: Vec<(&String, &AdoptionFigures)> = now
            .iter()
            .filter(|(id, figures)| latest.get(*id) != Some(figures))
            .collect();
        let mut tx = self.begin_write().await.ctx("record adoption")?;
        sqlx::query(
            "DELETE FROM adoption_history WHERE product_id NOT IN (SELECT id FROM products)",
        )
        .execute(&mut *tx)
        .await
        .ctx("forget the adoption of removed products")?;
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        for chunk in changed.chunks(ROWS_PER_INSERT) {
            let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR REPLACE INTO adoption_history (product_id, at_ms, consumers, agreement, lineage,
                 input_port, queries_30d, users_30d) ",
            );
            insert.push_values(chunk, |mut row, (id, f)| {
                row.push_bind(*id)
                    .push_bind(at_ms)
                    .push_bind(count(f.consumers))
                    .push_bind(count(f.agreement))
                    .push_bind(count(f.lineage))
                    .push_bind(count(f.input_port))
                    .push_bind(f.queries_30d.map(count))
                    .push_bind(f.users_30d.map(count));
            });
            insert
                .build()
                .persistent(false)
                .execute(&mut *tx)
                .await
                .ctx("write adoption points")?;
        }
        tx.commit().await.ctx("record adoption")?;
        Ok(changed.len())
    }

    /// Every product's points (of one domain), oldest first, by product id.
    pub async fn adoption_history(
        &self,
        domain: Option<&str>,
    ) -> Result<HashMap<String, Vec<AdoptionPoint>>, StoreError> {
        let (text,): (String,) = sqlx::query_as(
            "SELECT json_group_object(product_id, json(points)) FROM (
                 SELECT product_id, json_group_array(json_object('at_ms', at_ms, 'consumers', consumers,
                     'agreement', agreement, 'lineage', lineage, 'input_port', input_port,
                     'queries_30d', queries_30d, 'users_30d', users_30d)) AS points
                 FROM (SELECT * FROM adoption_history
                       WHERE ?1 IS NULL OR product_id IN (SELECT id FROM products WHERE domain = ?1)
                       ORDER BY product_id, at_ms)
                 GROUP BY product_id)",
        )
        .bind(domain)
        .fetch_one(self.pool())
        .await
        .ctx("read adoption history")?;
        decode_json(&text, || "adoption history".into())
    }

    /// Each product's latest figures.
    async fn latest_adoption(&self) -> Result<HashMap<String, AdoptionFigures>, StoreError> {
        let (text,): (String,) = sqlx::query_as(
            "SELECT json_group_object(product_id, json_object('consumers', consumers,
                 'agreement', agreement, 'lineage', lineage, 'input_port', input_port,
                 'queries_30d', queries_30d, 'users_30d', users_30d))
             FROM adoption_history h
             WHERE at_ms = (SELECT MAX(at_ms) FROM adoption_history WHERE product_id = h.product_id)",
        )
        .fetch_one(self.pool())
        .await
        .ctx("read the latest adoption")?;
        decode_json(&text, || "latest adoption".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(consumers: u64, queries: Option<u64>) -> AdoptionFigures {
        AdoptionFigures {
            consumers,
            lineage: consumers,
            queries_30d: queries,
            ..AdoptionFigures::default()
        }
    }

    async fn store_with_products(ids: &[&str]) -> Store {
        let store = Store::open_in_memory().await.unwrap();
        sqlx::query("INSERT INTO sources (name, kind, config) VALUES ('s', 'folder', '{}')")
            .execute(store.pool())
            .await
            .unwrap();
        for (n, id) in ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO documents (id, source, path, kind, declared_version, content_hash, size, mtime,
                                        raw, canonical, entity_id)
                 VALUES (?1, 's', ?2, 'product', '1', '', 0, 0, '', '', ?2)",
            )
            .bind(n as i64 + 1)
            .bind(id)
            .execute(store.pool())
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO products (id, document_id, domain, entity) VALUES (?, ?, 'd', '{}')",
            )
            .bind(id)
            .bind(n as i64 + 1)
            .execute(store.pool())
            .await
            .unwrap();
        }
        store
    }

    #[tokio::test]
    async fn only_changes_are_written_and_removed_products_forgotten() {
        let store = store_with_products(&["a", "b"]).await;
        let first = HashMap::from([
            ("a".into(), figures(1, None)),
            ("b".into(), figures(0, Some(5))),
        ]);
        assert_eq!(store.record_adoption(1_000, &first).await.unwrap(), 2);
        // Nothing changed: nothing written.
        assert_eq!(store.record_adoption(2_000, &first).await.unwrap(), 0);
        let second = HashMap::from([
            ("a".into(), figures(3, None)),
            ("b".into(), figures(0, Some(5))),
        ]);
        assert_eq!(store.record_adoption(3_000, &second).await.unwrap(), 1);

        let history = store.adoption_history(None).await.unwrap();
        let at = |id: &str| {
            history[id]
                .iter()
                .map(|p| (p.at_ms, p.figures.consumers))
                .collect::<Vec<_>>()
        };
        assert_eq!(at("a"), [(1_000, 1), (3_000, 3)]);
        assert_eq!(at("b"), [(1_000, 0)]);
        assert_eq!(history["b"][0].figures.queries_30d, Some(5));

        sqlx::query("DELETE FROM products WHERE id = 'b'")
            .execute(store.pool())
            .await
            .unwrap();
        store
            .record_adoption(4_000, &HashMap::from([("a".into(), figures(3, None))]))
            .await
            .unwrap();
        let history = store.adoption_history(Some("d")).await.unwrap();
        assert_eq!(history.keys().collect::<Vec<_>>(), ["a"]);
    }
}
