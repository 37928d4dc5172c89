//! Where a change-set goes: a folder source (atomic file replace) or a git source (a commit on a new
//! branch named after the product, pushed to the source's remote). Catalog connectors join later as
//! another variant.
//!
//! Delivery is idempotent: a document already holding the wanted text counts as delivered, and a git
//! commit carries the change-set's idempotency key, so a retry after a kill never applies twice.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use meshlens_model::content_hash;

use crate::merge::{Conflict, three_way};
use crate::store::{OutboxDocument, OutboxItem};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitAuthor {
    pub name: String,
    pub email: String,
}

impl GitAuthor {
    /// `Name <email>`.
    pub fn parse(text: &str) -> Option<GitAuthor> {
        let (name, rest) = text.split_once('<')?;
        let email = rest.strip_suffix('>')?.trim();
        (!name.trim().is_empty() && !email.is_empty()).then(|| GitAuthor {
            name: name.trim().into(),
            email: email.into(),
        })
    }
}

#[derive(Debug, Clone)]
pub enum Target {
    Folder {
        root: PathBuf,
    },
    Git {
        url: String,
        branch: Option<String>,
        /// A clone of our own (the sync checkout is reset by every sync).
        workdir: PathBuf,
        /// `None`: git's own configuration decides.
        author: Option<GitAuthor>,
    },
}

/// A successful delivery or a conflict the user must settle.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Submitted {
        receipt: String,
    },
    Conflict {
        path: String,
        theirs_text: String,
        conflicts: Vec<Conflict>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Worth retrying later (offline, folder missing or read-only, remote down).
    #[error("{0}")]
    Unreachable(String),
    /// Retrying cannot help (a path outside the source, an invalid merge result...).
    #[error("{0}")]
    Rejected(String),
}

/// What to write for one document, decided before anything is written.
enum Plan {
    /// The text, and whether it is the draft's own text or a merge that kept upstream's layout.
    Write(String, bool),
    AlreadyThere,
}

/// Compares upstream's current text with the document's base and merges when upstream moved on.
fn plan(
    doc: &OutboxDocument,
    current: Option<&str>,
) -> Result<Result<Plan, Delivery>, TargetError> {
    let json = doc.path.to_ascii_lowercase().ends_with(".json");
    match (current, &doc.base_hash) {
        (Some(now), _) if now == doc.text || doc.keep_existing => Ok(Ok(Plan::AlreadyThere)),
        (None, None) => Ok(Ok(Plan::Write(doc.text.clone(), true))),
        (Some(now), Some(base)) if content_hash(now.as_bytes()) == *base => {
            Ok(Ok(Plan::Write(doc.text.clone(), true)))
        }
        (Some(_), None) => Err(TargetError::Rejected(format!(
            "{} exists already; start a draft from it (`meshlens draft new --from {}`) instead",
            doc.path, doc.entity_id
        ))),
        (None, Some(_)) => Err(TargetError::Rejected(format!(
            "{} was deleted upstream since the draft started",
            doc.path
        ))),
        (Some(now), Some(_)) => {
            let base = doc.base_text.as_deref().unwrap_or_default();
            let merged = three_way(base, &doc.text, now, json, &BTreeMap::new())
                .map_err(|e| TargetError::Rejected(format!("cannot merge {}: {e}", doc.path)))?;
            if !merged.conflicts.is_empty() {
                return Ok(Err(Delivery::Conflict {
                    path: doc.path.clone(),
                    theirs_text: now.to_owned(),
                    conflicts: merged.conflicts,
                }));
            }
            if merged.text == now {
                return Ok(Ok(Plan::AlreadyThere));
            }
            if let Err(err) = meshlens_model::parse_document(&doc.path, merged.text.as_bytes()) {
                return Err(TargetError::Rejected(format!(
                    "merging with upstream's changes to {} gives an invalid document: {err}",
                    doc.path
                )));
            }
            Ok(Ok(Plan::Write(merged.text, merged.layout_kept)))
        }
    }
}

