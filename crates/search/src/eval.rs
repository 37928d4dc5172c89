//! Evaluates a query [`Plan`] term at a time: each clause's postings are walked once, adding its
//! score into per-document accumulators, then one pass over the matched documents counts them,
//! counts their facets and keeps the best page.
//!
//! Why not tantivy's boolean scorers: a broad query (a column name, "customer") matches 10⁴–10⁵
//! of a million documents, and every match must be visited anyway for the total and the facets.
//! Nested unions of per-field scorers spent ~70 ns per match refilling buffers and calling through
//! boxed scorers; walking postings into flat arrays costs a few ns per posting. Scores are the
//! same sums tantivy's `BooleanQuery` computes (a test checks this against it).
//!
//! A broad query is shared between the calling thread and a small pool: each takes an even share
//! of the documents (whole segments, one cut where needed) with its own accumulators and best
//! page, merged at the end. A test checks that the outcome never depends on the cut.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::query::{AllQuery, Bm25Weight, EnableScoring, PhraseQuery, Query, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED, Term,
};

use crate::doc_values::{Bits, DocValues, Row};
use crate::facets::{self, Facets, SegmentFacetCounts};

/// How a clause scores the documents it matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ClauseScore {
    /// The same score for every match (name tiers: ranking by kind of match, not frequency).
    Constant(Score),
    /// BM25 times this weight (descriptions and columns, where frequency matters).
    Bm25(Score),
}

/// How many documents a clause may match, to walk the most selective group first.
#[derive(Debug, Clone)]
enum Size {
    /// At most the smallest document frequency of these terms.
    Terms(Vec<Term>),
    /// Few, but not known without expanding (typo variants of a name word).
    Few,
    /// Possibly a large part of the index (prefix expansions).
    Many,
}

pub(crate) struct Clause {
    matcher: Matcher,
    score: ClauseScore,
    size: Size,
}

/// What a clause matches.
enum Matcher {
    /// One term: its postings are read directly, the hot case.
    Term(Term),
    Query(Box<dyn Query>),
}

impl Clause {
    /// Documents containing `term`.
    pub fn term(term: Term, score: ClauseScore) -> Clause {
        Clause {
            matcher: Matcher::Term(term.clone()),
            score,
            size: Size::Terms(vec![term]),
        }
    }

    /// Documents containing these terms in this order.
    pub fn phrase(terms: Vec<Term>, score: ClauseScore) -> Clause {
        Clause {
            matcher: Matcher::Query(Box::new(PhraseQuery::new(terms.clone()))),
            score,
            size: Size::Terms(terms),
        }
    }

    /// Any query with few matches (typo variants, whole-name forms), each scored `score`.
    pub fn constant(query: impl Query, score: Score) -> Clause {
        Clause {
            matcher: Matcher::Query(Box::new(query)),
            score: ClauseScore::Constant(score),
            size: Size::Few,
        }
    }

    /// A prefix expansion, each match scored `score`.
    pub fn prefix(query: Box<dyn Query>, score: Score) -> Clause {
        Clause {
            matcher: Matcher::Query(query),
            score: ClauseScore::Constant(score),
            size: Size::Many,
        }
    }

    /// Sort key: groups whose size is unknown go last, the others smallest first.
    fn estimate(&self, searcher: &Searcher) -> (bool, u64) {
        match &self.size {
            Size::Terms(terms) => {
                let smallest = terms
                    .iter()
                    .map(|t| searcher.doc_freq(t).unwrap_or(0))
                    .min()
                    .unwrap_or(0);
                (false, smallest)
            }
            Size::Few => (false, 0),
            Size::Many => (true, 0),
        }
    }

    fn weigh(&self, searcher: &Searcher) -> tantivy::Result<ClauseWeight> {
        Ok(match (&self.matcher, self.score) {
            (Matcher::Term(term), ClauseScore::Constant(score)) => ClauseWeight::Term {
                term: term.clone(),
                score: TermScore::Constant(score),
            },
            (Matcher::Term(term), ClauseScore::Bm25(weight)) => ClauseWeight::Term {
                term: term.clone(),
                score: TermScore::Bm25(Box::new(
                    Bm25Weight::for_terms(searcher, std::slice::from_ref(term))?.boost_by(weight),
                )),
            },
            (Matcher::Query(query), ClauseScore::Constant(_)) => ClauseWeight::Query {
                weight: query.weight(EnableScoring::disabled_from_searcher(searcher))?,
                score: self.score,
            },
            (Matcher::Query(query), ClauseScore::Bm25(_)) => ClauseWeight::Query {
                weight: query.weight(EnableScoring::enabled_from_searcher(searcher))?,
                score: self.score,
            },
        })
    }
}

