//! `meshlens doctor [--repair]`: explains the state of the data directory and rebuilds what is derived
//! from the sources (the search index, the lineage graph, even the cache itself) without touching what
//! only the user made: drafts, the outbox, source settings and tokens (which live in the OS keyring).

use std::path::Path;

use meshlens_search::SearchIndex;
use meshlens_store::Store;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{App, AppConfig, AppError, EventSink, NoEvents, SyncArgs};

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DoctorArgs {
    /// Rebuild what is damaged or stale.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub repair: bool,
}

impl crate::PathArgs for DoctorArgs {}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    /// Worth knowing, nothing broken.
    Warn,
    /// A problem that remains.
    Error,
    /// A problem that this run fixed.
    Repaired,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DoctorCheck {
    pub name: String,
    pub status: CheckStatus,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DoctorReport {
    /// No check ended in `error`.
    pub ok: bool,
    pub checks: Vec<DoctorCheck>,
}

/// Below this much free space in the data directory a sync may fail with "disk full".
const LOW_SPACE: u64 = 512 * 1024 * 1024;
/// A write-ahead log this large means checkpoints are not keeping up (or a reader held one back).
const LARGE_WAL: u64 = 256 * 1024 * 1024;

/// The checks of one run, collected in order.
struct Doctor {
    repair: bool,
    checks: Vec<DoctorCheck>,
}

impl Doctor {
    fn new(repair: bool) -> Doctor {
        Doctor {
            repair,
            checks: Vec::new(),
        }
    }

    fn note(&mut self, name: &str, status: CheckStatus, detail: impl Into<String>) {
        self.checks.push(DoctorCheck {
            name: name.to_string(),
            status,
            detail: detail.into(),
        });
    }

    fn report(self) -> DoctorReport {
        DoctorReport {
            ok: self.checks.iter().all(|c| c.status != CheckStatus::Error),
            checks: self.checks,
        }
    }

    /// Checks that need no database: free space and clones a killed sync left behind.
    fn files(&mut self, data_dir: &Path) {
        match free_space(data_dir) {
            Ok(free) if free < LOW_SPACE => self.note(
                "disk space",
                CheckStatus::Warn,
                format!(
                    "{} free in {}: a sync may run out of space",
                    mib(free),
                    data_dir.display()
                ),
            ),
            Ok(free) => self.note("disk space", CheckStatus::Ok, format!("{} free", mib(free))),
            Err(err) => self.note(
                "disk space",
                CheckStatus::Warn,
                format!("cannot tell: {err}"),
            ),
        }
        self.partial_clones(&data_dir.join("git"));
    }

    fn partial_clones(&mut self, git_dir: &Path) {
        let stale: Vec<_> = std::fs::read_dir(git_dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "partial"))
            .collect();
        if stale.is_empty() {
            return self.note("partial clones", CheckStatus::Ok, "none");
        }
        let names = stale
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        if !self.repair {
            return self.note(
                "partial clones",
                CheckStatus::Warn,
                format!("left by an interrupted clone: {names}"),
            );
        }
        match stale.iter().try_for_each(std::fs::remove_dir_all) {
            Ok(()) => self.note(
                "partial clones",
                CheckStatus::Repaired,
                format!("removed {names}"),
            ),
            Err(err) => self.note(
                "partial clones",
                CheckStatus::Error,
                format!("cannot remove {names}: {err}"),
            ),
        }
    }

    /// `PRAGMA integrity_check` and `quick_check`: true when the file is sound.
    async fn integrity(&mut self, store: &Store) -> bool {
        let verdicts = (store.quick_check().await, store.integrity_check().await);
        match verdicts {
            (Ok(quick), Ok(full)) if quick == "ok" && full == "ok" => {
                self.note(
                    "database integrity",
                    CheckStatus::Ok,
                    "integrity_check and quick_check: ok",
                );
                true
            }
            (quick, full) => {
                let finding = |r: Result<String, _>| {
                    r.unwrap_or_else(|e: meshlens_store::StoreError| e.to_string())
                };
                let detail = format!(
                    "quick_check: {}; integrity_check: {}",
                    first_line(&finding(quick)),
                    first_line(&finding(full))
                );
                self.note("database integrity", CheckStatus::Error, detail);
                false
            }
        }
    }

    async fn schema(&mut self, store: &Store) {
        match store.schema_version().await {
            Ok(v) if v.applied == v.known => self.note("migrations", CheckStatus::Ok, format!("schema version {}", v.applied)),
            Ok(v) => self.note(
                "migrations",
                CheckStatus::Error,
                format!("schema version {} but this meshlens knows {}: the cache is from another version", v.applied, v.known),
            ),
            Err(err) => self.note("migrations", CheckStatus::Error, err.to_string()),
        }
    }

    async fn wal(&mut self, store: &Store, db: &Path) {
        let before = meshlens_store::wal_size(db);
        if before < LARGE_WAL {
            return self.note(
                "write-ahead log",
                CheckStatus::Ok,
                format!("{} in the WAL", mib(before)),
            );
        }
        if !self.repair {
            return self.note(
                "write-ahead log",
                CheckStatus::Warn,
                format!("{} in the WAL: checkpoints are behind", mib(before)),
            );
        }
        match store.checkpoint_truncate().await {
            Ok(()) => self.note(
                "write-ahead log",
                CheckStatus::Repaired,
                format!("{} checkpointed into the database", mib(before)),
            ),
            Err(err) => self.note(
                "write-ahead log",
                CheckStatus::Warn,
                format!("{} in the WAL; checkpoint failed: {err}", mib(before)),
            ),
        }
    }

    /// The index against the cache: it must open and hold one product or contract per cached one.
    async fn search(&mut self, index: &mut SearchIndex, store: &Store) {
        let expected = store.searchable_roots().await;
        let found = index.root_docs();
        let problem = match (&expected, &found) {
            _ if index.needs_rebuild() => {
                Some("it was missing, of another version or damaged".to_string())
            }
            (Ok(expected), Ok(found)) if expected == found => None,
            (Ok(expected), Ok(found)) => Some(format!(
                "it holds {found} products and contracts, the cache {expected}"
            )),
            (Err(err), _) => Some(err.to_string()),
            (_, Err(err)) => Some(err.to_string()),
        };
        let Some(problem) = problem else {
            return self.note(
                "search index",
                CheckStatus::Ok,
                format!("{} documents, matching the cache", index.num_docs()),
            );
        };
        if !self.repair && !index.needs_rebuild() {
            return self.note(
                "search index",
                CheckStatus::Error,
                format!("{problem}; `meshlens doctor --repair` rebuilds it"),
            );
        }
        // An index emptied at open is rebuilt by every command; doing it here is no extra harm.
        match meshlens_search::rebuild_from_store(index, store).await {
            Ok(stats) => self.note(
                "search index",
                CheckStatus::Repaired,
                format!("{problem}; rebuilt with {} documents", stats.total),
            ),
            Err(err) => self.note(
                "search index",
                CheckStatus::Error,
                format!("{problem}; rebuild failed: {err}"),
            ),
        }
    }

    /// The lineage graph and its file beside the cache. The file is current, or the graph is built
    /// (which proves the edge tables read back) and the file written; a damaged file is reported, and
    /// rebuilt with `--repair` (as the next lineage call would).
    async fn lineage(&mut self, store: &Store) {
        let generation = match store.lineage_generation().await {
            Ok(generation) => generation,
            Err(err) => {
                return self.note(
                    "lineage graph",
                    CheckStatus::Error,
                    format!("cannot read its generation: {err}"),
                );
            }
        };
        let file = match meshlens_lineage::check_graph_file(store).await {
            Ok(Ok(())) if !self.repair => {
                return self.note(
                    "lineage graph",
                    CheckStatus::Ok,
                    format!("generation {generation}, read from the graph file"),
                );
            }
            Ok(file) => file,
            Err(err) => {
                return self.note("lineage graph", CheckStatus::Error, err.to_string());
            }
        };
        match file {
            Err(why) if !why.is_routine() && !self.repair => self.note(
                "lineage graph",
                CheckStatus::Warn,
                format!("generation {generation}; the graph file is unusable: {why}; `meshlens doctor --repair` or the next lineage call rebuilds it"),
            ),
            _ => self.rebuild_lineage(store, generation, file.err()).await,
        }
    }

    /// Builds the graph from the cache and writes its file; `damage` is what was wrong with the file.
    async fn rebuild_lineage(
        &mut self,
        store: &Store,
        generation: i64,
        file: Option<meshlens_lineage::GraphFileError>,
    ) {
        let (status, why) = match &file {
            Some(why) if !why.is_routine() => (
                CheckStatus::Repaired,
                format!("; the graph file was unusable ({why})"),
            ),
            Some(why) => (CheckStatus::Ok, format!("; the graph file: {why}")),
            None => (CheckStatus::Ok, String::new()),
        };
        match meshlens_lineage::rebuild_graph_file(store).await {
            Ok(_) => self.note(
                "lineage graph",
                status,
                format!("generation {generation}, built from the cache and written to the graph file{why}"),
            ),
            Err(err) => self.note(
                "lineage graph",
                CheckStatus::Error,
                format!("generation {generation}, cannot be built: {err}"),
            ),
        }
    }

    async fn sources(&mut self, store: &Store) {
        let sources = match store.list_sources().await {
            Ok(sources) => sources,
            Err(err) => return self.note("sources", CheckStatus::Error, err.to_string()),
        };
        if sources.is_empty() {
            self.note("sources", CheckStatus::Ok, "no sources configured");
        }
        for source in sources {
            let name = format!("source {}", source.config.name);
            let (status, detail) = match (&source.last_sync_status, &source.last_sync_at) {
                (None, _) | (_, None) => (CheckStatus::Warn, "never synced".to_string()),
                (Some(meshlens_store::SyncStatus::Failed), Some(at)) => (
                    CheckStatus::Warn,
                    format!(
                        "last sync at {at} failed: {}",
                        source.last_error.as_deref().unwrap_or("no reason recorded")
                    ),
                ),
                (Some(status), Some(at)) => (
                    CheckStatus::Ok,
                    format!(
                        "last sync at {at}: {}, {} products",
                        status.as_str(),
                        source.products
                    ),
                ),
            };
            self.note(&name, status, detail);
        }
    }
}

