//! The desktop app and the CLI on one data directory. The app facade lives in this process, as the desktop
//! holds it, and saves drafts, submits and searches, while `meshlens` processes sync a large source, save
//! their own draft and search at the same time. Nothing may fail with "database is locked" (or wait out
//! the index's writer lock), and no write may be lost.

mod common;

use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Meshlens, copy_tree, demo_mesh, relax_policies, touch_all};
use meshlens_app::{
    App, AppConfig, DraftEditArgs, DraftNewArgs, DraftRef, NoEvents, SearchArgs, SyncArgs,
};

/// The desktop side runs at least this many rounds, and on until the CLI has synced [`MIN_CLI_SYNCS`] times:
/// both conditions, not a time budget, so a slow machine makes the test longer, not flaky.
const ROUNDS: usize = 25;
const MIN_CLI_SYNCS: usize = 3;

fn assert_clean(what: &str, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what} failed: {stderr}");
    assert!(
        !stderr.contains("locked") && !stderr.contains("busy"),
        "{what}: {stderr}"
    );
}

/// The CLI side: syncs of the large source, saves of its own draft and searches until `stop`.
fn cli_loop(
    m: &Meshlens,
    generated: &std::path::Path,
    draft: &str,
    stop: &AtomicBool,
    synced: &AtomicUsize,
) -> (usize, String) {
    let mut syncs = 0;
    let mut last = String::new();
    while !stop.load(Ordering::SeqCst) {
        touch_all(generated, syncs);
        assert_clean("cli sync", &m.run(&["sync", "gen", "--json"]));
        syncs += 1;
        synced.store(syncs, Ordering::SeqCst);
        last = format!("CLI save {syncs}.");
        assert_clean(
            "cli draft edit",
            &m.run(&[
                "draft",
                "edit",
                draft,
                "--set",
                &format!("description.purpose={last}"),
            ]),
        );
        assert_clean("cli search", &m.run(&["search", "customer", "--json"]));
    }
    (syncs, last)
}

#[test]
fn desktop_and_cli_on_one_data_directory_lose_nothing_and_never_see_a_lock() {
    let m = Meshlens::new();
    let generated = tempfile::tempdir().unwrap();
    let mesh = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), mesh.path());
    relax_policies(&m);
    let gen_path = generated.path().to_str().unwrap();
    m.ok(&[
        "demo",
        "generate",
        "--out",
        gen_path,
        "--products",
        "400",
        "--seed",
        "3",
    ]);
    m.add_folder("gen", gen_path);
    m.add_folder("mesh", mesh.path());
    m.ok(&["sync"]);
    let cli_draft = m.json(&["draft", "new", "--from", "sales-orders"])["id"].to_string();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime
        .block_on(App::open(AppConfig {
            data_dir: m.path().to_path_buf(),
        }))
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let synced = AtomicUsize::new(0);
    let started = Instant::now();
    let (rounds, (syncs, cli_last)) = std::thread::scope(|scope| {
        let cli = scope.spawn(|| cli_loop(&m, generated.path(), &cli_draft, &stop, &synced));
        let rounds = runtime.block_on(desktop_rounds(&app, &synced));
        stop.store(true, Ordering::SeqCst);
        (rounds, cli.join().unwrap())
    });
    assert!(syncs >= MIN_CLI_SYNCS, "the CLI synced {syncs} times");

    // Nothing lost: the CLI's last save, every desktop submit delivered once, both sources searchable.
    let drafts = m.json(&["draft", "list"]);
    let cli_text = drafts
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"].as_i64() == cli_draft.parse().ok())
        .unwrap();
    assert!(
        cli_text["text"].as_str().unwrap().contains(&cli_last),
        "{cli_text}"
    );
    let outbox = m.json(&["outbox"]);
    assert!(
        outbox
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "submitted"),
        "{outbox}"
    );
    let products = m.json(&["products"]).as_array().unwrap().len();
    assert!(
        products >= 400,
        "{products} products after the concurrent syncs"
    );
    let found = runtime
        .block_on(app.search(
            SearchArgs {
                query: "customer".into(),
                ..Default::default()
            },
            &NoEvents,
        ))
        .unwrap();
    assert!(found.total > 0);
    eprintln!(
        "{rounds} desktop rounds against {syncs} CLI syncs in {:?}",
        started.elapsed()
    );
}

