//! Flat per-segment copies of the values every match reads: its prior, its name length and its
//! facet ordinals.
//!
//! Why: a broad query visits 10⁴–10⁵ matches, each read for the final score, the filters and six
//! facets. Through tantivy's columnar codecs (optional index, bit-unpacking, monotonic mapping)
//! those reads were a third of the query; from plain rows they are a load each. The cost is 26
//! bytes per document, built once per segment (segments never change; deletes do not matter here)
//! and kept in a file beside the index ([`file`]), so a new process maps them instead of building
//! them again.

mod file;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tantivy::columnar::StrColumn;
use tantivy::directory::OwnedBytes;
use tantivy::index::SegmentId;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, Score, Searcher, SegmentReader};

pub(crate) use self::file::RowsFiles;
use crate::schema::{FACETS, NAME_WORDS, PRIOR};

/// A facet without a value for a document.
const NO_ORD: u16 = u16::MAX;
/// Tags kept in a document's row; more go to [`DocValues::more_tags`].
const ROW_TAGS: usize = 2;
/// Single-valued facets: every facet but the tags.
const SLOTS: usize = FACETS.len() - 1;
/// A row's bytes: prior (f32), `more_at` (u32), slots and tags (u16 each), name words, more (u8).
const ROW_BYTES: usize = 4 + 4 + 2 * (SLOTS + ROW_TAGS) + 1 + 1;

pub(crate) struct DocValues {
    /// One row of [`ROW_BYTES`] per document, little-endian: everything a match reads, in one or
    /// two cache lines. A broad query's matches are scattered over the segment, so each separate
    /// array read would be a cache miss. Built in memory, or mapped from the segment's file.
    rows: OwnedBytes,
    /// Tags beyond [`ROW_TAGS`]: row `r` has `more_tags[r.more_at..][..r.more]`.
    more_tags: Vec<u16>,
    /// One per entry of [`FACETS`].
    facets: Vec<FacetValues>,
    /// The documents having one facet value, by (facet, ordinal): the filters' candidate sets.
    with_value: Mutex<HashMap<(usize, usize), Arc<Bits>>>,
}

#[derive(Clone, Copy)]
pub(crate) struct Row {
    /// Kind and status: a match's score is `text * prior + shortness`.
    prior: f32,
    more_at: u32,
    /// Ordinals of the single-valued facets, by [`Storage::Slot`].
    slots: [u16; SLOTS],
    tags: [u16; ROW_TAGS],
    /// Words in the name, capped at 255: shorter names are closer to what was typed.
    name_words: u8,
    more: u8,
}

impl Row {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.prior.to_le_bytes());
        out.extend_from_slice(&self.more_at.to_le_bytes());
        for ord in self.slots.iter().chain(&self.tags) {
            out.extend_from_slice(&ord.to_le_bytes());
        }
        out.extend_from_slice(&[self.name_words, self.more]);
    }

    #[inline]
    fn decode(bytes: &[u8; ROW_BYTES]) -> Row {
        let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let ords_at = 8;
        let tags_at = ords_at + 2 * SLOTS;
        Row {
            prior: f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            more_at: u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
            slots: std::array::from_fn(|i| u16_at(ords_at + 2 * i)),
            tags: std::array::from_fn(|i| u16_at(tags_at + 2 * i)),
            name_words: bytes[ROW_BYTES - 2],
            more: bytes[ROW_BYTES - 1],
        }
    }
}

/// One facet's values in a segment.
pub(crate) struct FacetValues {
    /// Each ordinal's value as written, for facet counts (decoding them from the column's
    /// dictionary on every query cost a block decode per facet per segment).
    written: Vec<String>,
    /// Each ordinal's value as indexed (lowercase, ASCII-folded), for filters.
    normalized: Vec<String>,
    storage: Storage,
}

enum Storage {
    /// The column does not exist in this segment.
    Absent,
    /// One value at most, in this slot of the row.
    Slot(usize),
    /// Several values: the row's tags, then the overflow.
    Tags,
    /// Too many distinct values for 16 bits (or an unexpected shape): read from the column.
    Wide(StrColumn),
}

