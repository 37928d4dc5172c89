//! The desktop app keeps the lineage graph built in the background (`App::keep_warm`), so the first
//! lineage view after opening or after a sync does not wait for the build; `lineage_status` says where it is.

mod common;

use std::time::{Duration, Instant};

use common::{call, open};
use meshlens_app::{App, NoArgs, NoEvents};
use serde_json::{Value, json};

async fn until_ready(app: &App) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = call(app, "lineage_status", json!({})).await;
        if status["ready"] == true {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the graph was not built in the background: {status}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_graph_is_built_in_the_background_after_opening_and_after_a_sync() {
    let data = tempfile::tempdir().unwrap();
    let app = open(data.path()).await;
    app.open_demo(NoArgs::default(), &NoEvents).await.unwrap();
    app.keep_warm();
    assert_eq!(until_ready(&app).await["building"], false);

    // Removing a source changes the graph: the cached one is stale at once, and the app rebuilds it in the
    // background without any lineage request.
    call(&app, "remove_source", json!({"name": "demo"})).await;
    until_ready(&app).await;
    app.open_demo(NoArgs::default(), &NoEvents).await.unwrap();
    until_ready(&app).await;
    let graph = call(
        &app,
        "lineage",
        json!({"id": "sales-orders", "level": "product", "upstream": 1, "downstream": 1}),
    )
    .await;
    assert!(graph["nodes"].as_array().unwrap().len() > 1, "{graph}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_is_written_into_a_folder_made_on_first_use() {
    let data = tempfile::tempdir().unwrap();
    let app = open(data.path()).await;
    app.open_demo(NoArgs::default(), &NoEvents).await.unwrap();
    let out = data.path().join("reports").join("steward-report.html");
    let written = call(&app, "report", json!({"out": out.to_str().unwrap()})).await;
    assert!(written["bytes"].as_u64().unwrap() > 1000, "{written}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("<title>Steward report: whole mesh</title>") && !html.contains("<script")
    );
}