/// What one attempt of a query asks for (built in `query.rs`).
#[derive(Default)]
pub(crate) struct Plan {
    /// A document matches when it matches at least one clause of every group (a group per word
    /// or quoted phrase); its score is the sum of every clause it matches. No group: every
    /// document (of the filters) matches.
    pub groups: Vec<Vec<Clause>>,
    /// Added to the score of documents that match the groups; they admit none on their own
    /// (whole-name equality and whole-name prefix).
    pub boosts: Vec<Clause>,
}

/// A facet filter: documents whose facet `facet` (index into [`FACETS`](crate::schema::FACETS)) has this value, compared
/// as indexed (lowercase, ASCII-folded).
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub facet: usize,
    /// The normalised value.
    pub value: String,
    /// The same value as a term of the facet's field.
    pub term: Term,
}

/// The best `offset + limit` documents, the total and the facets of one evaluation.
#[derive(Default)]
pub(crate) struct Evaluation {
    pub total: u64,
    /// Best first, `offset` already skipped.
    pub top: Vec<(Score, DocAddress)>,
    pub facets: Facets,
}

/// Per-document accumulators, kept between searches so a query allocates nothing proportional to
/// the index. Only the touched entries are reset afterwards.
#[derive(Default)]
pub(crate) struct Scratch {
    /// One per document of the segment.
    acc: Vec<Accumulator>,
    /// The documents the first group admitted.
    admitted: Bits,
    /// Documents admitted by the first group (the entries to reset).
    touched: Vec<DocId>,
    /// Documents that matched every group so far, in order (when later groups look them up).
    survivors: Vec<DocId>,
    /// Documents that matched every group.
    matched: Vec<DocId>,
    /// The live matches with their rows and text scores.
    rows: Vec<(DocId, Row, Score)>,
}

/// A document's score and groups, side by side: each posting then costs one cache line at most.
#[derive(Debug, Clone, Copy, Default)]
struct Accumulator {
    score: Score,
    /// Bit `i` set: the document matched group `i` (in evaluation order).
    groups: u32,
}

/// A pool of [`Scratch`]es, one per thread of a search.
#[derive(Default)]
struct ScratchPool(Mutex<Vec<Scratch>>);

impl ScratchPool {
    fn take(&self) -> Scratch {
        self.0
            .lock()
            .map(|mut pool| pool.pop())
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn give_back(&self, scratch: Scratch) {
        if let Ok(mut pool) = self.0.lock() {
            pool.push(scratch);
        }
    }
}

enum ClauseWeight {
    Term {
        term: Term,
        score: TermScore,
    },
    Query {
        weight: Box<dyn Weight>,
        score: ClauseScore,
    },
}

enum TermScore {
    Constant(Score),
    /// With the clause's weight folded in (boxed: it carries a 1 KB table of norms).
    Bm25(Box<Bm25Weight>),
}

/// Below this share of a term's postings, candidates are looked up in them by skipping
/// (`seek`) rather than by reading every posting.
const SEEK_RATIO: usize = 4;

impl ClauseWeight {
    /// Whether looking `remaining` candidates up reads less than walking the clause's postings.
    fn worth_seeking(&self, reader: &SegmentReader, remaining: usize) -> tantivy::Result<bool> {
        let postings = match self {
            ClauseWeight::Term { term, .. } => {
                reader.inverted_index(term.field())?.doc_freq(term)? as usize
            }
            // Unknown without expanding it; at worst every document.
            ClauseWeight::Query { .. } => reader.max_doc() as usize,
        };
        Ok(remaining * SEEK_RATIO < postings)
    }

