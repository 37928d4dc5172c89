//! What the quality targets are derived from is parsed once per contract document (migration 0015): after a
//! sync that changed or removed contracts, the incremental derivation must equal a derivation from scratch.

use std::collections::BTreeSet;
use std::path::Path;

use meshlens_quality::{
    default_policies, refresh_figures, trust_score, trust_scores, trust_values,
};
use meshlens_store::Store;
use meshlens_test_support::{demo_mesh, resync_folder, sync_folder};

/// Every derived row, as text, without the document ids (they differ between two caches).
async fn derived(store: &Store) -> Vec<String> {
    refresh_figures(store).await.unwrap();
    let mut rows = Vec::new();
    for query in [
        "SELECT json_array(target_key, contract_id, contract_version, dataset, product_id, domain, latency_ms,
                updated_ms) FROM quality_targets",
        "SELECT json_array(contract_id, contract_version, dataset, column_name, ordinal, name, rule_type, metric,
                dimension, description) FROM quality_contract_rules",
        "SELECT json_array(contract_id, contract_version, classification, has_retention, has_quality,
                pii_datasets, custom, roles) FROM quality_contract_facts",
        "SELECT json_array(product_id, custom, in_lineage, roles) FROM quality_product_facts",
        "SELECT json_array(product_id, facts) FROM quality_trust_facts",
        "SELECT json_array(provider, consumer) FROM input_port_links",
    ] {
        let texts: Vec<(String,)> = sqlx::query_as(query)
            .fetch_all(store.pool())
            .await
            .unwrap();
        let mut texts: Vec<String> = texts.into_iter().map(|(t,)| t).collect();
        texts.sort();
        rows.extend(texts);
    }
    rows
}

/// The ids `query` selects.
async fn document_ids(store: &Store, query: &str) -> BTreeSet<i64> {
    let ids: Vec<(i64,)> = sqlx::query_as(query).fetch_all(store.pool()).await.unwrap();
    ids.into_iter().map(|(id,)| id).collect()
}

async fn parsed_documents(store: &Store) -> BTreeSet<i64> {
    document_ids(store, "SELECT document_id FROM quality_contracts_parsed").await
}

async fn contract_documents(store: &Store) -> BTreeSet<i64> {
    document_ids(store, "SELECT document_id FROM contracts").await
}

/// A fresh cache synced from `root`, derived from scratch.
async fn derived_from_scratch(root: &Path) -> Vec<String> {
    let store = Store::open_in_memory().await.unwrap();
    sync_folder(&store, "mesh", root).await;
    derived(&store).await
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).min_depth(1) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[tokio::test]
async fn a_sync_reparses_only_the_contracts_it_changed_and_derives_what_a_fresh_cache_does() {
    let mesh = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), mesh.path());
    let store = Store::open_in_memory().await.unwrap();
    sync_folder(&store, "mesh", mesh.path()).await;
    let first = derived(&store).await;
    assert!(
        first.len() > 100,
        "the demo mesh derives targets, rules and facts"
    );
    let before = parsed_documents(&store).await;
    assert_eq!(
        before,
        contract_documents(&store).await,
        "every contract parsed"
    );

    // One contract changes (a column description), one goes away.
    let changed = mesh.path().join("finance/fx-rates-daily.odcs.yaml");
    let text = std::fs::read_to_string(&changed).unwrap();
    std::fs::write(&changed, text.replace("Calendar day.", "The calendar day.")).unwrap();
    std::fs::remove_file(mesh.path().join("customer/churn-scores.odcs.yaml")).unwrap();
    resync_folder(&store, "mesh", mesh.path()).await;
    let after_change = derived(&store).await;
    assert_eq!(after_change, derived_from_scratch(mesh.path()).await);
    assert_ne!(after_change, first, "the removed contract's rows are gone");

    // The unchanged contracts were not parsed again: their documents' rows are the ones kept before.
    let after = parsed_documents(&store).await;
    assert_eq!(after, contract_documents(&store).await);
    assert_eq!(
        after.difference(&before).count(),
        1,
        "the changed contract only"
    );
    assert_eq!(
        before.difference(&after).count(),
        2,
        "its old document and the removed one"
    );
}

async fn stored_passes(store: &Store, product: &str) -> i64 {
    let (passes,): (i64,) =
        sqlx::query_as("SELECT passes FROM quality_product_figures WHERE product_id = ?")
            .bind(product)
            .fetch_one(store.pool())
            .await
            .unwrap();
    passes
}

