//! The labelled relevance set: every query in `relevance/queries.tsv` names the document a user
//! expects first. Runs over hand-written fixtures plus a generated background mesh.

mod common;

use meshlens_search::{SearchDoc, SearchIndex, SearchRequest};

const MIN_MRR: f64 = 0.9;
const MIN_QUERIES: usize = 40;

struct Case {
    line: usize,
    query: String,
    expected: String,
    request: SearchRequest,
}

/// `query<TAB>expected id[<TAB>filter=value,...]`; `#` starts a comment line.
fn cases() -> Vec<Case> {
    let text = include_str!("relevance/queries.tsv");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut cols = line.split('\t');
        let query = cols.next().unwrap_or_default().to_string();
        let expected = cols
            .next()
            .unwrap_or_else(|| panic!("line {}: no expected id", i + 1))
            .to_string();
        let mut request = SearchRequest::new(query.clone());
        for filter in cols
            .next()
            .unwrap_or_default()
            .split(',')
            .filter(|f| !f.is_empty())
        {
            let (key, value) = filter
                .split_once('=')
                .unwrap_or_else(|| panic!("line {}: bad filter {filter}", i + 1));
            let value = Some(value.to_string());
            match key {
                "kind" => request.kind = value,
                "domain" => request.domain = value,
                "tag" => request.tag = value,
                "owner" => request.owner = value,
                "status" => request.status = value,
                "classification" => request.classification = value,
                other => panic!("line {}: unknown filter {other}", i + 1),
            }
        }
        out.push(Case {
            line: i + 1,
            query,
            expected,
            request,
        });
    }
    out
}

fn index() -> SearchIndex {
    let fixtures: Vec<SearchDoc> =
        serde_json::from_str(include_str!("relevance/fixtures.json")).expect("fixtures parse");
    let mut index = SearchIndex::open_in_ram().expect("index");
    index
        .rebuild(fixtures.into_iter().chain(common::mesh(300, 4, 6)))
        .expect("rebuild");
    index
}

#[test]
fn mean_reciprocal_rank_meets_the_bar() {
    let index = index();
    let cases = cases();
    assert!(cases.len() >= MIN_QUERIES, "only {} queries", cases.len());
    let mut sum = 0.0;
    let mut misses = Vec::new();
    for case in &cases {
        let results = index.search(&case.request).expect("search");
        let rank = results.hits.iter().position(|h| h.id == case.expected);
        sum += rank.map_or(0.0, |r| 1.0 / (r + 1) as f64);
        if rank != Some(0) {
            let top: Vec<String> = results
                .hits
                .iter()
                .take(3)
                .map(|h| format!("{} ({:.1})", h.id, h.score))
                .collect();
            misses.push(format!(
                "line {} {:?}: expected {} at rank {:?}; top: {}",
                case.line,
                case.query,
                case.expected,
                rank.map(|r| r + 1),
                top.join(", ")
            ));
        }
    }
    let mrr = sum / cases.len() as f64;
    println!(
        "MRR {mrr:.3} over {} queries; {} not first:",
        cases.len(),
        misses.len()
    );
    for miss in &misses {
        println!("  {miss}");
    }
    assert!(
        mrr >= MIN_MRR,
        "MRR {mrr:.3} < {MIN_MRR}:\n{}",
        misses.join("\n")
    );
}
