//! Streaming ingestion of OpenLineage events into the store.
//!
//! Files are read entry by entry ([`EventReader`]); accepted events are written in batches of
//! [`BATCH`] events, one transaction per batch, with multi-row INSERTs. Batches keep memory flat
//! for million-event files, and because every write is idempotent (events are deduplicated by a
//! content key, edges are set-like, run state and facets are "newest event time wins"), a crash
//! between batches only means the next import of the same file finishes the job.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use meshlens_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use ts_rs::TS;

use meshlens_store::Ctx;

use crate::error::LineageError;
use crate::event::{EntityKind, EventKind, NodeKey, ParsedEvent, parse_event};
use crate::reader::EventReader;

/// Events per write transaction.
const BATCH: usize = 5_000;
/// SQLite's default bound-parameter limit is 32766; stay under it in multi-row statements.
const MAX_PARAMS: usize = 30_000;
/// Schema warnings kept verbatim in a report (all are counted).
const WARNING_SAMPLES: usize = 20;

/// Outcome of importing lineage files. Serialised for `meshlens import --json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    /// Events stored for the first time.
    pub imported: u64,
    /// Events already stored (same content): importing twice changes nothing.
    pub skipped: u64,
    /// Entries that are not JSON or lack the identity the graph needs (with file and line).
    pub rejected: Vec<ImportIssue>,
    /// Accepted events that do not match the OpenLineage 2-0-2 schema.
    pub warnings: u64,
    /// The first few of those warnings.
    pub warning_samples: Vec<ImportIssue>,
    /// `.json` files in an imported folder that are not OpenLineage (left alone).
    pub ignored_files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportIssue {
    pub file: String,
    pub line: u64,
    pub message: String,
}

impl ImportReport {
    fn absorb(&mut self, other: ImportReport) {
        self.imported += other.imported;
        self.skipped += other.skipped;
        self.rejected.extend(other.rejected);
        self.warnings += other.warnings;
        let room = WARNING_SAMPLES.saturating_sub(self.warning_samples.len());
        self.warning_samples
            .extend(other.warning_samples.into_iter().take(room));
        self.ignored_files.extend(other.ignored_files);
    }

    /// Parses one entry of `file` into an event to store, counting its schema warning; an entry
    /// that is not an event is recorded as rejected.
    fn accept(&mut self, file: &str, line: u64, entry: Result<Value, String>) -> Option<Pending> {
        let issue = |message| ImportIssue {
            file: file.to_owned(),
            line,
            message,
        };
        let parsed = entry.and_then(|value| {
            let event = parse_event(&value)?;
            // Stored re-serialised: key order is preserved, and the entry may have come
            // from a pretty-printed array where no single line holds it.
            Ok(Pending {
                line,
                body: value.to_string(),
                event,
            })
        });
        match parsed {
            Ok(pending) => {
                if let Some(warning) = &pending.event.schema_warning {
                    self.warnings += 1;
                    if self.warning_samples.len() < WARNING_SAMPLES {
                        self.warning_samples.push(issue(warning.clone()));
                    }
                }
                Some(pending)
            }
            Err(message) => {
                self.rejected.push(issue(message));
                None
            }
        }
    }
}

