//! Evaluates a query [`Plan`] term at a time: each clause's postings are walked once, adding its
//! score into per-document accumulators, then one pass over the matched documents counts them,
//! counts their facets and keeps the best page.
//!
//! Why not tantivy's boolean scorers: a broad query (a column name, "customer") matches 10⁴–10⁵
//! of a million documents, and every match must be visited anyway for the total and the facets.
//! Nested unions of per-field scorers spent ~70 ns per match refilling buffers and calling through
//! boxed scorers; walking postings into flat arrays costs a few ns per posting. Scores are the
//! same sums tantivy's `BooleanQuery` computes (a test checks this against it).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::query::{AllQuery, Bm25Weight, EnableScoring, PhraseQuery, Query, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED, Term,
};

use crate::doc_values::{Bits, DocValues, Row};
use crate::facets::{self, Counts, Facets, SegmentFacetCounts};

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

/// A pool of [`Scratch`]es, one per concurrent search.
#[derive(Default)]
pub(crate) struct ScratchPool(Mutex<Vec<Scratch>>);

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

    /// Calls `f` with the clause's score for each matching document of the segment: all of them,
    /// or only those among `candidates` (sorted), looked up by skipping through the postings.
    fn visit<F: FnMut(DocId, Score)>(
        &self,
        reader: &SegmentReader,
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
                        each_match(&mut postings, candidates, |_, doc| f(doc, *score));
                    }
                    TermScore::Bm25(bm25) => {
                        // As tantivy's term scorer: a field without norms counts every document
                        // as one token.
                        let norms = reader
                            .fieldnorms_readers()
                            .get_field(term.field())?
                            .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
                        each_match(&mut postings, candidates, |postings, doc| {
                            f(
                                doc,
                                bm25.score(norms.fieldnorm_id(doc), postings.term_freq()),
                            );
                        });
                    }
                }
                Ok(())
            }
            ClauseWeight::Query { weight, score } => match (candidates, *score) {
                (Some(candidates), _) => {
                    let mut scorer = weight.scorer(reader, 1.0)?;
                    each_match(&mut *scorer, Some(candidates), |scorer, doc| {
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
                (None, ClauseScore::Constant(constant)) => {
                    weight.for_each_no_score(reader, &mut |docs| {
                        for &doc in docs {
                            f(doc, constant);
                        }
                    })
                }
                (None, ClauseScore::Bm25(boost)) => {
                    weight.for_each(reader, &mut |doc, score| f(doc, score * boost))
                }
            },
        }
    }
}

/// Calls `f` for each document of `docs`, or only for those also in `candidates` (sorted),
/// skipping to each in turn.
#[inline]
fn each_match<D: DocSet + ?Sized>(
    docs: &mut D,
    candidates: Option<&[DocId]>,
    mut f: impl FnMut(&mut D, DocId),
) {
    match candidates {
        None => {
            let mut doc = docs.doc();
            while doc != TERMINATED {
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

/// Runs `plan` with `filters` over every segment.
pub(crate) fn evaluate(
    searcher: &Searcher,
    plan: Plan,
    filters: &[Filter],
    want: usize,
    offset: usize,
    doc_values: &[Arc<DocValues>],
    pool: &ScratchPool,
) -> tantivy::Result<Evaluation> {
    let Plan { mut groups, boosts } = plan;
    if groups.is_empty() {
        // Browsing: the documents of the most selective filter, else all of them, each scoring 1
        // (so the prior alone orders them).
        let generator = filters
            .iter()
            .min_by_key(|f| searcher.doc_freq(&f.term).unwrap_or(0))
            .map_or_else(
                || Clause::constant(AllQuery, 1.0),
                |f| Clause::term(f.term.clone(), ClauseScore::Constant(1.0)),
            );
        groups.push(vec![generator]);
    }
    assert!(groups.len() <= 32, "at most 32 groups fit the group mask");
    groups.sort_by_cached_key(|group| {
        group
            .iter()
            .map(|c| c.estimate(searcher))
            .fold((false, 0u64), |(many, n), (m, k)| (many || m, n + k))
    });
    let weigh = |clauses: &[Clause]| -> tantivy::Result<Vec<ClauseWeight>> {
        clauses.iter().map(|c| c.weigh(searcher)).collect()
    };
    let groups: Vec<Vec<ClauseWeight>> = groups
        .iter()
        .map(|g| weigh(g))
        .collect::<tantivy::Result<_>>()?;
    let boosts = weigh(&boosts)?;

    let mut scratch = pool.take();
    let mut top = TopK::new(want);
    let mut total = 0u64;
    let mut facet_counts = Vec::with_capacity(searcher.segment_readers().len());
    let mut outcome = Ok(());
    for (ord, (reader, values)) in searcher
        .segment_readers()
        .iter()
        .zip(doc_values)
        .enumerate()
    {
        let segment = Segment {
            ord: ord as SegmentOrdinal,
            reader,
            values,
            groups: &groups,
            boosts: &boosts,
        };
        let evaluated = segment.evaluate(filters, &mut scratch, &mut top);
        // Before anything else, error or not: the scratch goes back to the pool for the next search.
        scratch.reset();
        match evaluated {
            Ok(Some((matched, counts))) => {
                total += matched;
                facet_counts.push(counts);
            }
            Ok(None) => {}
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    pool.give_back(scratch);
    outcome?;
    Ok(Evaluation {
        total,
        top: top.into_sorted().into_iter().skip(offset).collect(),
        facets: facets::merge(facet_counts),
    })
}

struct Segment<'a> {
    ord: SegmentOrdinal,
    reader: &'a SegmentReader,
    values: &'a DocValues,
    groups: &'a [Vec<ClauseWeight>],
    boosts: &'a [ClauseWeight],
}

impl Segment<'_> {
    /// The number of matches and their facet counts; `None` when the segment cannot match.
    fn evaluate(
        &self,
        filters: &[Filter],
        scratch: &mut Scratch,
        top: &mut TopK,
    ) -> tantivy::Result<Option<(u64, Counts)>> {
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
                clause.visit(self.reader, candidates, &mut |doc, s| {
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
            boost.visit(self.reader, None, &mut |doc, s| {
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
        let count = rows.len() as u64;
        Ok(Some((count, facets.harvest(values))))
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
