//! The body of every fuzz target, one function each. The libFuzzer binaries in `fuzz_targets/` call
//! them, and so does the replay test (`tests/fuzz/replay.rs`, run by `cargo test`) on every saved
//! seed and crash: a fixed crash stays fixed.
//!
//! Each function takes the raw fuzz input, must never panic, and checks what is meaningful beyond
//! "no panic": bad input ends in a typed error, and what the code writes can be read back.
//! Inputs that hold several texts separate them with a NUL byte (never valid inside YAML or JSON).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use meshlens_edit::path::{self, Seg};
use meshlens_edit::yaml_text::{apply_changes, load, render_document};
use meshlens_edit::{EditError, FieldChange, Take, three_way};
use meshlens_model::{Severity, classify, validate_file};
use meshlens_quality::{ResultFormat, read_results};
use meshlens_search::{SearchDoc, SearchIndex, SearchKind, SearchRequest};
use serde_json::Value;

/// A target's name and body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target by name: the fuzz binaries are named alike, and so are the corpus and regression
/// folders the replay test reads.
pub const TARGETS: &[Target] = &[
    ("descriptor_yaml", descriptor_yaml),
    ("descriptor_json", descriptor_json),
    ("openlineage", openlineage),
    ("quality_dbt", quality_dbt),
    ("quality_gx", quality_gx),
    ("quality_soda", quality_soda),
    ("yaml_edit", yaml_edit),
    ("merge", merge),
    ("search_query", search_query),
];

/// ODPS, ODCS, DPS or DCS descriptor written in YAML.
pub fn descriptor_yaml(data: &[u8]) {
    descriptor("fuzz.odps.yaml", data);
}

/// The same descriptors written in JSON (another parser, other positions).
pub fn descriptor_json(data: &[u8]) {
    descriptor("fuzz.odcs.json", data);
}

/// Classification, parsing, schema validation, mapping and extraction, as `sync` and `validate`
/// run them on every descriptor file.
fn descriptor(path: &str, data: &[u8]) {
    classify(path, data);
    let report = validate_file(path, data);
    let has_error = report.errors.iter().any(|e| e.severity == Severity::Error);
    assert_eq!(report.valid, !has_error, "valid iff no error: {report:?}");
    if report.valid {
        assert!(report.kind.is_some(), "a valid document has a kind");
    }
}

/// An OpenLineage file (NDJSON, array or objects) as lineage ingestion and the quality reader of
/// its assertion and metric facets see it.
pub fn openlineage(data: &[u8]) {
    if let Ok(report) = meshlens_lineage::read_events("fuzz.ndjson", data) {
        assert!(report.warning_samples.len() as u64 <= report.warnings);
    }
    read_results(ResultFormat::OpenLineage, "fuzz.ndjson", data);
}

/// `manifest.json`, NUL, `run_results.json` (without a NUL, an empty manifest).
pub fn quality_dbt(data: &[u8]) {
    let (manifest, run_results) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b"{}"[..], data),
    };
    read_results(
        ResultFormat::Dbt { manifest },
        "target/run_results.json",
        run_results,
    );
}

/// A Great Expectations validation result.
pub fn quality_gx(data: &[u8]) {
    read_results(ResultFormat::GreatExpectations, "gx.json", data);
}

/// A Soda scan result.
pub fn quality_soda(data: &[u8]) {
    read_results(ResultFormat::Soda, "soda.json", data);
}