/// Whether a file name is one lineage ingestion reads (`.json`, `.ndjson`, `.jsonl`).
pub fn is_lineage_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["json", "ndjson", "jsonl"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

/// Cheap sniff of the first 64 KiB: OpenLineage events carry `eventTime` or `eventType` (or an
/// openlineage.io schema URL) and one of `run`, `job` or `dataset`. Lets a source sync skip other
/// JSON files (dbt artifacts, GX results, ...) while broken events still get reported.
pub fn looks_like_openlineage(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    (has(b"\"eventTime\"") || has(b"\"eventType\"") || has(b"openlineage.io/spec"))
        && (has(b"\"run\"") || has(b"\"job\"") || has(b"\"dataset\""))
}

/// `meshlens import PATH`: a file, or every lineage file under a folder.
/// A single file that is not OpenLineage (a dbt manifest, say) is listed in `ignored_files`, as in a folder.
pub async fn import_path(store: &Store, path: &Path) -> Result<ImportReport, LineageError> {
    if path.is_dir() {
        return ingest_dir(store, path).await;
    }
    let mut report = ImportReport::default();
    ingest_if_openlineage(store, path, &mut report).await?;
    Ok(report)
}

/// Imports one file (NDJSON, JSON array or JSON object(s)), streaming it.
pub async fn ingest_file(store: &Store, path: &Path) -> Result<ImportReport, LineageError> {
    let io = |source| LineageError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut ingestor = Ingestor::new(store, None, path.display().to_string());
    ingestor
        .run(BufReader::with_capacity(1 << 16, file))
        .await
        .map_err(|e| e.named(path))?;
    Ok(ingestor.report)
}

/// Imports every `.json`/`.ndjson`/`.jsonl` file under `dir` (sorted, so reports are stable).
/// JSON files that are not OpenLineage are listed in `ignored_files`.
pub async fn ingest_dir(store: &Store, dir: &Path) -> Result<ImportReport, LineageError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| LineageError::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("filesystem loop")),
        })?;
        if entry.file_type().is_file() && is_lineage_file(entry.path()) {
            files.push(entry.into_path());
        }
    }
    let mut report = ImportReport::default();
    for file in files {
        ingest_if_openlineage(store, &file, &mut report).await?;
    }
    Ok(report)
}

/// Ingests `file` when its first 64 KiB look like OpenLineage; lists it in `ignored_files` otherwise.
async fn ingest_if_openlineage(
    store: &Store,
    file: &Path,
    report: &mut ImportReport,
) -> Result<(), LineageError> {
    let mut head = Vec::with_capacity(64 * 1024);
    let opened = File::open(file).and_then(|f| {
        std::io::Read::read_to_end(&mut std::io::Read::take(f, 64 * 1024), &mut head)
    });
    opened.map_err(|source| LineageError::Io {
        path: file.to_path_buf(),
        source,
    })?;
    if looks_like_openlineage(&head) {
        report.absorb(ingest_file(store, file).await?);
    } else {
        report.ignored_files.push(file.display().to_string());
    }
    Ok(())
}

/// Entry point for the sync engine: one `.json`/`.ndjson` file of a source, already in memory.
/// `path` is how the file is named in reports (its path inside the source).
pub async fn ingest_bytes(
    store: &Store,
    source: &str,
    path: &str,
    bytes: &[u8],
) -> Result<ImportReport, LineageError> {
    let (report, _) = ingest_source_bytes(store, (source, path), bytes, false).await?;
    Ok(report)
}

/// As [`ingest_bytes`], for a listing whose content replaces what it brought before (a catalog
/// server's lineage, pulled whole at every sync): events it still holds stay as stored, and the
/// events `path` brought that it no longer holds are forgotten with everything derived from them,
/// so an edge that disappeared upstream leaves the graph.
pub async fn replace_bytes(
    store: &Store,
    source: &str,
    path: &str,
    bytes: &[u8],
) -> Result<ImportReport, LineageError> {
    let (report, listed) = ingest_source_bytes(store, (source, path), bytes, true).await?;
    forget_unlisted(store, source, path, &listed).await?;
    Ok(report)
}

/// Ingests the bytes of `source`'s file `path`; with `keep_keys`, also returns the key of every
/// event they hold.
async fn ingest_source_bytes(
    store: &Store,
    (source, path): (&str, &str),
    bytes: &[u8],
    keep_keys: bool,
) -> Result<(ImportReport, HashSet<[u8; 16]>), LineageError> {
    let mut ingestor = Ingestor::new(store, Some(source.to_owned()), path.to_owned());
    ingestor.listed = keep_keys.then(HashSet::new);
    ingestor
        .run(bytes)
        .await
        .map_err(|e| e.named(Path::new(path)))?;
    Ok((ingestor.report, ingestor.listed.unwrap_or_default()))
}

