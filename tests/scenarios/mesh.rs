//! The mesh at a glance through the real CLI on the demo mesh (issue #23): `mesh` (domains and the
//! cross-domain edges of each kind), `adoption --unused`, `trust` (factors that change when a check
//! fails, weights a domain policy sets) and `feedback` (kept locally and private).

mod common;

use common::{Meshlens, copy_tree, demo_mesh};
use serde_json::Value;

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// Every key the contract names is there (more may be).
fn has_keys(value: &Value, expected: &[&str]) {
    let found = keys(value);
    for key in expected {
        assert!(found.contains(key), "`{key}` missing from {value}");
    }
}

fn edge(mesh: &Value, from: &str, to: &str, kind: &str) -> bool {
    mesh["edges"].as_array().unwrap().iter().any(|e| {
        (e["from"].as_str(), e["to"].as_str(), e["kind"].as_str())
            == (Some(from), Some(to), Some(kind))
    })
}

#[test]
fn the_mesh_has_cross_domain_edges_of_each_kind_and_lists_unused_products() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let mesh = m.json(&["mesh"]);
    let domains = mesh["domains"].as_array().unwrap();
    let names: Vec<&str> = domains
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "customer",
            "finance",
            "inventory",
            "logistics",
            "marketing",
            "sales"
        ]
    );
    for d in domains {
        has_keys(
            d,
            &[
                "name",
                "products",
                "teams",
                "score",
                "pass_rate",
                "sla_breaches",
                "policy_violations",
                "consumers",
            ],
        );
    }
    let sales = &domains[5];
    assert_eq!(sales["products"], 5);
    assert!(
        sales["teams"]
            .as_array()
            .unwrap()
            .contains(&"Checkout & Orders".into())
    );
    for e in mesh["edges"].as_array().unwrap() {
        has_keys(e, &["from", "to", "from_domain", "to_domain", "kind"]);
        assert_ne!(
            e["from_domain"], e["to_domain"],
            "only cross-domain edges: {e}"
        );
    }
    // Each kind of evidence: the campaign team's approved agreement on customer-360, the input
    // port marketing-email-engagement declares on customer-profiles, and runs seen in lineage.
    let c360 = ("customer-360", "marketing-campaign-performance");
    assert!(edge(&mesh, c360.0, c360.1, "agreement"), "{mesh:#}");
    assert!(edge(
        &mesh,
        "customer-profiles",
        "marketing-email-engagement",
        "input_port"
    ));
    assert!(!edge(
        &mesh,
        "customer-profiles",
        "marketing-email-engagement",
        "lineage"
    ));
    assert!(edge(
        &mesh,
        "finance-fx-rates",
        "sales-order-analytics",
        "lineage"
    ));
    assert!(!edge(
        &mesh,
        "finance-fx-rates",
        "sales-order-analytics",
        "input_port"
    ));

    // A domain's view: itself and the edges that touch it.
    let finance = m.json(&["mesh", "--domain", "finance"]);
    assert_eq!(finance["domains"].as_array().unwrap().len(), 1);
    assert_eq!(finance["domains"][0]["feeds"], serde_json::json!(["sales"]));
    assert_eq!(
        finance["domains"][0]["depends_on"],
        serde_json::json!(["sales"])
    );
    assert!(
        finance["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| { e["from_domain"] == "finance" || e["to_domain"] == "finance" })
    );

    let unused = m.json(&["adoption", "--unused"]);
    let ids: Vec<&str> = unused
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"customer-churn-scores"), "{unused:#}");
    assert!(!ids.contains(&"customer-360"));
    for a in unused.as_array().unwrap() {
        has_keys(a, &["id", "name", "domain", "consumers", "via", "usage"]);
        has_keys(&a["via"], &["agreement", "lineage", "input_port"]);
        has_keys(&a["usage"], &["queries_30d", "users_30d"]);
        assert_eq!(a["consumers"], 0);
    }
    let all = m.json(&["adoption", "--domain", "customer"]);
    let c360 = all
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "customer-360")
        .unwrap();
    assert_eq!(c360["via"]["agreement"], 1, "{c360}");
    assert_eq!(c360["consumers"], 2, "{c360}");

    let text = m.ok(&["mesh"]);
    assert!(text.starts_with("DOMAIN"), "{text}");
    assert!(
        text.contains("customer-360 (customer)") && text.contains("agreement"),
        "{text}"
    );
}

fn factor<'a>(trust: &'a Value, name: &str) -> &'a Value {
    let factors = trust["factors"].as_array().unwrap();
    factors
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{trust:#}"))
}

