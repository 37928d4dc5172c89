//! Every dbt, Great Expectations and OpenLineage quality fixture of the standards snapshot,
//! imported into an empty cache, with the mapped outcomes checked.

use std::path::{Path, PathBuf};

use meshlens_quality::{QualityQuery, QualityReport, QualityResult, import_file, quality};
use meshlens_store::Store;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

async fn all(store: &Store) -> QualityReport {
    quality(store, &QualityQuery::default()).await.unwrap()
}

fn find<'a>(report: &'a QualityReport, check: &str) -> &'a QualityResult {
    report
        .results
        .iter()
        .find(|r| r.check == check)
        .unwrap_or_else(|| panic!("{check} not in {report:#?}"))
}

#[tokio::test]
async fn dbt_run_results_map_tests_to_models_and_columns() {
    let store = Store::open_in_memory().await.unwrap();
    let report = import_file(&store, &fixture("dbt/no_test_metadata/target"))
        .await
        .unwrap();
    assert_eq!(
        (report.imported, report.skipped, report.rejected.len()),
        (20, 0, 1),
        "{report:#?}"
    );
    // One entry of this trimmed fixture has an empty unique_id.
    assert!(
        report.rejected[0].message.contains("no unique_id"),
        "{report:#?}"
    );
    let results = all(&store).await;
    assert_eq!(
        (
            results.summary.passed,
            results.summary.failed,
            results.summary.warned
        ),
        (18, 2, 0)
    );
    let unique = find(&results, "unique_customers_customer_id");
    assert_eq!(
        (
            unique.dataset.as_str(),
            unique.column.as_deref(),
            unique.status.as_str(),
            unique.source_tool.as_str()
        ),
        (
            "DEMO_DB.public.customers",
            Some("customer_id"),
            "fail",
            "dbt"
        )
    );
    assert_eq!(unique.observed.as_deref(), Some("1 failing rows"));
    assert_eq!(unique.at, "2021-07-05T11:43:16.146647Z");
    // `failures` is a string in this fixture: kept as written.
    assert_eq!(
        find(&results, "not_null_customers_customer_id")
            .observed
            .as_deref(),
        Some("Test failure")
    );
    // relationships depends on two models; its `model` argument names the tested one.
    let rel = find(
        &results,
        "relationships_orders_customer_id__customer_id__ref_customers_",
    );
    assert_eq!(rel.dataset, "DEMO_DB.public.orders");
    let accepted = find(
        &results,
        "accepted_values_orders_status__placed__shipped__completed__return_pending__returned",
    );
    // This trimmed manifest keeps only `column_name` in the test arguments.
    assert_eq!(accepted.expected.as_deref(), Some("0 failing rows"));

    // Importing again changes nothing.
    let again = import_file(&store, &fixture("dbt/no_test_metadata/target"))
        .await
        .unwrap();
    assert_eq!((again.imported, again.skipped), (0, 20));
}

#[tokio::test]
async fn dbt_models_are_not_checks_and_singular_tests_stay_on_the_project() {
    let store = Store::open_in_memory().await.unwrap();
    let duck = import_file(&store, &fixture("dbt/duckdb/target"))
        .await
        .unwrap();
    assert_eq!((duck.imported, duck.rejected.len()), (0, 0), "{duck:#?}");
    let singular = import_file(&store, &fixture("dbt/singular_test/target"))
        .await
        .unwrap();
    assert_eq!(
        (singular.imported, singular.rejected.len()),
        (2, 0),
        "{singular:#?}"
    );
    let results = all(&store).await;
    let failing = find(&results, "assert_row_count_within_range");
    assert_eq!(
        (failing.dataset.as_str(), failing.status.as_str()),
        ("my_project", "fail")
    );
    assert_eq!(failing.observed.as_deref(), Some("5 failing rows"));
    assert_eq!(find(&results, "assert_positive_amounts").status, "pass");
}

#[tokio::test]
async fn run_results_without_their_manifest_are_rejected_with_the_reason() {
    let store = Store::open_in_memory().await.unwrap();
    let bytes = std::fs::read(fixture("dbt/singular_test/target/run_results.json")).unwrap();
    // An import reports the file and goes on with the others.
    let report = meshlens_quality::import_bytes(&store, None, "elsewhere/run_results.json", &bytes)
        .await
        .unwrap();
    assert_eq!(report.imported, 0);
    assert!(
        report.rejected[0].message.contains("manifest.json"),
        "{report:#?}"
    );
    // A sync gets an error, so it leaves the file untracked and reads it again once the
    // manifest is there.
    let error =
        meshlens_quality::import_bytes(&store, Some("s"), "elsewhere/run_results.json", &bytes)
            .await
            .unwrap_err();
    assert!(
        matches!(error, meshlens_quality::QualityError::MissingManifest(ref folder) if folder == "elsewhere")
    );
    let manifest = std::fs::read(fixture("dbt/singular_test/target/manifest.json")).unwrap();
    meshlens_quality::import_bytes(&store, Some("s"), "elsewhere/manifest.json", &manifest)
        .await
        .unwrap();
    let report =
        meshlens_quality::import_bytes(&store, Some("s"), "elsewhere/run_results.json", &bytes)
            .await
            .unwrap();
    assert!(
        report.imported > 0 && report.rejected.is_empty(),
        "{report:#?}"
    );
}

