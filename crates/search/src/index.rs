//! The index itself: opening (and rebuilding when stale or damaged), updates and search.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tantivy::collector::Count;
use tantivy::directory::error::LockError;
use tantivy::directory::{Directory, DirectoryLock, INDEX_WRITER_LOCK, MmapDirectory};
use tantivy::query::TermQuery;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, TantivyError, Term,
};
use ts_rs::TS;

use crate::doc::{DocRef, SearchDoc, SearchKind};
use crate::doc_values::{DocValues, DocValuesCache, RowsFiles};
use crate::error::SearchError;
use crate::eval::{Evaluation, Evaluator, Filter, evaluate};
use crate::facets::Facets;
use crate::online::{OnlineReport, UpstreamHit};
use crate::query::{ParsedQuery, parse, plan};
use crate::schema::{Fields, SCHEMA_VERSION};
use crate::snippet::snippet;
use crate::tie_break;
use crate::tokenizer::{IDENT, KEYWORD, ident_analyzer, keyword_analyzer};

/// Indexing memory budget (split across tantivy's indexing threads). 64 MB rather than 128: a 10k-product
/// sync peaks 37 MiB lower for the same build time and search latency (docs/benchmarks.md).
const WRITER_HEAP: usize = 64 * 1024 * 1024;
/// The stamp beside the tantivy files. It is present only while the index is complete and of the
/// current schema: it is removed before every write and written back after the commit, so a kill
/// at any point leaves either a complete index or no stamp (and the next open rebuilds).
const STAMP: &str = "meshlens-search.version";
const TANTIVY_DIR: &str = "tantivy";
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 1000;
/// How much a trust score of 100 lifts a match's score: 1 %, enough to order equally good
/// matches (and nearly equal ones), never enough to lift a weaker match over a clearly better one.
pub const TRUST_TIE_BREAK: f32 = 0.01;
/// Matches considered past the page, at most: beyond, a long run of equal scores keeps the index's
/// order. Each one that could reach the page is a stored document read (a broad typo query's run
/// of equal scores read 500 in 11 ms).
const TIE_WINDOW: usize = 100;

/// A search as the CLI and the UI express it. Filters are case-insensitive exact values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    pub query: String,
    pub kind: Option<String>,
    pub domain: Option<String>,
    pub tag: Option<String>,
    pub owner: Option<String>,
    pub status: Option<String>,
    pub classification: Option<String>,
    /// `public`, `internal`, `confidential`, `restricted` or `unknown`.
    pub sensitivity: Option<String>,
    /// 0 means the default ([`DEFAULT_LIMIT`]); capped at [`MAX_LIMIT`].
    pub limit: usize,
    pub offset: usize,
}

impl SearchRequest {
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        }
    }

    /// The hits asked for: `limit`, or the default, capped.
    fn page_size(&self) -> usize {
        match self.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SearchHit {
    pub id: String,
    pub kind: SearchKind,
    pub name: String,
    pub domain: Option<String>,
    /// The owning team, else the owning person.
    pub owner: Option<String>,
    pub status: Option<String>,
    pub score: f32,
    /// HTML: escaped text with matches in `<mark>…</mark>`.
    pub snippet: String,
    pub product_id: Option<String>,
    pub contract_id: Option<String>,
    pub parent_id: Option<String>,
    /// The trust score (0–100) of the hit's product, when it ordered equally good matches (see
    /// [`TRUST_TIE_BREAK`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub trust: Option<u32>,
    /// True for a hit the cache holds; false for one only a catalog's online search found.
    pub cached: bool,
    /// Where an online search found it upstream (online searches only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub upstream: Option<UpstreamHit>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SearchResults {
    /// Matching documents (all of them, not just this page).
    pub total: u64,
    /// Best first.
    pub hits: Vec<SearchHit>,
    pub facets: Facets,
    /// What ordered equally good matches, when something did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tie_break: Option<TieBreak>,
    /// How each catalog answered (online searches only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub online: Option<OnlineReport>,
}

/// What ordered equally good matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum TieBreak {
    /// The trust score of the hit's product: a score of 100 lifts a match by
    /// [`TRUST_TIE_BREAK`], a score of 0 not at all.
    Trust,
}

/// The best matches of a search with their stored documents, before hits are built (see
/// [`SearchIndex::rank`]).
pub struct Ranked {
    total: u64,
    facets: Facets,
    /// Best first, from the start of the page (or earlier, with a tie break).
    candidates: Vec<Candidate>,
    /// Where the page starts among the candidates.
    offset: usize,
    limit: usize,
    tie_break: bool,
    parsed: ParsedQuery,
    ident: TextAnalyzer,
}