    /// Calls `f` with the clause's score for each matching document among `docs`: all of them,
    /// or only those among `candidates` (sorted, within `docs`), looked up by skipping through the
    /// postings.
    fn visit<F: FnMut(DocId, Score)>(
        &self,
        reader: &SegmentReader,
        docs: &Range<DocId>,
        candidates: Option<&[DocId]>,
        f: &mut F,
    ) -> tantivy::Result<()> {
        match self {
            ClauseWeight::Term { term, score } => {
                let option = match score {
                    TermScore::Constant(_) => IndexRecordOption::Basic,
                    TermScore::Bm25(_) => IndexRecordOption::WithFreqs,
                };
                let inverted = reader.inverted_index(term.field())?;
                let Some(mut postings) = inverted.read_postings(term, option)? else {
                    return Ok(());
                };
                let candidates =
                    candidates.filter(|c| c.len() * SEEK_RATIO < postings.doc_freq() as usize);
                match score {
                    TermScore::Constant(score) => {
                        each_match(&mut postings, docs, candidates, |_, doc| f(doc, *score));
                    }
                    TermScore::Bm25(bm25) => {
                        // As tantivy's term scorer: a field without norms counts every document
                        // as one token.
                        let norms = reader
                            .fieldnorms_readers()
                            .get_field(term.field())?
                            .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
                        each_match(&mut postings, docs, candidates, |postings, doc| {
                            f(
                                doc,
                                bm25.score(norms.fieldnorm_id(doc), postings.term_freq()),
                            );
                        });
                    }
                }
                Ok(())
            }
            ClauseWeight::Query { weight, score } => {
                let whole = docs.start == 0 && docs.end >= reader.max_doc();
                match (candidates, *score) {
                    (None, ClauseScore::Constant(constant)) if whole => {
                        weight.for_each_no_score(reader, &mut |docs| {
                            for &doc in docs {
                                f(doc, constant);
                            }
                        })
                    }
                    (None, ClauseScore::Bm25(boost)) if whole => {
                        weight.for_each(reader, &mut |doc, score| f(doc, score * boost))
                    }
                    _ => {
                        let mut scorer = weight.scorer(reader, 1.0)?;
                        each_match(&mut *scorer, docs, candidates, |scorer, doc| {
                            f(
                                doc,
                                match score {
                                    ClauseScore::Constant(constant) => *constant,
                                    ClauseScore::Bm25(boost) => scorer.score() * boost,
                                },
                            );
                        });
                        Ok(())
                    }
                }
            }
        }
    }
}

/// Calls `f` for each document of `docs` within `range`, or only for those also in `candidates`
/// (sorted, within `range`), skipping to each in turn.
#[inline]
fn each_match<D: DocSet + ?Sized>(
    docs: &mut D,
    range: &Range<DocId>,
    candidates: Option<&[DocId]>,
    mut f: impl FnMut(&mut D, DocId),
) {
    match candidates {
        None => {
            let mut doc = docs.doc();
            if doc < range.start {
                doc = docs.seek(range.start);
            }
            // TERMINATED is above every range.
            while doc < range.end {
                f(docs, doc);
                doc = docs.advance();
            }
        }
        Some(candidates) => {
            for &candidate in candidates {
                let mut doc = docs.doc();
                if doc < candidate {
                    doc = docs.seek(candidate);
                }
                if doc == TERMINATED {
                    break;
                }
                if doc == candidate {
                    f(docs, doc);
                }
            }
        }
    }
}

/// Runs plans: holds the scratch kept between searches and the threads a broad query is shared
/// between.
pub(crate) struct Evaluator {
    scratch: ScratchPool,
    /// Threads that take parts beside the caller; `None`: the caller alone.
    workers: Option<rayon::ThreadPool>,
    /// Below this many postings (estimated), the caller runs the query alone: waking another
    /// thread would cost more than it saves.
    min_work: u64,
    /// Segments smaller than this are not cut into parts.
    min_part_docs: u32,
}

impl Evaluator {
    /// One thread per core beyond the caller's, at most three: a query's parts are few.
    pub fn for_this_machine() -> Evaluator {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Evaluator {
            scratch: ScratchPool::default(),
            workers: Self::workers(cores.min(4) - 1),
            min_work: 16_384,
            min_part_docs: 32_768,
        }
    }

    /// Every query cut into as many parts as possible (tests: the outcome must not change).
    #[cfg(test)]
    pub fn eager(threads: usize) -> Evaluator {
        Evaluator {
            scratch: ScratchPool::default(),
            workers: Self::workers(threads),
            min_work: 0,
            min_part_docs: 1,
        }
    }

    fn workers(threads: usize) -> Option<rayon::ThreadPool> {
        if threads == 0 {
            return None;
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("meshlens-search-{i}"))
            .build()
            .ok()
    }