impl DocValues {
    fn build(reader: &SegmentReader, keyword: &mut TextAnalyzer) -> tantivy::Result<DocValues> {
        let fast = reader.fast_fields();
        let prior = fast.f64(PRIOR)?.first_or_default_col(1.0);
        let name_words = fast.u64(NAME_WORDS)?.first_or_default_col(1);
        let mut rows: Vec<Row> = (0..reader.max_doc())
            .map(|d| Row {
                prior: prior.get_val(d) as f32,
                more_at: 0,
                slots: [NO_ORD; SLOTS],
                tags: [NO_ORD; ROW_TAGS],
                name_words: name_words.get_val(d).min(u8::MAX as u64) as u8,
                more: 0,
            })
            .collect();
        let mut more_tags = Vec::new();
        let mut facets = Vec::with_capacity(FACETS.len());
        let mut next_slot = 0;
        for name in FACETS {
            let Some(column) = fast.str(name)? else {
                facets.push(FacetValues::new(None, Storage::Absent, keyword)?);
                continue;
            };
            let narrow = column.num_terms() < NO_ORD as usize;
            let multi = column.ords().get_cardinality().is_multivalue();
            let storage = if narrow && name == FACETS[TAG] {
                fill_tags(&mut rows, &mut more_tags, &column);
                Storage::Tags
            } else if narrow && !multi && next_slot < SLOTS {
                fill_slot(&mut rows, next_slot, &column);
                next_slot += 1;
                Storage::Slot(next_slot - 1)
            } else {
                Storage::Wide(column.clone())
            };
            facets.push(FacetValues::new(Some(&column), storage, keyword)?);
        }
        let mut bytes = Vec::with_capacity(rows.len() * ROW_BYTES);
        rows.iter().for_each(|row| row.encode(&mut bytes));
        Ok(DocValues {
            rows: OwnedBytes::new(bytes),
            more_tags,
            facets,
            with_value: Mutex::default(),
        })
    }

    /// Documents in the segment (deleted ones included).
    fn num_docs(&self) -> usize {
        self.rows.len() / ROW_BYTES
    }

    /// The documents whose facet `facet` has ordinal `ord` (built on first use, then kept).
    pub fn docs_with(&self, facet: usize, ord: usize) -> Arc<Bits> {
        let mut cache = self.with_value.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry((facet, ord))
            .or_insert_with(|| {
                let mut bits = Bits::new(self.num_docs());
                for doc in 0..self.num_docs() as DocId {
                    self.for_each_ord(facet, doc, &self.row(doc), |o| {
                        if o == ord {
                            bits.insert(doc);
                        }
                    });
                }
                Arc::new(bits)
            })
            .clone()
    }

    /// A copy of the document's row.
    #[inline]
    pub fn row(&self, doc: DocId) -> Row {
        let bytes = &self.rows[doc as usize * ROW_BYTES..];
        Row::decode(bytes.first_chunk().expect("a row per document"))
    }

    /// The final score of a document whose text clauses scored `text`.
    #[inline]
    pub fn rank(row: &Row, text: Score) -> Score {
        let shortness = 0.5 / (1.0 + row.name_words as Score);
        text * row.prior + shortness
    }

    pub fn facets(&self) -> &[FacetValues] {
        &self.facets
    }

    /// Calls `f` with each ordinal of facet `facet` that document `doc`, of row `row`, has. Only
    /// ordinals the facet has are passed on: rows mapped from a damaged file may hold others.
    #[inline]
    pub fn for_each_ord(&self, facet: usize, doc: DocId, row: &Row, mut f: impl FnMut(usize)) {
        let values = &self.facets[facet];
        let mut known = |ord: u16| {
            if (ord as usize) < values.num_values() {
                f(ord as usize);
            }
        };
        match &values.storage {
            Storage::Absent => {}
            Storage::Slot(slot) => known(row.slots[*slot]),
            Storage::Tags => {
                row.tags.iter().for_each(|&ord| known(ord));
                let more = self
                    .more_tags
                    .get(row.more_at as usize..)
                    .and_then(|tags| tags.get(..row.more as usize))
                    .unwrap_or_default();
                more.iter().for_each(|&ord| known(ord));
            }
            Storage::Wide(column) => column.term_ords(doc).for_each(|o| f(o as usize)),
        }
    }
}

/// Puts each document's tag ordinals in its row, those past [`ROW_TAGS`] in `more_tags`.
fn fill_tags(rows: &mut [Row], more_tags: &mut Vec<u16>, column: &StrColumn) {
    for (doc, row) in rows.iter_mut().enumerate() {
        let ords = column.term_ords(doc as DocId).map(|o| o as u16);
        for (i, ord) in ords.enumerate() {
            if i < ROW_TAGS {
                row.tags[i] = ord;
            } else {
                if row.more == 0 {
                    row.more_at = more_tags.len() as u32;
                }
                // Hundreds of tags on one document: count what fits.
                if row.more < u8::MAX {
                    row.more += 1;
                    more_tags.push(ord);
                }
            }
        }
    }
}

/// Puts each document's ordinal of a single-valued facet in slot `slot` of its row.
fn fill_slot(rows: &mut [Row], slot: usize, column: &StrColumn) {
    for (doc, row) in rows.iter_mut().enumerate() {
        if let Some(ord) = column.ords().first(doc as DocId) {
            row.slots[slot] = ord as u16;
        }
    }
}

/// Index of the tag facet in [`FACETS`]: the one with several values per document.
const TAG: usize = 2;