/// Forgets the events of `source`'s `path` whose key is not in `listed`, then re-derives.
async fn forget_unlisted(
    store: &Store,
    source: &str,
    path: &str,
    listed: &HashSet<[u8; 16]>,
) -> Result<(), LineageError> {
    let mut tx = store.begin_write().await.ctx("begin forgetting events")?;
    let stored: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT id, dedupe_key FROM ol_events WHERE source = ? AND path = ?")
            .bind(source)
            .bind(path)
            .fetch_all(&mut *tx)
            .await
            .ctx("read the listing's events")?;
    let gone: Vec<i64> = stored
        .into_iter()
        .filter(|(_, key)| <[u8; 16]>::try_from(key.as_slice()).is_ok_and(|k| !listed.contains(&k)))
        .map(|(id, _)| id)
        .collect();
    if !gone.is_empty() {
        for chunk in gone.chunks(MAX_PARAMS) {
            in_list("DELETE FROM ol_events WHERE id IN (", chunk)
                .build()
                .persistent(false)
                .execute(&mut *tx)
                .await
                .ctx("delete events")?;
        }
        rederive(store, &mut tx).await?;
    }
    tx.commit().await.ctx("commit forgetting events")?;
    Ok(())
}

/// Reads a lineage file's bytes as [`ingest_bytes`] does, without a store: the report says what
/// importing it into an empty store would (events repeated within the file are `skipped`). The
/// fuzz targets (`tests/fuzz`) and their replay test call it.
pub fn read_events(path: &str, bytes: &[u8]) -> Result<ImportReport, LineageError> {
    let mut report = ImportReport::default();
    let mut seen = HashSet::new();
    let mut reader = EventReader::new(bytes);
    let io = |source| LineageError::Io {
        path: path.into(),
        source,
    };
    while let Some((line, entry)) = reader.next_entry().map_err(io)? {
        if let Some(pending) = report.accept(path, line, entry) {
            if seen.insert(pending.event.dedupe_key) {
                report.imported += 1;
            } else {
                report.skipped += 1;
            }
        }
    }
    Ok(report)
}

/// Forgets the events that sync source `source` brought in (only those of its files `paths` when
/// given: they are gone upstream) and everything derived from them: nodes, edges, column lineage,
/// aliases, runs and facets are re-derived from the events that remain, in one transaction, and
/// the generation moves on so the cached graph and quality links rebuild. Returns how many events
/// were removed. An event that another source also holds was stored once, under the source that
/// brought it first, and goes with that source.
pub async fn forget_events(
    store: &Store,
    source: &str,
    paths: Option<&[String]>,
) -> Result<u64, LineageError> {
    let mut tx = store.begin_write().await.ctx("begin forgetting events")?;
    let mut removed = 0;
    match paths {
        None => {
            removed += sqlx::query("DELETE FROM ol_events WHERE source = ?")
                .bind(source)
                .execute(&mut *tx)
                .await
                .ctx("delete events")?
                .rows_affected();
        }
        Some(paths) => {
            for path in paths {
                removed += sqlx::query("DELETE FROM ol_events WHERE source = ? AND path = ?")
                    .bind(source)
                    .bind(path)
                    .execute(&mut *tx)
                    .await
                    .ctx("delete events")?
                    .rows_affected();
            }
        }
    }
    if removed > 0 {
        rederive(store, &mut tx).await?;
    }
    tx.commit().await.ctx("commit forgetting events")?;
    Ok(removed)
}

/// Derives nodes, edges, column lineage, aliases, runs and facets again from the events that
/// remain (after some were forgotten), and moves the generation on so the cached graph and quality
/// links rebuild.
async fn rederive(store: &Store, tx: &mut SqliteConnection) -> Result<(), LineageError> {
    for table in [
        "column_edges",
        "lineage_edges",
        "dataset_aliases",
        "lineage_runs",
        "lineage_nodes",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await
            .ctx("clear derived lineage")?;
    }
    let mut ingestor = Ingestor::new(store, None, String::new());
    let mut after = 0_i64;
    loop {
        let page: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, body, line FROM ol_events WHERE id > ? ORDER BY id LIMIT ?")
                .bind(after)
                .bind(BATCH as i64)
                .fetch_all(&mut *tx)
                .await
                .ctx("read kept events")?;
        let Some(last) = page.last() else { break };
        after = last.0;
        let batch: Vec<Pending> = page
            .into_iter()
            .filter_map(|(_, body, line)| {
                // Stored events were accepted once; one that no longer parses is skipped, not fatal.
                let value: Value = serde_json::from_str(&body).ok()?;
                let event = parse_event(&value).ok()?;
                Some(Pending {
                    line: u64::try_from(line).unwrap_or(0),
                    event,
                    body: String::new(),
                })
            })
            .collect();
        ingestor.derive(&mut *tx, &batch).await?;
    }
    bump_generation(tx).await
}

