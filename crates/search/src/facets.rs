//! Facet counts over every document the query matched, read from the fast (columnar) fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};
use ts_rs::TS;

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
}

type Counts = Vec<BTreeMap<String, u64>>;

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

pub(crate) struct FacetCollector;

pub(crate) struct FacetSegmentCollector {
    columns: Vec<Option<StrColumn>>,
    counts: Vec<Vec<u64>>,
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let mut columns = Vec::with_capacity(FACETS.len());
        for name in FACETS {
            columns.push(reader.fast_fields().str(name)?);
        }
        let counts = columns
            .iter()
            .map(|c| vec![0; c.as_ref().map_or(0, |c| c.num_terms())])
            .collect();
        Ok(FacetSegmentCollector { columns, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Counts>) -> tantivy::Result<Facets> {
        let mut total: Counts = vec![BTreeMap::new(); FACETS.len()];
        for segment in segments {
            for (into, from) in total.iter_mut().zip(segment) {
                for (value, n) in from {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok(Facets::from_counts(total))
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (column, counts) in self.columns.iter().zip(self.counts.iter_mut()) {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    counts[ord as usize] += 1;
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut out = Vec::with_capacity(self.columns.len());
        for (column, counts) in self.columns.iter().zip(self.counts) {
            let mut map = BTreeMap::new();
            if let Some(column) = column {
                // One pass over the dictionary in ord order: looking each ord up on its own
                // decodes a dictionary block per value (a third of a broad query's time).
                let mut counted = counts.iter().enumerate().filter(|(_, n)| **n > 0);
                let ords = counts
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(ord, _)| ord as u64);
                // A read error means the segment is damaged; the counts read so far are kept
                // rather than failing the whole search.
                let _ = column.dictionary().sorted_ords_to_term_cb(ords, |bytes| {
                    if let Some((_, n)) = counted.next() {
                        map.insert(String::from_utf8_lossy(bytes).into_owned(), *n);
                    }
                    Ok(())
                });
            }
            out.push(map);
        }
        out
    }
}