/// The demo's newest Soda scan of logistics-shipments, a day later, with its first check failing.
fn failing_scan(mesh: &std::path::Path) {
    let soda = mesh.join("quality/soda");
    let text = std::fs::read_to_string(soda.join("2026-11-22_logistics_shipments.json")).unwrap();
    let mut scan: Value =
        serde_json::from_str(&text.replace("2026-11-22T", "2026-11-23T")).unwrap();
    scan["hasFailures"] = true.into();
    scan["checks"][0]["outcome"] = "fail".into();
    let out = serde_json::to_string_pretty(&scan).unwrap();
    std::fs::write(soda.join("2026-11-23_logistics_shipments.json"), out).unwrap();
}

#[test]
fn a_failing_check_changes_the_trust_factors_and_a_domain_policy_sets_the_weights() {
    let m = Meshlens::new();
    let work = tempfile::tempdir().unwrap();
    let mesh = work.path().join("mesh");
    copy_tree(&demo_mesh(), &mesh);
    m.add_folder("mesh", &mesh);
    m.ok(&["sync"]);

    let before = m.json(&["trust", "logistics-shipments"]);
    has_keys(&before, &["id", "score", "factors"]);
    for f in before["factors"].as_array().unwrap() {
        has_keys(f, &["name", "value", "weight", "reason"]);
    }
    let checks = factor(&before, "checks");
    assert_eq!(checks["value"], 1.0);
    assert!(
        checks["reason"]
            .as_str()
            .unwrap()
            .starts_with("7 of 7 checks pass"),
        "{checks}"
    );
    assert_eq!(checks["weight"], 25);

    failing_scan(&mesh);
    m.ok(&["sync"]);
    let after = m.json(&["trust", "logistics-shipments"]);
    let checks = factor(&after, "checks");
    assert!(checks["value"].as_f64().unwrap() < 1.0, "{checks}");
    let reason = checks["reason"].as_str().unwrap();
    assert!(reason.starts_with("6 of 7 checks pass"), "{checks}");
    assert!(
        after["score"].as_u64() < before["score"].as_u64(),
        "{before:#} {after:#}"
    );

    // A policy of the logistics domain in the source weighs the checks more, for its products only.
    std::fs::create_dir_all(mesh.join("policies")).unwrap();
    std::fs::write(
        mesh.join("policies/trust-logistics.yaml"),
        "apiVersion: meshlens/v1\nkind: Policy\nid: logistics-trust\nscope: {domain: logistics}\n\
         trust:\n  weights:\n    checks: 60\n",
    )
    .unwrap();
    let weighed = m.json(&["trust", "logistics-shipments"]);
    assert_eq!(factor(&weighed, "checks")["weight"], 60);
    // Another domain keeps the built-in weights.
    let orders = m.json(&["trust", "sales-orders"]);
    assert_eq!(factor(&orders, "checks")["weight"], 25);

    let text = m.ok(&["trust", "logistics-shipments"]);
    assert!(
        text.contains("FACTOR") && text.contains("6 of 7 checks pass"),
        "{text}"
    );
    let missing = m.run(&["trust", "no-such-product"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("E_NOT_FOUND"));
}

#[test]
fn feedback_stays_local_and_private_when_the_catalog_takes_none() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let given = m.json(&[
        "feedback",
        "sales-orders",
        "--rating",
        "4",
        "--comment",
        "fresh every morning",
    ]);
    assert_eq!(given["rating"], 4);
    assert_eq!(given["target"], "local");
    assert_eq!(given["private"], true);
    m.ok(&["feedback", "sales-orders", "--rating", "2"]);

    let list = m.json(&["feedback", "list", "sales-orders"]);
    assert_eq!(list["count"], 2);
    assert_eq!(list["average"], 3.0);
    let ratings: Vec<&Value> = list["feedback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["rating"])
        .collect();
    assert_eq!(ratings, [2, 4], "newest first");
    assert_eq!(list["feedback"][1]["comment"], "fresh every morning");
    let text = m.ok(&["feedback", "list", "sales-orders"]);
    assert!(
        text.contains("3.0/5 from 2 rating(s)") && text.contains("private"),
        "{text}"
    );

    assert_eq!(
        m.run(&["feedback", "sales-orders", "--rating", "6"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(m.run(&["feedback", "sales-orders"]).status.code(), Some(2));
    let unknown = m.run(&["feedback", "no-such-product", "--rating", "3"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("E_NOT_FOUND"));
}
