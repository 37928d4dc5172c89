//! The git target against local repositories: normal deliveries, and configuration or upstream
//! content that tries to run a command or to write outside the clone.

use std::path::{Path, PathBuf};
use std::process::Command;

use meshlens_edit::{Delivery, OutboxDocument, OutboxItem, OutboxStatus, Target, TargetError};
use meshlens_model::content_hash;

const BASE: &str =
    "apiVersion: v1.0.0\nkind: DataProduct\nid: p\nstatus: draft\ndescription:\n  purpose: Old.\n";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A bare remote whose `main` holds `d/p.odps.yaml`, and the working repository that pushes to it.
struct Upstream {
    dir: tempfile::TempDir,
}

impl Upstream {
    fn new() -> Upstream {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        std::fs::create_dir_all(work.join("d")).unwrap();
        std::fs::write(work.join("d/p.odps.yaml"), BASE).unwrap();
        git(&work, &["init", "-q", "-b", "main"]);
        let upstream = Upstream { dir };
        upstream.push("mesh");
        upstream
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn remote(&self) -> PathBuf {
        self.dir.path().join("remote.git")
    }

    fn push(&self, message: &str) {
        let work = self.work();
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "-q", "-m", message]);
        if !self.remote().exists() {
            git(self.dir.path(), &["init", "-q", "--bare", "remote.git"]);
        }
        git(
            &work,
            &["push", "-q", &self.remote().to_string_lossy(), "main"],
        );
    }

    fn target(&self, url: &str, branch: Option<&str>) -> Target {
        Target::Git {
            url: url.into(),
            branch: branch.map(str::to_owned),
            workdir: self.dir.path().join("outbox-git/mesh"),
            author: None,
        }
    }
}

fn item(path: &str, text: &str, base: Option<&str>) -> OutboxItem {
    OutboxItem {
        id: 1,
        idempotency_key: "0123456789abcdef".into(),
        draft_id: None,
        source: "mesh".into(),
        documents: vec![OutboxDocument {
            entity_id: "p".into(),
            path: path.into(),
            text: text.into(),
            base_hash: base.map(|b| content_hash(b.as_bytes())),
            base_text: base.map(str::to_owned),
            keep_existing: false,
        }],
        status: OutboxStatus::Sending,
        attempts: 0,
        next_attempt_ms: 0,
        reason: None,
        receipt: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

#[test]
fn branches_and_urls_that_are_options_are_refused_and_run_nothing() {
    let upstream = Upstream::new();
    let url = upstream.remote().to_string_lossy().into_owned();
    let marker = upstream.dir.path().join("pwned");
    let evil = format!("--upload-pack=touch {}", marker.display());
    let ext = format!("ext::sh -c touch% {}", marker.display());
    let change = item("d/p.odps.yaml", &BASE.replace("Old.", "New."), Some(BASE));
    for (url, branch, refusal) in [
        (
            url.as_str(),
            Some(evil.as_str()),
            "git branch '--upload-pack",
        ),
        (evil.as_str(), None, "git URL '--upload-pack"),
        (
            ext.as_str(),
            Some("main"),
            "'ext::' runs a git remote helper",
        ),
    ] {
        let out = upstream.target(url, branch).deliver(&change);
        let Err(TargetError::Rejected(reason)) = out else {
            panic!("{out:?}")
        };
        assert!(reason.contains(refusal), "{reason}");
    }
    assert!(!marker.exists(), "a configured argument ran a command");

    // A normal branch delivers: a commit on the product branch, pushed.
    let out = upstream
        .target(&url, Some("main"))
        .deliver(&change)
        .unwrap();
    assert!(matches!(out, Delivery::Submitted { .. }), "{out:?}");
    let pushed = git(
        &upstream.remote(),
        &["show", "meshlens/p-01234567:d/p.odps.yaml"],
    );
    assert_eq!(pushed, BASE.replace("Old.", "New."));
}

#[cfg(unix)]
#[test]
fn a_committed_directory_link_never_carries_a_write_outside_the_clone() {
    let upstream = Upstream::new();
    let url = upstream.remote().to_string_lossy().into_owned();
    let target = upstream.target(&url, Some("main"));
    let first = item("d/p.odps.yaml", &BASE.replace("Old.", "New."), Some(BASE));
    assert!(matches!(
        target.deliver(&first),
        Ok(Delivery::Submitted { .. })
    ));
    // The link arrives after the clone, with the fetch of the next delivery.
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), upstream.work().join("evil")).unwrap();
    upstream.push("a link out of the repository");

    let mut through_link = item("evil/q.odps.yaml", &BASE.replace("id: p", "id: q"), None);
    through_link.idempotency_key = "fedcba9876543210".into();
    let out = target.deliver(&through_link);
    let Err(TargetError::Rejected(reason)) = out else {
        panic!("{out:?}")
    };
    assert!(reason.contains("symbolic link evil"), "{reason}");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}