#[tokio::test]
async fn figures_are_restamped_while_checks_and_targets_hold_and_computed_when_targets_move() {
    let mesh = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), mesh.path());
    let store = Store::open_in_memory().await.unwrap();
    sync_folder(&store, "mesh", mesh.path()).await;
    assert!(refresh_figures(&store).await.unwrap());
    let passes = stored_passes(&store, "customer-profiles").await;
    assert!(passes > 0);
    // A marker: a recomputation would put the real count back.
    sqlx::query(
        "UPDATE quality_product_figures SET passes = -1 WHERE product_id = 'customer-profiles'",
    )
    .execute(store.pool())
    .await
    .unwrap();

    // A product's description changes: a new catalogue, the same targets and checks.
    let product = mesh.path().join("finance/finance-fx-rates.odps.yaml");
    let text = std::fs::read_to_string(&product).unwrap();
    std::fs::write(&product, text.replace("Daily euro", "Daily (edited) euro")).unwrap();
    resync_folder(&store, "mesh", mesh.path()).await;
    assert!(
        refresh_figures(&store).await.unwrap(),
        "stamped for the new catalogue"
    );
    assert_eq!(
        stored_passes(&store, "customer-profiles").await,
        -1,
        "not recomputed"
    );

    // A contract goes away: the targets move, the figures are computed again.
    std::fs::remove_file(mesh.path().join("customer/churn-scores.odcs.yaml")).unwrap();
    resync_folder(&store, "mesh", mesh.path()).await;
    assert!(refresh_figures(&store).await.unwrap());
    assert_eq!(stored_passes(&store, "customer-profiles").await, passes);
}

/// The factor `name` of `product`'s trust score: its value and reason.
async fn trust_factor(store: &Store, product: &str, name: &str) -> (f64, String) {
    let score = trust_score(store, &default_policies(), product)
        .await
        .unwrap();
    let factor = score.factors.into_iter().find(|f| f.name == name).unwrap();
    (factor.value, factor.reason)
}

#[tokio::test]
async fn trust_facts_are_stored_with_the_targets_and_follow_each_change_of_the_catalogue() {
    let mesh = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), mesh.path());
    let store = Store::open_in_memory().await.unwrap();
    sync_folder(&store, "mesh", mesh.path()).await;
    let product = "finance-fx-rates";
    assert_eq!(
        trust_factor(&store, product, "status").await,
        (0.8, "status active, not tagged certified".into())
    );
    assert_eq!(trust_factor(&store, product, "documentation").await.0, 1.0);

    // Retired, and its usage left blank: both factors follow on the next read.
    let path = mesh.path().join("finance/finance-fx-rates.odps.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let usage_at = text.find("  usage: >-").unwrap();
    let usage_end = usage_at + text[usage_at..].find("productCreatedTs").unwrap();
    let edited = format!(
        "{}  usage: \"  \"\n{}",
        &text[..usage_at],
        &text[usage_end..]
    );
    std::fs::write(&path, edited.replace("status: active", "status: retired")).unwrap();
    resync_folder(&store, "mesh", mesh.path()).await;
    assert_eq!(
        trust_factor(&store, product, "status").await,
        (0.0, "status retired, not tagged certified".into())
    );
    let (value, reason) = trust_factor(&store, product, "documentation").await;
    assert_eq!(value, 0.75);
    assert_eq!(reason, "missing: description.usage");
}

/// The input-port links stored with the targets, and those `Store::input_port_links` answers, sorted.
async fn input_port_links(store: &Store) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT provider, consumer FROM input_port_links ORDER BY 1, 2")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let mut read = store.input_port_links().await.unwrap();
    read.sort();
    (stored, read)
}

#[tokio::test]
async fn input_port_links_are_stored_with_the_targets_and_follow_each_change_of_the_catalogue() {
    let mesh = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), mesh.path());
    let store = Store::open_in_memory().await.unwrap();
    sync_folder(&store, "mesh", mesh.path()).await;
    refresh_figures(&store).await.unwrap();
    let (stored, read) = input_port_links(&store).await;
    let fx_rates = (
        "finance-fx-rates".to_owned(),
        "finance-revenue-kpis".to_owned(),
    );
    assert!(stored.contains(&fx_rates), "{stored:?}");
    assert_eq!(read, stored);

    // finance-revenue-kpis no longer reads the FX rates: the join answers at once, the stored rows follow.
    let path = mesh.path().join("finance/finance-revenue-kpis.odps.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let port = "  - name: fx-rates\n    version: 1.0.0\n    contractId: fx-rates-daily\n";
    assert!(text.contains(port));
    std::fs::write(&path, text.replace(port, "")).unwrap();
    resync_folder(&store, "mesh", mesh.path()).await;
    let (_, read) = input_port_links(&store).await;
    assert!(!read.contains(&fx_rates));
    refresh_figures(&store).await.unwrap();
    let (stored_after, read_after) = input_port_links(&store).await;
    assert_eq!(read_after, read);
    assert_eq!(stored_after, read);
    assert_eq!(stored_after.len(), stored.len() - 1);
}

#[tokio::test]
async fn an_empty_cache_scores_no_product() {
    let store = Store::open_in_memory().await.unwrap();
    assert!(trust_values(&store, None).await.unwrap().is_empty());
    let policies = default_policies();
    let scores = trust_scores(&store, &policies, Some("sales"))
        .await
        .unwrap();
    assert!(scores.is_empty());
}
