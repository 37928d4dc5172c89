//! The sync engine against real files: tempdir folders and local git repositories.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use meshlens_store::{SourceConfig, SourceKind, Store, SyncStatus};
use meshlens_sync::{
    CancellationFlag, SourceSyncReport, SyncContext, SyncError, SyncOptions, SyncPhase,
    SyncProgress, sync_source,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const PRODUCT_ID: &str = "064c4630-8aad-4dc0-ba95-0f69940e6b18";

fn copy_fixtures(dir: &Path) {
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
}

struct Harness {
    store: Store,
    source: SourceConfig,
    ctx: SyncContext,
    _data: tempfile::TempDir,
}

impl Harness {
    async fn new(kind: SourceKind) -> Harness {
        let data = tempfile::tempdir().unwrap();
        let store = Store::open_in_memory().await.unwrap();
        let source = SourceConfig {
            name: "mesh".into(),
            kind,
            scope: None,
        };
        store.add_source(&source).await.unwrap();
        let ctx = SyncContext {
            data_dir: data.path().to_path_buf(),
            ..SyncContext::default()
        };
        Harness {
            store,
            source,
            ctx,
            _data: data,
        }
    }

    async fn folder(path: &Path) -> Harness {
        Harness::new(SourceKind::Folder {
            path: path.to_path_buf(),
        })
        .await
    }

    async fn sync(&self) -> Result<SourceSyncReport, SyncError> {
        sync_source(&self.store, &self.source, &self.ctx, &|_| {}).await
    }

    async fn counts(&self) -> (usize, usize, usize, usize) {
        let r = self.sync().await.unwrap();
        (
            r.applied.added,
            r.applied.updated,
            r.applied.removed,
            r.applied.unchanged,
        )
    }
}

fn messages(errors: &[meshlens_sync::FileError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}:{}: {}", e.file, e.line, e.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn counts_follow_adds_updates_and_removals() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixtures(dir.path());
    std::fs::write(dir.path().join("README.md"), "not a descriptor").unwrap();
    let h = Harness::folder(dir.path()).await;

    let events = Mutex::new(Vec::<SyncProgress>::new());
    let report = sync_source(&h.store, &h.source, &h.ctx, &|p| {
        events.lock().unwrap().push(p)
    })
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{}", messages(&report.errors));
    assert_eq!(
        (
            report.applied.added,
            report.applied.updated,
            report.applied.removed
        ),
        (4, 0, 0)
    );
    assert_eq!(report.applied.changed_product_ids, [PRODUCT_ID]);
    let events = events.into_inner().unwrap();
    assert_eq!(events.first().map(|e| e.phase), Some(SyncPhase::Scanning));
    assert_eq!(
        events.last().map(|e| (e.phase, e.done)),
        Some((SyncPhase::Done, 4))
    );

    // The input port's contract is nowhere: a warning naming the product file.
    let missing: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| w.message.contains("not in the cache"))
        .collect();
    assert_eq!(missing.len(), 1, "{}", messages(&report.warnings));
    assert_eq!(missing[0].file, "simple-data-product.odps.yaml");
    assert!(
        missing[0]
            .message
            .contains("12345678-1234-1234-1234-123456789abc")
    );
    let detail = h.store.get_product(PRODUCT_ID).await.unwrap().unwrap();
    assert_eq!(detail.contracts.len(), 1);
    assert_eq!(
        detail.contracts[0].contract.id,
        "87654321-4321-4321-4321-cba987654321"
    );

    assert_eq!(h.counts().await, (0, 0, 0, 4));

    // Same bytes, new mtime: hashed, unchanged, and the fast path works again afterwards.
    let file = std::fs::File::options()
        .write(true)
        .open(dir.path().join("full-example.odcs.yaml"))
        .unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    drop(file);
    assert_eq!(h.counts().await, (0, 0, 0, 4));

    let path = dir.path().join("processed-data.odcs.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("Processed data", "Processed data v2");
    std::fs::write(&path, text).unwrap();
    std::fs::remove_file(dir.path().join("table-column-description.odcs.yaml")).unwrap();
    std::fs::create_dir(dir.path().join("more")).unwrap();
    std::fs::copy(
        format!("{FIXTURES}/table-column-description.odcs.yaml"),
        dir.path().join("more/moved.odcs.yaml"),
    )
    .unwrap();
    let report = h.sync().await.unwrap();
    assert_eq!(
        (
            report.applied.added,
            report.applied.updated,
            report.applied.removed,
            report.applied.unchanged
        ),
        (1, 1, 1, 2)
    );
    let contract = h
        .store
        .get_contract("87654321-4321-4321-4321-cba987654321", Some("1.0.0"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contract.contract.name.as_deref(), Some("Processed data v2"));
    assert_eq!(contract.product_id.as_deref(), Some(PRODUCT_ID));

    let mut full = SyncContext {
        options: SyncOptions {
            full: true,
            ..SyncOptions::default()
        },
        ..h.ctx.clone()
    };
    full.data_dir = h.ctx.data_dir.clone();
    let report = sync_source(&h.store, &h.source, &full, &|_| {})
        .await
        .unwrap();
    assert_eq!(report.applied.unchanged, 4);
    assert_eq!(h.store.integrity_check().await.unwrap(), "ok");
}

#[tokio::test]
async fn bad_files_are_reported_and_never_block_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixtures(dir.path());
    std::fs::write(
        dir.path().join("broken.yaml"),
        "apiVersion: v1.0.0\nkind: DataProduct\nid: [unclosed\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("other.yaml"), "hello: world\n").unwrap();
    std::fs::write(
        dir.path().join("latin1.yaml"),
        b"kind: DataProduct\nname: caf\xe9\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("big.json"),
        format!("{{\"pad\": \"{}\"}}", "x".repeat(20_000)),
    )
    .unwrap();
    // OpenLineage events go to the lineage tables: not a descriptor, not an error.
    std::fs::write(
        dir.path().join("event.json"),
        r#"{"eventType":"COMPLETE","eventTime":"2024-01-01T00:00:00Z","run":{"runId":"r"},"job":{"namespace":"n","name":"j"},"producer":"p","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json"}"#,
    )
    .unwrap();
    let mut h = Harness::folder(dir.path()).await;
    h.ctx.options.max_file_bytes = 12_000;
    let report = h.sync().await.unwrap();
    assert_eq!(report.applied.added, 4, "{}", messages(&report.errors));
    let by_file = |f: &str| {
        report
            .errors
            .iter()
            .find(|e| e.file == f)
            .unwrap_or_else(|| panic!("no error for {f}: {}", messages(&report.errors)))
    };
    assert!(
        by_file("broken.yaml").line >= 3,
        "{:?}",
        by_file("broken.yaml")
    );
    assert!(
        by_file("other.yaml")
            .message
            .starts_with("not a data product or contract"),
        "{}",
        by_file("other.yaml").message
    );
    assert!(
        by_file("latin1.yaml").message.contains("UTF-8"),
        "{}",
        by_file("latin1.yaml").message
    );
    assert!(
        by_file("big.json").message.contains("limit of 12000 bytes"),
        "{}",
        by_file("big.json").message
    );
    assert!(!report.errors.iter().any(|e| e.file == "event.json"));
    let source = h.store.get_source("mesh").await.unwrap().unwrap();
    assert_eq!(source.last_sync_status, Some(SyncStatus::Partial));
    assert!(source.last_error.unwrap().contains("more)"));

    // Fixing the file lands it; the others stay unchanged.
    std::fs::remove_file(dir.path().join("broken.yaml")).unwrap();
    std::fs::write(
        dir.path().join("other.yaml"),
        std::fs::read(format!("{FIXTURES}/processed-data.odcs.yaml"))
            .unwrap()
            .replace_id(),
    )
    .unwrap();
    let report = h.sync().await.unwrap();
    assert_eq!(
        (report.applied.added, report.applied.unchanged),
        (1, 4),
        "{}",
        messages(&report.errors)
    );
}

/// Gives the processed-data fixture a different contract id.
trait ReplaceId {
    fn replace_id(self) -> Vec<u8>;
}

impl ReplaceId for Vec<u8> {
    fn replace_id(self) -> Vec<u8> {
        String::from_utf8(self)
            .unwrap()
            .replace("cba987654321", "cba987654322")
            .into_bytes()
    }
}

/// A dbt project's `manifest.json` may pass the file limit (its reader keeps only what tests need);
/// a file of that name that is not a dbt manifest, and any other large file, may not.
#[tokio::test]
async fn a_dbt_manifest_may_pass_the_file_limit_and_nothing_else_may() {
    let dir = tempfile::tempdir().unwrap();
    let dbt = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../quality/tests/fixtures/dbt/no_test_metadata/target"
    );
    let target = dir.path().join("dbt/target");
    std::fs::create_dir_all(&target).unwrap();
    for file in ["manifest.json", "run_results.json"] {
        std::fs::copy(format!("{dbt}/{file}"), target.join(file)).unwrap();
    }
    let pad = format!("{{\"pad\": \"{}\"}}", "x".repeat(20_000));
    std::fs::create_dir_all(dir.path().join("other")).unwrap();
    std::fs::write(dir.path().join("other/manifest.json"), &pad).unwrap();
    std::fs::write(dir.path().join("big.json"), &pad).unwrap();
    let mut h = Harness::folder(dir.path()).await;
    h.ctx.options.max_file_bytes = 12_000;
    assert!(
        std::fs::metadata(target.join("manifest.json"))
            .unwrap()
            .len()
            > 12_000
    );
    let report = h.sync().await.unwrap();
    assert_eq!(report.quality.imported, 20, "{:?}", report.quality);
    let mut refused: Vec<&str> = report
        .errors
        .iter()
        .filter(|e| e.message.contains("limit of 12000 bytes"))
        .map(|e| e.file.as_str())
        .collect();
    refused.sort();
    assert_eq!(
        refused,
        ["big.json", "other/manifest.json"],
        "{}",
        messages(&report.errors)
    );
}

#[tokio::test]
async fn duplicate_product_ids_name_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let product = format!("{FIXTURES}/simple-data-product.odps.yaml");
    std::fs::copy(&product, dir.path().join("a.odps.yaml")).unwrap();
    std::fs::copy(&product, dir.path().join("b.odps.yaml")).unwrap();
    let h = Harness::folder(dir.path()).await;
    let report = h.sync().await.unwrap();
    assert_eq!(report.applied.added, 1);
    assert_eq!(report.errors.len(), 1, "{}", messages(&report.errors));
    let error = &report.errors[0];
    assert_eq!(error.file, "b.odps.yaml");
    assert!(
        error.message.contains("mesh:a.odps.yaml") && error.message.contains("mesh:b.odps.yaml"),
        "{}",
        error.message
    );
    assert_eq!(
        h.store.get_product(PRODUCT_ID).await.unwrap().unwrap().path,
        "a.odps.yaml"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn symlink_loops_are_errors_not_hangs() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixtures(dir.path());
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
    let h = Harness::folder(dir.path()).await;
    let report = h.sync().await.unwrap();
    assert_eq!(report.applied.added, 4);
    assert_eq!(report.errors.len(), 1, "{}", messages(&report.errors));
    assert_eq!(report.errors[0].file, "sub/loop");
    assert!(report.errors[0].message.contains("loop"));
}

#[tokio::test]
async fn unreadable_sources_leave_the_cache_alone() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixtures(dir.path());
    let h = Harness::folder(&dir.path().join("missing")).await;
    let err = h.sync().await.unwrap_err();
    assert!(matches!(err, SyncError::SourceUnreadable { .. }), "{err}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    let source = h.store.get_source("mesh").await.unwrap().unwrap();
    assert_eq!(source.last_sync_status, Some(SyncStatus::Failed));

    let h = Harness::folder(dir.path()).await;
    h.sync().await.unwrap();
    let cancel = CancellationFlag::new();
    cancel.cancel();
    std::fs::remove_file(dir.path().join("full-example.odcs.yaml")).unwrap();
    let ctx = SyncContext {
        cancel,
        ..h.ctx.clone()
    };
    let err = sync_source(&h.store, &h.source, &ctx, &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Cancelled(_)), "{err}");
    assert_eq!(h.store.stats().await.unwrap().documents, 4);
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn commit_all(repo: &Path, message: &str) {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
}

#[tokio::test]
async fn git_sources_follow_the_branch() {
    let upstream = tempfile::tempdir().unwrap();
    let repo: PathBuf = upstream.path().join("mesh");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "main branch only").unwrap();
    commit_all(&repo, "init");
    git(&repo, &["checkout", "-q", "-b", "release"]);
    copy_fixtures(&repo);
    commit_all(&repo, "descriptors");
    git(&repo, &["checkout", "-q", "main"]);

    let h = Harness::new(SourceKind::Git {
        url: repo.to_string_lossy().into_owned(),
        branch: Some("release".into()),
    })
    .await;
    assert_eq!(h.counts().await, (4, 0, 0, 0));
    assert!(h.ctx.data_dir.join("git/mesh/.git").is_dir());

    git(&repo, &["checkout", "-q", "release"]);
    std::fs::remove_file(repo.join("full-example.odcs.yaml")).unwrap();
    std::fs::create_dir(repo.join("extra")).unwrap();
    std::fs::write(
        repo.join("extra/other.odcs.yaml"),
        std::fs::read(format!("{FIXTURES}/processed-data.odcs.yaml"))
            .unwrap()
            .replace_id(),
    )
    .unwrap();
    commit_all(&repo, "move things");
    assert_eq!(h.counts().await, (1, 0, 1, 3));
    assert_eq!(h.counts().await, (0, 0, 0, 4));

    // The upstream disappears: the fetch fails and the cache keeps its content.
    std::fs::remove_dir_all(&repo).unwrap();
    let err = h.sync().await.unwrap_err();
    assert!(matches!(err, SyncError::SourceUnreadable { .. }), "{err}");
    assert_eq!(h.store.stats().await.unwrap().documents, 4);
    assert!(h.store.remove_source("mesh").await.unwrap().is_some());
    assert_eq!(h.store.stats().await.unwrap().documents, 0);
}

