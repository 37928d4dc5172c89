//! Reads: result history, current status per check, SLA evaluation and scorecards.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use meshlens_store::Store;

use crate::error::{Ctx, QualityError};
use crate::targets::ensure_targets;
use crate::time::{format_ms, parse_since};
use crate::types::{
    DomainScorecard, QualityQuery, QualityReport, QualityResult, QualitySummary, Scorecard,
    SlaBreach,
};

/// One product link per dataset key (a dataset shared by two contracts shows its first owner).
const LINKS: &str =
    "WITH t AS (SELECT target_key, MIN(product_id) AS product_id, MIN(contract_id) AS contract_id,
    MIN(dataset) AS tdataset, MIN(domain) AS domain FROM quality_targets GROUP BY target_key)";

const FILTER: &str =
    "(?1 IS NULL OR r.at_ms >= ?1) AND (?2 IS NULL OR t.product_id = ?2 OR t.contract_id = ?2
    OR t.domain = ?2 OR t.tdataset = ?2 OR r.dataset = ?2 COLLATE NOCASE OR r.check_name = ?2)";

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

type ResultRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// `meshlens quality`: outcomes newest first, or with `failing` the newest outcome of every check
/// that currently fails.
pub async fn quality(store: &Store, query: &QualityQuery) -> Result<QualityReport, QualityError> {
    ensure_targets(store).await?;
    let since = match query.since.as_deref() {
        Some(text) => {
            Some(parse_since(text).ok_or_else(|| QualityError::BadDate(text.to_owned()))?)
        }
        None => None,
    };
    let columns = "r.check_name, r.dataset, r.column_name, t.product_id, r.status, r.observed, r.expected, r.at, r.tool";
    let sql = if query.failing {
        format!(
            "{LINKS} SELECT {columns} FROM quality_checks c
             JOIN quality_results r ON r.id = c.last_id
             LEFT JOIN t ON t.target_key = r.target_key
             WHERE c.last_status IN ('fail', 'error') AND {FILTER}
             ORDER BY r.at_ms DESC, r.check_name"
        )
    } else {
        format!(
            "{LINKS} SELECT {columns} FROM quality_results r LEFT JOIN t ON t.target_key = r.target_key
             WHERE {FILTER} ORDER BY r.at_ms DESC, r.id DESC"
        )
    };
    let rows: Vec<ResultRow> = sqlx::query_as(&sql)
        .bind(since)
        .bind(query.id.as_deref())
        .fetch_all(store.pool())
        .await
        .ctx("read quality results")?;
    let mut summary = QualitySummary::default();
    let results = rows
        .into_iter()
        .map(
            |(check, dataset, column, product, status, observed, expected, at, tool)| {
                match status.as_str() {
                    "pass" => summary.passed += 1,
                    "warn" => summary.warned += 1,
                    "fail" | "error" => summary.failed += 1,
                    _ => {}
                }
                QualityResult {
                    check,
                    dataset,
                    column,
                    product,
                    status,
                    observed,
                    expected,
                    at,
                    source_tool: tool,
                }
            },
        )
        .collect();
    Ok(QualityReport { results, summary })
}

/// SLA breaches as of now.
pub async fn sla_breaches(
    store: &Store,
    domain: Option<&str>,
) -> Result<Vec<SlaBreach>, QualityError> {
    sla_breaches_at(store, domain, now_ms()).await
}

/// SLA breaches as of `now_ms`:
/// - latency: the newest completed OpenLineage run that produced a dataset ended longer ago than
///   the contract promises (latency + frequency). Datasets without such a run are not evaluated:
///   a nightly quality check says nothing about when data last changed.
/// - freshness checks (Soda `freshness`, any check named so) whose newest outcome fails.
///
/// Runs ending after `now_ms` (clock skew) count as fresh, never as a breach.
pub async fn sla_breaches_at(
    store: &Store,
    domain: Option<&str>,
    now_ms: i64,
) -> Result<Vec<SlaBreach>, QualityError> {
    ensure_targets(store).await?;
    // `updated_ms` is kept current by `ensure_targets` (lineage ingestion bumps the generation).
    let stale: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT DISTINCT product_id, contract_id, dataset, latency_ms, updated_ms FROM quality_targets
         WHERE latency_ms IS NOT NULL AND updated_ms IS NOT NULL AND product_id IS NOT NULL
           AND (?1 IS NULL OR domain = ?1) AND ?2 - updated_ms > latency_ms
         ORDER BY product_id, contract_id, dataset",
    )
    .bind(domain)
    .bind(now_ms)
    .fetch_all(store.pool())
    .await
    .ctx("evaluate latency SLAs")?;
    let mut out: Vec<SlaBreach> = stale
        .into_iter()
        .map(|(product, contract, dataset, promised, updated)| SlaBreach {
            message: format!(
                "{dataset} was last updated at {} (newest completed run producing it), longer ago than the promised {}",
                format_ms(updated),
                human_duration(promised)
            ),
            product,
            contract,
            dataset,
            sla: "latency".into(),
        })
        .collect();
    // CROSS JOIN: start from the checks (see `tallies`).
    let failing: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT DISTINCT t.product_id, t.contract_id, t.dataset, c.check_name, c.last_at
         FROM quality_checks c CROSS JOIN quality_targets t ON t.target_key = c.target_key
         WHERE t.product_id IS NOT NULL AND (?1 IS NULL OR t.domain = ?1) AND c.last_status IN ('fail', 'error')
           AND (lower(COALESCE(c.check_type, '')) LIKE '%freshness%' OR lower(c.check_name) LIKE '%freshness%')
         ORDER BY 1, 2, 3, 4",
    )
    .bind(domain)
    .fetch_all(store.pool())
    .await
    .ctx("find failing freshness checks")?;
    out.extend(
        failing
            .into_iter()
            .map(|(product, contract, dataset, check, at)| SlaBreach {
                message: format!("freshness check '{check}' on {dataset} failed at {at}"),
                product,
                contract,
                dataset,
                sla: check,
            }),
    );
    Ok(out)
}

