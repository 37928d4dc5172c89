//! Damaged files: a damaged search index is rebuilt at start, a damaged cache database is refused at start
//! with E_CACHE_DAMAGED, and `meshlens doctor --repair` rebuilds it keeping drafts, the outbox and sources.

mod common;

use std::path::Path;

use common::{Meshlens, copy_tree, demo_mesh};
use serde_json::Value;

/// The demo mesh copied (submits write into it), synced, with one draft being edited and one submitted.
fn mesh_with_drafts() -> (Meshlens, tempfile::TempDir) {
    let m = Meshlens::new();
    let mesh = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), mesh.path());
    let path = mesh.path().to_str().unwrap();
    m.add_folder("mesh", path);
    m.ok(&["sync"]);
    let editing = m.json(&["draft", "new", "--from", "customer-360"])["id"].to_string();
    m.ok(&[
        "draft",
        "edit",
        &editing,
        "--set",
        "description.purpose=Kept through damage.",
    ]);
    (m, mesh)
}

fn doctor(m: &Meshlens, args: &[&str]) -> (bool, Value) {
    let mut all = vec!["doctor", "--json"];
    all.extend_from_slice(args);
    let out = m.run(&all);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "doctor printed invalid JSON ({err}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(
        report["ok"].as_bool(),
        Some(out.status.success()),
        "exit code follows ok: {report}"
    );
    (out.status.success(), report)
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name:?} in {report}"))
}

#[test]
fn a_healthy_data_directory_passes_every_check() {
    let (m, _mesh) = mesh_with_drafts();
    let (ok, report) = doctor(&m, &[]);
    assert!(ok, "{report}");
    for name in [
        "disk space",
        "database integrity",
        "migrations",
        "write-ahead log",
        "search index",
        "lineage graph",
        "source mesh",
    ] {
        assert_eq!(check(&report, name)["status"], "ok", "{name}: {report}");
    }
    let human = m.ok(&["doctor"]);
    assert!(human.contains("the data directory is healthy"), "{human}");
}

/// Overwrites every file of the tantivy index with garbage of the same length (the stamp stays).
fn damage_index(data_dir: &Path) {
    let dir = data_dir.join("search-index/tantivy");
    let mut damaged = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".lock") {
            continue;
        }
        let len = std::fs::metadata(&path).unwrap().len() as usize;
        std::fs::write(&path, vec![0x5a; len.max(16)]).unwrap();
        damaged += 1;
    }
    assert!(damaged > 0, "the index has files to damage");
}

#[test]
fn a_damaged_search_index_is_rebuilt_at_start() {
    let (m, _mesh) = mesh_with_drafts();
    let before = m.json(&["search", "customer"]);
    assert!(before["total"].as_u64().unwrap() > 0);
    damage_index(m.path());
    let after = m.json(&["search", "customer"]);
    assert_eq!(
        after["total"], before["total"],
        "the rebuilt index finds the same"
    );
    let (ok, report) = doctor(&m, &[]);
    assert!(ok, "{report}");
    assert_eq!(check(&report, "search index")["status"], "ok", "{report}");
}

/// An outbox item the user cancelled (so no command tries to deliver it): it must survive a repair as is.
fn add_outbox_item(db: &Path) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = meshlens_store::Store::open(db).await.unwrap();
        sqlx::query("INSERT INTO outbox (idempotency_key, source, documents, status) VALUES ('kept', 'mesh', '[]', 'cancelled')")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
    });
}

/// Overwrites the root page of the `products` table, as a failing disk or a stray write would.
fn damage_products_table(db: &Path) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (root, page_size) = runtime.block_on(async {
        let store = meshlens_store::Store::open(db).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(store.pool())
            .await
            .unwrap();
        let (root,): (i64,) =
            sqlx::query_as("SELECT rootpage FROM sqlite_master WHERE name = 'products'")
                .fetch_one(store.pool())
                .await
                .unwrap();
        let (page_size,): (i64,) = sqlx::query_as("PRAGMA page_size")
            .fetch_one(store.pool())
            .await
            .unwrap();
        store.close().await;
        (root as u64, page_size as u64)
    });
    use std::io::{Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    file.seek(SeekFrom::Start((root - 1) * page_size)).unwrap();
    file.write_all(&vec![0xa5; page_size as usize]).unwrap();
}