/// `statement` (ending in `IN (`) with `ids` bound as its list, closed.
fn in_list(statement: &str, ids: &[i64]) -> QueryBuilder<'static, Sqlite> {
    let mut query = QueryBuilder::new(statement);
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")");
    query
}

async fn bump_generation(conn: &mut SqliteConnection) -> Result<(), LineageError> {
    sqlx::query("UPDATE lineage_meta SET generation = generation + 1")
        .execute(&mut *conn)
        .await
        .ctx("bump lineage generation")?;
    Ok(())
}

enum RunError {
    Io(std::io::Error),
    Lineage(LineageError),
}

impl RunError {
    /// The error of reading the file `path`.
    fn named(self, path: &Path) -> LineageError {
        match self {
            RunError::Io(source) => LineageError::Io {
                path: path.to_path_buf(),
                source,
            },
            RunError::Lineage(e) => e,
        }
    }
}

impl From<LineageError> for RunError {
    fn from(e: LineageError) -> Self {
        RunError::Lineage(e)
    }
}

struct Pending {
    line: u64,
    event: ParsedEvent,
    body: String,
}

type EdgeKey = (i64, i64, &'static str);

struct Ingestor<'a> {
    store: &'a Store,
    source: Option<String>,
    file: String,
    /// Node ids never change once assigned, so this cache stays valid across batches.
    node_ids: HashMap<NodeKey, i64>,
    /// Edges already written by this ingestion; repeated runs of a job re-send the same edges.
    written_edges: HashSet<EdgeKey>,
    batch: Vec<Pending>,
    report: ImportReport,
    /// The keys of every event read, kept for [`replace_bytes`] only.
    listed: Option<HashSet<[u8; 16]>>,
}

impl<'a> Ingestor<'a> {
    fn new(store: &'a Store, source: Option<String>, file: String) -> Self {
        Ingestor {
            store,
            source,
            file,
            node_ids: HashMap::new(),
            written_edges: HashSet::new(),
            batch: Vec::with_capacity(BATCH),
            report: ImportReport::default(),
            listed: None,
        }
    }

    async fn run(&mut self, input: impl BufRead) -> Result<(), RunError> {
        let mut reader = EventReader::new(input);
        while let Some((line, entry)) = reader.next_entry().map_err(RunError::Io)? {
            if let Some(pending) = self.report.accept(&self.file, line, entry) {
                if let Some(listed) = &mut self.listed {
                    listed.insert(pending.event.dedupe_key);
                }
                self.batch.push(pending);
                if self.batch.len() >= BATCH {
                    self.flush().await?;
                }
            }
        }
        self.flush().await?;
        Ok(())
    }