impl Ranked {
    /// The products whose trust may reorder the page, sorted, each once.
    pub fn product_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .candidates
            .iter()
            .filter_map(|c| c.product_id.clone())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

pub(crate) struct Candidate {
    pub score: Score,
    pub doc: TantivyDocument,
    pub product_id: Option<String>,
}

/// What a rebuild or an update did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct IndexStats {
    /// Documents added.
    pub added: u64,
    /// Top-level documents whose derived documents were deleted.
    pub deleted: u64,
    /// Documents in the index afterwards.
    pub total: u64,
    pub millis: u64,
}

/// How long a write waits for another process's write of the same index (a large sync's update
/// takes seconds; a rebuild of a million documents about a minute).
const LOCK_WAIT: Duration = Duration::from_secs(180);
const LOCK_POLL: Duration = Duration::from_millis(100);

fn tell_waiting() -> bool {
    tracing::info!(
        "another meshlens process is writing the search index; waiting for it to finish"
    );
    true
}

/// Takes the index's writer lock in `directory`, waiting for another process that holds it.
fn wait_for_writer_lock(directory: &MmapDirectory) -> Result<DirectoryLock, SearchError> {
    let deadline = Instant::now() + LOCK_WAIT;
    let mut told = false;
    loop {
        match directory.acquire_lock(&INDEX_WRITER_LOCK) {
            Ok(lock) => return Ok(lock),
            Err(LockError::LockBusy) if Instant::now() < deadline => {
                told = told || tell_waiting();
                std::thread::sleep(LOCK_POLL);
            }
            Err(LockError::LockBusy) => return Err(SearchError::Busy),
            Err(err) => return Err(TantivyError::from(err).into()),
        }
    }
}

