//! Walking a source folder: which files are candidates, their size and mtime, and what could
//! not be read.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use meshlens_store::FileStat;
use walkdir::WalkDir;

use crate::FileError;

const EXTENSIONS: [&str; 4] = ["yaml", "yml", "json", "ndjson"];

pub(crate) struct Candidate {
    /// Relative to the root, `/`-separated: the key in the cache.
    pub rel: String,
    pub abs: PathBuf,
    pub stat: FileStat,
}

#[derive(Default)]
pub(crate) struct Scan {
    /// Sorted by `rel`, so "first seen" is deterministic.
    pub files: Vec<Candidate>,
    pub errors: Vec<FileError>,
    /// Relative folders (and files) that could not be read: cached documents under them are kept,
    /// since their absence says nothing about the upstream.
    pub unreadable: Vec<String>,
    /// Symbolic links not followed (see [`Links`]): reported, and not content of the source.
    pub skipped_links: Vec<FileError>,
}

/// Which symbolic links a walk follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Links {
    /// None: a git checkout's links are upstream content, and may point anywhere on this machine.
    Never,
    /// Those whose target stays inside the source folder's canonical root: a user's own folder may
    /// link within itself, but a link never brings in files from elsewhere.
    InsideRoot,
}

impl Scan {
    pub fn covers_unreadable(&self, rel: &str) -> bool {
        self.unreadable.iter().any(|dir| {
            dir.is_empty()
                || rel == dir
                || rel
                    .strip_prefix(dir.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

fn has_descriptor_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

fn mtime_nanos(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Why the link `entry` is not followed; `None` when it is no link or may be followed.
fn refused_link(entry: &walkdir::DirEntry, links: Links, root: Option<&Path>) -> Option<String> {
    if entry.depth() == 0 || !entry.path_is_symlink() {
        return None;
    }
    let reason = match links {
        Links::Never => "links in a git source are not followed".to_string(),
        Links::InsideRoot => match std::fs::canonicalize(entry.path()) {
            Ok(target) if root.is_some_and(|root| target.starts_with(root)) => return None,
            Ok(_) => "it points outside the source folder".to_string(),
            Err(e) => format!("it cannot be resolved: {e}"),
        },
    };
    Some(format!("symbolic link skipped: {reason}"))
}

/// Walks `root`, skipping hidden entries such as `.git` and following only the symbolic links
/// `links` allows (walkdir detects loops among those and reports them as errors instead of
/// descending forever).
pub(crate) fn scan(root: &Path, links: Links, mut on_file: impl FnMut(usize)) -> Scan {
    let mut scan = Scan::default();
    let mut skipped_links = Vec::new();
    let canonical_root = std::fs::canonicalize(root).ok();
    let walker = WalkDir::new(root)
        .follow_links(links == Links::InsideRoot)
        .into_iter()
        .filter_entry(|e| {
            if is_hidden(e) {
                return false;
            }
            let Some(reason) = refused_link(e, links, canonical_root.as_deref()) else {
                return true;
            };
            let rel = relative(root, e.path()).unwrap_or_else(|| e.path().display().to_string());
            skipped_links.push(FileError::whole_file(rel, reason));
            false
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let rel = err
                    .path()
                    .and_then(|p| relative(root, p))
                    .unwrap_or_default();
                let message = match err.loop_ancestor() {
                    Some(ancestor) => format!(
                        "symbolic link loop: it points back to {}; not followed",
                        relative(root, ancestor)
                            .map_or_else(|| ancestor.display().to_string(), |r| format!("'{r}'"))
                    ),
                    None => format!(
                        "cannot read: {}",
                        err.io_error()
                            .map_or_else(|| err.to_string(), |e| e.to_string())
                    ),
                };
                if err.loop_ancestor().is_none() {
                    scan.unreadable.push(rel.clone());
                }
                scan.errors.push(FileError::whole_file(rel, message));
                continue;
            }
        };
        if !entry.file_type().is_file() || !has_descriptor_extension(entry.path()) {
            continue;
        }
        let Some(rel) = relative(root, entry.path()) else {
            scan.errors.push(FileError::whole_file(
                entry.path().to_string_lossy(),
                "the file name is not valid UTF-8; rename it to be synced",
            ));
            continue;
        };
        match entry.metadata() {
            Ok(meta) => scan.files.push(Candidate {
                stat: FileStat {
                    size: meta.len(),
                    mtime: mtime_nanos(&meta),
                },
                abs: entry.into_path(),
                rel,
            }),
            Err(err) => {
                scan.unreadable.push(rel.clone());
                scan.errors
                    .push(FileError::whole_file(rel, format!("cannot read: {err}")));
            }
        }
        on_file(scan.files.len());
    }
    scan.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    skipped_links.sort_by(|a, b| a.file.cmp(&b.file));
    scan.skipped_links = skipped_links;
    scan
}