    /// Writes the pending batch in one transaction.
    async fn flush(&mut self) -> Result<(), LineageError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let mut tx = self.store.begin_write().await.ctx("begin lineage batch")?;
        let fresh = self.drop_duplicates(&mut tx, batch).await?;
        if fresh.is_empty() {
            return Ok(tx.commit().await.ctx("commit lineage batch")?);
        }
        self.insert_events(&mut tx, &fresh).await?;
        self.derive(&mut tx, &fresh).await?;
        bump_generation(&mut tx).await?;
        tx.commit().await.ctx("commit lineage batch")?;
        self.report.imported += fresh.len() as u64;
        Ok(())
    }

    /// Writes what `batch` says about nodes, edges, runs and facets (not the events themselves).
    async fn derive(
        &mut self,
        conn: &mut SqliteConnection,
        batch: &[Pending],
    ) -> Result<(), LineageError> {
        let node_ids = self.resolve_nodes(conn, batch).await?;
        self.insert_edges(conn, batch, &node_ids).await?;
        upsert_runs(conn, batch, &node_ids).await?;
        merge_facets(conn, batch, &node_ids).await
    }

    /// Removes events already stored or repeated inside the batch, counting them as skipped.
    async fn drop_duplicates(
        &mut self,
        conn: &mut SqliteConnection,
        batch: Vec<Pending>,
    ) -> Result<Vec<Pending>, LineageError> {
        let mut stored: HashSet<Vec<u8>> = HashSet::new();
        for chunk in batch.chunks(MAX_PARAMS) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("SELECT dedupe_key FROM ol_events WHERE dedupe_key IN (");
            let mut list = q.separated(", ");
            for p in chunk {
                list.push_bind(p.event.dedupe_key.to_vec());
            }
            q.push(")");
            for row in q
                .build()
                .persistent(false)
                .fetch_all(&mut *conn)
                .await
                .ctx("look up event keys")?
            {
                stored.insert(row.get::<Vec<u8>, _>(0));
            }
        }
        let mut seen = HashSet::new();
        let before = batch.len();
        let fresh: Vec<Pending> = batch
            .into_iter()
            .filter(|p| {
                !stored.contains(p.event.dedupe_key.as_slice()) && seen.insert(p.event.dedupe_key)
            })
            .collect();
        self.report.skipped += (before - fresh.len()) as u64;
        Ok(fresh)
    }

    /// Ids for every node the batch mentions, creating the missing ones (a few multi-row
    /// statements per batch: per-node round trips to SQLite's worker thread dominated ingest).
    async fn resolve_nodes(
        &mut self,
        conn: &mut SqliteConnection,
        batch: &[Pending],
    ) -> Result<HashMap<NodeKey, i64>, LineageError> {
        let mut missing: Vec<&NodeKey> = Vec::new();
        let mut queued = HashSet::new();
        for key in batch
            .iter()
            .flat_map(|p| p.event.nodes.iter().chain(p.event.job.iter()))
        {
            if !self.node_ids.contains_key(key) && queued.insert(key) {
                missing.push(key);
            }
        }
        for chunk in missing.chunks(MAX_PARAMS / 3) {
            let mut insert: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT OR IGNORE INTO lineage_nodes (kind, namespace, name) ");
            insert.push_values(chunk, |mut b, k| {
                b.push_bind(k.kind.as_str())
                    .push_bind(k.namespace.clone())
                    .push_bind(k.name.clone());
            });
            insert
                .build()
                .persistent(false)
                .execute(&mut *conn)
                .await
                .ctx("insert lineage nodes")?;
            let mut select: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT n.id, n.kind, n.namespace, n.name FROM lineage_nodes n JOIN (",
            );
            select.push_values(chunk, |mut b, k| {
                b.push_bind(k.kind.as_str())
                    .push_bind(k.namespace.clone())
                    .push_bind(k.name.clone());
            });
            select.push(
                ") v ON n.kind = v.column1 AND n.namespace = v.column2 AND n.name = v.column3",
            );
            for row in select
                .build()
                .persistent(false)
                .fetch_all(&mut *conn)
                .await
                .ctx("look up lineage nodes")?
            {
                let kind = if row.get::<&str, _>(1) == "job" {
                    EntityKind::Job
                } else {
                    EntityKind::Dataset
                };
                let key = NodeKey {
                    kind,
                    namespace: row.get(2),
                    name: row.get(3),
                };
                self.node_ids.insert(key, row.get(0));
            }
        }
        let mut ids = HashMap::new();
        for key in batch
            .iter()
            .flat_map(|p| p.event.nodes.iter().chain(p.event.job.iter()))
        {
            if !ids.contains_key(key) {
                let id = *self.node_ids.get(key).ok_or_else(|| LineageError::Db {
                    context: "resolve lineage node",
                    source: sqlx::Error::RowNotFound,
                })?;
                ids.insert(key.clone(), id);
            }
        }
        Ok(ids)
    }

    async fn insert_events(
        &self,
        conn: &mut SqliteConnection,
        batch: &[Pending],
    ) -> Result<(), LineageError> {
        for chunk in batch.chunks(MAX_PARAMS / 10) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO ol_events (dedupe_key, event_kind, event_type, event_time, event_ms, run_id, source, path, line, body) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(p.event.dedupe_key.to_vec())
                    .push_bind(p.event.kind.as_str())
                    .push_bind(p.event.event_type.clone())
                    .push_bind(p.event.event_time.clone())
                    .push_bind(p.event.event_ms)
                    .push_bind(p.event.run_id.clone())
                    .push_bind(self.source.clone())
                    .push_bind(self.file.clone())
                    .push_bind(p.line as i64)
                    .push_bind(p.body.clone());
            });
            q.build()
                .persistent(false)
                .execute(&mut *conn)
                .await
                .ctx("insert events")?;
        }
        Ok(())
    }

    async fn insert_edges(
        &mut self,
        conn: &mut SqliteConnection,
        batch: &[Pending],
        ids: &HashMap<NodeKey, i64>,
    ) -> Result<(), LineageError> {
        let mut edges: Vec<EdgeKey> = Vec::new();
        let mut columns: HashSet<(i64, &str, i64, &str, &str)> = HashSet::new();
        let mut aliases: HashSet<(i64, i64, Option<&str>)> = HashSet::new();
        for e in batch.iter().map(|p| &p.event) {
            for (from, to, kind) in &e.edges {
                let key = (ids[from], ids[to], *kind);
                if self.written_edges.insert(key) {
                    edges.push(key);
                }
            }
            for c in &e.column_edges {
                columns.insert((
                    ids[&c.from],
                    &c.from_column,
                    ids[&c.to],
                    &c.to_column,
                    &c.transformation,
                ));
            }
            for (alias, target, kind) in &e.aliases {
                aliases.insert((ids[alias], ids[target], kind.as_deref()));
            }
        }
        for chunk in edges.chunks(MAX_PARAMS / 3) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR IGNORE INTO lineage_edges (from_node, to_node, kind) ",
            );
            q.push_values(chunk, |mut b, (f, t, k)| {
                b.push_bind(*f).push_bind(*t).push_bind(*k);
            });
            q.build()
                .persistent(false)
                .execute(&mut *conn)
                .await
                .ctx("insert edges")?;
        }
        let columns: Vec<_> = columns.into_iter().collect();
        for chunk in columns.chunks(MAX_PARAMS / 5) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR IGNORE INTO column_edges (from_node, from_column, to_node, to_column, transformation) ",
            );
            q.push_values(chunk, |mut b, (f, fc, t, tc, tr)| {
                b.push_bind(*f)
                    .push_bind(fc.to_string())
                    .push_bind(*t)
                    .push_bind(tc.to_string())
                    .push_bind(tr.to_string());
            });
            q.build()
                .persistent(false)
                .execute(&mut *conn)
                .await
                .ctx("insert column edges")?;
        }
        let aliases: Vec<_> = aliases.into_iter().collect();
        for chunk in aliases.chunks(MAX_PARAMS / 3) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT OR IGNORE INTO dataset_aliases (alias, target, type) ");
            q.push_values(chunk, |mut b, (a, t, k)| {
                b.push_bind(*a)
                    .push_bind(*t)
                    .push_bind(k.map(str::to_owned));
            });
            q.build()
                .persistent(false)
                .execute(&mut *conn)
                .await
                .ctx("insert aliases")?;
        }
        Ok(())
    }
}

