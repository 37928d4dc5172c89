//! The bundled demo mesh: its quality folder and OpenLineage history against its contracts
//! (see assets/demo-mesh/README.md, "Quality results").

use meshlens_lineage::parse_event_time;
use meshlens_quality::{
    QualityQuery, QualityReport, Retention, Scorecard, apply_retention, default_policies,
    domain_scorecards_at, import_file, quality, refresh_figures, render_report_at, scorecards_at,
    sla_breaches_at, trust_scores, trust_values,
};
use meshlens_store::Store;
use meshlens_test_support::{demo_mesh, sync_demo_descriptors, synced_demo};

fn at(text: &str) -> i64 {
    parse_event_time(text).unwrap()
}

/// The demo mesh synced through the sync engine: descriptors, lineage, and every quality result
/// (tool files and OpenLineage facets).
async fn demo_store() -> Store {
    let (store, report) = synced_demo().await;
    // 80 tool results in quality/, 96 data-quality facets in the OpenLineage history.
    assert_eq!(
        (report.quality.imported, report.quality.rejected),
        (176, 0),
        "{report:#?}"
    );
    store
}

fn query(id: Option<&str>, failing: bool, since: Option<&str>) -> QualityQuery {
    QualityQuery {
        id: id.map(str::to_owned),
        failing,
        since: since.map(str::to_owned),
    }
}

#[tokio::test]
async fn results_link_to_products_and_failing_checks_match_the_readme() {
    let store = demo_store().await;
    let all = quality(&store, &QualityQuery::default()).await.unwrap();
    assert_eq!(
        (all.summary.passed, all.summary.failed, all.summary.warned),
        (160, 10, 6)
    );
    assert!(
        all.results.iter().all(|r| r.product.is_some()),
        "every demo result names a contract dataset"
    );
    assert!(
        all.results.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first"
    );

    let failing = quality(&store, &query(None, true, None)).await.unwrap();
    let mut now: Vec<(&str, &str, &str)> = failing
        .results
        .iter()
        .map(|r| {
            (
                r.check.as_str(),
                r.source_tool.as_str(),
                r.product.as_deref().unwrap(),
            )
        })
        .collect();
    now.sort();
    assert_eq!(
        now,
        [
            (
                "assert_revenue_reconciles_with_ledger",
                "dbt",
                "finance-revenue-kpis"
            ),
            ("unique_fct_orders_order_id", "dbt", "sales-order-analytics"),
            (
                "unique_fct_orders_order_id",
                "openlineage",
                "sales-order-analytics"
            ),
        ]
    );

    // Great Expectations history on crm.public.customers (datasource crm-db-prod): fails 11-20 and 11-21, passes 11-22.
    let crm = quality(&store, &query(Some("customer-profiles"), false, None))
        .await
        .unwrap();
    let country: Vec<(&str, &str)> = crm
        .results
        .iter()
        .filter(|r| {
            r.source_tool == "great_expectations"
                && r.check == "expect_column_values_to_not_be_null"
                && r.column.as_deref() == Some("country_code")
        })
        .map(|r| (&r.at[..10], r.status.as_str()))
        .collect();
    assert_eq!(
        country,
        [
            ("2026-11-22", "pass"),
            ("2026-11-21", "fail"),
            ("2026-11-20", "fail")
        ]
    );
    let regex = crm
        .results
        .iter()
        .find(|r| r.check == "expect_column_values_to_match_regex" && r.status == "fail")
        .unwrap();
    assert_eq!(
        (regex.column.as_deref(), &regex.at[..10]),
        (Some("email"), "2026-11-21")
    );

    // Soda on wms-db-prod: the carrier-code failure of 11-21, and --since.
    let since = quality(
        &store,
        &query(Some("logistics-shipments"), false, Some("2026-11-21")),
    )
    .await
    .unwrap();
    assert!(since.results.iter().all(|r| r.at.as_str() >= "2026-11-21"));
    let carrier = since
        .results
        .iter()
        .find(|r| r.check == "Carrier code is known" && r.status == "fail")
        .unwrap();
    assert_eq!(
        (
            carrier.dataset.as_str(),
            carrier.column.as_deref(),
            carrier.source_tool.as_str()
        ),
        ("shipments", Some("carrier"), "soda")
    );
    // dbt warn on 11-21 (severity warn test): a warning, not a failure.
    let channel = quality(
        &store,
        &query(
            Some("accepted_values_fct_orders_channel__web__app__store__marketplace"),
            false,
            None,
        ),
    )
    .await
    .unwrap();
    let statuses: Vec<&str> = channel.results.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["pass", "warn", "pass"]);

    let bad = quality(&store, &query(None, false, Some("yesterday")))
        .await
        .unwrap_err();
    assert!(
        bad.to_string().contains("'yesterday' is not a date"),
        "{bad}"
    );
}

