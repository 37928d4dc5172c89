//! Search relevance on the bundled demo mesh, through the CLI a user types into: the labelled queries of
//! `demo_queries.tsv` (exact names and ids, prefixes, typos, multi-word, column names, domain words) must put
//! the expected thing first often enough (mean reciprocal rank over the top 10 of at least 0.9).
//! The generated-mesh half of the relevance set lives in `crates/search/tests/relevance`.

mod common;

use common::Meshlens;

/// Minimum mean reciprocal rank, as the search issue requires.
const MRR_BAR: f64 = 0.9;

struct Case {
    query: String,
    expected: String,
    filters: Vec<String>,
}

fn cases() -> Vec<Case> {
    include_str!("demo_queries.tsv")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.split('\t');
            let query = fields.next().unwrap_or_default().to_string();
            let expected = fields
                .next()
                .unwrap_or_else(|| panic!("no expected id on line {line:?}"))
                .to_string();
            let filters = fields
                .next()
                .map(|f| f.split(',').map(|kv| format!("--{kv}")).collect())
                .unwrap_or_default();
            Case {
                query,
                expected,
                filters,
            }
        })
        .collect()
}

#[test]
fn demo_mesh_queries_rank_the_expected_hit_first() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let cases = cases();
    assert!(cases.len() >= 40, "the relevance set has {}", cases.len());
    let mut reciprocal_ranks = 0.0;
    let mut misses = Vec::new();
    for case in &cases {
        let mut args = vec!["search", case.query.as_str(), "--limit", "10"];
        args.extend(case.filters.iter().map(String::as_str));
        let results = m.json(&args);
        let ids: Vec<&str> = results["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hit| hit["id"].as_str().unwrap())
            .collect();
        match ids.iter().position(|id| *id == case.expected) {
            Some(0) => reciprocal_ranks += 1.0,
            Some(rank) => {
                reciprocal_ranks += 1.0 / (rank + 1) as f64;
                misses.push(format!("{:?}: rank {} ({ids:?})", case.query, rank + 1));
            }
            None => misses.push(format!("{:?}: not in the top 10 ({ids:?})", case.query)),
        }
    }
    let mrr = reciprocal_ranks / cases.len() as f64;
    println!("demo mesh MRR {mrr:.3} over {} queries", cases.len());
    assert!(
        mrr >= MRR_BAR,
        "MRR {mrr:.3} < {MRR_BAR}; not first:\n{}",
        misses.join("\n")
    );
}