    /// The threads for a query of about `work` postings.
    fn workers_for(&self, work: u64) -> Option<&rayon::ThreadPool> {
        self.workers.as_ref().filter(|_| work >= self.min_work)
    }
}

/// Runs `plan` with `filters` over every segment. A broad query's documents are dealt into even
/// shares ([`shares`]), one for the calling thread and one per worker; each share keeps its own
/// scratch and best page, merged at the end. The outcome does not depend on how the work was cut:
/// every order is total.
pub(crate) fn evaluate(
    evaluator: &Evaluator,
    searcher: &Searcher,
    plan: Plan,
    filters: &[Filter],
    (offset, want): (usize, usize),
    doc_values: &[Arc<DocValues>],
) -> tantivy::Result<Evaluation> {
    let Plan { mut groups, boosts } = plan;
    if groups.is_empty() {
        groups.push(vec![browse_generator(searcher, filters)]);
    }
    assert!(groups.len() <= 32, "at most 32 groups fit the group mask");
    let (groups, work) = weigh_groups(searcher, &groups)?;
    let boosts: Vec<ClauseWeight> = boosts
        .iter()
        .map(|c| c.weigh(searcher))
        .collect::<tantivy::Result<_>>()?;
    let segments: Vec<Segment> = searcher
        .segment_readers()
        .iter()
        .zip(doc_values)
        .enumerate()
        .map(|(ord, (reader, values))| Segment {
            ord: ord as SegmentOrdinal,
            reader,
            values,
            groups: &groups,
            boosts: &boosts,
        })
        .collect();
    let partials = evaluate_shares(evaluator, &segments, filters, want, work);
    merge_partials(partials, &segments, (offset, want))
}

/// Browsing (no text): the documents of the most selective filter, else all of them, each scoring
/// 1 (so the prior alone orders them).
fn browse_generator(searcher: &Searcher, filters: &[Filter]) -> Clause {
    filters
        .iter()
        .min_by_key(|f| searcher.doc_freq(&f.term).unwrap_or(0))
        .map_or_else(
            || Clause::constant(AllQuery, 1.0),
            |f| Clause::term(f.term.clone(), ClauseScore::Constant(1.0)),
        )
}

/// The groups weighed, the most selective first, and the postings they will read in all.
fn weigh_groups(
    searcher: &Searcher,
    groups: &[Vec<Clause>],
) -> tantivy::Result<(Vec<Vec<ClauseWeight>>, u64)> {
    let estimates: Vec<(bool, u64)> = groups
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|c| c.estimate(searcher))
                .fold((false, 0u64), |(many, n), (m, k)| (many || m, n + k))
        })
        .collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&i| estimates[i]);
    let work: u64 = estimates
        .iter()
        .map(|&(many, n)| if many { searcher.num_docs() } else { n })
        .sum();
    let weighed = order
        .iter()
        .map(|&i| groups[i].iter().map(|c| c.weigh(searcher)).collect())
        .collect::<tantivy::Result<_>>()?;
    Ok((weighed, work))
}

/// Deals the segments' documents into even shares, one for the calling thread and one per worker
/// when the query is broad enough, and evaluates each with its own scratch and best page.
fn evaluate_shares(
    evaluator: &Evaluator,
    segments: &[Segment],
    filters: &[Filter],
    want: usize,
    work: u64,
) -> Vec<Partial> {
    let pool = &evaluator.scratch;
    let workers = evaluator.workers_for(work);
    let threads = workers.map_or(1, |w| w.current_num_threads() + 1);
    let sizes: Vec<u32> = segments.iter().map(|s| s.reader.max_doc()).collect();
    let shares = shares(&sizes, threads, evaluator.min_part_docs);
    let evaluate_share = |share: &[(usize, Range<DocId>)]| {
        let mut scratch = pool.take();
        let mut partial = Partial::new(want);
        for (segment, docs) in share {
            let evaluated =
                segments[*segment].evaluate(docs.clone(), filters, &mut scratch, &mut partial.top);
            // Before anything else, error or not: the scratch goes back to the pool clean.
            scratch.reset();
            match evaluated {
                Ok(Some((matched, counts))) => {
                    partial.total += matched;
                    partial.facets.push((*segment, counts));
                }
                Ok(None) => {}
                Err(e) => {
                    partial.error = Some(e);
                    break;
                }
            }
        }
        pool.give_back(scratch);
        partial
    };
    match (workers, shares.split_first()) {
        (Some(workers), Some((own, others))) if !others.is_empty() => {
            let helped = Mutex::new(Vec::with_capacity(shares.len()));
            let keep = |partial| {
                helped
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(partial)
            };
            workers.in_place_scope(|scope| {
                for share in others {
                    scope.spawn(|_| keep(evaluate_share(share)));
                }
                keep(evaluate_share(own));
            });
            helped.into_inner().unwrap_or_else(|e| e.into_inner())
        }
        _ => shares.iter().map(|share| evaluate_share(share)).collect(),
    }
}

