//! The background sync (issue #22): a schedule the user sets, runs that sync only the sources that can be
//! reached, and a notice when a run brings a breaking change to something the user follows.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{call, open};
use meshlens_app::{App, AppEvent, EventSink, NoEvents};
use serde_json::{Value, json};

/// Keeps the notices a run sends (sync progress is dropped).
#[derive(Default)]
struct Notices(Mutex<Vec<meshlens_app::BreakingNotice>>);

impl EventSink for Notices {
    fn emit(&self, event: &AppEvent) {
        if let AppEvent::FollowedBreaking(notice) = event {
            self.0.lock().unwrap().push(notice.clone());
        }
    }
}

/// The demo mesh's customer domain, copied where the test may change it.
fn customer_domain(into: &Path) {
    let demo = meshlens_app::demo::bundled_demo_mesh_dir().expect("the bundled demo mesh");
    std::fs::create_dir_all(into).unwrap();
    for entry in std::fs::read_dir(demo.join("customer")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, into.join(path.file_name().unwrap())).unwrap();
    }
}

/// An app on `data` with the customer domain copied to `data/mesh` as folder source `customers` (not synced).
async fn with_customers(data: &Path) -> (App, PathBuf) {
    let mesh = data.join("mesh");
    customer_domain(&mesh);
    let app = open(data).await;
    let source = json!({"name": "customers", "kind": "folder", "path": mesh});
    call(&app, "add_source", source).await;
    (app, mesh)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_syncs_what_it_reaches_and_announces_breaking_changes_to_followed_products() {
    let data = tempfile::tempdir().unwrap();
    let (app, mesh) = with_customers(data.path()).await;
    // Nothing listens on port 1: this source is skipped, not failed.
    let closed = json!({"name": "far", "kind": "git", "url": "https://127.0.0.1:1/mesh.git"});
    call(&app, "add_source", closed).await;
    call(&app, "sync", json!({"names": ["customers"]})).await;
    call(&app, "follow", json!({"id": "customer-360"})).await;

    let status = call(&app, "set_sync_schedule", json!({"everyMinutes": 30})).await;
    assert_eq!(status["everyMinutes"], 30);
    assert_eq!(status["notify"], true);
    assert!(status["nextRun"].is_string(), "{status}");
    assert_eq!(status["lastRun"], Value::Null);

    let contract = mesh.join("customer-360-view.odcs.yaml");
    let text = std::fs::read_to_string(&contract).unwrap();
    let column = "      - name: country_code\n        physicalType: VARCHAR(2)\n        logicalType: string\n        description: Country of the default address.\n        classification: public\n";
    assert!(text.contains(column));
    std::fs::write(&contract, text.replacen(column, "", 1)).unwrap();

    let notices = Notices::default();
    let run = app.run_scheduled_sync(&notices).await;
    assert_eq!(run.synced, ["customers"]);
    assert_eq!(run.unreachable, ["far"]);
    assert!(run.failed.is_empty(), "{:?}", run.failed);
    assert!(run.breaking_followed >= 1, "{run:?}");
    let notices = notices.0.lock().unwrap().clone();
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].title.contains("breaking change"),
        "{:?}",
        notices[0]
    );
    assert!(notices[0].body.contains("country_code"), "{:?}", notices[0]);
    assert!(
        notices[0].ids.contains(&"customer-360".to_string()),
        "{:?}",
        notices[0]
    );

    let status = call(&app, "sync_schedule", json!({})).await;
    assert_eq!(status["lastRun"]["synced"], json!(["customers"]));
    assert_eq!(status["lastRun"]["unreachable"], json!(["far"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn notices_can_be_switched_off_and_nothing_followed_means_no_notice() {
    let data = tempfile::tempdir().unwrap();
    let (app, mesh) = with_customers(data.path()).await;
    call(&app, "sync", json!({})).await;
    call(&app, "follow", json!({"id": "customer-360"})).await;
    let schedule = json!({"everyMinutes": 60, "notify": false});
    call(&app, "set_sync_schedule", schedule).await;
    std::fs::remove_file(mesh.join("customer-360-view.odcs.yaml")).unwrap();

    let notices = Notices::default();
    let run = app.run_scheduled_sync(&notices).await;
    assert!(run.breaking_followed >= 1, "{run:?}");
    assert!(notices.0.lock().unwrap().is_empty());

    call(&app, "unfollow", json!({"id": "customer-360"})).await;
    call(&app, "set_sync_schedule", json!({"everyMinutes": 60})).await;
    std::fs::remove_file(mesh.join("customer-profiles-crm.odcs.yaml")).unwrap();
    let run = app.run_scheduled_sync(&notices).await;
    assert_eq!(run.breaking_followed, 0, "{run:?}");
    assert!(notices.0.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schedule_outside_its_bounds_is_refused_and_off_is_the_default() {
    let data = tempfile::tempdir().unwrap();
    let app = open(data.path()).await;
    let status = call(&app, "sync_schedule", json!({})).await;
    assert_eq!(status["everyMinutes"], 0);
    assert_eq!(status["nextRun"], Value::Null);
    for minutes in [1, 4, 1441] {
        let err = app
            .dispatch(
                "set_sync_schedule",
                json!({"everyMinutes": minutes}),
                &NoEvents,
            )
            .await
            .unwrap_err();
        assert_eq!(err.code.as_str(), "E_INVALID_ARGS");
        assert!(err.message.contains("5 to 1440 minutes"), "{}", err.message);
    }
    // The file survives a restart of the app.
    call(&app, "set_sync_schedule", json!({"everyMinutes": 15})).await;
    drop(app);
    let app = open(data.path()).await;
    assert_eq!(
        call(&app, "sync_schedule", json!({})).await["everyMinutes"],
        15
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_loop_syncs_at_once_when_switched_on_and_nothing_was_synced_yet() {
    let data = tempfile::tempdir().unwrap();
    let (app, _) = with_customers(data.path()).await;
    app.start_sync_scheduler(Arc::new(NoEvents));
    call(&app, "set_sync_schedule", json!({"everyMinutes": 5})).await;

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = call(&app, "sync_schedule", json!({})).await;
        if status["lastRun"]["synced"] == json!(["customers"]) {
            let products = call(&app, "list_products", json!({})).await;
            assert!(!products.as_array().unwrap().is_empty());
            break;
        }
        assert!(Instant::now() < deadline, "no background run: {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
