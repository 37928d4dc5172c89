//! Facet counts over every document the query matched, read from the fast (columnar) fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::DocId;
use ts_rs::TS;

use crate::doc_values::{DocValues, Row};
use crate::schema::FACETS;

/// Values shown per facet; the rest are the long tail nobody scrolls to.
pub const FACET_VALUES: usize = 50;

/// Counts per facet value, restricted to the documents matching the query and its filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Facets {
    pub kind: BTreeMap<String, u64>,
    pub domain: BTreeMap<String, u64>,
    pub tag: BTreeMap<String, u64>,
    pub owner: BTreeMap<String, u64>,
    pub status: BTreeMap<String, u64>,
    pub classification: BTreeMap<String, u64>,
    pub sensitivity: BTreeMap<String, u64>,
}

pub(crate) type Counts = Vec<BTreeMap<String, u64>>;

impl Facets {
    fn from_counts(counts: Counts) -> Facets {
        let mut it = counts.into_iter().map(top_values);
        let mut next = || it.next().unwrap_or_default();
        Facets {
            kind: next(),
            domain: next(),
            tag: next(),
            owner: next(),
            status: next(),
            classification: next(),
            sensitivity: next(),
        }
    }
}

fn top_values(counts: BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    if counts.len() <= FACET_VALUES {
        return counts;
    }
    let mut sorted: Vec<(String, u64)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted.truncate(FACET_VALUES);
    sorted.into_iter().collect()
}

/// One segment's facet counts, by ordinal.
pub(crate) struct SegmentFacetCounts {
    counts: Vec<Vec<u64>>,
}

impl SegmentFacetCounts {
    pub fn new(values: &DocValues) -> SegmentFacetCounts {
        SegmentFacetCounts {
            counts: values
                .facets()
                .iter()
                .map(|f| vec![0; f.num_values()])
                .collect(),
        }
    }

    /// Counts the values of document `doc`, of row `row`.
    #[inline]
    pub fn add(&mut self, values: &DocValues, doc: DocId, row: &Row) {
        for (facet, counts) in self.counts.iter_mut().enumerate() {
            values.for_each_ord(facet, doc, row, |ord| counts[ord] += 1);
        }
    }

    /// Adds the counts of another part of the same segment.
    pub fn absorb(&mut self, other: SegmentFacetCounts) {
        for (into, from) in self.counts.iter_mut().zip(other.counts) {
            into.iter_mut().zip(from).for_each(|(a, b)| *a += b);
        }
    }

    pub fn harvest(self, values: &DocValues) -> Counts {
        values
            .facets()
            .iter()
            .zip(self.counts)
            .map(|(facet, counts)| facet.named(&counts))
            .collect()
    }
}

/// Adds up the segments' counts, keeping the [`FACET_VALUES`] most frequent values of each facet.
pub(crate) fn merge(segments: Vec<Counts>) -> Facets {
    let mut total: Counts = vec![BTreeMap::new(); FACETS.len()];
    for segment in segments {
        for (into, from) in total.iter_mut().zip(segment) {
            for (value, n) in from {
                *into.entry(value).or_default() += n;
            }
        }
    }
    Facets::from_counts(total)
}
