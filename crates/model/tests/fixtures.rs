//! Every official example parses, validates, extracts sensible fields and round-trips; broken
//! documents fail with the right pointer and position.

use std::path::{Path, PathBuf};

use meshlens_model::schema::SchemaId;
use meshlens_model::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn all_examples() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if p.file_name().unwrap() != "invalid" {
                    walk(&p, out);
                }
            } else if p.extension().is_some_and(|x| x == "yaml")
                && p.file_name().unwrap() != "example.yaml"
            {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&fixtures(), &mut out);
    out.sort();
    out
}

fn parse(rel: &str) -> ParsedDocument {
    let bytes = std::fs::read(fixtures().join(rel)).unwrap();
    parse_document(rel, &bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn contract(rel: &str) -> Contract {
    match parse(rel).entity {
        Entity::Contract(c) => c,
        other => panic!("{rel}: expected a contract, got {other:?}"),
    }
}

fn product(rel: &str) -> Product {
    match parse(rel).entity {
        Entity::Product(p) => p,
        other => panic!("{rel}: expected a product, got {other:?}"),
    }
}

/// Official examples labelled v3.0.2 that use v3.1 structures, with one place the official v3.0.2
/// schema refuses them: checked as the version they declare, they are invalid (issue #26).
const INVALID_AS_DECLARED: [(&str, &str); 3] = [
    // logicalType `timestamp`/`time` are new in v3.1.0.
    (
        "data-types/all-data-types.odcs.yaml",
        "/schema/0/properties/2/logicalType",
    ),
    // A quality rule without `rule` (v3.0.2 requires it for library rules).
    (
        "quality/column-completeness.odcs.yaml",
        "/schema/0/properties/0/quality/0",
    ),
    // `team` as an object is v3.1.
    ("stakeholders/basic-four-dpo.odcs.yaml", "/team"),
];

fn assert_invalid_as_declared_but_valid_as_v3_1(name: &str, bytes: &[u8], pointer: &str) {
    match parse_document(name, bytes) {
        Err(DocumentError::Invalid { issues, .. }) => assert!(
            issues
                .iter()
                .any(|i| i.pointer.starts_with(pointer) && i.line > 0),
            "{name}: no error at {pointer}: {issues:?}"
        ),
        other => panic!("{name}: valid as v3.0.2: {other:?}"),
    }
    let text = std::str::from_utf8(bytes).unwrap();
    let as_v3_1 = text.replacen("apiVersion: v3.0.2", "apiVersion: v3.1.0", 1);
    parse_document(name, as_v3_1.as_bytes()).unwrap_or_else(|e| panic!("{name} as v3.1.0: {e}"));
}

#[test]
fn every_official_example_parses_and_round_trips() {
    let files = all_examples();
    // ODPS, ODCS, DPS README, DCS, and our own ODCS v2 example.
    assert_eq!(files.len(), 2 + 18 + 1 + 4 + 1, "{files:?}");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.to_string_lossy();
        if let Some((_, pointer)) = INVALID_AS_DECLARED.iter().find(|(f, _)| name.ends_with(f)) {
            assert_invalid_as_declared_but_valid_as_v3_1(&name, &bytes, pointer);
            continue;
        }
        let doc = parse_document(&name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.raw.as_bytes(), &bytes[..], "{name}: raw text changed");
        assert_eq!(doc.content_hash, content_hash(&bytes));
        assert!(!doc.entity.id().is_empty(), "{name}: no id");
        // Re-serializing the original loses nothing (unknown fields and customProperties included).
        let again = serde_yaml_ng::to_string(&doc.original).unwrap();
        let reparsed = parse_document("again.yaml", again.as_bytes()).unwrap();
        assert_eq!(
            reparsed.original, doc.original,
            "{name}: original changed on round trip"
        );
        let as_json = serde_json::to_string(&doc.original).unwrap();
        let reparsed = parse_document("again.json", as_json.as_bytes()).unwrap();
        assert_eq!(reparsed.original, doc.original, "{name}: JSON round trip");
        // Canonical documents are valid in the canonical standard.
        let schema = match doc.kind {
            DocKind::Odps | DocKind::Dps => SchemaId::Odps110,
            DocKind::Odcs | DocKind::Dcs => SchemaId::Odcs310,
        };
        // A DCS contract without `info.status` stays without status (ODCS requires one; we do not invent it).
        let no_status = doc.kind == DocKind::Dcs && doc.original["info"].get("status").is_none();
        let errors: Vec<String> = schema
            .validator()
            .iter_errors(&doc.canonical)
            .map(|e| format!("{} {e}", e.instance_path()))
            .filter(|e| !(no_status && e.contains("\"status\" is a required property")))
            .collect();
        if no_status {
            assert!(
                doc.warnings
                    .iter()
                    .any(|w| w.pointer == "/info" && w.message.contains("status")),
                "{name}"
            );
        }
        assert!(errors.is_empty(), "{name}: canonical invalid: {errors:?}");
        if matches!(doc.kind, DocKind::Odps)
            || (doc.kind == DocKind::Odcs && doc.declared_version.starts_with("v3"))
        {
            assert_eq!(doc.canonical, doc.original);
        }
    }
}

#[test]
fn odps_example_fields() {
    let p = product("odps/docs/examples/customer-data-product.odps.yaml");
    assert_eq!(p.id, "fbe8d147-28db-4f1d-bedf-a3fe9f458427");
    assert_eq!(p.name.as_deref(), Some("Customer Data Product"));
    assert_eq!(p.status.as_deref(), Some("draft"));
    assert_eq!(p.domain.as_deref(), Some("seller"));
    assert_eq!(p.owner_team.as_deref(), Some("Data Team"));
    assert_eq!(p.owner.as_deref(), Some("john.doe@retailcorp.com"));
    assert_eq!(
        p.input_ports[0].contract_id.as_deref(),
        Some("dbb7b1eb-7628-436e-8914-2a00638ba6db")
    );
    assert_eq!(p.output_ports[0].name, "rawtransactions");
    let simple = product("odps/docs/examples/simple-data-product.odps.yaml");
    assert_eq!(simple.tags, ["test", "simple"]);
    assert_eq!(
        simple.output_ports[0].contract_id.as_deref(),
        Some("87654321-4321-4321-4321-cba987654321")
    );
    assert_eq!(
        simple.description.as_deref(),
        Some("Simple test data product")
    );
}

#[test]
fn odcs_example_fields() {
    let c = contract("odcs/docs/examples/all/full-example.odcs.yaml");
    assert_eq!(c.id, "53581432-6c55-4ba2-a65f-72344a91553a");
    assert_eq!(c.version.as_deref(), Some("1.1.0"));
    assert_eq!(c.domain.as_deref(), Some("seller"));
    assert_eq!(c.servers[0].server.as_deref(), Some("my-postgres"));
    assert_eq!(c.servers[0].server_type.as_deref(), Some("postgres"));
    assert!(!c.datasets.is_empty() && !c.quality.is_empty());
    let full = parse("odcs/docs/examples/all/full-example.odcs.yaml");
    assert!(
        full.warnings
            .iter()
            .any(|w| w.pointer == "/dataProduct" && w.line == 3),
        "{:?}",
        full.warnings
    );

    let t = contract("odcs/docs/examples/schema/table-column.odcs.yaml");
    assert_eq!(t.datasets.len(), 1);
    assert_eq!(t.datasets[0].name, "tbl");
    assert_eq!(t.datasets[0].columns.len(), 1);
    assert_eq!(t.datasets[0].columns[0].name, "rcvr_cntry_code");
    assert_eq!(
        t.datasets[0].columns[0].physical_type.as_deref(),
        Some("varchar(2)")
    );

    let sla = contract("odcs/docs/examples/sla/database-table-sla.odcs.yaml");
    let latency = sla.sla.iter().find(|p| p.property == "latency").unwrap();
    assert_eq!(latency.value, serde_json::json!(4));
    assert_eq!(latency.unit.as_deref(), Some("d"));
    assert_eq!(latency.element.as_deref(), Some("tab1.txn_ref_dt"));
    assert_eq!(sla.retention.as_deref(), Some("3 y"));
    assert_eq!(
        sla.sla
            .iter()
            .filter(|p| p.property == "timeOfAvailability")
            .count(),
        2
    );
}

#[test]
fn dps_maps_onto_odps() {
    let doc = parse("dataproduct-specification/README-example.dataproduct.yaml");
    assert_eq!(doc.kind, DocKind::Dps);
    assert_eq!(doc.declared_version, "0.0.1");
    let c = &doc.canonical;
    assert_eq!(c["name"], "Shelf Warmers");
    assert_eq!(c["team"]["name"], "fulfillment");
    assert_eq!(
        c["customProperties"][0],
        serde_json::json!({"property": "archetype", "value": "consumer-aligned"})
    );
    assert_eq!(c["authoritativeDefinitions"][0]["type"], "Discovery");
    assert_eq!(c["outputPorts"][0]["contractId"], "shelf_warmers_v1");
    // The S3 port names no contract: a warning at that port, not an error.
    assert_eq!(doc.warnings.len(), 1);
    assert_eq!(doc.warnings[0].pointer, "/outputPorts/1");
    assert_eq!((doc.warnings[0].line, doc.warnings[0].column), (28, 5));
    let Entity::Product(p) = doc.entity else {
        panic!()
    };
    assert_eq!(p.id, "shelf_warmers");
    assert_eq!(p.owner_team.as_deref(), Some("fulfillment"));
    assert_eq!(p.output_ports.len(), 2);
}

#[test]
fn dps_stub_fails_clearly() {
    let bytes = std::fs::read(fixtures().join("dataproduct-specification/example.yaml")).unwrap();
    let err = parse_document("example.yaml", &bytes).unwrap_err();
    let DocumentError::Invalid {
        kind: DocKind::Dps,
        issues,
    } = &err
    else {
        panic!("{err:?}")
    };
    let messages: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
    assert_eq!(messages, ["`id` is required", "`info` is required"]);
    assert!(err.to_string().contains("line 1, column 1"), "{err}");
}

#[test]
fn dcs_maps_onto_odcs() {
    let doc = parse("datacontract-specification/examples/orders-latest/datacontract.yaml");
    assert_eq!(doc.kind, DocKind::Dcs);
    let Entity::Contract(c) = &doc.entity else {
        panic!()
    };
    assert_eq!(c.id, "orders-latest");
    assert_eq!(c.version.as_deref(), Some("2.0.0"));
    assert_eq!(c.owner_team.as_deref(), Some("Checkout Team"));
    assert_eq!(c.datasets.len(), 2);
    assert_eq!(c.datasets[0].columns.len(), 6);
    let order_id = &c.datasets[0].columns[0];
    assert_eq!(
        (order_id.name.as_str(), order_id.primary_key),
        ("order_id", true)
    );
    // Resolved from `definitions`.
    assert_eq!(order_id.classification.as_deref(), Some("restricted"));
    assert_eq!(c.classification.as_deref(), Some("restricted"));
    assert_eq!(c.retention.as_deref(), Some("P1Y"));
    assert_eq!(c.servers[0].server_type.as_deref(), Some("s3"));
    assert_eq!(
        c.quality
            .iter()
            .filter(|q| q.dataset.as_deref() == Some("orders"))
            .count(),
        4
    );
    let row_count = c
        .quality
        .iter()
        .find(|q| q.description.as_deref() == Some("Row Count"))
        .unwrap();
    assert_eq!(
        row_count.threshold,
        Some(serde_json::json!({"mustBeGreaterThan": 5}))
    );
    let line_items = &c.datasets[1].columns;
    assert!(line_items.iter().filter(|c| c.primary_key).count() == 2);
    assert_eq!(doc.warnings[0].pointer, "/dataContractSpecification");
}

#[test]
fn odcs_v2_is_upgraded_to_v3() {
    let doc = parse("odcs-v2/v2-contract.odcs.yaml");
    assert_eq!(doc.declared_version, "v2.2.2");
    assert_eq!(doc.canonical["apiVersion"], "v3.1.0");
    assert_eq!(
        doc.canonical["schema"][0]["properties"][0]["name"],
        "txn_id"
    );
    let Entity::Contract(c) = doc.entity else {
        panic!()
    };
    assert_eq!(c.id, "53581432-6c55-4ba2-a65f-72344a915000");
    assert_eq!(c.name.as_deref(), Some("transactions"));
    assert_eq!(c.datasets[0].columns.len(), 2);
    assert!(c.datasets[0].columns[0].primary_key && c.datasets[0].columns[0].required);
    assert!(!c.datasets[0].columns[1].required);
}

#[test]
fn odps_v1_1_is_accepted() {
    let text = "apiVersion: v1.1.0\nkind: DataProduct\nid: p1\ntype: aggregate\n\
                outputPorts:\n  - name: out\n    id: o1\ncustomProperties:\n  - property: retention\n    value: 1 year\n    vendor: acme\n";
    let doc = parse_document("p.odps.yaml", text.as_bytes()).unwrap();
    let Entity::Product(p) = &doc.entity else {
        panic!()
    };
    assert_eq!(p.retention.as_deref(), Some("1 year"));
    assert_eq!(doc.warnings[0].pointer, "/outputPorts/0");
    assert_eq!((doc.warnings[0].line, doc.warnings[0].column), (6, 5));
}

fn invalid(path: &str, text: &str) -> Vec<Issue> {
    match parse_document(path, text.as_bytes()) {
        Err(DocumentError::Invalid { issues, .. }) => issues,
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn missing_required_field_points_at_the_parent() {
    let issues = invalid(
        "p.yaml",
        "apiVersion: v1.0.0\nkind: DataProduct\nid: x\noutputPorts:\n  - name: o\n    contractId: c\n",
    );
    let msgs: Vec<(&str, &str, u32, u32)> = issues
        .iter()
        .map(|i| (i.pointer.as_str(), i.message.as_str(), i.line, i.column))
        .collect();
    assert!(
        msgs.contains(&("", "`status` is required", 1, 1)),
        "{msgs:?}"
    );
    assert!(
        msgs.contains(&(
            "/outputPorts/0",
            "`outputPorts[0].version` is required",
            5,
            5
        )),
        "{msgs:?}"
    );
}

#[test]
fn wrong_type_and_unknown_field() {
    let issues = invalid(
        "p.yaml",
        "apiVersion: v1.0.0\nkind: DataProduct\nid: x\nstatus: active\nfoo: 1\noutputPorts:\n  - name: o\n    version: 2\n",
    );
    assert_eq!(issues.len(), 2, "{issues:?}");
    let unknown = issues.iter().find(|i| i.pointer == "/foo").unwrap();
    assert_eq!(
        unknown.message,
        "unknown field `foo` (ODPS allows extensions only in customProperties)"
    );
    assert_eq!((unknown.line, unknown.column), (5, 1));
    let ty = issues
        .iter()
        .find(|i| i.pointer == "/outputPorts/0/version")
        .unwrap();
    assert_eq!(ty.message, "`outputPorts[0].version` must be a string");
    assert_eq!((ty.line, ty.column), (8, 5));
}

#[test]
fn json_errors_have_positions_too() {
    let text = "{\n  \"apiVersion\": \"v3.1.0\",\n  \"kind\": \"DataContract\",\n  \"id\": \"c\",\n  \"version\": \"1\",\n  \"status\": 7\n}";
    let issues = invalid("c.json", text);
    assert_eq!(issues[0].pointer, "/status");
    assert_eq!(issues[0].message, "`status` must be a string");
    assert_eq!((issues[0].line, issues[0].column), (6, 3));
}

#[test]
fn nested_odcs_errors_pick_the_intended_branch() {
    let text = "apiVersion: v3.1.0\nkind: DataContract\nid: c\nversion: '1'\nstatus: active\nschema:\n  - name: t\n    properties:\n      - name: a\n        logicalType: strin\n";
    let issues = invalid("c.yaml", text);
    assert!(
        issues
            .iter()
            .any(|i| i.pointer == "/schema/0/properties/0/logicalType" && i.line == 10),
        "{issues:?}"
    );
}

#[test]
fn syntax_errors_report_the_parser_position() {
    let err = parse_document("c.yaml", b"kind: DataContract\nid: [1, 2\nx: y\n").unwrap_err();
    let DocumentError::Syntax { line, column, .. } = err else {
        panic!("{err:?}")
    };
    assert!(line >= 2 && column > 0, "{line}:{column}");
    let err = parse_document("c.json", b"{\"kind\": \"DataContract\",\n \"id\": }").unwrap_err();
    let DocumentError::Syntax { line, column, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!((line, column), (2, 8));
}

#[test]
fn non_utf8_oversize_and_unknown_kind() {
    assert_eq!(
        parse_document("a.yaml", b"kind: DataProduct\nid: \xff\n").unwrap_err(),
        DocumentError::NotUtf8 { line: 2, column: 5 }
    );
    let err =
        parse_document_with("a.yaml", &[b' '; 100], &ParseOptions { max_bytes: 10 }).unwrap_err();
    assert_eq!(
        err,
        DocumentError::TooLarge {
            size: 100,
            limit: 10
        }
    );
    assert_eq!(
        err.to_string(),
        "the file is 100 bytes, more than the limit of 10 bytes"
    );
    let err = parse_document("a.yaml", b"hello: world\n").unwrap_err();
    assert!(
        matches!(err, DocumentError::UnknownKind { .. })
            && err.to_string().starts_with("unknown document kind")
    );
    let err = parse_document("a.yaml", b"kind: Pipeline\n").unwrap_err();
    assert!(err.to_string().contains("`kind: Pipeline`"), "{err}");
}

#[test]
fn validation_report_json_shape() {
    let r = validate_file("p.yaml", b"apiVersion: v1.0.0\nkind: DataProduct\nid: x\n");
    let v = serde_json::to_value(&r).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["file", "kind", "valid", "errors"]);
    assert_eq!(v["kind"], "odps");
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"][0]["message"], "`status` is required");
    assert_eq!(v["errors"][0]["line"], 1);
    let ok = validate_file(
        "p.yaml",
        b"apiVersion: v1.0.0\nkind: DataProduct\nid: x\nstatus: active\n",
    );
    assert!(ok.valid && ok.errors.is_empty());
}

#[test]
fn classify_known_formats() {
    assert_eq!(
        classify(
            "x.odcs.yaml",
            &std::fs::read(fixtures().join("odcs/docs/examples/all/full-example.odcs.yaml"))
                .unwrap()
        ),
        FileClass::Descriptor(DocKind::Odcs)
    );
    assert_eq!(
        classify(
            "run_results.json",
            br#"{"metadata": {}, "results": [], "elapsed_time": 1}"#
        ),
        FileClass::DbtRunResults
    );
    assert_eq!(
        classify("m.json", br#"{"metadata": {}, "nodes": {}, "sources": {}}"#),
        FileClass::DbtManifest
    );
    assert_eq!(
        classify(
            "gx.json",
            br#"{"meta": {}, "success": true, "results": [], "statistics": {}}"#
        ),
        FileClass::GreatExpectations
    );
    assert_eq!(
        classify("soda.json", br#"{"checks": [], "hasFailures": false}"#),
        FileClass::SodaScan
    );
}