/// One page and one set of facet counts from every share's findings: every order is total, so the
/// outcome does not depend on how the work was cut.
fn merge_partials(
    partials: Vec<Partial>,
    segments: &[Segment],
    (offset, want): (usize, usize),
) -> tantivy::Result<Evaluation> {
    let mut top = TopK::new(want);
    let mut total = 0u64;
    let mut per_segment: Vec<Option<SegmentFacetCounts>> =
        (0..segments.len()).map(|_| None).collect();
    for partial in partials {
        if let Some(e) = partial.error {
            return Err(e);
        }
        total += partial.total;
        for ranked in partial.top.heap {
            top.offer(ranked.score, ranked.address);
        }
        for (segment, counts) in partial.facets {
            match &mut per_segment[segment] {
                Some(sum) => sum.absorb(counts),
                empty => *empty = Some(counts),
            }
        }
    }
    let facet_counts = per_segment
        .into_iter()
        .zip(segments)
        .filter_map(|(counts, segment)| Some(counts?.harvest(segment.values)))
        .collect();
    Ok(Evaluation {
        total,
        top: top.into_sorted().into_iter().skip(offset).collect(),
        facets: facets::merge(facet_counts),
    })
}

/// What one thread found in the parts it took.
struct Partial {
    top: TopK,
    total: u64,
    facets: Vec<(usize, SegmentFacetCounts)>,
    error: Option<tantivy::TantivyError>,
}

impl Partial {
    fn new(want: usize) -> Partial {
        Partial {
            top: TopK::new(want),
            total: 0,
            facets: Vec::new(),
            error: None,
        }
    }
}

/// The documents of segments of `sizes` documents dealt into `threads` shares of about as many
/// documents each, a share being a list of (segment index, documents). Segments go whole where they fit; a share's last
/// one may be cut (only those of `min_docs` documents or more), so at most `threads - 1` segments
/// are split (a part costs its own postings lookups).
fn shares(sizes: &[u32], threads: usize, min_docs: u32) -> Vec<Vec<(usize, Range<DocId>)>> {
    let total: u64 = sizes.iter().map(|&n| u64::from(n)).sum();
    let fair = total.div_ceil(threads as u64).max(1);
    let mut shares = vec![Vec::new()];
    let mut room = fair;
    for (i, &max_doc) in sizes.iter().enumerate() {
        let mut start = 0;
        while start < max_doc {
            let left = max_doc - start;
            let full = room == 0 && shares.len() < threads;
            if full {
                shares.push(Vec::new());
                room = fair;
            }
            let take = if u64::from(left) <= room || max_doc < min_docs || shares.len() == threads {
                left
            } else {
                room as u32
            };
            shares
                .last_mut()
                .expect("one share at least")
                .push((i, start..start + take));
            room = room.saturating_sub(u64::from(take));
            start += take;
        }
    }
    shares
}

struct Segment<'a> {
    ord: SegmentOrdinal,
    reader: &'a SegmentReader,
    values: &'a DocValues,
    groups: &'a [Vec<ClauseWeight>],
    boosts: &'a [ClauseWeight],
}