#[tokio::test]
async fn great_expectations_results_of_both_key_generations() {
    let store = Store::open_in_memory().await.unwrap();
    let report = import_file(&store, &fixture("gx")).await.unwrap();
    assert_eq!(
        (report.imported, report.rejected.len()),
        (53, 0),
        "{report:#?}"
    );
    let results = all(&store).await;
    assert_eq!((results.summary.passed, results.summary.failed), (45, 8));
    let row_count = find(&results, "expect_table_row_count_to_be_between");
    assert_eq!(row_count.observed.as_deref(), Some("1313"));
    assert_eq!(row_count.at, "2020-03-22T17:02:47.671855Z");
    assert_eq!(row_count.source_tool, "great_expectations");
    assert!(results.results.iter().all(|r| r.product.is_none()));
    let typed = find(&results, "expect_column_values_to_be_of_type");
    assert_eq!(
        (typed.column.as_deref(), typed.expected.as_deref()),
        (Some("ts"), Some(r#"{"type_":"DATETIME"}"#))
    );
}

#[tokio::test]
async fn openlineage_assertions_from_facets_and_input_facets() {
    let store = Store::open_in_memory().await.unwrap();
    let full = import_file(&store, &fixture("openlineage/event_full.json"))
        .await
        .unwrap();
    assert_eq!((full.imported, full.rejected.len()), (2, 0), "{full:#?}");
    let templated = import_file(&store, &fixture("openlineage/test_source_ol_events.json"))
        .await
        .unwrap();
    assert_eq!(
        (templated.imported, templated.rejected.len()),
        (1, 0),
        "{templated:#?}"
    );
    // The dbt integration writes each assertion under both `facets` and `inputFacets` (kept once),
    // and repeats it in two events of the same time (the second copy is a duplicate).
    let dbt = import_file(&store, &fixture("dbt/no_test_metadata/ol_events.json"))
        .await
        .unwrap();
    assert_eq!(
        (dbt.imported, dbt.skipped, dbt.rejected.len()),
        (20, 20, 0),
        "{dbt:#?}"
    );
    let singular = import_file(&store, &fixture("dbt/singular_test/ol_events.json"))
        .await
        .unwrap();
    assert_eq!(
        (singular.imported, singular.rejected.len()),
        (0, 0),
        "{singular:#?}"
    );
    let results = all(&store).await;
    assert_eq!(results.results.len(), 23);
    let id = results
        .results
        .iter()
        .find(|r| r.check == "no_null_values")
        .unwrap();
    assert_eq!(
        (
            id.dataset.as_str(),
            id.column.as_deref(),
            id.status.as_str()
        ),
        ("instance.schema.table", Some("id"), "pass")
    );
    assert_eq!(results.summary.failed, 2);
    let failed = results.results.iter().find(|r| r.status == "fail").unwrap();
    assert_eq!(
        (failed.source_tool.as_str(), failed.column.as_deref()),
        ("openlineage", Some("customer_id"))
    );
}

#[tokio::test]
async fn bare_facets_and_matchers_are_rejected_clearly() {
    let store = Store::open_in_memory().await.unwrap();
    for file in [
        "openlineage/DataQualityAssertionsDatasetFacet_1.json",
        "openlineage/DataQualityMetricsDatasetFacet_1.json",
        "openlineage/DataQualityMetricsInputDatasetFacet_1.json",
    ] {
        let report = import_file(&store, &fixture(file)).await.unwrap();
        assert_eq!(report.imported, 0, "{file}");
        assert_eq!(report.rejected.len(), 1, "{file}: {report:#?}");
        assert!(
            report.rejected[0]
                .message
                .contains("not a quality result format"),
            "{file}: {report:#?}"
        );
    }
    // Partial matchers of the dbt integration (no eventTime): each event rejected with its position.
    let matchers = import_file(&store, &fixture("dbt/duckdb/ol_events.json"))
        .await
        .unwrap();
    assert_eq!(matchers.imported, 0);
    let lines: Vec<u64> = matchers.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [1, 2]);
    assert!(
        matchers
            .rejected
            .iter()
            .all(|r| r.message.contains("no eventTime")),
        "{matchers:#?}"
    );
}

#[tokio::test]
async fn removing_a_source_forgets_its_results_only() {
    let store = Store::open_in_memory().await.unwrap();
    for (source, file) in [
        ("a", "gx/BasicDatasetProfiler_evrs.json"),
        ("b", "gx/datetime_column_evrs.json"),
    ] {
        let bytes = std::fs::read(fixture(file)).unwrap();
        meshlens_quality::import_bytes(&store, Some(source), file, &bytes)
            .await
            .unwrap();
    }
    assert_eq!(
        meshlens_quality::remove_source_results(&store, "a")
            .await
            .unwrap(),
        51
    );
    let left = all(&store).await;
    assert_eq!((left.results.len(), left.summary.passed), (2, 2));
    let failing = quality(
        &store,
        &QualityQuery {
            failing: true,
            ..QualityQuery::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(failing.results, []);
}
