//! Index lifecycle: incremental updates, facets and filters, odd input, and recovery from a kill.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use meshlens_search::{DocRef, SearchDoc, SearchIndex, SearchKind, SearchRequest};

fn search(index: &SearchIndex, query: &str) -> Vec<String> {
    index
        .search(&SearchRequest::new(query))
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn small_index() -> SearchIndex {
    let mut index = SearchIndex::open_in_ram().expect("index");
    index.rebuild(common::mesh(20, 3, 4)).expect("rebuild");
    index
}

#[test]
fn contract_update_replaces_its_datasets_and_columns() {
    let mut index = small_index();
    // 20 products × (product + contract + 3 datasets × (1 + 4 columns)).
    assert_eq!(index.num_docs(), 20 * 17);
    let before = search(&index, "ctr-00003/");
    assert!(
        before.iter().any(|id| id.starts_with("ctr-00003/")),
        "{before:?}"
    );

    // The contract now has one dataset with one column, under a new name.
    let contract = SearchDoc {
        product_id: Some(common::product_id(3)),
        ..SearchDoc::new(
            SearchKind::Contract,
            common::contract_id(3),
            "Renamed contract",
        )
    };
    let dataset = SearchDoc {
        contract_id: Some(common::contract_id(3)),
        ..SearchDoc::new(
            SearchKind::Dataset,
            "ctr-00003/zebra_ledger",
            "zebra_ledger",
        )
    };
    let stats = index.apply(vec![contract, dataset], &[]).expect("apply");
    assert_eq!(stats.total, 20 * 17 - 17 + 1 + 2);
    assert_eq!(
        search(&index, "zebra_ledger"),
        vec!["ctr-00003/zebra_ledger"]
    );
    let old = common::dataset_name(3, 0);
    assert!(!search(&index, &old).contains(&format!("ctr-00003/{old}")));
    assert_eq!(search(&index, "renamed contract")[0], "ctr-00003");
}

#[test]
fn deleting_a_contract_removes_what_derives_from_it_and_nothing_else() {
    let mut index = small_index();
    index
        .apply(Vec::new(), &[DocRef::contract(common::contract_id(5))])
        .expect("apply");
    assert_eq!(index.num_docs(), 19 * 17 + 1);
    assert!(
        search(&index, "ctr-00005")
            .iter()
            .all(|id| !id.starts_with("ctr-00005"))
    );
    // The product survives: a product and a contract with the same id would be distinct too.
    assert_eq!(search(&index, "prd-00005"), vec!["prd-00005"]);
    index
        .apply(Vec::new(), &[DocRef::product(common::product_id(5))])
        .expect("apply");
    assert_eq!(index.num_docs(), 19 * 17);
}

#[test]
fn facets_count_the_filtered_matches() {
    let index = small_index();
    let all = index.search(&SearchRequest::new("")).expect("search");
    assert_eq!(all.total, 20 * 17);
    assert_eq!(all.facets.kind["product"], 20);
    assert_eq!(all.facets.kind["column"], 20 * 12);
    let sales = index
        .search(&SearchRequest {
            domain: Some("SALES".into()),
            kind: Some("product".into()),
            ..SearchRequest::new("")
        })
        .expect("search");
    let expected = (0..20).filter(|p| p % common::DOMAINS.len() == 0).count() as u64;
    assert_eq!(sales.total, expected);
    assert_eq!(sales.facets.domain.len(), 1);
    assert_eq!(sales.facets.kind.get("product"), Some(&expected));
    assert_eq!(sales.hits.len(), expected as usize);
    let statuses: u64 = sales.facets.status.values().sum();
    assert_eq!(statuses, expected);
}

#[test]
fn results_serialize_with_the_cli_contract_keys() {
    let index = small_index();
    let results = index
        .search(&SearchRequest {
            limit: 2,
            ..SearchRequest::new("customer")
        })
        .expect("search");
    let json = serde_json::to_value(&results).expect("json");
    assert!(json["total"].as_u64().unwrap() >= 2);
    let hit = &json["hits"][0];
    for key in ["id", "kind", "name", "domain", "owner", "score", "snippet"] {
        assert!(hit.get(key).is_some(), "hit lacks {key}: {hit}");
    }
    for key in [
        "kind",
        "domain",
        "tag",
        "owner",
        "status",
        "classification",
        "sensitivity",
    ] {
        assert!(json["facets"][key].is_object(), "facets lack {key}");
    }
    assert_eq!(json["hits"].as_array().unwrap().len(), 2);
    assert!(results.hits[0].score >= results.hits[1].score);
}

#[test]
fn snippets_mark_matches_and_escape_html() {
    let mut index = SearchIndex::open_in_ram().expect("index");
    let doc = SearchDoc {
        description: Some("Orders <b>with</b> refunds & returns".into()),
        ..SearchDoc::new(SearchKind::Product, "p1", "returns")
    };
    index.rebuild([doc]).expect("rebuild");
    let hit = &index
        .search(&SearchRequest::new("refunds"))
        .expect("search")
        .hits[0];
    assert_eq!(
        hit.snippet,
        "Orders &lt;b&gt;with&lt;/b&gt; <mark>refunds</mark> &amp; returns"
    );
}

#[test]
fn any_input_returns_results_or_nothing_never_an_error() {
    let index = small_index();
    let long = "x".repeat(10 * 1024);
    let words = "customer ".repeat(2000);
    let odd = [
        "",
        " ",
        "\"",
        "\"\"",
        "\"customer",
        "customer\"",
        "\"a\" \"b",
        "AND",
        "OR NOT",
        "a AND b",
        "field:value",
        "name:customer",
        "*",
        "cust*",
        "?",
        "(",
        ")",
        "((customer)",
        "[1 TO 5]",
        "{}",
        "~",
        "customer~2",
        "^",
        "customer^10",
        "+customer -order",
        "\\",
        "/regex/",
        "!",
        "ü",
        "日本語のデータ",
        "🙂🙂",
        "\u{0}",
        "\u{10FFFF}",
        "\t\n\r",
        "--",
        "__",
        "..",
        "ctr-",
        "'",
        "`drop table`",
        "%",
        "&&",
        "||",
        long.as_str(),
        words.as_str(),
    ];
    for query in odd {
        for kind in [None, Some("product"), Some("nonsense")] {
            let request = SearchRequest {
                kind: kind.map(str::to_string),
                domain: Some(query.to_string()).filter(|q| q.len() < 50),
                ..SearchRequest::new(query)
            };
            let result = index.search(&request);
            assert!(result.is_ok(), "{query:?}: {:?}", result.err());
        }
    }
    assert!(!search(&index, "cust*").is_empty());
    assert!(!search(&index, "(customer").is_empty());
}

/// Entry point of the child process killed by the next test; does nothing when run directly.
#[test]
#[ignore = "run as a child process by killed_rebuild_is_detected_and_rebuilt"]
fn child_rebuild_forever() {
    if let Ok(dir) = std::env::var("MESHLENS_SEARCH_KILL_DIR") {
        let mut index = SearchIndex::open(Path::new(&dir)).expect("open");
        // Far more than can be indexed before the parent kills us.
        index
            .rebuild(common::mesh(1_000_000, 10, 10))
            .expect("rebuild");
    }
}

#[test]
fn killed_rebuild_is_detected_and_rebuilt() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("index");
    {
        let mut index = SearchIndex::open(&dir).expect("open");
        assert!(index.needs_rebuild());
        index.rebuild(common::mesh(10, 2, 2)).expect("rebuild");
    }
    {
        let index = SearchIndex::open(&dir).expect("reopen");
        assert!(!index.needs_rebuild(), "a complete index reopens as is");
        assert_eq!(index.num_docs(), 10 * 8);
    }
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            "child_rebuild_forever",
            "--ignored",
            "--test-threads=1",
        ])
        .env("MESHLENS_SEARCH_KILL_DIR", &dir)
        .spawn()
        .expect("spawn child");
    // Wait until the child has started writing (it removes the stamp first), then a bit more.
    let started = Instant::now();
    while dir.join("meshlens-search.version").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "child never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().expect("kill");
    child.wait().expect("wait");

    let mut index = SearchIndex::open(&dir).expect("open after kill");
    assert!(index.needs_rebuild());
    index.rebuild(common::mesh(10, 2, 2)).expect("rebuild");
    assert_eq!(search(&index, "prd-00003"), vec!["prd-00003"]);
    drop(index);
    assert!(!SearchIndex::open(&dir).expect("reopen").needs_rebuild());
}