impl FacetValues {
    fn new(
        column: Option<&StrColumn>,
        storage: Storage,
        keyword: &mut TextAnalyzer,
    ) -> tantivy::Result<FacetValues> {
        let mut written = Vec::new();
        let mut normalized = Vec::new();
        if let Some(column) = column {
            written.reserve(column.num_terms());
            normalized.reserve(column.num_terms());
            let mut stream = column.dictionary().stream()?;
            while stream.advance() {
                let value = String::from_utf8_lossy(stream.key()).into_owned();
                let mut tokens = keyword.token_stream(&value);
                let indexed = if tokens.advance() {
                    tokens.token().text.clone()
                } else {
                    String::new()
                };
                drop(tokens);
                normalized.push(indexed);
                written.push(value);
            }
        }
        Ok(FacetValues {
            written,
            normalized,
            storage,
        })
    }

    pub fn num_values(&self) -> usize {
        self.normalized.len()
    }

    /// The ordinals whose value, as indexed, is `value`.
    pub fn ords_of(&self, value: &str) -> Vec<usize> {
        (0..self.normalized.len())
            .filter(|&ord| self.normalized[ord] == value)
            .collect()
    }

    /// The values as written with their counts, for the ordinals counted more than zero times.
    pub fn named(&self, counts: &[u64]) -> BTreeMap<String, u64> {
        counts
            .iter()
            .zip(&self.written)
            .filter(|(n, _)| **n > 0)
            .map(|(n, value)| (value.clone(), *n))
            .collect()
    }
}

/// A set of documents of one segment, one bit each: small enough to stay in cache while postings
/// are checked against it.
#[derive(Clone, Default)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    pub fn new(max_doc: usize) -> Bits {
        Bits(vec![0; max_doc.div_ceil(64)])
    }

    #[inline]
    pub fn insert(&mut self, doc: DocId) {
        self.0[doc as usize / 64] |= 1 << (doc % 64);
    }

    #[inline]
    pub fn remove(&mut self, doc: DocId) {
        self.0[doc as usize / 64] &= !(1 << (doc % 64));
    }

    #[inline]
    pub fn contains(&self, doc: DocId) -> bool {
        self.0[doc as usize / 64] & (1 << (doc % 64)) != 0
    }

    /// Calls `f` with each document of the set, in order.
    #[inline]
    pub fn for_each(&self, mut f: impl FnMut(DocId)) {
        for (i, &word) in self.0.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                f(i as DocId * 64 + bits.trailing_zeros());
                bits &= bits - 1;
            }
        }
    }

    pub fn union_with(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }

    pub fn intersect_with(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }

    /// Makes room for `max_doc` documents (new ones absent).
    pub fn grow(&mut self, max_doc: usize) {
        if self.0.len() < max_doc.div_ceil(64) {
            self.0.resize(max_doc.div_ceil(64), 0);
        }
    }

    /// Empties the set and resizes it to `max_doc` documents.
    pub fn clear(&mut self, max_doc: usize) {
        self.0.clear();
        self.0.resize(max_doc.div_ceil(64), 0);
    }
}

/// [`DocValues`] of the segments searched lately: mapped from their files, else built (and their
/// files written).
#[derive(Default)]
pub(crate) struct DocValuesCache {
    segments: Mutex<HashMap<SegmentId, Arc<DocValues>>>,
    /// Where the segments' files are: none for an index in memory.
    files: Option<RowsFiles>,
}

impl DocValuesCache {
    pub fn with_files(files: Option<RowsFiles>) -> DocValuesCache {
        DocValuesCache {
            segments: Mutex::default(),
            files,
        }
    }

    /// The values of every segment of `searcher`, in segment order. Segments merged away since
    /// the last call are forgotten.
    pub fn for_searcher(
        &self,
        searcher: &Searcher,
        keyword: &mut TextAnalyzer,
    ) -> tantivy::Result<Vec<Arc<DocValues>>> {
        let readers = searcher.segment_readers();
        let known: HashMap<SegmentId, Arc<DocValues>> = {
            let mut cache = self.segments.lock().unwrap_or_else(|e| e.into_inner());
            cache.retain(|id, _| readers.iter().any(|r| r.segment_id() == *id));
            cache.clone()
        };
        let mut out = Vec::with_capacity(readers.len());
        for reader in readers {
            let values = match known.get(&reader.segment_id()) {
                Some(values) => values.clone(),
                None => {
                    let values = Arc::new(self.load_or_build(reader, keyword)?);
                    self.segments
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(reader.segment_id(), values.clone());
                    values
                }
            };
            out.push(values);
        }
        Ok(out)
    }

    fn load_or_build(
        &self,
        reader: &SegmentReader,
        keyword: &mut TextAnalyzer,
    ) -> tantivy::Result<DocValues> {
        if let Some(values) = self.files.as_ref().and_then(|files| files.load(reader)) {
            return Ok(values);
        }
        let values = DocValues::build(reader, keyword)?;
        if let Some(files) = &self.files {
            files.save(reader.segment_id(), &values);
        }
        Ok(values)
    }

    /// Removes the files of segments `searcher` does not have (merged away or deleted).
    pub fn remove_other_files(&self, searcher: &Searcher) {
        if let Some(files) = &self.files {
            let live: Vec<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(|r| r.segment_id())
                .collect();
            files.keep_only(&live);
        }
    }
}
