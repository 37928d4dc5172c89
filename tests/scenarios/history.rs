//! History, diffs and the change feed through the real CLI (issue #22): sync a copy of the demo mesh, change it
//! (remove a column, weaken an SLA, edit a description, add a product, remove one), sync again; the feed, the
//! history and each diff then say exactly that, and a full re-sync adds nothing.

mod common;

use std::path::Path;

use common::{Meshlens, copy_tree, demo_mesh};
use serde_json::Value;

fn replace(path: &Path, old: &str, new: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(old), "{} lacks {old:?}", path.display());
    std::fs::write(path, text.replacen(old, new, 1)).unwrap();
}

/// The five edits of the scenario.
fn change_the_mesh(root: &Path) {
    let view = root.join("customer/customer-360-view.odcs.yaml");
    let country = "      - name: country_code\n        physicalType: VARCHAR(2)\n        logicalType: string\n        description: Country of the default address.\n        classification: public\n";
    replace(&view, country, "");
    replace(
        &view,
        "  - property: frequency\n    value: 1\n",
        "  - property: frequency\n    value: 7\n",
    );
    replace(
        &root.join("customer/customer-360.odps.yaml"),
        "  purpose: >-\n",
        "  purpose: >-\n    Now with web sessions.\n",
    );
    let fx = std::fs::read_to_string(root.join("finance/finance-fx-rates.odps.yaml")).unwrap();
    let eur = fx.replacen("id: finance-fx-rates\n", "id: finance-fx-rates-eur\n", 1);
    std::fs::write(root.join("finance/finance-fx-rates-eur.odps.yaml"), eur).unwrap();
    std::fs::remove_file(root.join("finance/finance-revenue-kpis.odps.yaml")).unwrap();
}

/// (kind, id, op, breaking) of every change in a feed.
fn entries(feed: &Value) -> Vec<(String, String, String, bool)> {
    let mut out: Vec<_> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap().to_string();
            (
                text("kind"),
                text("id"),
                text("op"),
                c["breaking"].as_bool().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn fields<'a>(feed: &'a Value, id: &str) -> Vec<(&'a str, &'a str, bool)> {
    let change = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap();
    change["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let (path, op) = (f["path"].as_str().unwrap(), f["op"].as_str().unwrap());
            (path, op, f["breaking"].as_bool().unwrap())
        })
        .collect()
}

fn owned(list: &[(&str, &str, &str, bool)]) -> Vec<(String, String, String, bool)> {
    list.iter()
        .map(|(k, i, o, b)| (k.to_string(), i.to_string(), o.to_string(), *b))
        .collect()
}