/// Orders run states: newest event wins; at equal times a terminal state beats START/RUNNING.
fn state_rank(event_type: Option<&str>) -> i64 {
    match event_type {
        Some("START") => 1,
        Some("RUNNING") => 2,
        Some("COMPLETE" | "FAIL" | "ABORT") => 3,
        _ => 0,
    }
}

async fn upsert_runs(
    conn: &mut SqliteConnection,
    batch: &[Pending],
    ids: &HashMap<NodeKey, i64>,
) -> Result<(), LineageError> {
    let runs: Vec<&ParsedEvent> = batch
        .iter()
        .map(|p| &p.event)
        .filter(|e| e.kind == EventKind::Run)
        .collect();
    for chunk in runs.chunks(MAX_PARAMS / 8) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO lineage_runs (run_id, job, state, state_key, started_ms, started_at, ended_ms, ended_at) ",
        );
        q.push_values(chunk, |mut b, e| {
            let kind = e.event_type.as_deref();
            let rank = state_rank(kind);
            let started = kind == Some("START");
            let ended = rank == 3;
            let job = e.job.as_ref().map(|j| ids[j]);
            b.push_bind(e.run_id.clone())
                .push_bind(job)
                .push_bind(e.event_type.clone())
                .push_bind(e.event_ms.saturating_mul(8).saturating_add(rank))
                .push_bind(started.then_some(e.event_ms))
                .push_bind(started.then(|| e.event_time.clone()))
                .push_bind(ended.then_some(e.event_ms))
                .push_bind(ended.then(|| e.event_time.clone()));
        });
        // Every SET expression sees the old row, so the comparisons below are consistent.
        q.push(
            " ON CONFLICT (run_id) DO UPDATE SET
                state = CASE WHEN excluded.state_key >= lineage_runs.state_key THEN excluded.state ELSE lineage_runs.state END,
                job = CASE WHEN excluded.state_key >= lineage_runs.state_key THEN excluded.job ELSE lineage_runs.job END,
                state_key = max(excluded.state_key, lineage_runs.state_key),
                started_ms = CASE WHEN excluded.started_ms < coalesce(lineage_runs.started_ms, excluded.started_ms + 1) THEN excluded.started_ms ELSE lineage_runs.started_ms END,
                started_at = CASE WHEN excluded.started_ms < coalesce(lineage_runs.started_ms, excluded.started_ms + 1) THEN excluded.started_at ELSE lineage_runs.started_at END,
                ended_ms = CASE WHEN excluded.ended_ms > coalesce(lineage_runs.ended_ms, excluded.ended_ms - 1) THEN excluded.ended_ms ELSE lineage_runs.ended_ms END,
                ended_at = CASE WHEN excluded.ended_ms > coalesce(lineage_runs.ended_ms, excluded.ended_ms - 1) THEN excluded.ended_at ELSE lineage_runs.ended_at END",
        );
        q.build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("upsert runs")?;
    }
    Ok(())
}

