//! Per-product quality figures: what scorecards, trust scores and `mesh` need from the checks
//! (outcomes kept, passes, failing checks, the newest outcome, failing freshness checks) and the
//! deadlines of the latency SLAs (a promise is broken once its deadline is past).
//!
//! Computing them scans every check joined to its targets (seconds on a mesh of 350k checks), so
//! [`refresh_figures`] stores them after each change (`quality_product_figures`, migration 0013),
//! stamped with the checks generation (bumped by triggers on `quality_checks`) and the catalogue
//! generation (`lineage_meta`, which `quality_targets` follow). A read uses the stored rows only
//! when both still hold, and computes the figures otherwise: slower, never wrong.

use std::collections::HashMap;

use meshlens_store::{Ctx, Store};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::error::{QualityError, rows_from_json};
use crate::query::{ProductFilter, Tally, freshness_breaches};
use crate::targets::ensure_targets;

/// The generations figures were computed at: the checks' and the catalogue's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    checks: i64,
    catalogue: i64,
}

/// Every product's figures by product id with the SLAs broken at `now_ms`, the stored ones when
/// they hold (quality targets must be up to date, see [`ensure_targets`]). Products of `which` are
/// exact; another product may be left out or partly counted.
pub(crate) async fn product_figures(
    store: &Store,
    which: ProductFilter<'_>,
    now_ms: i64,
) -> Result<HashMap<String, Tally>, QualityError> {
    match stored_figures(store, which.ids(), now_ms).await? {
        Some(figures) => Ok(figures),
        None => Ok(computed_figures(store, which.domain()).await?.at(now_ms)),
    }
}

/// A latency promise's product, deadline (`updated_ms + latency_ms`) and how many promises share it.
type Deadline = (String, i64, i64);

/// The figures as computed from the checks and the quality targets.
struct Figures {
    /// Without latency SLAs, which depend on the time of reading.
    tallies: HashMap<String, Tally>,
    deadlines: Vec<Deadline>,
}

impl Figures {
    /// The tallies with the latency SLAs broken at `now_ms` (the run that last updated the data
    /// ended longer ago than the promised latency: `now - updated > latency`).
    fn at(mut self, now_ms: i64) -> HashMap<String, Tally> {
        for (product, deadline, promises) in self.deadlines {
            if deadline < now_ms {
                self.tallies.entry(product).or_default().sla_breaches +=
                    u64::try_from(promises).unwrap_or(0);
            }
        }
        self.tallies
    }
}

/// Stores every product's figures for the current generations, unless they are stored already;
/// true when it wrote them. Meant for after each change of the quality results or the catalogue
/// (import, sync, removal of a result file or a source, retention).
pub async fn refresh_figures(store: &Store) -> Result<bool, QualityError> {
    let mut conn = store
        .pool()
        .acquire()
        .await
        .ctx("read quality figures stamp")?;
    let (stamp, stored) = stamps(&mut conn).await?;
    drop(conn);
    if stored == stamp {
        return Ok(false);
    }
    // The stamp is read first: targets rebuilt for a later catalogue move it, and nothing is stored.
    let phase = std::time::Instant::now();
    ensure_targets(store).await?;
    tracing::debug!(
        ms = phase.elapsed().as_millis(),
        "quality targets up to date"
    );
    let phase = std::time::Instant::now();
    // Figures read the checks and the targets only: while neither moved, the stored ones still hold.
    let figures = if stored.checks == stamp.checks && targets_unchanged(store).await? {
        None
    } else {
        Some(computed_figures(store, None).await?)
    };
    tracing::debug!(
        ms = phase.elapsed().as_millis(),
        computed = figures.is_some(),
        "quality figures up to date"
    );
    let mut tx = store
        .begin_write()
        .await
        .ctx("begin storing quality figures")?;
    // Another change committed since the figures were computed: its own refresh stores them.
    if stamps(&mut tx).await?.0 != stamp {
        return Ok(false);
    }
    if let Some(figures) = &figures {
        write_figures(&mut tx, figures).await?;
    }
    sqlx::query(
        "UPDATE quality_figures_meta SET stored_checks = ?, stored_catalogue = ?,
             stored_targets_digest = (SELECT targets_digest FROM quality_meta WHERE id = 1)
         WHERE id = 1",
    )
    .bind(stamp.checks)
    .bind(stamp.catalogue)
    .execute(&mut *tx)
    .await
    .ctx("stamp quality figures")?;
    tx.commit().await.ctx("commit quality figures")?;
    Ok(true)
}