/// A local repository holding the fixtures on `main`.
fn upstream_repo(parent: &Path) -> PathBuf {
    let repo = parent.join("mesh");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    copy_fixtures(&repo);
    commit_all(&repo, "descriptors");
    repo
}

#[tokio::test]
async fn git_branches_and_urls_that_are_options_never_run_commands() {
    let upstream = tempfile::tempdir().unwrap();
    let repo = upstream_repo(upstream.path());
    let url = repo.to_string_lossy().into_owned();
    let h = Harness::new(SourceKind::Git {
        url: url.clone(),
        branch: Some("main".into()),
    })
    .await;
    assert_eq!(h.counts().await, (4, 0, 0, 0));

    let marker = upstream.path().join("pwned");
    let evil = format!("--upload-pack=touch {}", marker.display());
    let ext = format!("ext::sh -c touch% {}", marker.display());
    let hostile = [
        (
            url.as_str(),
            Some(evil.as_str()),
            "git branch '--upload-pack",
        ),
        (evil.as_str(), Some("main"), "git URL '--upload-pack"),
        (ext.as_str(), None, "'ext::' runs a git remote helper"),
    ];
    for (url, branch, refusal) in hostile {
        let kind = SourceKind::Git {
            url: url.into(),
            branch: branch.map(str::to_owned),
        };
        let other = SourceConfig {
            name: "other".into(),
            kind: kind.clone(),
            scope: None,
        };
        let err = h.store.add_source(&other).await.unwrap_err().to_string();
        assert!(err.contains(refusal), "{err}");
        // A source stored before the check: the sync refuses it, the cache stays as it was.
        let stored = SourceConfig {
            name: "mesh".into(),
            kind,
            scope: None,
        };
        let err = sync_source(&h.store, &stored, &h.ctx, &|_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, SyncError::SourceUnreadable { .. }), "{err}");
        assert!(err.to_string().contains(refusal), "{err}");
        assert_eq!(h.store.stats().await.unwrap().documents, 4);
    }
    assert!(!marker.exists(), "a configured argument ran a command");
    assert_eq!(h.counts().await, (0, 0, 0, 4), "normal branches still sync");
}