/// A YAML document, NUL, then one change a line: `path=JSON value` sets, a bare `path` removes.
/// The document must survive being written out whole, and an applied edit must read back with
/// every change that no other change touches.
pub fn yaml_edit(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (doc, changes) = text.split_once('\0').unwrap_or((text, ""));
    let Ok(original) = load(doc, false) else {
        return;
    };
    let written = render_document(&original);
    let reread = load(&written, false).expect("a written document parses");
    assert_eq!(reread, original, "written as:\n{written}");
    let changes = parse_changes(changes);
    match apply_changes(doc, false, &changes) {
        Ok(edited) => {
            let value = load(&edited.text, false).expect("an edited document parses");
            assert_isolated_changes_hold(&value, &changes);
        }
        Err(EditError::BadPath { .. }) => {}
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn parse_changes(text: &str) -> Vec<FieldChange> {
    text.lines()
        .filter_map(|line| {
            let (path, new) = match line.split_once('=') {
                Some((path, json)) => (path, Some(serde_json::from_str(json).ok()?)),
                None => (line, None),
            };
            Some(FieldChange {
                path: path::parse_path(path),
                old: None,
                new,
            })
        })
        .collect()
}

/// A change whose path no other change overlaps is visible as such in the result (a removed list
/// item is not: the next item takes its index).
fn assert_isolated_changes_hold(value: &Value, changes: &[FieldChange]) {
    for (i, change) in changes.iter().enumerate() {
        let isolated = changes
            .iter()
            .enumerate()
            .all(|(j, other)| i == j || !path::overlaps(&other.path, &change.path));
        let removes_item =
            change.new.is_none() && matches!(change.path.last(), Some(Seg::Index(_)));
        if isolated && !removes_item && !change.path.is_empty() {
            assert_eq!(
                path::get(value, &change.path),
                change.new.as_ref(),
                "{}",
                path::path_to_string(&change.path)
            );
        }
    }
}

/// Base, mine and theirs, NUL-separated. Conflicts are left open, then all taken as mine: that
/// second merge has none left, and whatever a merge writes parses.
pub fn merge(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let (base, mine, theirs) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let Ok(open) = three_way(base, mine, theirs, false, &BTreeMap::new()) else {
        return;
    };
    load(&open.text, false).expect("a merged document parses");
    let mine_wins: BTreeMap<String, Take> = open
        .conflicts
        .iter()
        .map(|c| (c.path.clone(), Take::Mine))
        .collect();
    match three_way(base, mine, theirs, false, &mine_wins) {
        Ok(settled) => {
            assert!(settled.conflicts.is_empty(), "{:?}", settled.conflicts);
            load(&settled.text, false).expect("a settled merge parses");
        }
        Err(EditError::BadPath { .. }) => {}
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// Query, then optional NUL-separated filters (kind, domain, tag), against a small fixed index.
pub fn search_query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0').map(str::to_owned);
    let mut request = SearchRequest::new(parts.next().unwrap_or_default());
    request.kind = parts.next();
    request.domain = parts.next();
    request.tag = parts.next();
    let results = test_index().search(&request).expect("a search answers");
    assert!(results.hits.len() as u64 <= results.total);
}

fn test_index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = SearchIndex::open_in_ram().expect("an index in memory");
        index
            .rebuild(test_docs())
            .expect("the test documents are indexed");
        index
    })
}

fn test_docs() -> Vec<SearchDoc> {
    let doc = |id: &str, kind, name: &str, domain: &str, tags: &[&str]| SearchDoc {
        id: id.into(),
        kind,
        name: name.into(),
        title: Some(name.replace('-', " ")),
        description: Some(format!("{name} for the {domain} domain, refreshed daily")),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        domain: Some(domain.into()),
        owner: Some("ana@example.com".into()),
        owner_team: None,
        status: Some("active".into()),
        classification: None,
        sensitivity: Default::default(),
        product_id: None,
        product_name: None,
        contract_id: None,
        parent_id: None,
        context: Vec::new(),
        columns: Vec::new(),
    };
    vec![
        doc(
            "customer-360",
            SearchKind::Product,
            "customer-360",
            "customer",
            &["pii", "gold"],
        ),
        doc(
            "orders",
            SearchKind::Product,
            "orders_daily",
            "sales",
            &["gold"],
        ),
        doc("fx", SearchKind::Contract, "FxRatesDaily", "finance", &[]),
        doc(
            "fx/rates",
            SearchKind::Dataset,
            "fx_rates",
            "finance",
            &["reference"],
        ),
        doc("fx/rates/rate", SearchKind::Column, "rate", "finance", &[]),
        doc(
            "stock",
            SearchKind::Product,
            "Bestände-Lager",
            "inventory",
            &["ünïcödé"],
        ),
    ]
}