/// Whether the targets are those the stored figures were computed from (by their digest).
async fn targets_unchanged(store: &Store) -> Result<bool, QualityError> {
    let (same,): (bool,) = sqlx::query_as(
        "SELECT f.stored_targets_digest IS NOT NULL AND f.stored_targets_digest = q.targets_digest
         FROM quality_figures_meta f, quality_meta q WHERE f.id = 1 AND q.id = 1",
    )
    .fetch_one(store.pool())
    .await
    .ctx("read quality targets digests")?;
    Ok(same)
}

/// The current generations and those the stored figures were computed at, in that order.
async fn stamps(conn: &mut SqliteConnection) -> Result<(Stamp, Stamp), QualityError> {
    let (checks, catalogue, stored_checks, stored_catalogue): (i64, i64, i64, i64) =
        sqlx::query_as(
            "SELECT f.checks_generation, l.generation, f.stored_checks, f.stored_catalogue
             FROM quality_figures_meta f, lineage_meta l WHERE f.id = 1 AND l.id = 1",
        )
        .fetch_one(&mut *conn)
        .await
        .ctx("read quality figures generations")?;
    let current = Stamp { checks, catalogue };
    let stored = Stamp {
        checks: stored_checks,
        catalogue: stored_catalogue,
    };
    Ok((current, stored))
}

/// A stored row: product, checks, evaluated, passes, failing, newest outcome, freshness breaches.
type FigureRow = (String, i64, i64, i64, i64, Option<i64>, i64);

/// The stored figures with the SLAs broken at `now_ms`, or None when they do not hold for the
/// current generations. The stamp and the rows are read in one transaction, so a change committed
/// in between cannot mix them. With `ids` (a JSON array), of those products only.
async fn stored_figures(
    store: &Store,
    ids: Option<&str>,
    now_ms: i64,
) -> Result<Option<HashMap<String, Tally>>, QualityError> {
    let mut tx = store
        .pool()
        .begin()
        .await
        .ctx("begin reading quality figures")?;
    let (current, stored) = stamps(&mut tx).await?;
    if current != stored {
        return Ok(None);
    }
    // With ids, each read is driven by them (a few lookups), never a scan of every product's rows.
    let rows_of = |table: &str| match ids {
        Some(_) => format!("json_each(?1) j CROSS JOIN {table} t ON t.product_id = j.value"),
        // `?1` (null) is named so that both forms take the same arguments.
        None => format!("(SELECT * FROM {table} WHERE ?1 IS NULL) t"),
    };
    let sql = format!(
        "SELECT json_group_array(json_array(t.product_id, t.checks, t.evaluated, t.passes, t.failing,
                                            t.last_ms, t.freshness_breaches))
         FROM {}",
        rows_of("quality_product_figures")
    );
    let (rows,): (String,) = sqlx::query_as(&sql)
        .bind(ids)
        .fetch_one(&mut *tx)
        .await
        .ctx("read quality figures")?;
    let rows: Vec<FigureRow> = rows_from_json(&rows, "read quality figures")?;
    let tallies = rows.into_iter().map(stored_tally).collect();
    // Only the deadlines already past, one row per product (its latest past one).
    let sql = format!(
        "SELECT json_group_array(json_array(product_id, deadline_ms, promises)) FROM (
           SELECT t.product_id, MAX(t.deadline_ms) AS deadline_ms, SUM(t.promises) AS promises
           FROM {} WHERE t.deadline_ms < ?2 GROUP BY t.product_id)",
        rows_of("quality_sla_deadlines")
    );
    let (deadlines,): (String,) = sqlx::query_as(&sql)
        .bind(ids)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await
        .ctx("read broken latency SLAs")?;
    let deadlines: Vec<Deadline> = rows_from_json(&deadlines, "read broken latency SLAs")?;
    Ok(Some(Figures { tallies, deadlines }.at(now_ms)))
}

fn stored_tally(row: FigureRow) -> (String, Tally) {
    let (product, checks, evaluated, passes, failing, last_ms, freshness_breaches) = row;
    let tally = Tally {
        checks: u64::try_from(checks).unwrap_or(0),
        evaluated,
        passes,
        failing: u64::try_from(failing).unwrap_or(0),
        sla_breaches: u64::try_from(freshness_breaches).unwrap_or(0),
        policy_violations: 0,
        last_ms,
    };
    (product, tally)
}

