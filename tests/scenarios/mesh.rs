//! The mesh at a glance through the real CLI on the demo mesh (issue #23): `mesh` (domains and the
//! cross-domain edges of each kind), `adoption --unused`, `trust` (factors that change when a check
//! fails, weights a domain policy sets) and `feedback` (kept locally and private).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::{Meshlens, cache_as_catalog, copy_tree, demo_mesh};
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

/// Every key the issue's contract names is there (more may be).
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

/// The CLI on a synced copy of the demo mesh (a folder source `mesh`), the copy's temporary
/// folder (kept while the test runs) and the mesh folder in it.
fn synced_copy_of_demo() -> (Meshlens, tempfile::TempDir, std::path::PathBuf) {
    let m = Meshlens::new();
    let work = tempfile::tempdir().unwrap();
    let mesh = work.path().join("mesh");
    copy_tree(&demo_mesh(), &mesh);
    m.add_folder("mesh", &mesh);
    m.ok(&["sync"]);
    (m, work, mesh)
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
    let (m, _work, mesh) = synced_copy_of_demo();

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
    m.not_found(&["trust", "no-such-product"]);
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
    m.not_found(&["feedback", "no-such-product", "--rating", "3"]);
}

/// One request the fake OpenMetadata server saw: method, path and body.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A fake OpenMetadata on 127.0.0.1 that answers feedback as the real API does: the data product by
/// name, the logged-in user, a VoteRequest with only `updatedVoteType` (one of its three values) and
/// a CreateThread with `message`, `from` and an `about` entity link; 400 for anything else, 401
/// without the bearer token.
fn fake_openmetadata() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (method, path, auth, body) = read_request(&mut stream);
            let (status, answer) = match auth.as_str() {
                "Bearer om-secret" => answer(&method, &path, &body),
                _ => (401, "{}".to_owned()),
            };
            log.lock().unwrap().push((method, path, body));
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (url, seen)
}

fn read_request(stream: &mut std::net::TcpStream) -> (String, String, String, String) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    );
    let (mut length, mut auth) = (0, String::new());
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        if header.trim().is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or_default();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap_or(0),
            "authorization" => auth = value.trim().to_owned(),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (method, path, auth, String::from_utf8(body).unwrap())
}

const ORDERS_UUID: &str = "0d2b61c8-1111-4c1e-9a61-5b1f6a3c9e01";

