//! Scenario tests: the `meshlens` CLI on the bundled demo mesh and on edited copies of it,
//! checked against the CLI contract (commands, JSON keys, exit codes).

mod common;

use std::collections::BTreeSet;

use common::{Meshlens, copy_tree, demo_mesh};

fn keys(value: &serde_json::Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

fn has_keys(value: &serde_json::Value, expected: &[&str]) {
    let present = keys(value);
    for key in expected {
        assert!(present.contains(*key), "missing key `{key}` in {value}");
    }
}

#[test]
fn demo_registers_and_syncs_the_bundled_mesh() {
    let m = Meshlens::new();
    let out = m.ok(&["demo"]);
    assert!(
        out.contains("demo:"),
        "human sync summary expected, got:\n{out}"
    );

    let products = m.json(&["products"]);
    let products = products.as_array().unwrap();
    assert!(
        products.len() >= 15,
        "the demo mesh has at least 15 products, got {}",
        products.len()
    );
    for p in products {
        has_keys(
            p,
            &[
                "id",
                "name",
                "domain",
                "status",
                "version",
                "owner_team",
                "tags",
            ],
        );
    }
    let domains: BTreeSet<&str> = products
        .iter()
        .filter_map(|p| p["domain"].as_str())
        .collect();
    assert!(domains.len() >= 5, "at least 5 domains, got {domains:?}");

    let sources = m.json(&["source", "list"]);
    assert_eq!(sources[0]["config"]["name"], "demo");

    // A second `demo` is an incremental no-op.
    let report = m.json(&["sync", "demo"]);
    has_keys(&report, &["sources", "duration_ms"]);
    let demo = &report["sources"][0];
    has_keys(
        demo,
        &["name", "added", "updated", "removed", "unchanged", "errors"],
    );
    assert_eq!(demo["added"], 0);
    assert_eq!(demo["updated"], 0);
    assert_eq!(demo["removed"], 0);
    assert!(demo["unchanged"].as_u64().unwrap() >= 30);
    assert_eq!(
        demo["errors"].as_array().unwrap().len(),
        0,
        "the demo mesh is valid: {demo}"
    );
}

#[test]
fn products_filter_by_domain_and_show_a_product() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let all = m.json(&["products"]);
    let first = &all[0];
    let domain = first["domain"].as_str().unwrap();
    let filtered = m.json(&["products", "--domain", domain]);
    assert!(
        filtered
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["domain"] == domain)
    );
    assert!(filtered.as_array().unwrap().len() < all.as_array().unwrap().len());

    // A product that consumes others has input ports resolved to the producing contracts.
    let consumer = all
        .as_array()
        .unwrap()
        .iter()
        .map(|p| m.json(&["show", p["id"].as_str().unwrap()]))
        .find(|d| !d["product"]["input_ports"].as_array().unwrap().is_empty())
        .expect("the demo mesh has products consuming other products");
    let contracts = consumer["contracts"].as_array().unwrap();
    assert!(!contracts.is_empty());
    let datasets = contracts[0]["contract"]["datasets"].as_array().unwrap();
    assert!(!datasets.is_empty() && !datasets[0]["columns"].as_array().unwrap().is_empty());
    assert!(consumer["path"].as_str().unwrap().ends_with(".yaml"));

    let human = m.ok(&["show", first["id"].as_str().unwrap()]);
    assert!(
        human.contains("Output ports") && human.contains("Contract "),
        "human product page:\n{human}"
    );

    m.not_found(&["show", "no-such-product"]);
}

