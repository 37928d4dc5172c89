//! What catalogs say of their entities' use, votes and comments (table of migrations 0017 and 0019), and those
//! figures per product: its own document's and its output contracts'.

use std::collections::HashMap;

use meshlens_model::UpstreamStats;
use sqlx::{QueryBuilder, Sqlite};

use crate::Store;
use crate::error::{Ctx, StoreError, decode_json};

/// A product's figures from its catalog: queries summed over its output tables, users as the largest
/// count of any one of them (distinct users of two tables cannot be added), votes on the product.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ProductStats {
    pub queries_30d: Option<u64>,
    pub users_30d: Option<u64>,
    pub up_votes: Option<u64>,
    pub down_votes: Option<u64>,
    pub comments: Option<u64>,
}

impl Store {
    /// Makes `stats` the source's figures, forgetting those of entities it no longer gave.
    pub async fn replace_upstream_stats(
        &self,
        source: &str,
        stats: &[UpstreamStats],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await.ctx("replace upstream stats")?;
        sqlx::query("DELETE FROM upstream_stats WHERE source = ?")
            .bind(source)
            .execute(&mut *tx)
            .await
            .ctx("clear upstream stats")?;
        let bind = |n: Option<u64>| n.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        // 7 bound values a row: 4,000 rows stay under SQLite's 32,766 variables.
        for chunk in stats.chunks(4_000) {
            let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR REPLACE INTO upstream_stats (source, path, queries_30d, users_30d, up_votes, down_votes,
                 comments) ",
            );
            insert.push_values(chunk, |mut row, s| {
                row.push_bind(source)
                    .push_bind(&s.path)
                    .push_bind(bind(s.queries_30d))
                    .push_bind(bind(s.users_30d))
                    .push_bind(bind(s.up_votes))
                    .push_bind(bind(s.down_votes))
                    .push_bind(bind(s.comments));
            });
            insert
                .build()
                .persistent(false)
                .execute(&mut *tx)
                .await
                .ctx("write upstream stats")?;
        }
        tx.commit().await.ctx("replace upstream stats")?;
        Ok(())
    }

    /// Every product's figures from its catalog, by product id; products without any are left out.
    pub async fn product_stats(&self) -> Result<HashMap<String, ProductStats>, StoreError> {
        let (text,): (String,) = sqlx::query_as(
            // CROSS JOIN: driven by the figures (none in a mesh of files), never by a scan of the products
            // and their documents, whose rows hold whole texts.
            "WITH figures(product, queries, users, up, down, comments) AS (
                 SELECT pr.id, s.queries_30d, s.users_30d, s.up_votes, s.down_votes, s.comments
                 FROM upstream_stats s CROSS JOIN documents d ON d.source = s.source AND d.path = s.path
                 CROSS JOIN products pr ON pr.document_id = d.id
                 UNION ALL
                 SELECT DISTINCT p.product_id, s.queries_30d, s.users_30d, NULL, NULL, NULL
                 FROM upstream_stats s CROSS JOIN documents d ON d.source = s.source AND d.path = s.path
                 CROSS JOIN contracts c ON c.document_id = d.id
                 CROSS JOIN ports p ON p.contract_id = c.id AND p.direction = 'out'
                   AND (p.version IS NULL OR c.version = p.version))
             SELECT json_group_object(product, json_object('queries_30d', queries, 'users_30d', users,
                                                           'up_votes', up, 'down_votes', down,
                                                           'comments', comments))
             FROM (SELECT product, SUM(queries) AS queries, MAX(users) AS users, SUM(up) AS up,
                          SUM(down) AS down, SUM(comments) AS comments
                   FROM figures GROUP BY product)",
        )
        .fetch_one(self.pool())
        .await
        .ctx("read upstream stats per product")?;
        decode_json(&text, || "upstream stats per product".into())
    }
}