/// Runs every check on a data directory that no App has open (the CLI's `meshlens doctor`). Works on a
/// cache that cannot be opened: with `repair`, a damaged cache is moved aside as `meshlens.db.damaged-<time>`,
/// a fresh one keeps the rows of sources, drafts, outbox and settings that still read, and the sources
/// are synced again.
pub async fn doctor_data_dir(config: &AppConfig, repair: bool) -> DoctorReport {
    let mut d = Doctor::new(repair);
    d.files(&config.data_dir);
    let Some((store, salvaged)) = d.database(config).await else {
        return d.report();
    };
    d.schema(&store).await;
    d.wal(&store, &config.database_path()).await;
    match SearchIndex::open(&config.search_index_dir()) {
        Ok(mut index) => d.search(&mut index, &store).await,
        Err(err) => d.note(
            "search index",
            CheckStatus::Error,
            format!("cannot open: {err}"),
        ),
    }
    d.lineage(&store).await;
    store.close().await;
    if salvaged {
        d.resync(config).await;
    }
    match Store::open(&config.database_path()).await {
        Ok(store) => {
            d.sources(&store).await;
            store.close().await;
        }
        Err(err) => d.note("sources", CheckStatus::Error, err.to_string()),
    }
    d.report()
}

impl Doctor {
    /// Opens the cache and checks it; with `repair`, salvages a damaged one. The store, and whether it
    /// was salvaged (its derived content is then empty until the sources sync again).
    async fn database(&mut self, config: &AppConfig) -> Option<(Store, bool)> {
        let db = config.database_path();
        match Store::open(&db).await {
            Ok(store) if self.integrity(&store).await => return Some((store, false)),
            Ok(store) => store.close().await,
            Err(err @ meshlens_store::StoreError::Damaged { .. }) => {
                self.note("database integrity", CheckStatus::Error, err.to_string())
            }
            Err(err) => {
                self.note("database", CheckStatus::Error, err.to_string());
                return None;
            }
        }
        if !self.repair {
            return None;
        }
        self.salvage(&db).await.map(|store| (store, true))
    }

