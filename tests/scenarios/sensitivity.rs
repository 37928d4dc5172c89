//! Sensitivity and retention through the real CLI: normalised levels and days on `products` and
//! `show`, from the demo mesh and from the forms other sources write (ISO 8601, customProperties,
//! catalog tags such as `PII.Sensitive`).

mod common;

use std::collections::BTreeMap;

use common::Meshlens;
use serde_json::Value;

/// id → (sensitivity, retention_days) of every product `meshlens products --json` lists.
fn levels(m: &Meshlens) -> BTreeMap<String, (String, Option<i64>)> {
    let products = m.json(&["products"]);
    products
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let level = p["sensitivity"].as_str().unwrap().to_owned();
            (
                p["id"].as_str().unwrap().to_owned(),
                (level, p["retention_days"].as_i64()),
            )
        })
        .collect()
}

#[test]
fn demo_products_show_normalised_sensitivity_and_retention_days() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let levels = levels(&m);
    // A restricted column (customer_email) in a contract of its port raises the confidential product;
    // "10 years (German commercial code, HGB §257)" is 3650 days.
    assert_eq!(levels["sales-orders"], ("restricted".into(), Some(3650)));
    assert_eq!(levels["finance-fx-rates"], ("public".into(), None));
    let known = [
        "public",
        "internal",
        "confidential",
        "restricted",
        "unknown",
    ];
    assert!(
        levels.values().all(|(l, _)| known.contains(&l.as_str())),
        "{levels:?}"
    );

    for id in ["sales-orders", "finance-fx-rates", "customer-profiles"] {
        let detail = m.json(&["show", id]);
        let shown = (
            detail["sensitivity"].as_str().unwrap().to_owned(),
            detail["retention_days"].as_i64(),
        );
        assert_eq!(shown, levels[id], "{id}: show and products agree");
        assert_eq!(detail["product"]["id"], id, "existing keys stay");
    }
    // The search facet agrees with the product list.
    let found = m.json(&[
        "search",
        "",
        "--kind",
        "product",
        "--sensitivity",
        "restricted",
        "--limit",
        "100",
    ]);
    let mut hits: Vec<&str> = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    hits.sort();
    let restricted: Vec<&str> = levels
        .iter()
        .filter(|(_, (l, _))| l == "restricted")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(hits, restricted);
    assert!(
        found["facets"]["sensitivity"]["restricted"]
            .as_u64()
            .unwrap()
            >= 1,
        "{found}"
    );
    let columns = m.json(&[
        "search",
        "email",
        "--kind",
        "column",
        "--sensitivity",
        "restricted",
    ]);
    assert!(
        columns["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == "sales-orders-db/orders/customer_email"),
        "{columns}"
    );
    let refused = m.run(&["search", "x", "--sensitivity", "secret"]);
    assert_eq!(refused.status.code(), Some(2));

    let human = m.ok(&["products", "--domain", "sales"]);
    let header: Vec<&str> = human.lines().next().unwrap().split_whitespace().collect();
    assert!(
        header.windows(2).any(|w| w == ["SENSITIVITY", "RETENTION"]),
        "{human}"
    );
    assert!(human.contains("restricted"), "{human}");
    assert!(
        m.ok(&["show", "sales-orders"])
            .contains("sensitivity: restricted   retention: 3650 d")
    );
}

const PRODUCT: &str = "apiVersion: v1.0.0\nkind: DataProduct\nid: ID\nstatus: active\n";

fn contract(id: &str, extra: &str) -> String {
    format!(
        "apiVersion: v3.1.0\nkind: DataContract\nid: {id}\nversion: 1.0.0\nstatus: active\n{extra}"
    )
}