fn answer(method: &str, path: &str, body: &str) -> (u16, String) {
    let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let vote_path = format!("/api/v1/dataProducts/{ORDERS_UUID}/vote");
    match (method, path) {
        ("GET", "/api/v1/dataProducts/name/sales-orders") => (
            200,
            serde_json::json!({"id": ORDERS_UUID, "name": "sales-orders"}).to_string(),
        ),
        ("GET", "/api/v1/users/loggedInUser") => {
            (200, r#"{"id":"u1","name":"ingestion-bot"}"#.to_owned())
        }
        ("PUT", p) if p == vote_path => {
            let only_vote = body.as_object().is_some_and(|o| o.len() == 1);
            let kind = body["updatedVoteType"].as_str().unwrap_or_default();
            match only_vote && ["votedUp", "votedDown", "unVoted"].contains(&kind) {
                true => (200, r#"{"entityType":"dataProduct"}"#.to_owned()),
                false => (400, "{}".to_owned()),
            }
        }
        ("POST", "/api/v1/feed") => {
            let link = body["about"].as_str().unwrap_or_default();
            let complete = body["message"].is_string() && body["from"].is_string();
            match complete && link.starts_with("<#E::") && link.ends_with('>') {
                true => (201, r#"{"id":"thread-7"}"#.to_owned()),
                false => (400, "{}".to_owned()),
            }
        }
        _ => (400, "{}".to_owned()),
    }
}

#[test]
fn feedback_on_an_openmetadata_product_goes_upstream_through_the_outbox() {
    let m = Meshlens::new();
    let (url, seen) = fake_openmetadata();
    m.ok(&[
        "source",
        "add",
        "om",
        "--kind",
        "openmetadata",
        "--url",
        &url,
    ]);
    cache_as_catalog(
        &m,
        "om",
        &[
            "sales/sales-orders.odps.yaml",
            "sales/sales-orders-db.odcs.yaml",
        ],
    );

    let rate = |args: &[&str]| {
        let out = m
            .command()
            .args(args)
            .env("MESHLENS_TOKEN_OM", "om-secret")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let given = rate(&[
        "feedback",
        "sales-orders",
        "--rating",
        "5",
        "--comment",
        "exactly what we needed",
        "--json",
    ]);
    assert_eq!(given["target"], "openmetadata");
    assert_eq!(given["private"], false);
    assert_eq!(given["delivery"], "submitted", "{given}");

    let requests = seen.lock().unwrap().clone();
    let vote = requests
        .iter()
        .find(|(method, _, _)| method == "PUT")
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&vote.2).unwrap(),
        serde_json::json!({"updatedVoteType": "votedUp"})
    );
    let thread = requests
        .iter()
        .find(|(method, _, _)| method == "POST")
        .unwrap();
    let thread: Value = serde_json::from_str(&thread.2).unwrap();
    assert_eq!(thread["about"], "<#E::dataProduct::sales-orders>");
    assert_eq!(thread["from"], "ingestion-bot");
    assert_eq!(
        thread["message"],
        "Rated 5/5 with meshlens: exactly what we needed"
    );

    let outbox = m.json(&["outbox"]);
    let item = outbox
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source"] == "om")
        .unwrap();
    assert_eq!(item["status"], "submitted");
    assert!(
        item["receipt"].as_str().unwrap().contains("votedUp"),
        "{item}"
    );
    let list = m.json(&["feedback", "list", "sales-orders"]);
    assert_eq!(list["feedback"][0]["target"], "openmetadata");
    assert_eq!(list["feedback"][0]["delivery"], "submitted");
}

/// A product's adoption in `adoption --json`.
fn adoption_of<'a>(all: &'a Value, id: &str) -> &'a Value {
    let all = all.as_array().unwrap();
    all.iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

#[test]
fn adoption_trends_come_from_the_syncs() {
    let (m, _work, mesh) = synced_copy_of_demo();
    let first = m.json(&["adoption"]);
    let orders = adoption_of(&first, "sales-orders");
    let before = orders["consumers"].as_u64().unwrap();
    assert_eq!(orders["trend"].as_array().unwrap().len(), 1, "{orders:#}");
    assert_eq!(orders["trend"][0]["consumers"], before);
    assert_eq!(orders["change_30d"]["consumers"], 0);

    // A sync that changes nothing adds no point.
    m.ok(&["sync"]);
    let again = m.json(&["adoption"]);
    assert_eq!(
        adoption_of(&again, "sales-orders")["trend"],
        orders["trend"]
    );

    // A product that declared sales-orders as an input leaves the mesh (its descriptor and its
    // contract). Its lineage now reaches finance-revenue-kpis, an undeclared consumer, in its place.
    for file in ["sales-returns.odps.yaml", "sales-returns-db.odcs.yaml"] {
        std::fs::remove_file(mesh.join("sales").join(file)).unwrap();
    }
    m.ok(&["sync"]);
    let after = m.json(&["adoption", "--domain", "sales"]);
    let orders = adoption_of(&after, "sales-orders");
    let trend = orders["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 2, "{orders:#}");
    let input_ports = |p: &Value| p["input_port"].as_u64().unwrap();
    assert_eq!(input_ports(&trend[1]), input_ports(&trend[0]) - 1);
    assert_eq!(trend[1]["consumers"], orders["consumers"]);
    let change = orders["consumers"].as_i64().unwrap() - trend[0]["consumers"].as_i64().unwrap();
    assert_eq!(orders["change_30d"]["consumers"], change);
    assert_eq!(orders["change_30d"]["since"], trend[0]["at"]);
    let text = m.ok(&["adoption", "--domain", "sales"]);
    assert!(
        text.contains("CHANGE_30D") && text.contains(" since 20"),
        "{text}"
    );
}

#[test]
fn search_orders_equal_matches_by_trust_and_says_so() {
    let (m, _work, mesh) = synced_copy_of_demo();
    failing_scan(&mesh);
    m.ok(&["sync"]);

    let found = m.json(&["search", "shipments"]);
    assert_eq!(found["tie_break"], "trust", "{found:#}");
    let hits = found["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    let mut scores = Vec::new();
    for hit in hits {
        let product = hit["product_id"]
            .as_str()
            .or_else(|| (hit["kind"] == "product").then(|| hit["id"].as_str().unwrap()));
        // Each hit carries its product's score as `trust ID` gives it, after the failing check too.
        if let Some(product) = product {
            assert_eq!(
                hit["trust"],
                m.json(&["trust", product])["score"],
                "{hit:#}"
            );
        }
        scores.push(hit["score"].as_f64().unwrap());
    }
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    let text = m.ok(&["search", "shipments"]);
    assert!(
        text.contains("equally good matches are ordered by their product's trust score"),
        "{text}"
    );
}