/// The parts of `path`, refusing absolute paths and `..`.
fn relative_parts(path: &str) -> Result<Vec<Component<'_>>, TargetError> {
    let parts: Vec<Component> = Path::new(path).components().collect();
    if parts
        .iter()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(TargetError::Rejected(format!(
            "{path} is not a path inside the source"
        )));
    }
    Ok(parts)
}

/// Which symbolic links a write may go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Links {
    /// None: links in a git clone are upstream content and may point anywhere on this machine.
    Never,
    /// Those whose target stays inside the canonical root (a user's own folder may link within itself).
    InsideRoot,
}

/// Where to write `path` under `root`, checked against the disk as it is now (call it right before
/// writing): the deepest part that exists, resolved, must lie inside the canonical root, so a link
/// such as `evil -> /` never carries a write outside. The parts that do not exist yet are created
/// as plain folders under it.
fn writable_path(root: &Path, path: &str, links: Links) -> Result<PathBuf, TargetError> {
    let parts = relative_parts(path)?;
    let unreadable = |at: &Path, e: std::io::Error| {
        TargetError::Unreachable(format!("cannot read {}: {e}", at.display()))
    };
    let canonical_root = std::fs::canonicalize(root).map_err(|e| unreadable(root, e))?;
    let mut existing = root.to_path_buf();
    let mut missing = parts.len();
    for (i, part) in parts.iter().enumerate() {
        let at = existing.join(part);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() && links == Links::Never => {
                return Err(TargetError::Rejected(format!(
                    "{path} goes through the symbolic link {}; links in a git source are not followed",
                    at.strip_prefix(root).unwrap_or(&at).display()
                )));
            }
            Ok(_) => existing = at,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                missing = i;
                break;
            }
            Err(e) => return Err(unreadable(&at, e)),
        }
    }
    let resolved = std::fs::canonicalize(&existing).map_err(|e| unreadable(&existing, e))?;
    if !resolved.starts_with(&canonical_root) {
        return Err(TargetError::Rejected(format!(
            "{path} leads outside the source through a symbolic link"
        )));
    }
    Ok(parts[missing..]
        .iter()
        .fold(resolved, |dir, part| dir.join(part)))
}