    async fn salvage(&mut self, db: &Path) -> Option<Store> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let aside = db.with_file_name(format!("meshlens.db.damaged-{stamp}"));
        match meshlens_store::salvage(db, &aside).await {
            Ok((store, salvage)) => {
                let kept = salvage
                    .kept
                    .iter()
                    .map(|(t, n)| format!("{n} {t}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut detail = format!(
                    "moved the damaged file to {}; kept {kept}",
                    salvage.moved_to.display()
                );
                let status = if salvage.losses.is_empty() {
                    CheckStatus::Repaired
                } else {
                    detail.push_str(&format!("; could not read: {}", salvage.losses.join("; ")));
                    CheckStatus::Warn
                };
                self.note("database salvage", status, detail);
                // The damage found above is dealt with: the cache is a fresh file now.
                if let Some(found) = self
                    .checks
                    .iter_mut()
                    .find(|c| c.name == "database integrity")
                {
                    found.status = status;
                }
                Some(store)
            }
            Err(err) => {
                self.note("database salvage", CheckStatus::Error, err.to_string());
                None
            }
        }
    }

    /// After a salvage the cache holds no descriptors: every source is read again.
    async fn resync(&mut self, config: &AppConfig) {
        let synced = match App::open(config.clone()).await {
            Ok(app) => {
                app.sync(
                    SyncArgs {
                        names: Vec::new(),
                        full: true,
                    },
                    &NoEvents,
                )
                .await
            }
            Err(err) => Err(err),
        };
        match synced {
            Ok(report) => {
                let failed: Vec<String> = report
                    .sources
                    .iter()
                    .filter_map(|s| {
                        s.unreadable
                            .as_ref()
                            .map(|e| format!("{}: {}", s.report.name, e.message))
                    })
                    .collect();
                if failed.is_empty() {
                    self.note(
                        "resync",
                        CheckStatus::Repaired,
                        format!("{} sources synced again", report.sources.len()),
                    );
                } else {
                    self.note(
                        "resync",
                        CheckStatus::Warn,
                        format!("not synced yet: {}", failed.join("; ")),
                    );
                }
            }
            Err(err) => self.note("resync", CheckStatus::Error, err.message),
        }
    }
}