#[test]
fn a_damaged_cache_is_refused_at_start_and_repaired_keeping_drafts_and_outbox() {
    let (m, mesh) = mesh_with_drafts();
    let products_before = m.json(&["products"]);
    add_outbox_item(&m.path().join("meshlens.db"));
    let outbox_before = m.json(&["outbox"]);
    assert_eq!(outbox_before.as_array().unwrap().len(), 1);
    let drafts_before = m.json(&["draft", "list"]);
    assert!(
        drafts_before.to_string().contains("Kept through damage."),
        "{drafts_before}"
    );
    damage_products_table(&m.path().join("meshlens.db"));

    let out = m.run(&["products", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("E_CACHE_DAMAGED") && stderr.contains("meshlens doctor --repair"),
        "{stderr}"
    );

    let (ok, report) = doctor(&m, &[]);
    assert!(!ok, "{report}");
    assert_eq!(
        check(&report, "database integrity")["status"],
        "error",
        "{report}"
    );

    let (ok, report) = doctor(&m, &["--repair"]);
    assert!(ok, "{report}");
    assert_eq!(
        check(&report, "database salvage")["status"],
        "repaired",
        "{report}"
    );
    assert_eq!(check(&report, "resync")["status"], "repaired", "{report}");

    assert_eq!(m.json(&["products"]), products_before);
    assert_eq!(m.json(&["draft", "list"]), drafts_before);
    assert_eq!(m.json(&["outbox"]), outbox_before);
    assert!(m.json(&["search", "customer"])["total"].as_u64().unwrap() > 0);
    let aside: Vec<_> = std::fs::read_dir(m.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("meshlens.db.damaged-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "the damaged file is kept aside");
    let (ok, report) = doctor(&m, &[]);
    assert!(ok, "healthy after the repair: {report}");
    drop(mesh);
}

/// The graph file a sync leaves beside the cache, as meshlens names it.
fn graph_file(m: &Meshlens) -> std::path::PathBuf {
    m.path().join("meshlens.db.lineage-graph")
}

/// What the graph answers through the CLI: lineage at every level, impact and consumers.
fn graph_answers(m: &Meshlens) -> Vec<Value> {
    let mut answers = Vec::new();
    for level in ["dataset", "column", "product"] {
        answers.push(m.json(&[
            "lineage",
            "sales-orders",
            "--upstream",
            "5",
            "--downstream",
            "5",
            "--level",
            level,
        ]));
    }
    answers.push(m.json(&["impact", "sales-orders"]));
    answers.push(m.json(&["consumers", "sales-orders"]));
    answers
}

/// The lineage graph's check in a doctor run that finds no error.
fn lineage_check(m: &Meshlens, args: &[&str]) -> Value {
    let (ok, report) = doctor(m, args);
    assert!(ok, "{report}");
    check(&report, "lineage graph").clone()
}

/// The file's identity: a call that read it leaves it as it was; a build writes a new one.
fn file_stamp(path: &Path) -> (std::time::SystemTime, u64) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).unwrap();
    (meta.modified().unwrap(), meta.ino())
}

#[test]
fn a_later_call_answers_from_the_graph_file_as_a_fresh_build_does() {
    let (m, _mesh) = mesh_with_drafts();
    let file = graph_file(&m);
    let written = file_stamp(&file);
    let from_file = graph_answers(&m);
    assert_eq!(
        file_stamp(&file),
        written,
        "the calls read the file the sync wrote"
    );
    assert!(
        from_file[0]["nodes"].as_array().unwrap().len() > 1,
        "{}",
        from_file[0]
    );

    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        graph_answers(&m),
        from_file,
        "a fresh build answers the same"
    );
    assert!(file.exists(), "the build wrote the file again");

    // Damaged where the checksum sees it: refused, reported, rebuilt.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let found = lineage_check(&m, &[]);
    assert_eq!(found["status"], "warn", "a damaged derived file: {found}");
    assert!(
        found["detail"].as_str().unwrap().contains("checksum"),
        "{found}"
    );
    assert_eq!(lineage_check(&m, &["--repair"])["status"], "repaired");
    assert_eq!(lineage_check(&m, &[])["status"], "ok");
    assert_eq!(graph_answers(&m), from_file);

    m.ok(&["reindex"]);
    assert!(!file.exists(), "reindex drops the graph file");
    assert_eq!(graph_answers(&m), from_file);
}
