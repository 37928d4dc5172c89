//! Trust as a mild tie-breaker: equally good matches show the more trusted product first, on every
//! page alike, and a clearly better match stays first whatever its trust.

use std::collections::HashMap;

use meshlens_search::{SearchDoc, SearchIndex, SearchKind, SearchRequest, TieBreak};

/// 30 products of the same name (equal matches), then one whose name only contains the query.
fn index() -> SearchIndex {
    let mut docs: Vec<SearchDoc> = (0..30)
        .map(|i| SearchDoc::new(SearchKind::Product, format!("f-{i:02}"), "Freight ledger"))
        .collect();
    docs.push(SearchDoc::new(
        SearchKind::Product,
        "archive",
        "Freight ledger archive",
    ));
    let mut index = SearchIndex::open_in_ram().expect("index");
    index.rebuild(docs).expect("rebuild");
    index
}

fn request(offset: usize, limit: usize) -> SearchRequest {
    SearchRequest {
        offset,
        limit,
        ..SearchRequest::new("freight ledger")
    }
}

fn ordered(
    index: &SearchIndex,
    request: &SearchRequest,
    trust: &HashMap<&str, u32>,
) -> Vec<String> {
    let ranked = index.rank(request, true).expect("rank");
    let found = index
        .page(ranked, &|id| trust.get(id).copied())
        .expect("page");
    assert_eq!(found.tie_break, Some(TieBreak::Trust));
    found.hits.into_iter().map(|h| h.id).collect()
}

#[test]
fn the_most_trusted_of_equal_matches_comes_first_even_from_far_down() {
    let index = index();
    let plain = index.search(&request(0, 40)).expect("search");
    assert_eq!(plain.tie_break, None);
    assert!(plain.hits.iter().all(|h| h.trust.is_none()));
    let last_tied = plain.hits[29].id.clone();
    assert_eq!(plain.hits[30].id, "archive");

    // The last of 30 equal matches, past the first window read, is trusted most; the weaker
    // match is trusted fully too, and stays below every equal one.
    let trust = HashMap::from([(last_tied.as_str(), 90), ("archive", 100)]);
    let page = ordered(&index, &request(0, 5), &trust);
    assert_eq!(page[0], last_tied);
    let all = ordered(&index, &request(0, 40), &trust);
    assert_eq!(all[0], last_tied);
    assert_eq!(all[30], "archive");
    // Untrusted equal matches keep the index's order.
    let rest: Vec<&String> = plain.hits[..29].iter().map(|h| &h.id).collect();
    assert_eq!(all[1..30].iter().collect::<Vec<_>>(), rest);
}

#[test]
fn pages_follow_one_order() {
    let index = index();
    let trust: HashMap<&str, u32> = [("f-07", 10), ("f-21", 60), ("f-03", 60), ("f-28", 99)]
        .into_iter()
        .collect();
    let whole = ordered(&index, &request(0, 12), &trust);
    let mut paged = ordered(&index, &request(0, 4), &trust);
    paged.extend(ordered(&index, &request(4, 4), &trust));
    paged.extend(ordered(&index, &request(8, 4), &trust));
    assert_eq!(paged, whole);
    assert_eq!(whole[0], "f-28");
}
