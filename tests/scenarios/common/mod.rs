//! Helpers for scenario tests that drive the real `meshlens` binary, as a script or a user would.

#![allow(dead_code)] // each test file uses its own subset

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn demo_mesh() -> PathBuf {
    repo_root().join("assets/demo-mesh")
}

/// A fresh data directory and a way to run `meshlens --data-dir <it> ...`.
pub struct Meshlens {
    pub data_dir: tempfile::TempDir,
}

impl Meshlens {
    pub fn new() -> Meshlens {
        Meshlens {
            data_dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_meshlens"));
        command.arg("--data-dir").arg(self.data_dir.path());
        command.env_remove("MESHLENS_DATA_DIR");
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// Runs and expects exit 0, returning stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "meshlens {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs with `--json` appended and expects exit 0.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let text = self.ok(&all);
        serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("meshlens {all:?} printed invalid JSON ({err}):\n{text}"))
    }

    /// Runs and expects exit 1 with `E_NOT_FOUND` on stderr.
    pub fn not_found(&self, args: &[&str]) {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "meshlens {args:?}: {stderr}");
        assert!(
            stderr.contains("E_NOT_FOUND"),
            "meshlens {args:?}: {stderr}"
        );
    }

    pub fn path(&self) -> &Path {
        self.data_dir.path()
    }

    /// Registers the git repository at `url` (branch `main`) as source `name`.
    pub fn add_git(&self, name: &str, url: impl AsRef<Path>) {
        let url = url.as_ref().to_str().unwrap();
        self.ok(&[
            "source", "add", name, "--kind", "git", "--url", url, "--branch", "main",
        ]);
    }

    /// Registers the folder `path` as source `name`.
    pub fn add_folder(&self, name: &str, path: impl AsRef<Path>) {
        let path = path.as_ref().to_str().unwrap();
        self.ok(&["source", "add", name, "--kind", "folder", "--path", path]);
    }
}

/// Appends a comment to every YAML file below `dir`: new bytes, same meaning, so the next sync
/// rewrites every descriptor (a long write transaction).
pub fn touch_all(dir: &Path, round: usize) {
    for path in walk(dir) {
        if path.extension().is_some_and(|e| e == "yaml") {
            let mut text = std::fs::read_to_string(&path).unwrap();
            text.push_str(&format!("# round {round}\n"));
            std::fs::write(&path, text).unwrap();
        }
    }
}

/// The built-in error rules the demo mesh breaks on purpose, redefined as warnings by a policy of this
/// machine's user (`<data dir>/policies/`: a source's own policies may not loosen built-in rules), so
/// edits of any demo product may be submitted.
pub fn relax_policies(m: &Meshlens) {
    let dir = m.path().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("relaxed.yaml"), RELAXED_POLICY).unwrap();
}

const RELAXED_POLICY: &str = "\
apiVersion: meshlens/v1
kind: Policy
id: scenario-relaxed
scope: global
rules:
  - {id: encryption-for-sensitive, check: encryption, severity: warning, when: {classification: [confidential, restricted]}}
  - {id: audit-logging-for-sensitive, check: audit-logging, severity: warning}
  - {id: pii-protected, check: pii-columns, severity: warning}
  - {id: classification-set, check: classification, severity: warning}
  - {id: owner-required, check: owner, severity: warning}
  - {id: support-channel, check: support, severity: warning}
";

/// Copies a folder tree (for tests that edit a source).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Runs git in `dir` as a test user and returns its output; fails the test when git fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@x")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@x")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A bare repository (`<work>/remote.git`) whose `main` holds one commit of `from`'s files.
pub fn bare_git_remote(from: &Path, work: &Path) -> PathBuf {
    let repo = work.join("repo");
    copy_tree(from, &repo);
    git(&repo, &["init", "--quiet", "--initial-branch", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "mesh"]);
    let remote = work.join("remote.git");
    let (repo, bare) = (repo.to_str().unwrap(), remote.to_str().unwrap());
    git(work, &["clone", "--quiet", "--bare", repo, bare]);
    remote
}

/// Writes demo descriptors into the cache as a sync of the catalog source `source` would have (a
/// test has no catalog server to sync from).
pub fn cache_as_catalog(m: &Meshlens, source: &str, files: &[&str]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = meshlens_store::Store::open(&m.path().join("meshlens.db"))
            .await
            .unwrap();
        let mut tx = store.begin_sync(source).await.unwrap();
        for rel in files {
            let bytes = std::fs::read(demo_mesh().join(rel)).unwrap();
            let doc = meshlens_model::parse_document(rel, &bytes).unwrap();
            let stat = meshlens_store::FileStat {
                size: bytes.len() as u64,
                mtime: 0,
            };
            tx.upsert(rel, stat, &doc).await.unwrap();
        }
        tx.commit(meshlens_store::SyncStatus::Ok, None)
            .await
            .unwrap();
        store.close().await;
    });
}

/// A tiny HTTP/1.1 server on a thread: one request per connection, answered by `answer(method,
/// path, body)` with (status, JSON body). Returns its URL.
pub fn serve(answer: impl Fn(&str, &str, &str) -> (u16, String) + Send + Sync + 'static) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap_or_default();
            let mut parts = line.split_whitespace();
            let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let mut length = 0;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap_or_default();
            let path = target.split('?').next().unwrap_or("");
            let (status, text) = answer(method, path, &String::from_utf8_lossy(&body));
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    url
}
