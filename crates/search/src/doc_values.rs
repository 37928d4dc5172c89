//! Flat per-segment copies of the values every match reads: its prior, its name length and its
//! facet ordinals.
//!
//! Why: a broad query visits 10⁴–10⁵ matches, each read for the final score, the filters and six
//! facets. Through tantivy's columnar codecs (optional index, bit-unpacking, monotonic mapping)
//! those reads were a third of the query; from plain arrays they are a load each. The cost is about
//! 20 bytes per document, built once per segment (segments never change; deletes do not matter here).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, Score, Searcher, SegmentReader};

use crate::schema::{FACETS, NAME_WORDS, PRIOR};

/// A facet without a value for a document.
const NO_ORD: u16 = u16::MAX;
/// Tags kept in a document's row; more go to [`DocValues::more_tags`].
const ROW_TAGS: usize = 2;

pub(crate) struct DocValues {
    /// One row per document: everything a match reads, in one or two cache lines. A broad query's
    /// matches are scattered over the segment, so each separate array read would be a cache miss.
    rows: Vec<Row>,
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
    slots: [u16; FACETS.len() - 1],
    tags: [u16; ROW_TAGS],
    /// Words in the name, capped at 255: shorter names are closer to what was typed.
    name_words: u8,
    more: u8,
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
        let max_doc = reader.max_doc();
        let prior = fast.f64(PRIOR)?.first_or_default_col(1.0);
        let name_words = fast.u64(NAME_WORDS)?.first_or_default_col(1);
        let mut rows: Vec<Row> = (0..max_doc)
            .map(|d| Row {
                prior: prior.get_val(d) as f32,
                more_at: 0,
                slots: [NO_ORD; FACETS.len() - 1],
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
                Storage::Tags
            } else if narrow && !multi && next_slot < FACETS.len() - 1 {
                let slot = next_slot;
                next_slot += 1;
                for (doc, row) in rows.iter_mut().enumerate() {
                    if let Some(ord) = column.ords().first(doc as DocId) {
                        row.slots[slot] = ord as u16;
                    }
                }
                Storage::Slot(slot)
            } else {
                Storage::Wide(column.clone())
            };
            facets.push(FacetValues::new(Some(&column), storage, keyword)?);
        }
        Ok(DocValues {
            rows,
            more_tags,
            facets,
            with_value: Mutex::default(),
        })
    }

    /// The documents whose facet `facet` has ordinal `ord` (built on first use, then kept).
    pub fn docs_with(&self, facet: usize, ord: usize) -> Arc<Bits> {
        let mut cache = self.with_value.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry((facet, ord))
            .or_insert_with(|| {
                let mut bits = Bits::new(self.rows.len());
                for (doc, row) in self.rows.iter().enumerate() {
                    let doc = doc as DocId;
                    self.for_each_ord(facet, doc, row, |o| {
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
        self.rows[doc as usize]
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

    /// Calls `f` with each ordinal of facet `facet` that document `doc`, of row `row`, has.
    #[inline]
    pub fn for_each_ord(&self, facet: usize, doc: DocId, row: &Row, mut f: impl FnMut(usize)) {
        match &self.facets[facet].storage {
            Storage::Absent => {}
            Storage::Slot(slot) => {
                if row.slots[*slot] != NO_ORD {
                    f(row.slots[*slot] as usize);
                }
            }
            Storage::Tags => {
                for &ord in row.tags.iter().take_while(|&&o| o != NO_ORD) {
                    f(ord as usize);
                }
                let more = &self.more_tags[row.more_at as usize..][..row.more as usize];
                for &ord in more {
                    f(ord as usize);
                }
            }
            Storage::Wide(column) => column.term_ords(doc).for_each(|o| f(o as usize)),
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

/// [`DocValues`] of the segments searched lately, built on first use.
#[derive(Default)]
pub(crate) struct DocValuesCache(Mutex<HashMap<SegmentId, Arc<DocValues>>>);

impl DocValuesCache {
    /// The values of every segment of `searcher`, in segment order. Segments merged away since
    /// the last call are forgotten.
    pub fn for_searcher(
        &self,
        searcher: &Searcher,
        keyword: &mut TextAnalyzer,
    ) -> tantivy::Result<Vec<Arc<DocValues>>> {
        let readers = searcher.segment_readers();
        let known: HashMap<SegmentId, Arc<DocValues>> = {
            let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
            cache.retain(|id, _| readers.iter().any(|r| r.segment_id() == *id));
            cache.clone()
        };
        let mut out = Vec::with_capacity(readers.len());
        for reader in readers {
            let values = match known.get(&reader.segment_id()) {
                Some(values) => values.clone(),
                None => {
                    let built = Arc::new(DocValues::build(reader, keyword)?);
                    self.0
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(reader.segment_id(), built.clone());
                    built
                }
            };
            out.push(values);
        }
        Ok(out)
    }
}