#[test]
fn validate_reports_file_line_column_and_pointer() {
    let m = Meshlens::new();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.odps.yaml");
    std::fs::write(&bad, "apiVersion: v1.0.0\nkind: DataProduct\nid: broken\nstatus: active\noutputPorts:\n  - name: out\n    version: 7\n").unwrap();
    let bad = bad.to_str().unwrap();

    let out = m.run(&["validate", bad]);
    assert_eq!(out.status.code(), Some(1));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains(&format!("{bad}:7:"))
            && human.contains("error:")
            && human.contains("(at /outputPorts/0/version)"),
        "{human}"
    );

    let json = m.run(&["validate", bad, "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let reports: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    has_keys(&reports[0], &["file", "kind", "valid", "errors"]);
    assert_eq!(reports[0]["valid"], false);
    has_keys(
        &reports[0]["errors"][0],
        &["line", "column", "pointer", "message"],
    );

    let demo_files: Vec<String> = std::fs::read_dir(demo_mesh().join("sales"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    let mut args = vec!["validate"];
    args.extend(demo_files.iter().map(String::as_str));
    m.ok(&args);

    assert_eq!(m.run(&["validate"]).status.code(), Some(2), "usage error");
}

#[test]
fn folder_source_tracks_edits_deletions_and_bad_files() {
    let m = Meshlens::new();
    let mesh = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), mesh.path());
    let path = mesh.path().to_str().unwrap();
    m.add_folder("local", path);
    let first = m.json(&["sync", "local"]);
    let added = first["sources"][0]["added"].as_u64().unwrap();
    assert!(added >= 30);
    let count = m.json(&["products"]).as_array().unwrap().len();

    // Delete one product file, break another, add an unknown document.
    let products: Vec<std::path::PathBuf> = walk_files(mesh.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".odps.yaml"))
        .collect();
    std::fs::remove_file(&products[0]).unwrap();
    std::fs::write(
        &products[1],
        "apiVersion: v1.0.0\nkind: DataProduct\nid: [unclosed\n",
    )
    .unwrap();
    std::fs::write(mesh.path().join("notes.yaml"), "hello: world\n").unwrap();

    let second = m.json(&["sync", "local"]);
    let local = &second["sources"][0];
    assert_eq!(local["removed"], 1, "{local}");
    let errors = local["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["file"]
            .as_str()
            .unwrap()
            .ends_with(products[1].file_name().unwrap().to_str().unwrap())
            && e["line"].as_u64().unwrap() >= 3),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["file"].as_str().unwrap().ends_with("notes.yaml")),
        "{errors:?}"
    );
    // An invalid edit is reported and the product keeps its last good version: nothing is lost from the cache.
    let now = m.json(&["products"]).as_array().unwrap().len();
    assert_eq!(
        now,
        count - 1,
        "one product deleted upstream; the broken one keeps its last good version"
    );
}

#[test]
fn an_unreadable_source_exits_1_and_keeps_the_cache() {
    let m = Meshlens::new();
    let mesh = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), mesh.path());
    m.add_folder("local", mesh.path());
    m.json(&["sync"]);
    let before = m.json(&["products"]);

    let moved = tempfile::tempdir().unwrap();
    std::fs::rename(mesh.path(), moved.path().join("gone")).unwrap();
    let out = m.run(&["sync", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["sources"][0]["unreadable"]["code"] == "E_SOURCE_UNREADABLE",
        "{report}"
    );
    assert_eq!(m.json(&["products"]), before);
}

#[test]
fn git_source_reads_a_branch() {
    let m = Meshlens::new();
    let repo = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh().join("sales"), repo.path());
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "sales domain"]);
    git(&["checkout", "-qb", "release"]);
    m.ok(&[
        "source",
        "add",
        "repo",
        "--kind",
        "git",
        "--url",
        repo.path().to_str().unwrap(),
        "--branch",
        "release",
    ]);
    let report = m.json(&["sync", "repo"]);
    assert!(
        report["sources"][0]["added"].as_u64().unwrap() >= 2,
        "{report}"
    );
    let listed = m.json(&["products"]);
    assert!(!listed.as_array().unwrap().is_empty());
}