/// Newest facet per (node, facet key), by event time, merged into what is stored.
async fn merge_facets(
    conn: &mut SqliteConnection,
    batch: &[Pending],
    ids: &HashMap<NodeKey, i64>,
) -> Result<(), LineageError> {
    let mut incoming: HashMap<i64, Map<String, Value>> = HashMap::new();
    let mut times: HashMap<i64, HashMap<&str, i64>> = HashMap::new();
    for e in batch.iter().map(|p| &p.event) {
        for (node, facets) in &e.facets {
            let id = ids[node];
            let (values, stamps) = (
                incoming.entry(id).or_default(),
                times.entry(id).or_default(),
            );
            for (key, value) in facets {
                if stamps.get(key.as_str()).is_none_or(|&t| e.event_ms >= t) {
                    stamps.insert(key, e.event_ms);
                    values.insert(key.clone(), value.clone());
                }
            }
        }
    }
    let mut updates: Vec<(i64, String, String)> = Vec::new();
    let mut node_list: Vec<i64> = incoming.keys().copied().collect();
    node_list.sort_unstable();
    for chunk in node_list.chunks(MAX_PARAMS) {
        let mut q = in_list(
            "SELECT id, facets, facet_ms FROM lineage_nodes WHERE id IN (",
            chunk,
        );
        let rows = q
            .build()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .ctx("read facets")?;
        for row in rows {
            let id: i64 = row.get(0);
            let mut facets: Map<String, Value> =
                serde_json::from_str(row.get::<&str, _>(1)).unwrap_or_default();
            let mut facet_ms: Map<String, Value> =
                serde_json::from_str(row.get::<&str, _>(2)).unwrap_or_default();
            let mut changed = false;
            for (key, value) in incoming.remove(&id).unwrap_or_default() {
                let t = times[&id][key.as_str()];
                let stored_t = facet_ms.get(&key).and_then(Value::as_i64);
                if stored_t.is_some_and(|s| s > t)
                    || facets.get(&key) == Some(&value) && stored_t == Some(t)
                {
                    continue;
                }
                facet_ms.insert(key.clone(), Value::from(t));
                facets.insert(key, value);
                changed = true;
            }
            if changed {
                updates.push((
                    id,
                    Value::Object(facets).to_string(),
                    Value::Object(facet_ms).to_string(),
                ));
            }
        }
        for rows in updates.chunks(MAX_PARAMS / 3) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "UPDATE lineage_nodes SET facets = v.column2, facet_ms = v.column3 FROM (",
            );
            q.push_values(rows, |mut b, (id, f, m)| {
                b.push_bind(*id).push_bind(f.clone()).push_bind(m.clone());
            });
            q.push(") AS v WHERE lineage_nodes.id = v.column1");
            q.build()
                .persistent(false)
                .execute(&mut *conn)
                .await
                .ctx("write facets")?;
        }
        updates.clear();
    }
    Ok(())
}