impl Segment<'_> {
    /// The number of matches among `docs` and their facet counts; `None` when none can match.
    fn evaluate(
        &self,
        docs: Range<DocId>,
        filters: &[Filter],
        scratch: &mut Scratch,
        top: &mut TopK,
    ) -> tantivy::Result<Option<(u64, SegmentFacetCounts)>> {
        let Ok(passing) = filtered(self.values, filters) else {
            return Ok(None);
        };
        let max_doc = self.reader.max_doc() as usize;
        scratch.acc.resize(max_doc, Accumulator::default());
        scratch.admitted.grow(max_doc);
        let Scratch {
            acc,
            admitted,
            touched,
            survivors,
            matched,
            rows,
        } = scratch;
        let last = self.groups.len() - 1;

        // The first group admits candidates (that pass the filters); each later one keeps those
        // that matched all before it. Both checks read a bitset that stays in cache, so postings
        // of documents that cannot match cost no access to the accumulators. Once few candidates
        // are left, later groups look them up instead of reading all their postings.
        let mut remaining = 0usize;
        for (i, group) in self.groups.iter().enumerate() {
            let bit = 1u32 << i;
            let before = bit - 1;
            let mut survivors_listed = false;
            let mut gained = 0usize;
            for clause in group {
                let seek = i > 0 && clause.worth_seeking(self.reader, remaining)?;
                if seek && !survivors_listed {
                    survivors.clear();
                    admitted.for_each(|d| {
                        if acc[d as usize].groups & before == before {
                            survivors.push(d);
                        }
                    });
                    survivors_listed = true;
                }
                let candidates = seek.then_some(&survivors[..]);
                clause.visit(self.reader, &docs, candidates, &mut |doc, s| {
                    if i == 0 {
                        if passing.as_ref().is_some_and(|p| !p.contains(doc)) {
                            return;
                        }
                    } else if !admitted.contains(doc) {
                        return;
                    }
                    let a = &mut acc[doc as usize];
                    if a.groups & before != before {
                        return;
                    }
                    if a.groups & bit == 0 {
                        if i == 0 {
                            touched.push(doc);
                            admitted.insert(doc);
                        }
                        if i == last {
                            matched.push(doc);
                        }
                        gained += 1;
                        a.groups |= bit;
                    }
                    a.score += s;
                })?;
            }
            if gained == 0 {
                return Ok(None);
            }
            remaining = gained;
        }
        let all = u32::MAX >> (32 - self.groups.len());
        for boost in self.boosts {
            boost.visit(self.reader, &docs, None, &mut |doc, s| {
                let a = &mut acc[doc as usize];
                if a.groups == all {
                    a.score += s;
                }
            })?;
        }

        // Gathering the matches' rows first, in document order, lets the CPU fetch many at once;
        // read one by one amid the counting, each row was a cache miss waited for in turn.
        // Many matches are put in order by a sweep of the admitted set, a few by sorting.
        if matched.len() * 16 < touched.len() {
            matched.sort_unstable();
        } else {
            matched.clear();
            admitted.for_each(|d| {
                if acc[d as usize].groups == all {
                    matched.push(d);
                }
            });
        }
        let alive = self.reader.alive_bitset();
        let values = self.values;
        rows.clear();
        rows.extend(
            matched
                .iter()
                .filter(|&&doc| alive.is_none_or(|a| a.is_alive(doc)))
                .map(|&doc| (doc, values.row(doc), acc[doc as usize].score)),
        );
        let mut facets = SegmentFacetCounts::new(values);
        for (doc, row, text) in rows.iter() {
            facets.add(values, *doc, row);
            top.offer(DocValues::rank(row, *text), DocAddress::new(self.ord, *doc));
        }
        Ok(Some((rows.len() as u64, facets)))
    }
}

impl Scratch {
    fn reset(&mut self) {
        // Clearing a large share entry by entry costs more than clearing everything.
        if self.touched.len() > self.acc.len() / 8 {
            self.acc.fill(Accumulator::default());
            self.admitted.clear(self.acc.len());
        } else {
            for &doc in &self.touched {
                self.acc[doc as usize] = Accumulator::default();
                self.admitted.remove(doc);
            }
        }
        self.touched.clear();
        self.survivors.clear();
        self.matched.clear();
    }
}

/// The documents of a segment that pass every filter. `Err(())` when none can: some filter's
/// value does not occur in the segment. `Ok(None)` without filters.
fn filtered(values: &DocValues, filters: &[Filter]) -> Result<Option<Arc<Bits>>, ()> {
    let mut passing: Option<Arc<Bits>> = None;
    for filter in filters {
        let ords = values.facets()[filter.facet].ords_of(&filter.value);
        let mut with_value: Option<Arc<Bits>> = None;
        for ord in ords {
            let docs = values.docs_with(filter.facet, ord);
            with_value = Some(match with_value {
                None => docs,
                Some(mut some) => {
                    Arc::make_mut(&mut some).union_with(&docs);
                    some
                }
            });
        }
        let with_value = with_value.ok_or(())?;
        passing = Some(match passing {
            None => with_value,
            Some(mut some) => {
                Arc::make_mut(&mut some).intersect_with(&with_value);
                some
            }
        });
    }
    Ok(passing)
}