#[test]
fn source_remove_drops_its_products() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    // A second source holding one product of the demo's finance domain, under another id.
    let other = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(demo_mesh().join("finance/finance-fx-rates.odps.yaml"))
        .unwrap()
        .replace("id: finance-fx-rates", "id: treasury-fx-rates");
    assert!(text.contains("treasury-fx-rates"));
    std::fs::write(other.path().join("fx.odps.yaml"), text).unwrap();
    let path = other.path().to_str().unwrap();
    m.add_folder("treasury", path);
    m.ok(&["sync", "treasury"]);
    let ids = |results: serde_json::Value| -> Vec<String> {
        let hits = results["hits"].as_array().unwrap();
        hits.iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    let before = ids(m.json(&["search", "FX Reference Rates", "--kind", "product"]));
    assert_eq!(
        before[..2],
        ["finance-fx-rates", "treasury-fx-rates"],
        "{before:?}"
    );

    m.ok(&["source", "remove", "demo"]);
    let products = m.json(&["products"]);
    assert_eq!(products.as_array().unwrap().len(), 1, "{products}");
    // The search index follows: the demo's documents are gone, the other source's stay.
    let after = ids(m.json(&["search", "FX Reference Rates", "--kind", "product"]));
    assert_eq!(after, ["treasury-fx-rates"]);
    assert_eq!(m.json(&["search", "orders"])["total"], 0);

    m.ok(&["source", "remove", "treasury"]);
    assert_eq!(m.json(&["products"]), serde_json::json!([]));
    let again = m.run(&["source", "remove", "demo"]);
    assert_eq!(again.status.code(), Some(1));
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk_files(&path))
        } else {
            out.push(path)
        }
    }
    out.sort();
    out
}

#[test]
fn lineage_and_impact_follow_the_cli_contract() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    // Sync may have ingested the demo's events already; an import then skips them as duplicates.
    let imported = m.json(&["import", demo_mesh().join("lineage").to_str().unwrap()]);
    let seen = imported["imported"].as_u64().unwrap() + imported["skipped"].as_u64().unwrap();
    assert!(seen > 100, "{imported}");
    let again = m.json(&["import", demo_mesh().join("lineage").to_str().unwrap()]);
    assert_eq!(again["imported"], 0, "importing again is idempotent");
    assert_eq!(again["skipped"].as_u64().unwrap(), seen);

    let graph = m.json(&["lineage", "sales-order-analytics", "--level", "product"]);
    has_keys(&graph, &["root", "nodes", "edges"]);
    has_keys(
        &graph["nodes"][0],
        &["id", "kind", "name", "product", "domain"],
    );
    has_keys(&graph["edges"][0], &["from", "to", "kind"]);
    let edges = graph["edges"].as_array().unwrap();
    assert!(
        edges
            .iter()
            .any(|e| e["from"] == "sales-orders" && e["to"] == "sales-order-analytics"),
        "{graph}"
    );

    let dataset = m.json(&[
        "lineage",
        "snowflake://northwind-analytics:ANALYTICS.SALES.FCT_ORDERS",
        "--upstream",
        "1",
        "--downstream",
        "0",
    ]);
    assert!(
        dataset["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"].as_str().unwrap().contains("sales.public.orders")),
        "{dataset}"
    );

    let dot = m.ok(&["lineage", "sales-orders", "--dot"]);
    assert!(dot.starts_with("digraph"), "{dot}");

    let impact = m.json(&["impact", "sales-orders"]);
    has_keys(&impact, &["root", "datasets", "products"]);
    has_keys(&impact["datasets"][0], &["id", "depth", "product"]);
    has_keys(
        &impact["products"][0],
        &["id", "name", "owner_team", "contacts", "depth"],
    );
    let downstream: Vec<&str> = impact["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(
        downstream.contains(&"finance-revenue-kpis"),
        "{downstream:?}"
    );

    let unknown = m.run(&["lineage", "nope:nothing"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("E_NOT_FOUND"));
}