/// The figures computed from the checks (outcomes per product, failing freshness checks counted as
/// SLA breaches) and the latency promises of the quality targets.
async fn computed_figures(store: &Store, domain: Option<&str>) -> Result<Figures, QualityError> {
    let checks: Vec<(String, i64, i64, i64, i64, i64)> = sqlx::query_as(
        // CROSS JOIN pins the order: driven by the checks (few), never by the dataset keys (many,
        // which the planner otherwise picks through the product index); the inner GROUP BY counts a
        // check once per product even when two of its contract versions share the dataset.
        "SELECT product_id, COUNT(*), SUM(evaluated), SUM(passes), SUM(failing), MAX(last_ms) FROM (
             SELECT t.product_id, c.passes + c.warns + c.fails AS evaluated, c.passes,
                    c.last_status IN ('fail', 'error') AS failing, c.last_ms
             FROM quality_checks c CROSS JOIN quality_targets t ON t.target_key = c.target_key
             WHERE t.product_id IS NOT NULL AND (?1 IS NULL OR t.domain = ?1)
             GROUP BY t.product_id, c.target_key, c.tool, c.check_name, c.column_name)
         GROUP BY product_id",
    )
    .bind(domain)
    .fetch_all(store.pool())
    .await
    .ctx("sum checks per product")?;
    let mut figures: HashMap<String, Tally> = HashMap::new();
    for (product, count, evaluated, passes, failing, last) in checks {
        let t = figures.entry(product).or_default();
        t.checks = u64::try_from(count).unwrap_or(0);
        t.evaluated = evaluated;
        t.passes = passes;
        t.failing = u64::try_from(failing).unwrap_or(0);
        t.last_ms = Some(last);
    }
    for breach in freshness_breaches(store, domain).await? {
        figures.entry(breach.product).or_default().sla_breaches += 1;
    }
    Ok(Figures {
        tallies: figures,
        deadlines: sla_deadlines(store, domain).await?,
    })
}

/// Every latency promise's deadline per product, as `latency_breaches` counts them: one per
/// distinct (contract, dataset, promise, update).
async fn sla_deadlines(store: &Store, domain: Option<&str>) -> Result<Vec<Deadline>, QualityError> {
    Ok(sqlx::query_as(
        "SELECT product_id, updated_ms + latency_ms, COUNT(*) FROM (
             SELECT DISTINCT product_id, contract_id, dataset, latency_ms, updated_ms FROM quality_targets
             WHERE latency_ms IS NOT NULL AND updated_ms IS NOT NULL AND product_id IS NOT NULL
               AND (?1 IS NULL OR domain = ?1))
         GROUP BY 1, 2",
    )
    .bind(domain)
    .fetch_all(store.pool())
    .await
    .ctx("read latency SLA deadlines")?)
}

async fn write_figures(conn: &mut SqliteConnection, figures: &Figures) -> Result<(), QualityError> {
    for table in ["quality_product_figures", "quality_sla_deadlines"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await
            .ctx("clear quality figures")?;
    }
    let rows: Vec<(&String, &Tally)> = figures.tallies.iter().collect();
    // 7 bound values a row: 4,000 rows stay under SQLite's 32,766 variables.
    for chunk in rows.chunks(4_000) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO quality_product_figures (product_id, checks, evaluated, passes, failing, last_ms, freshness_breaches) ",
        );
        insert.push_values(chunk, |mut b, (product, t)| {
            b.push_bind(*product)
                .push_bind(i64::try_from(t.checks).unwrap_or(i64::MAX))
                .push_bind(t.evaluated)
                .push_bind(t.passes)
                .push_bind(i64::try_from(t.failing).unwrap_or(i64::MAX))
                .push_bind(t.last_ms)
                .push_bind(i64::try_from(t.sla_breaches).unwrap_or(i64::MAX));
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("write quality figures")?;
    }
    for chunk in figures.deadlines.chunks(10_000) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO quality_sla_deadlines (product_id, deadline_ms, promises) ",
        );
        insert.push_values(chunk, |mut b, (product, deadline, promises)| {
            b.push_bind(product).push_bind(deadline).push_bind(promises);
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("write latency SLA deadlines")?;
    }
    Ok(())
}