#[cfg(unix)]
#[tokio::test]
async fn git_sources_report_symbolic_links_and_never_follow_them() {
    use std::os::unix::fs::symlink;
    // Outside the repository: a product and a folder that must never reach the cache.
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("id_rsa");
    std::fs::copy(format!("{FIXTURES}/simple-data-product.odps.yaml"), &secret).unwrap();
    std::fs::create_dir(outside.path().join("folder")).unwrap();
    std::fs::copy(&secret, outside.path().join("folder/p.odps.yaml")).unwrap();

    let upstream = tempfile::tempdir().unwrap();
    let repo = upstream_repo(upstream.path());
    std::fs::remove_file(repo.join("simple-data-product.odps.yaml")).unwrap();
    symlink(&secret, repo.join("data.odps.yaml")).unwrap();
    std::fs::create_dir(repo.join("sub")).unwrap();
    symlink(outside.path().join("folder"), repo.join("sub/evil")).unwrap();
    commit_all(&repo, "links");

    let h = Harness::new(SourceKind::Git {
        url: repo.to_string_lossy().into_owned(),
        branch: None,
    })
    .await;
    let report = h.sync().await.unwrap();
    assert_eq!(report.applied.added, 3, "{}", messages(&report.errors));
    assert!(h.store.get_product(PRODUCT_ID).await.unwrap().is_none());
    assert_eq!(h.store.stats().await.unwrap().documents, 3);
    let why = "symbolic link skipped: links in a git source are not followed";
    assert_eq!(
        skipped_links(&report),
        [("data.odps.yaml", why), ("sub/evil", why)]
    );
    assert_eq!(
        h.store
            .get_source("mesh")
            .await
            .unwrap()
            .unwrap()
            .last_sync_status,
        Some(SyncStatus::Ok)
    );
}

