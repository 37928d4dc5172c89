//! Reads: result history, current status per check, SLA evaluation and scorecards.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use meshlens_store::Store;

use meshlens_store::Ctx;

use crate::error::{QualityError, rows_from_json};
use crate::figures::product_figures;
use crate::rules::RuleIndex;
use crate::targets::ensure_targets;
use crate::time::{format_ms, parse_since};
use crate::types::{
    ColumnMetricPoint, ColumnMetricsHistory, DatasetMetricPoint, DatasetMetrics, DomainScorecard,
    QualityQuery, QualityReport, QualityResult, QualitySummary, Scorecard, SlaBreach,
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

/// The selected columns of one outcome, in order.
#[derive(sqlx::FromRow)]
struct ResultRow {
    check_name: String,
    dataset: String,
    column_name: Option<String>,
    product_id: Option<String>,
    status: String,
    observed: Option<String>,
    expected: Option<String>,
    at: String,
    tool: String,
    target_key: String,
    check_type: Option<String>,
}

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
    let columns = "r.check_name, r.dataset, r.column_name, t.product_id, r.status, r.observed, r.expected, r.at, r.tool, r.target_key, r.check_type";
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
    let rules = RuleIndex::load(store).await?;
    let mut summary = QualitySummary::default();
    let results = rows
        .into_iter()
        .map(|r| {
            match r.status.as_str() {
                "pass" => summary.passed += 1,
                "warn" => summary.warned += 1,
                "fail" | "error" => summary.failed += 1,
                _ => {}
            }
            let rule = rules.find(
                &r.target_key,
                &r.check_name,
                r.check_type.as_deref(),
                r.column_name.as_deref(),
            );
            QualityResult {
                check: r.check_name,
                dataset: r.dataset,
                column: r.column_name,
                product: r.product_id,
                status: r.status,
                observed: r.observed,
                expected: r.expected,
                at: r.at,
                source_tool: r.tool,
                rule,
            }
        })
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
    let mut out = latency_breaches(store, domain, now_ms).await?;
    out.extend(freshness_breaches(store, domain).await?);
    Ok(out)
}

/// Latency SLAs broken at `now_ms` (quality targets must be up to date, see [`ensure_targets`]).
async fn latency_breaches(
    store: &Store,
    domain: Option<&str>,
    now_ms: i64,
) -> Result<Vec<SlaBreach>, QualityError> {
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
    Ok(stale
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
        .collect())
}