fn read_optional(path: &Path) -> Result<Option<String>, TargetError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(
            String::from_utf8_lossy(&bytes)
                .trim_start_matches('\u{feff}')
                .to_owned(),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(TargetError::Unreachable(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Temp file in the same folder, fsync, rename over the original, fsync the folder: a reader (or a
/// crash) sees the old file or the new one, never half of one.
pub fn write_atomically(path: &Path, text: &str, key: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.{}.meshlens-tmp",
        &key[..key.len().min(12)]
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

impl Target {
    /// Applies every document of `item`, or none: conflicts are found before anything is written.
    pub fn deliver(&self, item: &OutboxItem) -> Result<Delivery, TargetError> {
        match self {
            Target::Folder { root } => deliver_to_folder(root, item),
            Target::Git {
                url,
                branch,
                workdir,
                author,
            } => deliver_to_git(url, branch.as_deref(), workdir, author.as_ref(), item),
        }
    }
}

fn deliver_to_folder(root: &Path, item: &OutboxItem) -> Result<Delivery, TargetError> {
    if !root.is_dir() {
        return Err(TargetError::Unreachable(format!(
            "the source folder {} is not reachable",
            root.display()
        )));
    }
    let mut writes = Vec::new();
    let mut rewritten = Vec::new();
    for doc in &item.documents {
        let path = writable_path(root, &doc.path, Links::InsideRoot)?;
        let current = read_optional(&path)?;
        match plan(doc, current.as_deref())? {
            Ok(Plan::Write(text, layout_kept)) => {
                if !layout_kept {
                    rewritten.push(doc.path.clone());
                }
                writes.push((path, text))
            }
            Ok(Plan::AlreadyThere) => {}
            Err(conflict) => return Ok(conflict),
        }
    }
    let mut written = Vec::new();
    for (path, text) in &writes {
        write_atomically(path, text, &item.idempotency_key).map_err(|e| {
            TargetError::Unreachable(format!("cannot write {}: {e}", path.display()))
        })?;
        written.push(path.display().to_string());
    }
    Ok(Delivery::Submitted {
        receipt: if written.is_empty() {
            "already applied upstream".into()
        } else {
            format!("wrote {}{}", written.join(", "), layout_note(&rewritten))
        },
    })
}

/// Said when a merge could not be done line by line and a document was re-serialised.
fn layout_note(rewritten: &[String]) -> String {
    if rewritten.is_empty() {
        String::new()
    } else {
        format!(
            " (merged with upstream by rewriting {}: its comments and quoting were not kept)",
            rewritten.join(", ")
        )
    }
}

/// The branch a change-set is committed on: named after the product, one per change-set.
pub fn branch_name(item: &OutboxItem) -> String {
    let entity = item
        .documents
        .first()
        .map_or("change", |d| d.entity_id.as_str());
    let safe: String = entity
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("meshlens/{safe}-{}", &item.idempotency_key[..8])
}

const KEY_TRAILER: &str = "Meshlens-Idempotency-Key";

fn deliver_to_git(
    url: &str,
    branch: Option<&str>,
    workdir: &Path,
    author: Option<&GitAuthor>,
    item: &OutboxItem,
) -> Result<Delivery, TargetError> {
    let unreachable = TargetError::Unreachable;
    // Sources stored before these checks existed are not trusted either.
    meshlens_store::check_git_source(url, branch)
        .map_err(|e| TargetError::Rejected(e.to_string()))?;
    if !workdir.join(".git").is_dir() {
        clone(url, workdir, author).map_err(unreachable)?;
    }
    let git = |args: &[&str]| git(Some(workdir), args, author);
    git(&["remote", "set-url", "--end-of-options", "origin", url]).map_err(unreachable)?;
    let ours = branch_name(item);
    let ours_ref = format!("refs/heads/{ours}");
    let committed = git(&[
        "log",
        "--format=%B",
        "-n",
        "1",
        "--end-of-options",
        &ours_ref,
        "--",
    ])
    .is_ok_and(|log| log.contains(&format!("{KEY_TRAILER}: {}", item.idempotency_key)));
    if !committed && let Some(outcome) = commit_on_branch(workdir, branch, &ours, author, item)? {
        return Ok(outcome);
    }
    let commit =
        git(&["rev-parse", "--short", "--end-of-options", &ours_ref]).map_err(unreachable)?;
    git(&[
        "push",
        "--quiet",
        "--end-of-options",
        "origin",
        &format!("{ours_ref}:{ours_ref}"),
    ])
    .map_err(|e| {
        unreachable(format!(
            "committed {} on {ours} but could not push: {e}",
            commit.trim()
        ))
    })?;
    Ok(Delivery::Submitted {
        receipt: format!(
            "committed {} on branch {ours} and pushed to {url}",
            commit.trim()
        ),
    })
}

/// Clones next to `workdir` and renames, so an interrupted clone never looks like a finished one.
fn clone(url: &str, workdir: &Path, author: Option<&GitAuthor>) -> Result<(), String> {
    let parent = workdir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    let partial = workdir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    git(
        None,
        &[
            "clone",
            "--quiet",
            "--no-tags",
            "--end-of-options",
            url,
            &partial.to_string_lossy(),
        ],
        author,
    )?;
    std::fs::rename(&partial, workdir).map_err(|e| e.to_string())
}

/// Fetches upstream's `branch`, plans every document against it and commits them on `ours`.
/// `Some` when nothing is committed: a conflict, or upstream holds the change already.
fn commit_on_branch(
    workdir: &Path,
    branch: Option<&str>,
    ours: &str,
    author: Option<&GitAuthor>,
    item: &OutboxItem,
) -> Result<Option<Delivery>, TargetError> {
    let unreachable = TargetError::Unreachable;
    let git = |args: &[&str]| git(Some(workdir), args, author);
    let upstream = branch.unwrap_or("HEAD");
    git(&[
        "fetch",
        "--quiet",
        "--no-tags",
        "--force",
        "--end-of-options",
        "origin",
        upstream,
    ])
    .map_err(unreachable)?;
    let mut writes = Vec::new();
    let mut rewritten = Vec::new();
    for doc in &item.documents {
        relative_parts(&doc.path)?;
        let blob = format!("FETCH_HEAD:{}", doc.path);
        let current = git(&["show", "--end-of-options", &blob]).ok();
        match plan(doc, current.as_deref())? {
            Ok(Plan::Write(text, layout_kept)) => {
                if !layout_kept {
                    rewritten.push(doc.path.clone());
                }
                writes.push((doc, text))
            }
            Ok(Plan::AlreadyThere) => {}
            Err(conflict) => return Ok(Some(conflict)),
        }
    }
    if writes.is_empty() {
        return Ok(Some(Delivery::Submitted {
            receipt: "already applied upstream".into(),
        }));
    }
    git(&[
        "checkout",
        "--quiet",
        "--force",
        "-B",
        ours,
        "--end-of-options",
        "FETCH_HEAD",
    ])
    .map_err(unreachable)?;
    // Checked on the tree just checked out, before anything is written: upstream's links decide.
    let paths = writes
        .iter()
        .map(|(doc, _)| writable_path(workdir, &doc.path, Links::Never))
        .collect::<Result<Vec<_>, _>>()?;
    for ((doc, text), path) in writes.iter().zip(&paths) {
        write_atomically(path, text, &item.idempotency_key)
            .map_err(|e| unreachable(format!("cannot write {}: {e}", path.display())))?;
        git(&["add", "--", &doc.path]).map_err(unreachable)?;
    }
    let message = format!(
        "{}\n\nSubmitted from meshlens outbox item {}.\n\n{KEY_TRAILER}: {}\n",
        commit_subject(item),
        item.id,
        item.idempotency_key
    );
    git(&["commit", "--quiet", "-m", &message]).map_err(unreachable)?;
    Ok(None)
}

/// `meshlens: update <ids>`, or `meshlens: request access to <ids>` for access requests (files
/// kept as they are once there), so reviewers see at a glance what the branch asks for.
fn commit_subject(item: &OutboxItem) -> String {
    let ids: Vec<&str> = item
        .documents
        .iter()
        .map(|d| d.entity_id.as_str())
        .collect();
    let verb = if item.documents.iter().all(|d| d.keep_existing) {
        "request access to"
    } else {
        "update"
    };
    format!("meshlens: {verb} {}", ids.join(", "))
}

/// Runs git (see [`meshlens_store::run_git`]) as `author`, when one is set. The clone is
/// meshlens's own, so it holds no hooks or configuration from upstream.
fn git(dir: Option<&Path>, args: &[&str], author: Option<&GitAuthor>) -> Result<String, String> {
    let env: Vec<(&str, &str)> = match author {
        Some(author) => vec![
            ("GIT_AUTHOR_NAME", author.name.as_str()),
            ("GIT_COMMITTER_NAME", author.name.as_str()),
            ("GIT_AUTHOR_EMAIL", author.email.as_str()),
            ("GIT_COMMITTER_EMAIL", author.email.as_str()),
        ],
        None => Vec::new(),
    };
    meshlens_store::run_git(dir, args, &env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OutboxStatus;

    const BASE: &str = "apiVersion: v1.0.0\nkind: DataProduct\nid: p\nstatus: draft # keep\ndescription:\n  purpose: Old.\n";

    fn item(text: &str, base: Option<&str>) -> OutboxItem {
        OutboxItem {
            id: 1,
            idempotency_key: "0123456789abcdef".into(),
            draft_id: None,
            source: "s".into(),
            documents: vec![OutboxDocument {
                entity_id: "p".into(),
                path: "d/p.odps.yaml".into(),
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
    fn folder_delivery_is_atomic_idempotent_and_merges_upstream_edits() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::Folder {
            root: dir.path().into(),
        };
        let file = dir.path().join("d/p.odps.yaml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, BASE).unwrap();
        let mine = BASE.replace("Old.", "New.");
        // Upstream changed another field meanwhile: merged, both kept.
        let theirs = BASE.replace("status: draft", "status: active");
        std::fs::write(&file, &theirs).unwrap();
        let out = target.deliver(&item(&mine, Some(BASE))).unwrap();
        assert!(matches!(out, Delivery::Submitted { .. }));
        let written = std::fs::read_to_string(&file).unwrap();
        assert_eq!(written, theirs.replace("Old.", "New."));
        // A retry (kill after the rename) applies nothing twice.
        let again = target.deliver(&item(&mine, Some(BASE))).unwrap();
        assert_eq!(
            again,
            Delivery::Submitted {
                receipt: "already applied upstream".into()
            }
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
        assert_eq!(
            std::fs::read_dir(file.parent().unwrap()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn folder_delivery_reports_conflicts_and_unreachable_roots() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::Folder {
            root: dir.path().into(),
        };
        let file = dir.path().join("d/p.odps.yaml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, BASE.replace("Old.", "Theirs.")).unwrap();
        let out = target
            .deliver(&item(&BASE.replace("Old.", "Mine."), Some(BASE)))
            .unwrap();
        let Delivery::Conflict { conflicts, .. } = out else {
            panic!("{out:?}")
        };
        assert_eq!(conflicts[0].path, "description.purpose");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            BASE.replace("Old.", "Theirs.")
        );
        let gone = Target::Folder {
            root: dir.path().join("missing"),
        };
        assert!(matches!(
            gone.deliver(&item(BASE, None)),
            Err(TargetError::Unreachable(_))
        ));
        let mut escape = item(BASE, None);
        escape.documents[0].path = "../x.yaml".into();
        assert!(matches!(
            target.deliver(&escape),
            Err(TargetError::Rejected(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn folder_writes_follow_links_only_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = Target::Folder {
            root: dir.path().into(),
        };
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("d")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("evil")).unwrap();
        let out = target.deliver(&item(BASE, None)).unwrap();
        assert!(matches!(out, Delivery::Submitted { .. }), "{out:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("real/p.odps.yaml")).unwrap(),
            BASE
        );
        assert!(
            std::fs::symlink_metadata(dir.path().join("d"))
                .unwrap()
                .is_symlink()
        );

        let mut escape = item(BASE, None);
        escape.documents[0].path = "evil/sub/p.odps.yaml".into();
        let out = target.deliver(&escape);
        let Err(TargetError::Rejected(reason)) = out else {
            panic!("{out:?}")
        };
        assert!(reason.contains("outside the source"), "{reason}");
        // A link as the file itself: its target is neither read nor replaced.
        let secret = outside.path().join("id_rsa");
        std::fs::write(&secret, "secret").unwrap();
        std::os::unix::fs::symlink(&secret, dir.path().join("real/s.odps.yaml")).unwrap();
        escape.documents[0].path = "d/s.odps.yaml".into();
        assert!(matches!(
            target.deliver(&escape),
            Err(TargetError::Rejected(_))
        ));
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "secret");
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_file_kept_as_it_is_counts_as_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::Folder {
            root: dir.path().into(),
        };
        let file = dir.path().join("d/p.odps.yaml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "answered upstream\n").unwrap();
        let mut request = item(BASE, None);
        assert!(matches!(
            target.deliver(&request),
            Err(TargetError::Rejected(_))
        ));
        request.documents[0].keep_existing = true;
        assert_eq!(
            target.deliver(&request).unwrap(),
            Delivery::Submitted {
                receipt: "already applied upstream".into()
            }
        );
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "answered upstream\n"
        );
    }

    #[test]
    fn authors_parse() {
        assert_eq!(
            GitAuthor::parse("Ada Lovelace <ada@example.com>"),
            Some(GitAuthor {
                name: "Ada Lovelace".into(),
                email: "ada@example.com".into()
            })
        );
        assert_eq!(GitAuthor::parse("nobody"), None);
    }
}