/// The desktop side: each round saves a draft and reads it back, searches, and every fifth round submits,
/// syncs the edited source (as the desktop does after a delivery) and starts a new draft. Returns the rounds run.
async fn desktop_rounds(app: &App, cli_synced: &AtomicUsize) -> usize {
    let new_draft = || async {
        let synced = app
            .sync(
                SyncArgs {
                    names: vec!["mesh".into()],
                    full: false,
                },
                &NoEvents,
            )
            .await;
        assert!(
            synced
                .expect("desktop sync")
                .sources
                .iter()
                .all(|s| s.unreadable.is_none())
        );
        let args = DraftNewArgs {
            from: Some("customer-360".into()),
            ..Default::default()
        };
        app.draft_new(args, &NoEvents).await.expect("draft new").id
    };
    let mut draft = new_draft().await;
    let mut round = 0;
    while round < ROUNDS || cli_synced.load(Ordering::SeqCst) < MIN_CLI_SYNCS {
        let purpose = format!("Desktop save {round}.");
        let edit = DraftEditArgs {
            draft,
            text: None,
            set: vec![format!("description.purpose={purpose}")],
        };
        app.draft_edit(edit, &NoEvents)
            .await
            .unwrap_or_else(|e| panic!("round {round}: draft save: {e:?}"));
        let saved = app
            .draft_get(DraftRef { draft }, &NoEvents)
            .await
            .expect("draft get");
        assert!(
            saved.text.contains(&purpose),
            "round {round}: the save was lost"
        );
        let search = SearchArgs {
            query: "customer".into(),
            ..Default::default()
        };
        let found = app
            .search(search, &NoEvents)
            .await
            .unwrap_or_else(|e| panic!("round {round}: search: {e:?}"));
        assert!(found.total > 0, "round {round}: search found nothing");
        if round % 5 == 4 {
            let outcome = app.submit(DraftRef { draft }, &NoEvents).await;
            let outcome = outcome.unwrap_or_else(|e| panic!("round {round}: submit: {e:?}"));
            assert_eq!(outcome.item.status.as_str(), "submitted", "round {round}");
            draft = new_draft().await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        round += 1;
    }
    round
}

/// Holds SQLite's write lock on the cache for `hold`, as a long sync transaction of another process does.
fn hold_write_lock(db: std::path::PathBuf, hold: Duration) -> std::thread::JoinHandle<()> {
    let (locked, wait_locked) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            use sqlx::Connection;
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&db);
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut conn)
                .await
                .unwrap();
            locked.send(()).unwrap();
            tokio::time::sleep(hold).await;
            sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
        })
    });
    wait_locked.recv().unwrap();
    holder
}

/// A demo data directory with one draft of customer-360.
fn demo_with_draft() -> (Meshlens, String) {
    let m = Meshlens::new();
    let demo = demo_mesh();
    m.add_folder("mesh", &demo);
    m.ok(&["sync"]);
    let draft = m.json(&["draft", "new", "--from", "customer-360"])["id"].to_string();
    (m, draft)
}

/// A full sync of a 10k-product source holds the write lock for 20–35 s; the old 5 s busy timeout made
/// every draft save meanwhile fail with "database is locked". Now both front ends wait for the writer.
#[test]
fn saves_wait_for_a_writer_that_holds_the_cache_past_the_old_timeout() {
    let (m, draft) = demo_with_draft();
    let hold = Duration::from_secs(7);
    let started = Instant::now();
    let holder = hold_write_lock(m.path().join("meshlens.db"), hold);
    let cli = m.run(&["draft", "edit", &draft, "--set", "description.purpose=CLI."]);
    assert_clean("cli draft edit under a held lock", &cli);
    assert!(
        started.elapsed() >= hold,
        "the save did not wait for the writer"
    );
    holder.join().unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime
        .block_on(App::open(AppConfig {
            data_dir: m.path().to_path_buf(),
        }))
        .unwrap();
    let holder = hold_write_lock(m.path().join("meshlens.db"), hold);
    let edit = DraftEditArgs {
        draft: draft.parse().unwrap(),
        text: None,
        set: vec!["description.purpose=Desktop.".into()],
    };
    runtime
        .block_on(app.draft_edit(edit, &NoEvents))
        .expect("the desktop's save waits for the writer");
    holder.join().unwrap();
    let drafts = m.json(&["draft", "list"]);
    assert!(drafts.to_string().contains("Desktop."), "{drafts}");
}

/// Past the busy timeout (here shortened to 1 s) a save fails with E_CACHE_BUSY, a sentence saying who
/// holds the cache, and nothing written; the same save succeeds once the writer is done.
#[test]
fn a_save_past_the_busy_timeout_fails_clearly_and_loses_nothing() {
    let (m, draft) = demo_with_draft();
    m.ok(&[
        "draft",
        "edit",
        &draft,
        "--set",
        "description.purpose=Kept.",
    ]);
    let holder = hold_write_lock(m.path().join("meshlens.db"), Duration::from_secs(4));
    let out = m
        .command()
        .env("MESHLENS_BUSY_TIMEOUT_SECS", "1")
        .args([
            "draft",
            "edit",
            &draft,
            "--set",
            "description.purpose=Late.",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("E_CACHE_BUSY") && stderr.contains("another meshlens"),
        "{stderr}"
    );
    holder.join().unwrap();
    let drafts = m.json(&["draft", "list"]);
    assert!(drafts.to_string().contains("Kept."), "{drafts}");
    m.ok(&[
        "draft",
        "edit",
        &draft,
        "--set",
        "description.purpose=Late.",
    ]);
}