#[tokio::test]
async fn scorecards_per_product_and_domain() {
    let store = demo_store().await;
    let now = at("2026-11-22T01:40:00Z");
    let cards = scorecards_at(&store, None, now).await.unwrap();
    assert_eq!(cards.len(), 20);
    let card = |id: &str| cards.iter().find(|c| c.id == id).unwrap();
    let analytics = card("sales-order-analytics");
    assert_eq!(
        (analytics.failing, analytics.last_run.as_deref()),
        (2, Some("2026-11-22T02:56:00Z"))
    );
    assert!(
        (analytics.pass_rate.unwrap() - 36.0 / 41.0).abs() < 1e-9,
        "{analytics:?}"
    );
    let profiles = card("customer-profiles");
    assert_eq!(profiles.failing, 0);
    assert!(
        (profiles.pass_rate.unwrap() - 41.0 / 46.0).abs() < 1e-9,
        "{profiles:?}"
    );
    assert_eq!(card("finance-revenue-kpis").failing, 1);
    assert_eq!(card("sales-returns").pass_rate, None);

    // At 01:40 orders were last produced at 01:13 (promised 5 min): a breach; customers at 01:26
    // (promised 15 min): not yet.
    let breaches = sla_breaches_at(&store, None, now).await.unwrap();
    let breached: Vec<(&str, &str)> = breaches
        .iter()
        .map(|b| (b.product.as_str(), b.dataset.as_str()))
        .collect();
    assert!(
        breached.contains(&("sales-orders", "orders")),
        "{breaches:#?}"
    );
    assert!(
        !breached.contains(&("customer-profiles", "customers")),
        "{breaches:#?}"
    );
    assert_eq!(
        card("sales-orders").sla_breaches,
        breaches
            .iter()
            .filter(|b| b.product == "sales-orders")
            .count() as u64
    );
    // A clock far behind the data (skew) never reports a breach.
    assert_eq!(
        sla_breaches_at(&store, None, at("2026-11-01T00:00:00Z"))
            .await
            .unwrap(),
        []
    );

    let sales = scorecards_at(&store, Some("sales"), now).await.unwrap();
    assert_eq!(sales.len(), 5);
    assert!(sales.iter().all(|c| c.domain.as_deref() == Some("sales")));
    let domains = domain_scorecards_at(&store, now).await.unwrap();
    let sales_domain = domains.iter().find(|d| d.domain == "sales").unwrap();
    assert_eq!((sales_domain.products, sales_domain.failing), (5, 2));
    assert_eq!(
        sales_domain.sla_breaches,
        sales.iter().map(|c| c.sla_breaches).sum::<u64>()
    );
}

/// A product's scorecard among `cards`.
fn card_of<'a>(cards: &'a [Scorecard], id: &str) -> &'a Scorecard {
    cards.iter().find(|c| c.id == id).unwrap()
}

/// Replaces one product's stored passes, so that a read shows whether it used the stored figures.
async fn tamper_stored_passes(store: &Store, product: &str) {
    let changed = sqlx::query("UPDATE quality_product_figures SET passes = 0 WHERE product_id = ?")
        .bind(product)
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
}