#[test]
fn search_follows_the_cli_contract_and_forgives_typos() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let results = m.json(&["search", "custmer 360"]);
    has_keys(&results, &["total", "hits", "facets"]);
    has_keys(
        &results["hits"][0],
        &["id", "kind", "name", "domain", "owner", "score", "snippet"],
    );
    has_keys(
        &results["facets"],
        &["kind", "domain", "tag", "owner", "status"],
    );
    let ids: Vec<&str> = results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert!(
        ids[..3].contains(&"customer-360"),
        "typo query should find customer-360 near the top: {ids:?}"
    );

    let exact = m.json(&["search", "sales-orders", "--kind", "product"]);
    assert_eq!(
        exact["hits"][0]["id"], "sales-orders",
        "exact id first: {exact}"
    );
    assert!(
        exact["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["kind"] == "product")
    );

    let filtered = m.json(&["search", "revenue", "--domain", "finance", "--limit", "3"]);
    assert!(filtered["hits"].as_array().unwrap().len() <= 3);
    assert!(
        filtered["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["domain"] == "finance")
    );

    // Anything a user can type is a query, never a parser error.
    for odd in [
        "\"unbalanced AND (",
        "*",
        ":",
        "",
        "¯\\_(ツ)_/¯",
        "title:foo OR -bar",
    ] {
        let out = m.json(&["search", odd]);
        assert!(out["hits"].is_array(), "{odd}: {out}");
    }

    let stats = m.json(&["reindex"]);
    assert!(stats["total"].as_u64().unwrap() > 100, "{stats}");
    let after = m.json(&["search", "custmer 360"]);
    assert_eq!(after["hits"][0]["id"], results["hits"][0]["id"]);

    // A removed source disappears from search.
    m.ok(&["source", "remove", "demo"]);
    assert_eq!(m.json(&["search", "customer"])["total"], 0);
}

#[test]
fn quality_scorecard_check_and_report_follow_the_cli_contract() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    // The sync read the demo's quality folder already: importing it again stores nothing twice.
    let imported = m.json(&["import", demo_mesh().join("quality").to_str().unwrap()]);
    assert!(
        imported["quality"]["imported"] == 0
            && imported["quality"]["skipped"].as_u64().unwrap() > 20,
        "{imported}"
    );

    let all = m.json(&["quality"]);
    has_keys(&all, &["results", "summary"]);
    has_keys(&all["summary"], &["passed", "failed", "warned"]);
    has_keys(
        &all["results"][0],
        &[
            "check",
            "dataset",
            "column",
            "product",
            "status",
            "observed",
            "expected",
            "at",
            "source_tool",
        ],
    );
    let failing = m.json(&["quality", "--failing"]);
    let checks: Vec<&str> = failing["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["check"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains(&"unique_fct_orders_order_id"),
        "the demo's failing dbt test: {checks:?}"
    );
    assert!(
        failing["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "fail" || r["status"] == "error")
    );

    let cards = m.json(&["scorecard", "--domain", "sales"]);
    let cards = cards.as_array().unwrap();
    assert!(!cards.is_empty() && cards.iter().all(|c| c["domain"] == "sales"));
    has_keys(
        &cards[0],
        &[
            "id",
            "name",
            "domain",
            "pass_rate",
            "failing",
            "sla_breaches",
            "policy_violations",
            "last_run",
        ],
    );

    let check = m.run(&["check", "--all", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let has_error = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["severity"] == "error");
    assert_eq!(check.status.code(), Some(if has_error { 1 } else { 0 }));
    has_keys(
        &report["violations"][0],
        &["policy", "severity", "product", "path", "message"],
    );

    let out = m.path().join("steward.html");
    m.ok(&[
        "report",
        "--domain",
        "sales",
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("<svg") && html.contains("sales"),
        "self-contained report with inline charts"
    );
    // The only URL allowed is the SVG namespace, which is a name, not a load.
    let loads = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !loads.contains("src=\"http")
            && !loads.contains("href=\"http")
            && !loads.contains("url(http"),
        "no network loads in the report"
    );
}

fn results(report: &serde_json::Value) -> &Vec<serde_json::Value> {
    report["results"].as_array().unwrap()
}

#[test]
fn demo_quality_results_arrive_with_the_sync_and_leave_with_the_source() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let failing = m.json(&["quality", "--failing"]);
    let checks: BTreeSet<&str> = results(&failing)
        .iter()
        .map(|r| r["check"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains("unique_fct_orders_order_id")
            && checks.contains("assert_revenue_reconciles_with_ledger"),
        "the demo's failing dbt tests, with no import step: {checks:?}"
    );
    has_keys(&failing["summary"], &["passed", "failed", "warned"]);
    let unique = results(&failing)
        .iter()
        .find(|r| r["check"] == "unique_fct_orders_order_id" && r["source_tool"] == "dbt")
        .unwrap();
    assert_eq!(unique["rule"]["contract"], "sales-order-facts", "{unique}");
    assert_eq!(unique["rule"]["metric"], "duplicateValues");
    assert_eq!(unique["rule"]["column"], "order_id");
    let all = m.json(&["quality"]);
    assert!(
        results(&all)
            .iter()
            .any(|r| r["source_tool"] == "great_expectations")
            && results(&all).iter().any(|r| r["source_tool"] == "soda"),
        "every tool folder of the demo is read"
    );

    // A re-sync skips the unchanged result files and changes nothing.
    let again = m.json(&["sync"]);
    let quality = &again["sources"][0]["quality"];
    assert_eq!(quality["files"], 0, "{quality}");
    assert!(quality["unchanged"].as_u64().unwrap() >= 14, "{quality}");
    assert_eq!(m.json(&["quality", "--failing"]), failing);
    assert_eq!(m.json(&["quality"]), all);

    m.ok(&["source", "remove", "demo"]);
    assert_eq!(results(&m.json(&["quality", "--failing"])).len(), 0);
    assert_eq!(results(&m.json(&["quality"])).len(), 0);
    let gone = m.run(&["lineage", FCT_ORDERS, "--json"]);
    assert_eq!(gone.status.code(), Some(1), "its lineage events went too");
}

const FCT_ORDERS: &str = "snowflake://northwind-analytics:ANALYTICS.SALES.FCT_ORDERS";
const SHIPMENTS: &str = "postgres://wms-db.northwind.internal:5432:logistics.public.shipments";

/// An OpenLineage run that read `shipments` and reported its data-quality metrics.
fn metrics_event(time: &str, rows: u64) -> String {
    serde_json::json!({
        "eventType": "COMPLETE",
        "eventTime": time,
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/spark",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": format!("0193a0c4-0000-7000-8000-0000000000{:02}", rows / 1000 % 100)},
        "job": {"namespace": "wms-profiling", "name": "profile_shipments"},
        "inputs": [{
            "namespace": "postgres://wms-db.northwind.internal:5432",
            "name": "logistics.public.shipments",
            "inputFacets": {"dataQualityMetrics": {
                "_producer": "https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/spark",
                "_schemaURL": "https://openlineage.io/spec/facets/1-0-2/DataQualityMetricsInputDatasetFacet.json",
                "rowCount": rows,
                "bytes": rows * 120,
                "columnMetrics": {"carrier": {
                    "nullCount": 0, "distinctCount": 6,
                    "quantiles": {"0.5": 3.0}
                }}
            }}
        }],
        "outputs": []
    })
    .to_string()
}

#[test]
fn quality_files_of_a_folder_source_follow_edits_and_link_to_contracts_that_arrive_later() {
    let m = Meshlens::new();
    let mesh = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), mesh.path());
    let contract = mesh
        .path()
        .join("logistics/logistics-shipments-db.odcs.yaml");
    let aside = tempfile::tempdir().unwrap();
    let kept = aside.path().join("contract.yaml");
    std::fs::rename(&contract, &kept).unwrap();
    let soda = mesh.path().join("quality/soda");
    std::fs::write(
        soda.join("truncated.json"),
        &std::fs::read_to_string(soda.join("2026-11-22_logistics_shipments.json")).unwrap()[..200],
    )
    .unwrap();
    let metrics = mesh.path().join("lineage/profiling.ndjson");
    std::fs::write(
        &metrics,
        format!(
            "{}\n{}\n",
            metrics_event("2026-11-21T03:00:00Z", 41_000),
            metrics_event("2026-11-22T03:00:00Z", 42_000)
        ),
    )
    .unwrap();
    let path = mesh.path().to_str().unwrap();
    m.add_folder("local", path);
    let first = m.json(&["sync", "local"]);
    let local = &first["sources"][0];
    assert!(
        local["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["file"].as_str().unwrap().ends_with("truncated.json")),
        "a malformed result file is reported: {local}"
    );
    assert!(
        local["quality"]["imported"].as_u64().unwrap() > 20,
        "{local}"
    );

    // The contract of `shipments` is not there yet: its results are kept, unlinked.
    let soda_results = |m: &Meshlens| {
        let report = m.json(&["quality", "shipments"]);
        results(&report).clone()
    };
    let before = soda_results(&m);
    assert!(!before.is_empty());
    assert!(
        before
            .iter()
            .all(|r| r["product"].is_null() && r["rule"].is_null())
    );
    let history = m.json(&["metrics", SHIPMENTS]);
    let rows: Vec<u64> = history["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["row_count"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [41_000, 42_000]);
    assert_eq!(history["columns"][0]["column"], "carrier");
    assert_eq!(history["columns"][0]["points"][1]["quantiles"]["0.5"], 3.0);

    // The contract arrives: the same results now name its product and the rules they check.
    std::fs::rename(&kept, &contract).unwrap();
    m.ok(&["sync", "local"]);
    let after = soda_results(&m);
    assert_eq!(after.len(), before.len());
    assert!(after.iter().all(|r| r["product"] == "logistics-shipments"));
    let carrier = after
        .iter()
        .find(|r| r["check"] == "Carrier code is known")
        .unwrap();
    assert_eq!(carrier["rule"]["metric"], "invalidValues", "{carrier}");
    assert_eq!(carrier["rule"]["column"], "carrier");
    let by_contract = m.json(&["metrics", "logistics-shipments-db"]);
    assert_eq!(by_contract["points"].as_array().unwrap().len(), 2);

    // Files removed upstream take what they brought with them.
    std::fs::remove_file(soda.join("2026-11-21_logistics_shipments.json")).unwrap();
    std::fs::remove_file(&metrics).unwrap();
    m.ok(&["sync", "local"]);
    let left = soda_results(&m);
    assert!(!left.is_empty() && left.len() < after.len());
    assert!(
        left.iter()
            .all(|r| !r["at"].as_str().unwrap().starts_with("2026-11-21"))
    );
    let history = m.json(&["metrics", SHIPMENTS]);
    assert_eq!(history["points"], serde_json::json!([]));
    let job = m.run(&["lineage", "job:wms-profiling:profile_shipments", "--json"]);
    assert_eq!(
        job.status.code(),
        Some(1),
        "the events of a removed lineage file go"
    );
    let fct = m.run(&["lineage", FCT_ORDERS, "--json"]);
    assert!(fct.status.success(), "the other lineage files stay");
}

#[test]
fn quality_retention_is_a_setting_applied_after_every_sync() {
    let m = Meshlens::new();
    let defaults = m.json(&["retention"]);
    assert_eq!(defaults["max_age_days"], 180);
    assert_eq!(defaults["max_results_per_check"], 1000);
    m.ok(&["demo"]);
    let all = results(&m.json(&["quality"])).len();
    let failing = m.json(&["quality", "--failing"]);

    let set = m.json(&[
        "retention",
        "--max-results-per-check",
        "1",
        "--max-age-days",
        "0",
    ]);
    assert_eq!(set["max_results_per_check"], 1);
    assert!(set["max_age_days"].is_null());
    let one_each = results(&m.json(&["quality"])).len();
    assert!(one_each < all, "{one_each} of {all}");
    assert_eq!(
        m.json(&["quality", "--failing"]),
        failing,
        "the current status stays"
    );
    // The setting persists; a sync applies it again and finds nothing more to drop.
    m.ok(&["sync"]);
    assert_eq!(results(&m.json(&["quality"])).len(), one_each);
    assert_eq!(m.json(&["retention"]), set);
}

#[test]
fn catalog_server_sources_follow_the_cli_contract() {
    let m = Meshlens::new();
    m.ok(&[
        "source",
        "add",
        "om",
        "--kind",
        "openmetadata",
        "--url",
        "https://om.example.invalid",
    ]);
    m.ok(&[
        "source",
        "add",
        "lineage",
        "--kind",
        "marquez",
        "--url",
        "http://marquez.example.invalid:5000",
    ]);
    let sources = m.json(&["source", "list"]);
    let om = sources
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["config"]["name"] == "om")
        .unwrap();
    assert_eq!(om["config"]["kind"], "openmetadata");
    assert_eq!(om["config"]["url"], "https://om.example.invalid");
    assert!(
        m.ok(&["source", "list"])
            .contains("marquez http://marquez.example.invalid:5000 (read-only)")
    );

    // A server kind needs --url (usage error, exit 2); a URL must be http(s).
    assert_eq!(
        m.run(&["source", "add", "dh", "--kind", "datahub"])
            .status
            .code(),
        Some(2)
    );
    let bad = m.run(&[
        "source", "add", "dh", "--kind", "datahub", "--url", "ftp://x",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("http:// or https://"));

    // No token anywhere: the sync fails before any request and says how to provide one.
    let out = m
        .command()
        .args(["sync", "om", "--json"])
        .env_remove("MESHLENS_TOKEN_OM")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = report["sources"][0]["unreadable"]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("meshlens auth set om") && message.contains("MESHLENS_TOKEN_OM"),
        "{message}"
    );

    // Without a reachable keyring, `auth set` reads the token from stdin and explains the fallback
    // variable; the token is never echoed.
    let mut child = m
        .command()
        .args(["auth", "set", "om"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/meshlens-test-bus",
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"eyJhbGciOiJIUzI1NiJ9.secret-token\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("secret-token"), "{all}");
    if !out.status.success() {
        assert_eq!(out.status.code(), Some(1));
        assert!(all.contains("MESHLENS_TOKEN_OM"), "{all}");
    }
    // `auth set` on a folder source is refused.
    let folder = tempfile::tempdir().unwrap();
    m.add_folder("files", folder.path());
    let out = m
        .command()
        .args(["auth", "set", "files"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// `source add --scope-*`, `source scope NAME --add` (an online hit's domain in one step) and `--clear`, as
/// `source list --json` shows them; a folder takes no scope.
#[test]
fn a_catalog_source_scope_is_set_widened_and_cleared_from_the_command_line() {
    let m = Meshlens::new();
    let added = m.json(&[
        "source",
        "add",
        "om",
        "--kind",
        "openmetadata",
        "--url",
        "http://127.0.0.1:9",
        "--scope-domain",
        "sales",
        "--neighbours",
        "1",
    ]);
    assert_eq!(
        added["config"]["scope"]["domains"],
        serde_json::json!(["sales"])
    );
    let widened = m.json(&[
        "source",
        "scope",
        "om",
        "--add",
        "--scope-domain",
        "marketing",
        "--scope-domain",
        "SALES",
    ]);
    let scope = &widened["config"]["scope"];
    assert_eq!(scope["domains"], serde_json::json!(["sales", "marketing"]));
    assert_eq!(scope["neighbours"], 1);
    let said = m.ok(&[
        "source",
        "scope",
        "om",
        "--add",
        "--scope-tag",
        "PII.Sensitive",
    ]);
    assert!(
        said.contains("only domains sales, marketing; tags PII.Sensitive; 1 hop of lineage"),
        "{said}"
    );
    let listed = m.json(&["source", "list"]);
    assert_eq!(
        listed[0]["config"]["scope"]["tags"],
        serde_json::json!(["PII.Sensitive"])
    );

    m.ok(&["source", "scope", "om", "--clear"]);
    let listed = m.json(&["source", "list"]);
    assert!(listed[0]["config"].get("scope").is_none(), "{listed}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let out = m.run(&[
        "source",
        "add",
        "files",
        "--kind",
        "folder",
        "--path",
        path,
        "--scope-domain",
        "x",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only catalog servers"));
}