#[test]
fn feed_history_and_diffs_say_exactly_what_changed() {
    let m = Meshlens::new();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mesh");
    copy_tree(&demo_mesh(), &root);
    m.add_folder("mesh", &root);
    m.ok(&["sync"]);
    let first = m.json(&["changes", "--mark-read"]);
    assert!(first["changes"].as_array().unwrap().len() > 40, "{first}");
    assert_eq!(m.json(&["changes"])["changes"], serde_json::json!([]));

    change_the_mesh(&root);
    m.ok(&["sync"]);
    let feed = m.json(&["changes"]);
    assert_eq!(feed["syncs"].as_array().unwrap().len(), 1, "{feed}");
    assert_eq!(
        entries(&feed),
        owned(&[
            ("contract", "customer-360-view", "changed", true),
            ("dataset", "customer-360-view/customer_360", "changed", true),
            ("product", "customer-360", "changed", false),
            ("product", "finance-fx-rates-eur", "added", false),
            ("product", "finance-revenue-kpis", "removed", true),
        ])
    );
    assert_eq!(
        fields(&feed, "customer-360-view"),
        [
            ("customer_360.country_code", "removed", true),
            ("slaProperties.frequency", "changed", true),
            ("version", "changed", true),
        ]
    );
    assert_eq!(
        fields(&feed, "customer-360"),
        [("description.purpose", "changed", false)]
    );
    let removed = feed["changes"].as_array().unwrap().iter();
    let removed: Vec<&Value> = removed.filter(|c| c["op"] == "removed").collect();
    assert_eq!(
        removed[0]["domain"], "finance",
        "a removal keeps its domain"
    );
    history_and_diff(&m);
    follows_and_filters(&m);

    // A full re-sync reads every file again and records nothing.
    let last = feed["syncs"][0]["id"].as_i64().unwrap().to_string();
    m.ok(&["sync", "--full"]);
    let after = m.json(&["changes", "--since", &last]);
    assert_eq!(after["syncs"].as_array().unwrap().len(), 1);
    assert_eq!(after["changes"], serde_json::json!([]), "{after}");
    assert_eq!(
        m.json(&["history", "customer-360-view"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

fn history_and_diff(m: &Meshlens) {
    let history = m.json(&["history", "customer-360-view"]);
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2);
    for key in [
        "version", "hash", "seen_at", "sync", "source", "breaking", "summary",
    ] {
        assert!(
            history[0].get(key).is_some(),
            "history lacks {key}: {history:?}"
        );
    }
    assert_eq!(history[0]["breaking"], true);
    assert_eq!(history[1]["breaking"], false);
    assert!(history[0]["sync"].as_i64() > history[1]["sync"].as_i64());
    assert_eq!(history[0]["source"], "mesh");
    assert_eq!(
        history[0]["ports"],
        serde_json::json!([]),
        "a contract has no ports"
    );

    // A product's versions say what each output port declared.
    let product = m.json(&["history", "customer-360"]);
    let ports = &product.as_array().unwrap()[0]["ports"];
    assert_eq!(
        ports,
        &serde_json::json!([{"name": "customer-360", "version": "1.2.0", "contract": "customer-360-view"}]),
        "{product}"
    );
    let table = m.ok(&["history", "customer-360"]);
    assert!(
        table.contains("PORTS") && table.contains("customer-360 1.2.0 (customer-360-view)"),
        "{table}"
    );

    let diff = m.json(&["diff", "customer-360-view"]);
    assert_eq!(diff["id"], "customer-360-view");
    assert_eq!(diff["from"], history[1]["hash"]);
    assert_eq!(diff["to"], history[0]["hash"]);
    let changes = diff["changes"].as_array().unwrap();
    let column = changes
        .iter()
        .find(|c| c["path"] == "customer_360.country_code")
        .unwrap();
    assert_eq!(
        (column["op"].as_str(), column["breaking"].as_bool()),
        (Some("removed"), Some(true))
    );
    assert_eq!(column["before"]["name"], "country_code");
    assert_eq!(column["after"], Value::Null);
    let sla = changes
        .iter()
        .find(|c| c["path"] == "slaProperties.frequency")
        .unwrap();
    assert_eq!(
        (
            sla["before"]["value"].as_i64(),
            sla["after"]["value"].as_i64()
        ),
        (Some(1), Some(7))
    );
    assert_eq!(sla["reason"], "SLA frequency from 1 d to 7 d loosened");

    // The same two versions named by hash prefix; a description edit is metadata-only.
    let from = &history[1]["hash"].as_str().unwrap()[..10];
    let again = m.json(&["diff", "customer-360-view", "--from", from, "--to", "1.2.0"]);
    assert_eq!(again["changes"], diff["changes"]);
    let product = m.json(&["diff", "customer-360"]);
    let purpose = &product["changes"][0];
    assert_eq!(purpose["path"], "description.purpose");
    assert_eq!(
        (
            purpose["breaking"].as_bool(),
            purpose["metadata_only"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert!(
        purpose["after"]
            .as_str()
            .unwrap()
            .starts_with("Now with web sessions.")
    );
}

fn follows_and_filters(m: &Meshlens) {
    let followed = m.json(&["follow", "customer-360"]);
    assert_eq!(
        (followed["kind"].as_str(), followed["id"].as_str()),
        (Some("product"), Some("customer-360"))
    );
    assert_eq!(m.json(&["follow", "finance"])["kind"], "domain");
    assert_eq!(m.json(&["following"]).as_array().unwrap().len(), 2);
    m.ok(&["unfollow", "finance"]);
    // A followed product covers the contract and dataset of its output port.
    let mine = m.json(&["changes", "--following"]);
    assert_eq!(
        entries(&mine),
        owned(&[
            ("contract", "customer-360-view", "changed", true),
            ("dataset", "customer-360-view/customer_360", "changed", true),
            ("product", "customer-360", "changed", false),
        ])
    );
    let breaking = m.json(&["changes", "--breaking", "--domain", "finance"]);
    assert_eq!(
        entries(&breaking),
        owned(&[("product", "finance-revenue-kpis", "removed", true)])
    );
    let bad = m.run(&["changes", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("E_INVALID_ARGS"));
    let unknown = m.run(&["follow", "no-such-thing"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("E_NOT_FOUND"));
    m.ok(&["changes", "--mark-read"]);
    assert_eq!(m.json(&["changes"])["changes"], serde_json::json!([]));
}

/// A removed source keeps its history unless the user asks (`source remove --forget-history`).
#[test]
fn history_outlives_a_removed_source_unless_forgotten() {
    let m = Meshlens::new();
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&demo_mesh(), dir.path());
    m.add_folder("a", dir.path());
    m.ok(&["sync"]);
    m.ok(&["source", "remove", "a"]);
    let kept = m.json(&["history", "customer-360"]);
    assert_eq!(kept.as_array().unwrap().len(), 1);
    m.add_folder("b", dir.path());
    m.ok(&["sync"]);
    // The same content under another source is not a new version.
    assert_eq!(m.json(&["history", "customer-360"]), kept);
    m.ok(&["source", "remove", "b", "--forget-history"]);
    assert_eq!(
        m.json(&["history", "customer-360"]),
        kept,
        "b recorded nothing"
    );
    let forgotten = Meshlens::new();
    forgotten.add_folder("d", dir.path());
    forgotten.ok(&["sync"]);
    forgotten.ok(&["source", "remove", "d", "--forget-history"]);
    let gone = forgotten.run(&["history", "customer-360"]);
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("E_NOT_FOUND"),
        "{gone:?}"
    );
}