#[tokio::test]
async fn stored_figures_equal_computed_ones_and_hold_until_a_change() {
    let store = demo_store().await;
    let policies = default_policies();
    meshlens_quality::check_policies(&store, &policies, None)
        .await
        .unwrap();
    let now = at("2026-11-22T01:40:00Z");
    let computed = scorecards_at(&store, None, now).await.unwrap();
    let computed_sales = scorecards_at(&store, Some("sales"), now).await.unwrap();
    let computed_domains = domain_scorecards_at(&store, now).await.unwrap();
    let computed_trust = trust_scores(&store, &policies, None).await.unwrap();

    assert!(refresh_figures(&store).await.unwrap());
    assert!(!refresh_figures(&store).await.unwrap(), "stored already");
    assert_eq!(scorecards_at(&store, None, now).await.unwrap(), computed);
    assert_eq!(
        scorecards_at(&store, Some("sales"), now).await.unwrap(),
        computed_sales
    );
    assert_eq!(
        domain_scorecards_at(&store, now).await.unwrap(),
        computed_domains
    );
    assert_eq!(
        trust_scores(&store, &policies, None).await.unwrap(),
        computed_trust
    );

    // While they hold, reads take the stored rows.
    tamper_stored_passes(&store, "customer-profiles").await;
    let read = scorecards_at(&store, None, now).await.unwrap();
    assert_eq!(card_of(&read, "customer-profiles").pass_rate, Some(0.0));

    // Retention changes the checks: the stored rows no longer hold, the figures are computed.
    let one_each = Retention {
        max_age_days: None,
        max_results_per_check: Some(1),
    };
    assert!(apply_retention(&store, one_each, 0).await.unwrap() > 0);
    let after_retention = scorecards_at(&store, None, now).await.unwrap();
    assert_ne!(after_retention, computed);
    assert_ne!(
        card_of(&after_retention, "customer-profiles").pass_rate,
        Some(0.0)
    );
    assert!(refresh_figures(&store).await.unwrap());
    assert_eq!(
        scorecards_at(&store, None, now).await.unwrap(),
        after_retention
    );

    // So does a change of the catalogue (the products' quality targets may have moved).
    tamper_stored_passes(&store, "customer-profiles").await;
    sqlx::query("UPDATE products SET name = name WHERE id = 'customer-profiles'")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        scorecards_at(&store, None, now).await.unwrap(),
        after_retention
    );
}

#[tokio::test]
async fn trust_values_are_the_trust_scores_values_without_their_reasons() {
    let store = demo_store().await;
    let policies = default_policies();
    meshlens_quality::check_policies(&store, &policies, None)
        .await
        .unwrap();
    for domain in [None, Some("sales")] {
        let scores = trust_scores(&store, &policies, domain).await.unwrap();
        let values = trust_values(&store, domain).await.unwrap();
        assert_eq!(values.len(), scores.len());
        assert!(scores.iter().any(|p| p.card.policy_violations > 0));
        assert!(scores.iter().any(|p| p.card.sla_breaches > 0));
        for (v, s) in values.iter().zip(&scores) {
            assert_eq!(
                (&v.id, &v.domain, &v.owner_team),
                (&s.card.id, &s.card.domain, &s.owner_team)
            );
            assert_eq!(
                (v.sla_breaches, v.policy_violations, v.evaluated, v.passes),
                (
                    s.card.sla_breaches,
                    s.card.policy_violations,
                    s.evaluated,
                    s.passes
                )
            );
            for factor in &s.trust.factors {
                assert_eq!(v.factor(&factor.name), Some(factor.value), "{}", v.id);
            }
        }
    }
}