impl App {
    /// The checks on this open App (the desktop's "doctor"). A damaged cache cannot be salvaged while
    /// open: the report then says to close meshlens and run `meshlens doctor --repair`.
    pub async fn doctor(
        &self,
        args: DoctorArgs,
        _: &dyn EventSink,
    ) -> Result<DoctorReport, AppError> {
        let mut d = Doctor::new(args.repair);
        d.files(&self.config().data_dir);
        if !d.integrity(self.store()).await {
            d.note(
                "database salvage",
                CheckStatus::Error,
                "close meshlens and run `meshlens doctor --repair`: drafts, outbox and sources are kept, the rest is synced again",
            );
            return Ok(d.report());
        }
        d.schema(self.store()).await;
        d.wal(self.store(), &self.config().database_path()).await;
        d.search(&mut *self.inner.search.write().await, self.store())
            .await;
        d.lineage(self.store()).await;
        d.sources(self.store()).await;
        Ok(d.report())
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

/// Bytes free for this user on the file system of `dir`.
#[cfg(unix)]
fn free_space(dir: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes())?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is NUL-terminated and `stat` is written by statvfs before it is read.
    let stat = unsafe {
        if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        stat.assume_init()
    };
    Ok(stat.f_bavail as u64 * stat.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_space(_: &Path) -> std::io::Result<u64> {
    Err(std::io::Error::other("free space is only measured on Unix"))
}