/// Empties the tantivy folder of a stale or damaged index, keeping the lock file this process holds.
fn clear_except_lock(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.path() == dir.join(&INDEX_WRITER_LOCK.filepath) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// A request made ready for evaluation: parsed, its filters resolved, on one searcher and its
/// segments' rows.
struct Prepared {
    /// For the hits' snippets.
    ident: TextAnalyzer,
    parsed: ParsedQuery,
    filters: Vec<Filter>,
    limit: usize,
    searcher: tantivy::Searcher,
    doc_values: Vec<Arc<DocValues>>,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// The data directory when on disk (holds the stamp).
    dir: Option<PathBuf>,
    needs_rebuild: bool,
    ident: TextAnalyzer,
    keyword: TextAnalyzer,
    evaluator: Evaluator,
    doc_values: DocValuesCache,
    /// The commit the reader shows, to notice commits of another process (see [`Self::follow_other_writers`]).
    loaded_opstamp: AtomicU64,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if absent. An index of another schema version, or one
    /// that is damaged or was interrupted while being written, is discarded and recreated empty:
    /// [`needs_rebuild`](Self::needs_rebuild) then tells the caller to [`rebuild`](Self::rebuild).
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        let io = |source| SearchError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let tantivy_dir = dir.join(TANTIVY_DIR);
        std::fs::create_dir_all(&tantivy_dir).map_err(io)?;
        if let Some(index) = Self::reopen_stamped(dir) {
            return Self::wrap(index, Some(dir.to_path_buf()), false);
        }
        // No stamp: perhaps another meshlens process is writing right now (it unstamps while it
        // writes). Judge only while holding the writer lock, so a live write is never discarded.
        let _lock = wait_for_writer_lock(&MmapDirectory::open(&tantivy_dir)?)?;
        if let Some(index) = Self::reopen_stamped(dir) {
            return Self::wrap(index, Some(dir.to_path_buf()), false);
        }
        clear_except_lock(&tantivy_dir).map_err(io)?;
        let index = Index::create_in_dir(&tantivy_dir, Fields::build().0)?;
        Self::wrap(index, Some(dir.to_path_buf()), true)
    }

    /// The index in `dir` if it is stamped complete and opens with every segment.
    fn reopen_stamped(dir: &Path) -> Option<Index> {
        let stamped = std::fs::read_to_string(dir.join(STAMP))
            .is_ok_and(|s| s.trim() == SCHEMA_VERSION.to_string());
        stamped
            .then(|| Self::reopen(&dir.join(TANTIVY_DIR)).ok())
            .flatten()
    }

    /// An index in memory (tests, benchmarks, demo mode). Starts empty.
    pub fn open_in_ram() -> Result<SearchIndex, SearchError> {
        let index = Index::create_in_ram(Fields::build().0);
        Self::wrap(index, None, true)
    }

    fn reopen(path: &Path) -> Result<Index, SearchError> {
        let index = Index::open(MmapDirectory::open(path)?)?;
        if index.schema() != Fields::build().0 {
            return Err(SearchError::SchemaMismatch);
        }
        // Opening a reader loads every segment: a damaged one fails here, not at search time.
        index.reader()?;
        Ok(index)
    }

    fn wrap(
        index: Index,
        dir: Option<PathBuf>,
        needs_rebuild: bool,
    ) -> Result<SearchIndex, SearchError> {
        index.tokenizers().register(IDENT, ident_analyzer());
        index.tokenizers().register(KEYWORD, keyword_analyzer());
        let loaded_opstamp = AtomicU64::new(index.load_metas()?.opstamp);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let rows_files = dir
            .as_ref()
            .and_then(|dir| RowsFiles::open(&dir.join(TANTIVY_DIR)));
        Ok(SearchIndex {
            index,
            reader,
            fields: Fields::build().1,
            dir,
            needs_rebuild,
            ident: ident_analyzer(),
            keyword: keyword_analyzer(),
            evaluator: Evaluator::for_this_machine(),
            doc_values: DocValuesCache::with_files(rows_files),
            loaded_opstamp,
        })
    }

    /// True when the index was (re)created empty and must be filled with [`rebuild`](Self::rebuild).
    pub fn needs_rebuild(&self) -> bool {
        self.needs_rebuild
    }

    /// Products and contracts in the index: the documents everything else hangs off, one per
    /// product and per contract id in the cache when the index is current.
    pub fn root_docs(&self) -> Result<u64, SearchError> {
        let searcher = self.reader.searcher();
        let mut total = 0;
        for kind in [SearchKind::Product, SearchKind::Contract] {
            let term = Term::from_field_text(self.fields.kind, kind.as_str());
            let query = TermQuery::new(term, IndexRecordOption::Basic);
            total += searcher.search(&query, &Count)? as u64;
        }
        Ok(total)
    }

    /// Documents currently searchable.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Replaces the whole content with `docs`, in one commit.
    pub fn rebuild(
        &mut self,
        docs: impl IntoIterator<Item = SearchDoc>,
    ) -> Result<IndexStats, SearchError> {
        let mut rebuild = self.begin_rebuild()?;
        for doc in docs {
            rebuild.add(&doc)?;
        }
        rebuild.commit()
    }

    /// Starts replacing the whole content, for callers that produce documents asynchronously.
    /// Nothing is visible until [`Rebuild::commit`]; dropping the rebuild abandons it, and the
    /// index then reports [`needs_rebuild`](Self::needs_rebuild) when next opened.
    pub fn begin_rebuild(&mut self) -> Result<Rebuild<'_>, SearchError> {
        let writer = self.writer()?;
        self.unstamp()?;
        writer.delete_all_documents()?;
        Ok(Rebuild {
            index: self,
            writer,
            added: 0,
            started: Instant::now(),
        })
    }

    /// Applies one sync in one commit: every upserted document replaces its previous version
    /// (a product or contract also replaces everything derived from it, so datasets and columns
    /// it no longer has disappear), and every deleted top-level document disappears with its
    /// datasets and columns.
    pub fn apply(
        &mut self,
        upserts: impl IntoIterator<Item = SearchDoc>,
        deletions: &[DocRef],
    ) -> Result<IndexStats, SearchError> {
        let started = Instant::now();
        let upserts: Vec<SearchDoc> = upserts.into_iter().collect();
        let stats = self.write(|this, writer| {
            // Deletes first: tantivy applies a delete only to documents added before it.
            let mut roots: HashSet<String> = deletions.iter().map(DocRef::key).collect();
            for doc in &upserts {
                let own = doc.doc_ref();
                if doc.root() == own {
                    roots.insert(own.key());
                } else {
                    writer.delete_term(Term::from_field_text(this.fields.key, &own.key()));
                }
            }
            for root in &roots {
                writer.delete_term(Term::from_field_text(this.fields.root, root));
            }
            for doc in &upserts {
                writer.add_document(this.fields.to_document(doc, &mut this.ident))?;
            }
            Ok(IndexStats {
                added: upserts.len() as u64,
                deleted: deletions.len() as u64,
                ..IndexStats::default()
            })
        })?;
        Ok(self.finish(stats, started))
    }

    fn write(
        &mut self,
        fill: impl FnOnce(&mut Self, &mut IndexWriter) -> Result<IndexStats, SearchError>,
    ) -> Result<IndexStats, SearchError> {
        let mut writer = self.writer()?;
        self.unstamp()?;
        let stats = fill(self, &mut writer)?;
        self.commit(writer)?;
        Ok(stats)
    }

    /// The index writer. One process at a time may hold it (tantivy's lock file): while another
    /// meshlens process (the desktop app, a CLI sync) writes, this waits for it, up to [`LOCK_WAIT`].
    fn writer(&self) -> Result<IndexWriter, SearchError> {
        let deadline = Instant::now() + LOCK_WAIT;
        let mut told = false;
        loop {
            match self.index.writer(WRITER_HEAP) {
                Err(TantivyError::LockFailure(LockError::LockBusy, _))
                    if Instant::now() < deadline =>
                {
                    told = told || tell_waiting();
                    std::thread::sleep(LOCK_POLL);
                }
                Err(TantivyError::LockFailure(LockError::LockBusy, _)) => {
                    return Err(SearchError::Busy);
                }
                other => return Ok(other?),
            }
        }
    }

    /// Commits, stamps the index complete unless it still awaits its rebuild, and only then lets the
    /// writer (and its lock) go: another process that waited for the lock must find the stamp.
    fn commit(&mut self, mut writer: IndexWriter) -> Result<(), SearchError> {
        writer.commit()?;
        if !self.needs_rebuild {
            self.stamp()?;
        }
        // Merging now keeps the segment count (and so search latency) low.
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        self.warm()?;
        self.doc_values.remove_other_files(&self.reader.searcher());
        Ok(())
    }

    /// Prepares what searches read besides the index files (per-segment rows of priors and facet
    /// ordinals: mapped from their files, else built, a fraction of a second on a million
    /// documents), so the first search after opening does not pay for it. Writes do this
    /// themselves, and write the rows files of the segments they made.
    pub fn warm(&self) -> Result<(), SearchError> {
        let searcher = self.reader.searcher();
        self.doc_values
            .for_searcher(&searcher, &mut self.keyword.clone())?;
        Ok(())
    }

    fn finish(&self, stats: IndexStats, started: Instant) -> IndexStats {
        IndexStats {
            total: self.num_docs(),
            millis: started.elapsed().as_millis() as u64,
            ..stats
        }
    }

    fn stamp(&self) -> Result<(), SearchError> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let path = dir.join(STAMP);
        std::fs::write(&path, format!("{SCHEMA_VERSION}\n"))
            .map_err(|source| SearchError::Io { path, source })
    }

    fn unstamp(&self) -> Result<(), SearchError> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let path = dir.join(STAMP);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(SearchError::Io { path, source: e })
            }
            _ => Ok(()),
        }
    }

    /// What every evaluation of `request` starts from (the search and its reference in tests).
    fn prepare(&self, request: &SearchRequest) -> Result<Prepared, SearchError> {
        let mut ident = self.ident.clone();
        let mut keyword = self.keyword.clone();
        let parsed = parse(&request.query, &mut ident, &mut keyword);
        let filters = self.filters(request, &mut keyword);
        let searcher = self.reader.searcher();
        let doc_values = self.doc_values.for_searcher(&searcher, &mut keyword)?;
        Ok(Prepared {
            ident,
            parsed,
            filters,
            limit: request.page_size(),
            searcher,
            doc_values,
        })
    }

    /// The desktop app and the CLI may share a data directory: when another process committed to
    /// the index since this reader loaded, load its commit, so a search never shows an index older
    /// than the cache. Reading `meta.json` costs microseconds.
    fn follow_other_writers(&self) -> Result<(), SearchError> {
        if self.dir.is_none() {
            return Ok(());
        }
        let opstamp = self.index.load_metas()?.opstamp;
        if self.loaded_opstamp.swap(opstamp, AtomicOrdering::Relaxed) != opstamp {
            self.reader.reload()?;
        }
        Ok(())
    }

    /// Searches. Any input string is valid: the worst outcome is an empty result. Equally good
    /// matches keep the index's order; [`Self::rank`] and [`Self::page`] order them by trust.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let ranked = self.rank(request, false)?;
        self.page(ranked, &|_| None)
    }

    /// The first half of a search: the best matches with their stored documents, before hits are
    /// built. With `tie_break`, the matches past the page that the largest trust lift
    /// ([`TRUST_TIE_BREAK`]) could bring onto it too, up to [`TIE_WINDOW`] more.
    pub fn rank(&self, request: &SearchRequest, tie_break: bool) -> Result<Ranked, SearchError> {
        self.follow_other_writers()?;
        let Prepared {
            ident,
            parsed,
            filters,
            limit,
            searcher,
            doc_values,
        } = self.prepare(request)?;
        let end = request.offset + limit;
        // One evaluation either way (a broad query's costs tens of milliseconds; a larger top
        // costs next to nothing). Without a tie break the page is all there is to read, and the
        // evaluation skips the offset.
        let (window, skipped) = match tie_break {
            true => (end + TIE_WINDOW, 0),
            false => (end, request.offset),
        };
        let mut found = Evaluation::default();
        for (mode, scope) in parsed.attempts() {
            let plan = plan(&parsed, &self.fields, mode, scope);
            let range = (skipped, window);
            found = evaluate(
                &self.evaluator,
                &searcher,
                plan,
                &filters,
                range,
                &doc_values,
            )?;
            if found.total > 0 {
                break;
            }
        }
        if tie_break {
            // Only the matches that could reach the page have their documents read.
            found.top.truncate(tie_break::reach(&found.top, end));
        }
        let Evaluation { total, top, facets } = found;
        let mut candidates = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let product_id = self.product_of(&doc);
            candidates.push(Candidate {
                score,
                doc,
                product_id,
            });
        }
        Ok(Ranked {
            total,
            facets,
            candidates,
            offset: request.offset - skipped,
            limit,
            tie_break,
            parsed,
            ident,
        })
    }

    /// The second half of a search: the page of `ranked`, each match lifted by the trust score
    /// `trust` gives its product (see [`TRUST_TIE_BREAK`]), with its hit built.
    pub fn page(
        &self,
        ranked: Ranked,
        trust: &dyn Fn(&str) -> Option<u32>,
    ) -> Result<SearchResults, SearchError> {
        let Ranked {
            total,
            facets,
            mut candidates,
            offset,
            limit,
            tie_break,
            parsed,
            mut ident,
        } = ranked;
        let trusts = tie_break::lift(&mut candidates, trust);
        let mut hits = Vec::with_capacity(limit);
        for (candidate, trust) in candidates.into_iter().zip(trusts).skip(offset).take(limit) {
            let mut hit = self.hit(candidate.doc, candidate.score, &parsed, &mut ident)?;
            hit.trust = trust;
            hits.push(hit);
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
            tie_break: tie_break.then_some(TieBreak::Trust),
            online: None,
        })
    }

    fn filters(&self, request: &SearchRequest, keyword: &mut TextAnalyzer) -> Vec<Filter> {
        let f = &self.fields;
        [
            (f.kind, &request.kind),
            (f.domain, &request.domain),
            (f.tag, &request.tag),
            (f.owner, &request.owner),
            (f.status, &request.status),
            (f.classification, &request.classification),
            (f.sensitivity, &request.sensitivity),
        ]
        .into_iter()
        .enumerate()
        .filter_map(|(facet, (field, value))| {
            let value = value.as_deref()?.trim();
            // Normalised exactly as indexed, so `--domain Sales` finds `sales`.
            let term = crate::tokenizer::words(keyword, value).into_iter().next()?;
            Some(Filter {
                facet,
                term: Term::from_field_text(field, &term.text),
                value: term.text,
            })
        })
        .collect()
    }

    /// The product a document belongs to: its own id for a product.
    fn product_of(&self, doc: &TantivyDocument) -> Option<String> {
        let f = &self.fields;
        let kind = stored_text(doc, f.kind)
            .as_deref()
            .and_then(SearchKind::parse);
        match kind {
            Some(SearchKind::Product) => stored_text(doc, f.id),
            _ => stored_text(doc, f.product_id),
        }
    }

    fn hit(
        &self,
        doc: TantivyDocument,
        score: Score,
        parsed: &ParsedQuery,
        ident: &mut TextAnalyzer,
    ) -> Result<SearchHit, SearchError> {
        let f = &self.fields;
        let text = |field: Field| stored_text(&doc, field);
        let kind = text(f.kind)
            .as_deref()
            .and_then(SearchKind::parse)
            .ok_or(SearchError::Corrupt("a document without a kind"))?;
        let name = text(f.name).unwrap_or_default();
        let description = text(f.description).unwrap_or_default();
        let columns = text(f.columns).unwrap_or_default();
        let fallback = if description.is_empty() {
            &name
        } else {
            &description
        };
        let snippet = snippet(&[&description, &columns, &name], fallback, parsed, ident);
        Ok(SearchHit {
            id: text(f.id).unwrap_or_default(),
            kind,
            name,
            domain: text(f.domain),
            owner: text(f.owner),
            status: text(f.status),
            score,
            snippet,
            product_id: text(f.product_id),
            contract_id: text(f.contract_id),
            parent_id: text(f.parent_id),
            trust: None,
            cached: true,
            upstream: None,
        })
    }
}