/// Freshness checks whose newest outcome fails (quality targets must be up to date).
pub(crate) async fn freshness_breaches(
    store: &Store,
    domain: Option<&str>,
) -> Result<Vec<SlaBreach>, QualityError> {
    // CROSS JOIN: start from the checks (see `computed_figures`).
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
    Ok(failing
        .into_iter()
        .map(|(product, contract, dataset, check, at)| SlaBreach {
            message: format!("freshness check '{check}' on {dataset} failed at {at}"),
            product,
            contract,
            dataset,
            sla: check,
        })
        .collect())
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
pub(crate) struct Tally {
    /// Checks with at least one kept outcome.
    pub(crate) checks: u64,
    pub(crate) evaluated: i64,
    pub(crate) passes: i64,
    pub(crate) failing: u64,
    pub(crate) sla_breaches: u64,
    pub(crate) policy_violations: u64,
    pub(crate) last_ms: Option<i64>,
}

impl Tally {
    pub(crate) fn card(
        &self,
        id: String,
        name: Option<String>,
        domain: Option<String>,
    ) -> Scorecard {
        Scorecard {
            pass_rate: self.rate(),
            failing: self.failing,
            sla_breaches: self.sla_breaches,
            policy_violations: self.policy_violations,
            last_run: self.last_ms.map(format_ms),
            id,
            name,
            domain,
        }
    }

    pub(crate) fn rate(&self) -> Option<f64> {
        (self.evaluated > 0).then(|| self.passes as f64 / self.evaluated as f64)
    }

    fn add(&mut self, other: &Tally) {
        self.checks += other.checks;
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
    let (products, tallies) = tallies(store, ProductFilter::of_domain(domain), now_ms).await?;
    let empty = Tally::default();
    Ok(products
        .into_iter()
        .map(|(id, name, domain)| {
            let t = tallies.get(&id).unwrap_or(&empty);
            t.card(id, name, domain)
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
    let (products, tallies) = tallies(store, ProductFilter::All, now_ms).await?;
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

/// A product's id, name and domain.
pub(crate) type ProductLabel = (String, Option<String>, Option<String>);
pub(crate) type Products = Vec<ProductLabel>;

/// The products a reading covers: all of them, one domain's, or those named.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ProductFilter<'a> {
    All,
    Domain(&'a str),
    /// A JSON array of product ids.
    Ids(&'a str),
}

impl<'a> ProductFilter<'a> {
    pub fn of_domain(domain: Option<&'a str>) -> ProductFilter<'a> {
        domain.map_or(ProductFilter::All, ProductFilter::Domain)
    }

    /// The domain, of a domain's products.
    pub fn domain(self) -> Option<&'a str> {
        match self {
            ProductFilter::Domain(domain) => Some(domain),
            _ => None,
        }
    }

    /// The JSON array of ids, of products named.
    pub fn ids(self) -> Option<&'a str> {
        match self {
            ProductFilter::Ids(ids) => Some(ids),
            _ => None,
        }
    }
}

/// Every product of `which` by (id, name, domain), and the figures of those with check outcomes,
/// SLA breaches (as of `now_ms`) or policy violations: the stored figures when they hold (see
/// `figures.rs`), and the violations of the last policy check.
pub(crate) async fn tallies(
    store: &Store,
    which: ProductFilter<'_>,
    now_ms: i64,
) -> Result<(Products, HashMap<String, Tally>), QualityError> {
    ensure_targets(store).await?;
    // Read in the order of the `products_labels` index and sorted here: an ORDER BY inside the aggregate
    // copied every row into a temporary b-tree first.
    let query = match which {
        // Driven by the ids: a handful of lookups, never a scan of the products.
        ProductFilter::Ids(ids) => sqlx::query_as(
            "SELECT json_group_array(json_array(p.id, p.name, p.domain))
             FROM json_each(?1) j CROSS JOIN products p ON p.id = j.value",
        )
        .bind(ids),
        _ => sqlx::query_as(
            "SELECT json_group_array(json_array(id, name, domain)) FROM products
             WHERE ?1 IS NULL OR domain = ?1",
        )
        .bind(which.domain()),
    };
    let (products,): (String,) = query
        .fetch_one(store.pool())
        .await
        .ctx("list products for scorecards")?;
    let mut products: Products = rows_from_json(&products, "list products for scorecards")?;
    // By domain (none first, as SQLite orders NULL) then id, both compared byte by byte.
    products.sort_unstable_by(|a, b| (&a.2, &a.0).cmp(&(&b.2, &b.0)));
    let mut tallies = product_figures(store, which, now_ms).await?;
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

/// One `quality_metrics` row as read for a history.
#[derive(sqlx::FromRow)]
struct MetricRow {
    namespace: String,
    dataset: String,
    column_name: String,
    at: String,
    row_count: Option<i64>,
    bytes: Option<i64>,
    file_count: Option<i64>,
    null_count: Option<i64>,
    distinct_count: Option<i64>,
    sum: Option<f64>,
    count: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    quantiles: Option<String>,
}

/// The OpenLineage `dataQualityMetrics` history of a dataset, oldest first. `dataset` is an
/// OpenLineage id (`namespace:name`) or bare name, a contract dataset name or a contract id
/// (then every dataset the contract declares, under each identity tools report it by).
pub async fn dataset_metrics(store: &Store, dataset: &str) -> Result<DatasetMetrics, QualityError> {
    ensure_targets(store).await?;
    let rows: Vec<MetricRow> = sqlx::query_as(
        "SELECT namespace, dataset, column_name, at, row_count, bytes, file_count, null_count,
                distinct_count, sum, count, min, max, quantiles
         FROM quality_metrics
         WHERE namespace || ':' || dataset = ?1 OR dataset = ?1
            OR target_key IN (SELECT target_key FROM quality_targets
                              WHERE dataset = ?1 COLLATE NOCASE OR contract_id = ?1)
         ORDER BY at_ms, namespace, dataset, column_name",
    )
    .bind(dataset)
    .fetch_all(store.pool())
    .await
    .ctx("read dataset metrics")?;
    let mut out = DatasetMetrics {
        dataset: dataset.to_owned(),
        ..DatasetMetrics::default()
    };
    let mut columns: BTreeMap<String, Vec<ColumnMetricPoint>> = BTreeMap::new();
    for r in rows {
        if r.column_name.is_empty() {
            out.points.push(DatasetMetricPoint {
                at: r.at,
                reported_as: format!("{}:{}", r.namespace, r.dataset),
                row_count: r.row_count,
                bytes: r.bytes,
                file_count: r.file_count,
            });
        } else {
            columns
                .entry(r.column_name)
                .or_default()
                .push(ColumnMetricPoint {
                    at: r.at,
                    null_count: r.null_count,
                    distinct_count: r.distinct_count,
                    sum: r.sum,
                    count: r.count,
                    min: r.min,
                    max: r.max,
                    quantiles: r
                        .quantiles
                        .as_deref()
                        .and_then(|q| serde_json::from_str(q).ok()),
                });
        }
    }
    out.columns = columns
        .into_iter()
        .map(|(column, points)| ColumnMetricsHistory { column, points })
        .collect();
    Ok(out)
}