/// The best `want` documents seen: highest score first, ties to the lower address (as tantivy's
/// `TopDocs`).
struct TopK {
    want: usize,
    /// The worst kept document on top.
    heap: BinaryHeap<Ranked>,
}

#[derive(Debug, Clone, Copy)]
struct Ranked {
    score: Score,
    address: DocAddress,
}

impl Ord for Ranked {
    /// Greater is worse.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.address.cmp(&other.address))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl TopK {
    fn new(want: usize) -> TopK {
        TopK {
            want,
            heap: BinaryHeap::with_capacity(want + 1),
        }
    }

    fn offer(&mut self, score: Score, address: DocAddress) {
        let candidate = Ranked { score, address };
        if self.heap.len() < self.want {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && candidate < *worst
        {
            *worst = candidate;
        }
    }

    fn into_sorted(self) -> Vec<(Score, DocAddress)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|r| (r.score, r.address))
            .collect()
    }
}

#[cfg(test)]
impl Plan {
    /// The same query as one tantivy `BooleanQuery`, evaluated by tantivy's own scorers: the
    /// reference the evaluator is checked against.
    pub fn reference_query(&self, filters: &[Filter]) -> Box<dyn Query> {
        use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, TermQuery};
        let clause = |c: &Clause| -> Box<dyn Query> {
            let query: Box<dyn Query> = match (&c.matcher, c.score) {
                (Matcher::Term(term), ClauseScore::Constant(_)) => {
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic))
                }
                (Matcher::Term(term), ClauseScore::Bm25(_)) => {
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs))
                }
                (Matcher::Query(query), _) => query.box_clone(),
            };
            match c.score {
                ClauseScore::Constant(score) => Box::new(ConstScoreQuery::new(query, score)),
                ClauseScore::Bm25(weight) => Box::new(BoostQuery::new(query, weight)),
            }
        };
        let mut top: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for filter in filters {
            let term = TermQuery::new(filter.term.clone(), IndexRecordOption::Basic);
            top.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(term), 0.0)),
            ));
        }
        if self.groups.is_empty() {
            top.push((Occur::Must, Box::new(AllQuery)));
        }
        for group in &self.groups {
            let any = group.iter().map(|c| (Occur::Should, clause(c))).collect();
            top.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        for boost in &self.boosts {
            top.push((Occur::Should, clause(boost)));
        }
        Box::new(BooleanQuery::new(top))
    }
}

#[cfg(test)]
mod tests {
    use super::shares;

    #[test]
    fn shares_are_even_and_cut_few_segments() {
        // Three large segments and two small ones on two threads: one large one is cut in two.
        let got = shares(&[300, 300, 300, 6, 5], 2, 100);
        assert_eq!(
            got,
            vec![
                vec![(0, 0..300), (1, 0..156)],
                vec![(1, 156..300), (2, 0..300), (3, 0..6), (4, 0..5)],
            ]
        );
        // Small segments are never cut; one thread takes everything whole.
        assert_eq!(
            shares(&[50, 50, 1], 2, 100),
            vec![vec![(0, 0..50), (1, 0..50)], vec![(2, 0..1)]]
        );
        assert_eq!(shares(&[10, 20], 1, 1), vec![vec![(0, 0..10), (1, 0..20)]]);
        // Every document is dealt exactly once, whatever the cut.
        for threads in 1..=4 {
            let sizes = [7, 1000, 0, 333, 64, 2];
            let mut seen: Vec<(usize, u32)> = shares(&sizes, threads, 1)
                .into_iter()
                .flatten()
                .flat_map(|(i, docs)| docs.map(move |d| (i, d)))
                .collect();
            seen.sort_unstable();
            let all: Vec<(usize, u32)> = sizes
                .iter()
                .enumerate()
                .flat_map(|(i, &n)| (0..n).map(move |d| (i, d)))
                .collect();
            assert_eq!(seen, all, "{threads} threads");
            assert!(shares(&sizes, threads, 1).len() <= threads);
        }
    }
}