fn stored_text(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// A full rebuild in progress (see [`SearchIndex::begin_rebuild`]).
pub struct Rebuild<'a> {
    index: &'a mut SearchIndex,
    writer: IndexWriter,
    added: u64,
    started: Instant,
}

impl Rebuild<'_> {
    pub fn add(&mut self, doc: &SearchDoc) -> Result<(), SearchError> {
        let index = &mut *self.index;
        self.writer
            .add_document(index.fields.to_document(doc, &mut index.ident))?;
        self.added += 1;
        Ok(())
    }

    /// Makes the new content visible and stamps the index complete.
    pub fn commit(self) -> Result<IndexStats, SearchError> {
        let Rebuild {
            index,
            writer,
            added,
            started,
        } = self;
        // Complete once committed: the commit stamps it before it lets the writer's lock go.
        index.needs_rebuild = false;
        if let Err(err) = index.commit(writer) {
            index.needs_rebuild = true;
            return Err(err);
        }
        Ok(index.finish(
            IndexStats {
                added,
                ..IndexStats::default()
            },
            started,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use tantivy::collector::{DocSetCollector, TopDocs};
    use tantivy::index::SegmentId;
    use tantivy::{DocId, SegmentReader};

    use super::*;
    use crate::facets::{self, SegmentFacetCounts};
    use crate::test_mesh::{self, COLUMNS, DOMAINS, ENTITIES, QUALIFIERS, TAGS};

    type Reference = (u64, Vec<(Score, String)>, Facets);

    impl SearchIndex {
        /// [`search`](Self::search) evaluated by tantivy's own boolean scorers and collectors.
        fn reference_search(&self, request: &SearchRequest) -> Reference {
            let Prepared {
                parsed,
                filters,
                limit,
                searcher,
                doc_values,
                ..
            } = self.prepare(request).unwrap();
            let values: HashMap<SegmentId, Arc<DocValues>> = searcher
                .segment_readers()
                .iter()
                .map(|r| r.segment_id())
                .zip(doc_values)
                .collect();
            for (mode, scope) in parsed.attempts() {
                let query = plan(&parsed, &self.fields, mode, scope).reference_query(&filters);
                let docs = searcher.search(&*query, &DocSetCollector).unwrap();
                if docs.is_empty() {
                    continue;
                }
                let mut per_segment = Vec::new();
                for (ord, reader) in searcher.segment_readers().iter().enumerate() {
                    let v = &values[&reader.segment_id()];
                    let mut counts = SegmentFacetCounts::new(v);
                    for a in docs.iter().filter(|a| a.segment_ord == ord as u32) {
                        counts.add(v, a.doc_id, &v.row(a.doc_id));
                    }
                    per_segment.push(counts.harvest(v));
                }
                let tweak_values = values.clone();
                let top = TopDocs::with_limit(limit)
                    .and_offset(request.offset)
                    .tweak_score(move |reader: &SegmentReader| {
                        let v = tweak_values[&reader.segment_id()].clone();
                        move |doc: DocId, score: Score| DocValues::rank(&v.row(doc), score)
                    });
                let hits = searcher
                    .search(&*query, &top)
                    .unwrap()
                    .into_iter()
                    .map(|(score, address)| {
                        let doc: TantivyDocument = searcher.doc(address).unwrap();
                        let text = |f: Field| doc.get_first(f).and_then(|v| v.as_str()).unwrap();
                        (
                            score,
                            format!("{}:{}", text(self.fields.kind), text(self.fields.id)),
                        )
                    })
                    .collect();
                return (docs.len() as u64, hits, facets::merge(per_segment));
            }
            (0, Vec::new(), Facets::default())
        }
    }

    /// Two handles on one directory stand for the desktop app and a CLI process: tantivy's lock file
    /// is a `flock`, which separate opens of the file contend for even inside one process.
    #[test]
    fn a_write_waits_for_another_processs_writer_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let mut desktop = SearchIndex::open(dir.path()).unwrap();
        desktop.rebuild(test_mesh::mesh(3, 1, 1)).unwrap();
        let mut cli = SearchIndex::open(dir.path()).unwrap();
        assert!(!cli.needs_rebuild());
        let held = desktop.writer().unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            drop(held);
        });
        let started = Instant::now();
        let stats = cli.apply(test_mesh::product_docs(7, 1, 1), &[]).unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(300),
            "it waited for the lock"
        );
        assert!(stats.total > 0);
        release.join().unwrap();
        // The desktop's reader follows the other handle's commit at its next search.
        let hits = desktop
            .search(&SearchRequest::new(test_mesh::product_id(7)))
            .unwrap();
        assert!(hits.total > 0);
    }

    /// While one handle rewrites the index it is unstamped; a handle opened meanwhile must wait for that
    /// write, not take the missing stamp for a crash and wipe the files under it.
    #[test]
    fn an_open_during_another_processs_write_keeps_that_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SearchIndex::open(dir.path()).unwrap();
        writer.rebuild(test_mesh::mesh(2, 1, 1)).unwrap();
        let path = dir.path().to_path_buf();
        let opened = {
            let mut rebuild = writer.begin_rebuild().unwrap();
            for doc in test_mesh::mesh(5, 1, 1) {
                rebuild.add(&doc).unwrap();
            }
            let opener = std::thread::spawn(move || SearchIndex::open(&path).unwrap());
            std::thread::sleep(Duration::from_millis(300));
            rebuild.commit().unwrap();
            opener.join().unwrap()
        };
        assert!(!opened.needs_rebuild(), "the finished write was kept");
        assert_eq!(opened.num_docs(), writer.num_docs());
    }

    /// Garbage in every index file (the stamp intact): the next open starts over instead of failing.
    #[test]
    fn an_index_with_damaged_files_is_recreated_on_open() {
        let dir = tempfile::tempdir().unwrap();
        SearchIndex::open(dir.path())
            .unwrap()
            .rebuild(test_mesh::mesh(3, 1, 1))
            .unwrap();
        for entry in std::fs::read_dir(dir.path().join(TANTIVY_DIR)).unwrap() {
            let path = entry.unwrap().path();
            if !path.to_string_lossy().ends_with(".lock") {
                let len = std::fs::metadata(&path).unwrap().len() as usize;
                std::fs::write(&path, vec![0x5a; len.max(16)]).unwrap();
            }
        }
        let reopened = SearchIndex::open(dir.path()).unwrap();
        assert!(reopened.needs_rebuild());
        assert_eq!(reopened.num_docs(), 0);
    }

    fn requests() -> Vec<SearchRequest> {
        let with = |query: &str, edit: &dyn Fn(&mut SearchRequest)| {
            let mut r = SearchRequest::new(query);
            edit(&mut r);
            r
        };
        let plain = |query: String| SearchRequest::new(query);
        let codename = test_mesh::codename(5);
        let mut typo: Vec<char> = codename.chars().collect();
        typo.swap(1, 2);
        vec![
            plain(test_mesh::product_name(3)),
            plain(codename[..4].to_string()),
            plain(typo.into_iter().collect()),
            plain(format!("{} {}", ENTITIES[0], QUALIFIERS[1])),
            plain(COLUMNS[0].to_string()),
            plain(format!("\"{}\"", COLUMNS[3].replace('_', " "))),
            plain(test_mesh::dataset_name(2, 1)),
            plain(test_mesh::product_id(9)),
            plain(format!("{} {}", DOMAINS[2], ENTITIES[4])),
            plain(format!("zzqx {}", ENTITIES[1])),
            plain("cu".into()),
            plain("c".into()),
            plain("".into()),
            with("", &|r| r.domain = Some(DOMAINS[1].to_uppercase())),
            with(ENTITIES[0], &|r| r.kind = Some("product".into())),
            with(ENTITIES[0], &|r| r.tag = Some(TAGS[0].into())),
            with(ENTITIES[0], &|r| r.domain = Some("nowhere".into())),
            with(ENTITIES[1], &|r| {
                r.status = Some("active".into());
                r.kind = Some("column".into());
            }),
            with(ENTITIES[2], &|r| {
                r.offset = 5;
                r.limit = 7;
            }),
        ]
    }

    #[test]
    fn evaluation_agrees_with_tantivys_boolean_scorers() {
        let mut index = SearchIndex::open_in_ram().unwrap();
        index.rebuild(test_mesh::mesh(120, 4, 6)).unwrap();
        // A second segment, whose documents replace (delete) some of the first's.
        let changed = (0..120)
            .step_by(7)
            .flat_map(|p| test_mesh::product_docs(p, 4, 6));
        index.apply(changed, &[]).unwrap();
        assert!(index.reader.searcher().segment_readers().len() >= 2);

        // Cut into parts on three threads, every query gives what the caller alone gives.
        index.evaluator = Evaluator::eager(0);
        let alone: Vec<SearchResults> = requests()
            .iter()
            .map(|r| index.search(r).unwrap())
            .collect();
        index.evaluator = Evaluator::eager(2);

        let mut found_nothing = Vec::new();
        for (request, alone) in requests().into_iter().zip(alone) {
            let got = index.search(&request).unwrap();
            assert_eq!(got, alone, "{request:?}");
            if got.total == 0 {
                found_nothing.push(request.query.clone());
            }
            let (total, hits, facets) = index.reference_search(&request);
            assert_eq!(got.total, total, "{request:?}");
            assert_eq!(got.facets, facets, "{request:?}");
            assert_eq!(got.hits.len(), hits.len(), "{request:?}");
            let scores: Vec<Score> = hits.iter().map(|h| h.0).collect();
            let close = |a: Score, b: Score| (a - b).abs() <= 1e-4 * a.abs().max(1.0);
            for (i, (hit, (score, key))) in got.hits.iter().zip(&hits).enumerate() {
                assert!(
                    close(hit.score, *score),
                    "{request:?} #{i}: {} vs {score}",
                    hit.score
                );
                // Sums added in another order may differ in the last bits; only ties can swap.
                let tied = scores
                    .iter()
                    .enumerate()
                    .any(|(j, s)| j != i && close(*s, *score));
                if !tied {
                    let kind = serde_json::to_value(hit.kind).unwrap();
                    let got_key = format!("{}:{}", kind.as_str().unwrap(), hit.id);
                    assert_eq!(&got_key, key, "{request:?} #{i}");
                }
            }
        }
        // A single letter is no word of the mesh; the "nowhere" domain has no documents.
        assert_eq!(found_nothing, ["c", ENTITIES[0]]);
    }

    /// Products with more tags than a row holds, so the overflow tags are written and read too.
    fn many_tagged(count: usize) -> impl Iterator<Item = SearchDoc> {
        (0..count).map(|i| SearchDoc {
            tags: TAGS
                .iter()
                .skip(i % 3)
                .take(5)
                .map(|t| t.to_string())
                .collect(),
            ..SearchDoc::new(
                SearchKind::Product,
                format!("tagged-{i}"),
                format!("{} tagged {i}", ENTITIES[0]),
            )
        })
    }

    /// An index on disk in several segments, its rows files written by its commits.
    fn index_on_disk(dir: &Path, updates: usize) -> SearchIndex {
        let mut index = SearchIndex::open(dir).unwrap();
        let docs = test_mesh::mesh(60, 3, 4).chain(many_tagged(20));
        index.rebuild(docs).unwrap();
        for update in 0..updates {
            let changed = (update..60)
                .step_by(7)
                .flat_map(|p| test_mesh::product_docs(p, 3, 4));
            index.apply(changed, &[]).unwrap();
        }
        index
    }

    fn rows_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(TANTIVY_DIR))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "rows"))
            .collect();
        files.sort();
        files
    }

    fn loads_every_segment(index: &SearchIndex, dir: &Path) -> bool {
        let files = RowsFiles::open(&dir.join(TANTIVY_DIR)).unwrap();
        let searcher = index.reader.searcher();
        searcher
            .segment_readers()
            .iter()
            .all(|reader| files.load(reader).is_some())
    }

    #[test]
    fn a_reopened_index_maps_its_rows_files_and_searches_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let writer = index_on_disk(dir.path(), 1);
        assert!(writer.reader.searcher().segment_readers().len() >= 2);
        let reopened = SearchIndex::open(dir.path()).unwrap();
        assert!(loads_every_segment(&reopened, dir.path()));
        for request in requests() {
            let (got, built) = (reopened.search(&request), writer.search(&request));
            assert_eq!(got.unwrap(), built.unwrap(), "{request:?}");
        }
    }

    #[test]
    fn the_rows_files_are_those_of_the_segments_after_merges() {
        let dir = tempfile::tempdir().unwrap();
        let index = index_on_disk(dir.path(), 12);
        let searcher = index.reader.searcher();
        let mut live: Vec<PathBuf> = searcher
            .segment_readers()
            .iter()
            .map(|r| {
                dir.path()
                    .join(TANTIVY_DIR)
                    .join(format!("{}.rows", r.segment_id().uuid_string()))
            })
            .collect();
        live.sort();
        assert!(live.len() < 13, "some segments were merged");
        assert_eq!(rows_files(dir.path()), live);
    }

    /// A rows file that does not match its segment is rebuilt and written again; rows damaged in
    /// place may cost wrong scores and counts, never a panic.
    #[test]
    fn damaged_rows_files_are_rebuilt_or_harmless() {
        let dir = tempfile::tempdir().unwrap();
        let writer = index_on_disk(dir.path(), 1);
        let expected: Vec<SearchResults> = requests()
            .iter()
            .map(|r| writer.search(r).unwrap())
            .collect();
        let files = rows_files(dir.path());
        let originals: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
        let garble = |file: &[u8], byte: &dyn Fn(usize) -> u8| {
            let mut file = file.to_vec();
            let tail = file.len() - file.len() / 4;
            (tail..file.len()).for_each(|i| file[i] = byte(i));
            file
        };
        type Damage<'a> = &'a dyn Fn(usize, &[u8]) -> Vec<u8>;
        let damages: [(&str, Damage, bool); 7] = [
            ("empty", &|_, _| Vec::new(), true),
            ("truncated", &|_, f| f[..f.len() - 1].to_vec(), true),
            ("longer", &|_, f| [f, &[0]].concat(), true),
            (
                "another segment's",
                &|i, _| originals[(i + 1) % originals.len()].clone(),
                true,
            ),
            (
                "another format",
                &|_, f| [&f[..8], &[0xee], &f[9..]].concat(),
                true,
            ),
            ("rows all ones", &|_, f| garble(f, &|_| 0xff), false),
            (
                "rows garbled",
                &|_, f| garble(f, &|i| test_mesh::mix(i as u64) as u8),
                false,
            ),
        ];
        for (name, damage, rebuilt) in damages {
            for (i, (file, original)) in files.iter().zip(&originals).enumerate() {
                std::fs::write(file, damage(i, original)).unwrap();
            }
            let index = SearchIndex::open(dir.path()).unwrap();
            for (request, expected) in requests().iter().zip(&expected) {
                let got = index.search(request).unwrap();
                if rebuilt {
                    assert_eq!(&got, expected, "{name}: {request:?}");
                }
            }
            assert!(
                loads_every_segment(&index, dir.path()),
                "{name}: every file is usable afterwards"
            );
            for (file, original) in files.iter().zip(&originals) {
                std::fs::write(file, original).unwrap();
            }
        }
    }
}