#[test]
fn damaged_or_foreign_index_is_recreated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("index");
    SearchIndex::open(&dir)
        .expect("open")
        .rebuild(common::mesh(3, 1, 1))
        .expect("rebuild");
    std::fs::write(dir.join("tantivy/meta.json"), "{ not json").expect("damage");
    let index = SearchIndex::open(&dir).expect("open damaged");
    assert!(index.needs_rebuild());
    assert_eq!(index.num_docs(), 0);
    drop(index);

    SearchIndex::open(&dir)
        .expect("open")
        .rebuild(common::mesh(3, 1, 1))
        .expect("rebuild");
    std::fs::write(dir.join("meshlens-search.version"), "0\n").expect("old stamp");
    assert!(SearchIndex::open(&dir).expect("open old").needs_rebuild());
}

#[test]
fn a_word_being_typed_that_starts_no_name_matches_descriptions() {
    let mut index = SearchIndex::open_in_ram().expect("index");
    let doc = SearchDoc {
        description: Some("Monthly revenue per region, net of refunds.".into()),
        ..SearchDoc::new(SearchKind::Product, "sales-kpis", "Sales KPIs")
    };
    let other = SearchDoc::new(SearchKind::Product, "audio-levels", "Reverb levels");
    index.rebuild(vec![doc, other]).expect("rebuild");

    // "reve" starts a name word, so names answer; "reven" starts none, so the description does.
    assert_eq!(search(&index, "reve"), vec!["audio-levels"]);
    assert_eq!(search(&index, "reven"), vec!["sales-kpis"]);
    assert_eq!(search(&index, "sales reven"), vec!["sales-kpis"]);
    // A finished word is not a prefix: no fallback.
    assert!(search(&index, "reven ").is_empty());
    let hit = &index
        .search(&SearchRequest::new("reven"))
        .expect("search")
        .hits[0];
    assert!(hit.snippet.contains("revenue"), "{}", hit.snippet);
}