#[tokio::test]
async fn out_of_order_results_and_contracts_that_arrive_later() {
    let store = Store::open_in_memory().await.unwrap();
    let soda = demo_mesh().join("quality/soda");
    for day in ["2026-11-22", "2026-11-20"] {
        let r = import_file(
            &store,
            &soda.join(format!("{day}_logistics_shipments.json")),
        )
        .await
        .unwrap();
        assert_eq!(r.rejected, []);
    }
    // The older file came last: the newest outcome still decides the current status.
    assert_eq!(
        quality(&store, &query(None, true, None))
            .await
            .unwrap()
            .results,
        []
    );
    // No contract yet: kept, not linked.
    let before = quality(&store, &QualityQuery::default()).await.unwrap();
    assert_eq!(before.results.len(), 14);
    assert!(before.results.iter().all(|r| r.product.is_none()));

    sync_demo_descriptors(&store).await;
    let after = quality(&store, &QualityQuery::default()).await.unwrap();
    assert!(
        after
            .results
            .iter()
            .all(|r| r.product.as_deref() == Some("logistics-shipments")),
        "{after:#?}"
    );

    // Freshness: the 11-20 failure is history, the current state passes.
    let now = at("2026-11-22T12:00:00Z");
    assert!(
        sla_breaches_at(&store, None, now)
            .await
            .unwrap()
            .iter()
            .all(|b| b.sla != "freshness(shipped_ts) < 1d")
    );
    let fresh = Store::open_in_memory().await.unwrap();
    sync_demo_descriptors(&fresh).await;
    import_file(&fresh, &soda.join("2026-11-20_logistics_shipments.json"))
        .await
        .unwrap();
    let breaches = sla_breaches_at(&fresh, None, now).await.unwrap();
    assert_eq!(breaches.len(), 1, "{breaches:#?}");
    assert_eq!(
        (breaches[0].product.as_str(), breaches[0].sla.as_str()),
        ("logistics-shipments", "freshness(shipped_ts) < 1d")
    );
}

fn distinct_checks(report: &QualityReport) -> Vec<(&str, &str, Option<&str>, &str)> {
    let mut checks: Vec<_> = report
        .results
        .iter()
        .map(|r| {
            (
                r.check.as_str(),
                r.dataset.as_str(),
                r.column.as_deref(),
                r.source_tool.as_str(),
            )
        })
        .collect();
    checks.sort();
    checks.dedup();
    checks
}

#[tokio::test]
async fn retention_bounds_history_and_keeps_current_status() {
    let store = demo_store().await;
    let failing_before = quality(&store, &query(None, true, None)).await.unwrap();
    let everything = quality(&store, &QualityQuery::default()).await.unwrap();
    let removed = apply_retention(
        &store,
        Retention {
            max_age_days: Some(2),
            max_results_per_check: None,
        },
        at("2026-11-23T00:00:00Z"),
    )
    .await
    .unwrap();
    let left = quality(&store, &QualityQuery::default()).await.unwrap();
    assert!(
        removed > 0 && left.results.len() == 176 - removed as usize,
        "{removed}"
    );
    // Older outcomes went, except the newest of each check: every check keeps its status.
    assert_eq!(distinct_checks(&left), distinct_checks(&everything));
    assert_eq!(
        quality(&store, &query(None, true, None)).await.unwrap(),
        failing_before
    );

    let removed = apply_retention(
        &store,
        Retention {
            max_age_days: None,
            max_results_per_check: Some(1),
        },
        0,
    )
    .await
    .unwrap();
    assert!(removed > 0);
    let one_each = quality(&store, &QualityQuery::default()).await.unwrap();
    assert_eq!(
        distinct_checks(&one_each).len(),
        one_each.results.len(),
        "one outcome per check is left"
    );
    assert_eq!(distinct_checks(&one_each), distinct_checks(&everything));
    assert_eq!(
        quality(&store, &query(None, true, None)).await.unwrap(),
        failing_before
    );
    // Nothing left to remove: a second pass is a no-op.
    let again = Retention {
        max_age_days: Some(2),
        max_results_per_check: Some(1),
    };
    assert_eq!(
        apply_retention(&store, again, at("2026-11-23T00:00:00Z"))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn steward_report_is_one_self_contained_file() {
    let store = demo_store().await;
    meshlens_quality::check_policies(&store, &meshlens_quality::default_policies(), None)
        .await
        .unwrap();
    let html = render_report_at(&store, Some("sales"), at("2026-11-22T12:00:00Z"))
        .await
        .unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && html.contains("<polyline")
    );
    assert!(html.contains("Order Analytics") && html.contains("unique_fct_orders_order_id"));
    assert!(!html.contains("Customer Profiles"), "only the sales domain");
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    assert!(html.contains("encryption-for-sensitive"));
}