fn human_duration(ms: i64) -> String {
    let minutes = ms / 60_000;
    match minutes {
        m if m % 1440 == 0 && m > 0 => format!("{}d", m / 1440),
        m if m % 60 == 0 && m > 0 => format!("{}h", m / 60),
        m => format!("{m}min"),
    }
}

/// Per-product sums before the rates are taken (also combined per domain).
#[derive(Debug, Default, Clone)]
struct Tally {
    evaluated: i64,
    passes: i64,
    failing: u64,
    sla_breaches: u64,
    policy_violations: u64,
    last_ms: Option<i64>,
}

impl Tally {
    fn rate(&self) -> Option<f64> {
        (self.evaluated > 0).then(|| self.passes as f64 / self.evaluated as f64)
    }

    fn add(&mut self, other: &Tally) {
        self.evaluated += other.evaluated;
        self.passes += other.passes;
        self.failing += other.failing;
        self.sla_breaches += other.sla_breaches;
        self.policy_violations += other.policy_violations;
        self.last_ms = self.last_ms.max(other.last_ms);
    }
}

/// `meshlens scorecard [--domain D]`, as of now.
pub async fn scorecards(
    store: &Store,
    domain: Option<&str>,
) -> Result<Vec<Scorecard>, QualityError> {
    scorecards_at(store, domain, now_ms()).await
}

/// Scorecards with SLAs evaluated at `now_ms`, ordered by domain then product id.
pub async fn scorecards_at(
    store: &Store,
    domain: Option<&str>,
    now_ms: i64,
) -> Result<Vec<Scorecard>, QualityError> {
    let (products, tallies) = tallies(store, domain, now_ms).await?;
    Ok(products
        .into_iter()
        .map(|(id, name, domain)| {
            let t = tallies.get(&id).cloned().unwrap_or_default();
            Scorecard {
                pass_rate: t.rate(),
                failing: t.failing,
                sla_breaches: t.sla_breaches,
                policy_violations: t.policy_violations,
                last_run: t.last_ms.map(format_ms),
                id,
                name,
                domain,
            }
        })
        .collect())
}

/// One scorecard per domain, as of now.
pub async fn domain_scorecards(store: &Store) -> Result<Vec<DomainScorecard>, QualityError> {
    domain_scorecards_at(store, now_ms()).await
}

/// One scorecard per domain (products without a domain are grouped under `""`).
pub async fn domain_scorecards_at(
    store: &Store,
    now_ms: i64,
) -> Result<Vec<DomainScorecard>, QualityError> {
    let (products, tallies) = tallies(store, None, now_ms).await?;
    let mut domains: BTreeMap<String, (u64, Tally)> = BTreeMap::new();
    for (id, _, domain) in products {
        let entry = domains.entry(domain.unwrap_or_default()).or_default();
        entry.0 += 1;
        if let Some(t) = tallies.get(&id) {
            entry.1.add(t);
        }
    }
    Ok(domains
        .into_iter()
        .map(|(domain, (products, t))| DomainScorecard {
            domain,
            products,
            pass_rate: t.rate(),
            failing: t.failing,
            sla_breaches: t.sla_breaches,
            policy_violations: t.policy_violations,
            last_run: t.last_ms.map(format_ms),
        })
        .collect())
}

type Products = Vec<(String, Option<String>, Option<String>)>;

async fn tallies(
    store: &Store,
    domain: Option<&str>,
    now_ms: i64,
) -> Result<(Products, HashMap<String, Tally>), QualityError> {
    ensure_targets(store).await?;
    let products: Products = sqlx::query_as(
        "SELECT id, name, domain FROM products WHERE ?1 IS NULL OR domain = ?1 ORDER BY domain, id",
    )
    .bind(domain)
    .fetch_all(store.pool())
    .await
    .ctx("list products for scorecards")?;
    let checks: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        // CROSS JOIN pins the order: driven by the checks (few), never by the dataset keys (many,
        // which the planner otherwise picks through the product index); the inner GROUP BY counts a
        // check once per product even when two of its contract versions share the dataset.
        "SELECT product_id, SUM(evaluated), SUM(passes), SUM(failing), MAX(last_ms) FROM (
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
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    for (product, evaluated, passes, failing, last) in checks {
        let t = tallies.entry(product).or_default();
        t.evaluated = evaluated;
        t.passes = passes;
        t.failing = u64::try_from(failing).unwrap_or(0);
        t.last_ms = Some(last);
    }
    for breach in sla_breaches_at(store, domain, now_ms).await? {
        tallies.entry(breach.product).or_default().sla_breaches += 1;
    }
    let violations: Vec<(String, i64)> =
        sqlx::query_as("SELECT product_id, COUNT(*) FROM policy_violations GROUP BY product_id")
            .fetch_all(store.pool())
            .await
            .ctx("count policy violations")?;
    for (product, count) in violations {
        tallies.entry(product).or_default().policy_violations = u64::try_from(count).unwrap_or(0);
    }
    Ok((products, tallies))
}