#[cfg(unix)]
#[tokio::test]
async fn folder_sources_follow_links_only_inside_the_folder() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("id_rsa");
    std::fs::write(
        &secret,
        std::fs::read(format!("{FIXTURES}/processed-data.odcs.yaml"))
            .unwrap()
            .replace_id(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_fixtures(dir.path());
    // A link within the folder is the user's own layout: followed.
    std::fs::create_dir(dir.path().join(".kept")).unwrap();
    std::fs::rename(
        dir.path().join("simple-data-product.odps.yaml"),
        dir.path().join(".kept/p.odps.yaml"),
    )
    .unwrap();
    symlink(".kept/p.odps.yaml", dir.path().join("p.odps.yaml")).unwrap();
    // Links leaving the folder: reported, never read.
    symlink(&secret, dir.path().join("data.odcs.yaml")).unwrap();
    symlink(outside.path(), dir.path().join("evil")).unwrap();

    let h = Harness::folder(dir.path()).await;
    let report = h.sync().await.unwrap();
    assert_eq!(report.applied.added, 4, "{}", messages(&report.errors));
    assert_eq!(
        h.store.get_product(PRODUCT_ID).await.unwrap().unwrap().path,
        "p.odps.yaml"
    );
    let why = "symbolic link skipped: it points outside the source folder";
    assert_eq!(
        skipped_links(&report),
        [("data.odcs.yaml", why), ("evil", why)]
    );
}

/// The warnings about symbolic links: (file, message).
fn skipped_links(report: &SourceSyncReport) -> Vec<(&str, &str)> {
    report
        .warnings
        .iter()
        .filter(|w| w.message.starts_with("symbolic link"))
        .map(|w| (w.file.as_str(), w.message.as_str()))
        .collect()
}
