//! `meshlens upgrade` through the real binary on every official DCS, ODCS v2 and ODCS v3.0 example
//! (the unmodified copies in `crates/model/tests/fixtures`): each result validates as ODCS v3.1.0
//! and the fields kept as custom properties are exactly the snapshot's
//! (`upgrade_kept_as_custom.tsv`); a DCS contract in a source becomes a draft that is submitted.

mod common;

use std::path::{Path, PathBuf};

use common::{Meshlens, relax_policies, repo_root};
use serde_json::Value;

fn fixtures() -> PathBuf {
    repo_root().join("crates/model/tests/fixtures")
}

/// The examples an upgrade applies to: DCS, and ODCS declaring v2 or v3.0.
fn old_examples() -> Vec<String> {
    let mut out = Vec::new();
    collect(&fixtures(), &mut out);
    out.retain(|rel| {
        let text = std::fs::read_to_string(fixtures().join(rel)).unwrap();
        text.contains("dataContractSpecification:")
            || text.lines().any(|l| {
                let l = l.trim_start_matches("apiVersion:").trim().trim_matches('"');
                l.len() < 20 && (l.starts_with("v2.") || l.starts_with("v3.0."))
            })
    });
    out.sort();
    out
}

fn collect(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|x| x == "yaml") {
            let rel = path.strip_prefix(fixtures()).unwrap();
            out.push(rel.to_string_lossy().into_owned());
        }
    }
}

/// `file<TAB>path,path,...` per example, as committed.
fn snapshot() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(repo_root().join("tests/scenarios/upgrade_kept_as_custom.tsv"))
            .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (file, kept) = l.split_once('\t').unwrap_or((l, ""));
            (file.to_owned(), kept.to_owned())
        })
        .collect()
}

#[test]
fn every_old_official_example_upgrades_to_valid_odcs_3_1_0_keeping_an_exact_list() {
    let m = Meshlens::new();
    let out = tempfile::tempdir().unwrap();
    let examples = old_examples();
    // 4 DCS, 1 ODCS v2.2.2, 13 ODCS v3.0.x.
    assert_eq!(examples.len(), 18, "{examples:?}");
    let mut seen = Vec::new();
    for (n, rel) in examples.iter().enumerate() {
        let dir = out.path().join(n.to_string());
        let file = fixtures().join(rel);
        let args = [
            "upgrade",
            file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ];
        let report = m.json(&args);
        let report = &report[0];
        assert_eq!(report["to"], "odcs-3.1.0", "{rel}: {report}");
        assert_eq!(report["valid"], true, "{rel}: {report}");
        assert_eq!(report["dropped"], Value::Array(Vec::new()), "{rel}");
        assert!(report["mapped"].as_u64().unwrap() > 0, "{rel}");
        let written = report["written"].as_str().unwrap();
        let checked = m.json(&["validate", written]);
        assert_eq!(checked[0]["valid"], true, "{rel}: {checked}");
        let text = std::fs::read_to_string(written).unwrap();
        assert!(text.contains("apiVersion: v3.1.0"), "{rel}");
        let kept: Vec<&str> = report["kept_as_custom"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        seen.push((rel.clone(), kept.join(",")));
    }
    let expected = snapshot();
    let printed: Vec<String> = seen.iter().map(|(f, k)| format!("{f}\t{k}")).collect();
    assert_eq!(seen, expected, "actual:\n{}", printed.join("\n"));
}

#[test]
fn a_v3_0_contract_keeps_its_comments_and_a_failed_file_exits_1() {
    let m = Meshlens::new();
    let out = tempfile::tempdir().unwrap();
    let source =
        fixtures().join("odcs/docs/examples/all/postgresql-adventureworks-contract.odcs.yaml");
    let before = std::fs::read_to_string(&source).unwrap();
    let report = m.json(&[
        "upgrade",
        source.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(report[0]["layout_kept"], true, "{report}");
    let after = std::fs::read_to_string(report[0]["written"].as_str().unwrap()).unwrap();
    let changed: Vec<_> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed, [("apiVersion: \"v3.0.0\"", "apiVersion: v3.1.0")]);
    assert_eq!(before.lines().count(), after.lines().count());

    // The DPS stub has no id, which ODPS requires: reported, nothing written, exit 1.
    let stub = fixtures().join("dataproduct-specification/example.yaml");
    let failed = m.run(&[
        "upgrade",
        stub.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(failed.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(report[0]["valid"], false);
    assert!(report[0].get("written").is_none(), "{report}");
    let wrong = m.run(&[
        "upgrade",
        stub.to_str().unwrap(),
        "--to",
        "odcs-3.1.0",
        "--json",
    ]);
    assert_eq!(wrong.status.code(), Some(1));
}

#[test]
fn a_dcs_contract_in_a_source_becomes_a_draft_that_is_submitted() {
    let m = Meshlens::new();
    relax_policies(&m);
    let mesh = tempfile::tempdir().unwrap();
    let file = mesh.path().join("orders/datacontract.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let dcs =
        fixtures().join("datacontract-specification/examples/orders-latest/datacontract.yaml");
    std::fs::copy(&dcs, &file).unwrap();
    m.add_folder("mesh", mesh.path());
    m.ok(&["sync"]);

    let report = m.json(&["upgrade", file.to_str().unwrap(), "--draft"]);
    assert_eq!(report[0]["valid"], true, "{report}");
    let draft = report[0]["draft"].as_i64().unwrap().to_string();
    let diff = m.ok(&["draft", "diff", &draft]);
    assert!(diff.contains("apiVersion: v3.1.0"), "{diff}");
    let submitted = m.json(&["submit", &draft]);
    assert_eq!(submitted["item"]["status"], "submitted", "{submitted}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("apiVersion: v3.1.0\nkind: DataContract\n"),
        "{text}"
    );
    m.ok(&["sync"]);
    let checked = m.json(&["validate", file.to_str().unwrap()]);
    assert_eq!(checked[0]["valid"], true, "{checked}");

    // The file changed since: a second upgrade of the stale copy is refused.
    std::fs::copy(&dcs, mesh.path().join("stale.yaml")).unwrap();
    let stale = mesh.path().join("stale.yaml");
    let refused = m.run(&["upgrade", stale.to_str().unwrap(), "--draft", "--json"]);
    assert_eq!(refused.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert!(
        report[0]["error"].as_str().unwrap().contains("differs"),
        "{report}"
    );
}

#[test]
fn the_demo_meshs_dcs_contract_upgrades_into_valid_odcs() {
    // Its SQL rule uses DCS's operator `mustBeGreaterThanOrEqualTo` (ODCS: `mustBeGreaterOrEqualTo`).
    let m = Meshlens::new();
    let file = common::demo_mesh().join("sales/pos-transactions-legacy.datacontract.yaml");
    let report = m.json(&["upgrade", file.to_str().unwrap()]);
    assert_eq!(report[0]["valid"], true, "{report}");
    assert_eq!(
        report[0]["kept_as_custom"],
        serde_json::json!([
            "terms.noticePeriod",
            "models.pos_transactions.fields.currency_code.enum",
            "servicelevels.frequency.type"
        ])
    );
}