#[test]
fn the_forms_sources_write_are_normalised() {
    let m = Meshlens::new();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
    let product = |id: &str, rest: &str| PRODUCT.replace("ID", id) + rest;
    write(
        "tagged.odps.yaml",
        product(
            "tagged",
            "outputPorts:\n  - {name: out, version: 1.0.0, contractId: tagged-c}\n",
        ),
    );
    write(
        "tagged-c.odcs.yaml",
        contract(
            "tagged-c",
            "slaProperties:\n  - {property: retention, value: P90D}\nschema:\n  - name: t\n    properties:\n      \
             - {name: ssn, tags: [PII.Sensitive]}\n      - {name: note, tags: [pii]}\n",
        ),
    );
    write(
        "custom.odps.yaml",
        product(
            "custom",
            "customProperties:\n  - {property: dataClassification, value: Internal}\n  - {property: retentionPeriod, value: 1 year}\n",
        ),
    );
    write(
        "odd.odps.yaml",
        product(
            "odd",
            "customProperties:\n  - {property: classification, value: \"top secret\\u001b[31m\"}\n  - {property: retention, value: forever}\n",
        ),
    );
    let path = dir.path().to_str().unwrap();
    m.add_folder("forms", path);
    m.ok(&["sync", "forms"]);
    let levels = levels(&m);
    assert_eq!(levels["tagged"], ("restricted".into(), Some(90)));
    assert_eq!(levels["custom"], ("internal".into(), Some(365)));
    // A label naming no level (here with a control character in it) is unknown, not a guess.
    assert_eq!(levels["odd"], ("unknown".into(), None));
    let shown: Value = m.json(&["show", "tagged"]);
    assert_eq!(
        shown["contracts"][0]["contract"]["datasets"][0]["columns"][0]["classification"],
        "PII.Sensitive"
    );
    // A bare `pii` tag is a keyword, not a classification: the pii-columns policy still asks for one.
    assert_eq!(
        shown["contracts"][0]["contract"]["datasets"][0]["columns"][1]["classification"],
        Value::Null
    );
}

#[test]
fn ports_datasets_and_columns_show_their_own_normalised_level() {
    let m = Meshlens::new();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "levels.odps.yaml",
        PRODUCT.replace("ID", "levels")
            + "outputPorts:\n  - {name: open, version: 1.0.0, contractId: open-c}\n  \
               - {name: staff, version: 1.0.0, contractId: staff-c}\n  \
               - {name: later, version: 1.0.0, contractId: not-written-yet}\n",
    );
    write(
        "open-c.odcs.yaml",
        contract(
            "open-c",
            "schema:\n  - name: days\n    properties:\n      - {name: day, classification: public}\n",
        ),
    );
    write(
        "staff-c.odcs.yaml",
        contract(
            "staff-c",
            "schema:\n  - name: people\n    properties:\n      \
             - {name: id}\n      - {name: email, classification: confidential}\n      \
             - {name: ssn, tags: [PII.Sensitive]}\n",
        ),
    );
    m.add_folder("levels", dir.path().to_str().unwrap());
    let synced = m.ok(&["sync", "levels"]);
    assert!(synced.contains("0 errors"), "{synced}");
    let shown = m.json(&["show", "levels"]);
    assert_eq!(shown["sensitivity"], "restricted", "{shown:#}");
    let ports: Vec<(&str, &str)> = shown["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let port = &c["port"];
            (
                port["port"].as_str().unwrap(),
                port["sensitivity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(ports, [("open", "public"), ("staff", "restricted")]);
    assert_eq!(shown["missing_contracts"][0]["port"], "later");
    assert_eq!(shown["missing_contracts"][0]["sensitivity"], "unknown");
    let staff = &shown["contracts"][1]["contract"]["datasets"][0];
    assert_eq!(staff["sensitivity"], "restricted");
    let columns: Vec<(&str, &str)> = staff["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["sensitivity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("id", "unknown"),
            ("email", "confidential"),
            ("ssn", "restricted")
        ]
    );
    // The keys that were there stay.
    assert_eq!(staff["name"], "people");
    assert_eq!(staff["columns"][1]["classification"], "confidential");
}
