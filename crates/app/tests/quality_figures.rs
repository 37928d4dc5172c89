//! The CLI stores every product's quality figures before a command that changed the quality results
//! returns (sync, retention, source removal), so that `mesh`, `trust` and `scorecard` read them instead
//! of scanning every check.

mod common;

use common::{call, open};
use meshlens_app::{App, NoArgs, NoEvents};
use serde_json::json;

/// Whether the figures stored hold for the cache as it is (a refresh then has nothing to write).
async fn figures_stored(app: &App) -> bool {
    !meshlens_quality::refresh_figures(app.store())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_change_of_the_quality_results_stores_the_figures() {
    let data = tempfile::tempdir().unwrap();
    let app = open(data.path()).await;
    app.open_demo(NoArgs::default(), &NoEvents).await.unwrap();
    assert!(figures_stored(&app).await, "after the sync");

    let kept = call(
        &app,
        "quality_retention",
        json!({"max_results_per_check": 1}),
    )
    .await;
    assert_eq!(kept["max_results_per_check"], 1);
    assert!(figures_stored(&app).await, "after the retention change");

    call(&app, "remove_source", json!({"name": "demo"})).await;
    assert!(figures_stored(&app).await, "after the source removal");
}
