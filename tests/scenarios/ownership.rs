//! Ownership through the real CLI: `meshlens owners` on the demo mesh (products with every role,
//! products missing some) and on hostile upstream text, the `roles` policy check, and `meshlens
//! consumers` (who consumes a product, and how that is known).

mod common;

use common::Meshlens;
use serde_json::Value;

fn roles_of(ownership: &Value) -> Vec<(String, String)> {
    ownership["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let who = ["email", "channel", "name"]
                .iter()
                .find_map(|k| h[*k].as_str())
                .unwrap_or_default();
            (h["role"].as_str().unwrap().to_owned(), who.to_owned())
        })
        .collect()
}

fn missing_of(ownership: &Value) -> Vec<&str> {
    let list = ownership["missing"].as_array().unwrap();
    list.iter().map(|r| r.as_str().unwrap()).collect()
}

#[test]
fn owners_of_demo_products_name_each_role_or_say_it_is_missing() {
    let m = Meshlens::new();
    m.ok(&["demo"]);

    let orders = m.json(&["owners", "sales-orders"]);
    assert_eq!(orders["product"], "sales-orders");
    assert_eq!(
        roles_of(&orders),
        [
            ("business_owner", "maria.keller@northwind-outfitters.com"),
            ("technical_owner", "tom.achterberg@northwind-outfitters.com"),
            ("steward", "lena.ortiz@northwind-outfitters.com"),
            (
                "on_call",
                "https://northwind-outfitters.slack.com/archives/C04CHKONCALL"
            ),
            (
                "escalation",
                "https://jira.northwind-outfitters.com/servicedesk/customer/portal/12"
            ),
        ]
        .map(|(r, w)| (r.to_owned(), w.to_owned()))
    );
    assert!(missing_of(&orders).is_empty(), "{orders}");
    // Jonas Brandt left the team (dateOut): nobody to ask.
    assert!(!orders.to_string().contains("jonas.brandt"));
    let keys: Vec<&str> = orders["roles"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5);
    for key in ["role", "name", "username", "email", "channel"] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }

    let churn = m.json(&["owners", "customer-churn-scores"]);
    assert_eq!(
        missing_of(&churn),
        ["technical_owner", "steward", "on_call", "escalation"]
    );
    assert!(roles_of(&churn).contains(&(
        "member".into(),
        "amara.nwosu@northwind-outfitters.com".into()
    )));

    // Roles written as customProperties.
    let kpis = m.json(&["owners", "finance-revenue-kpis"]);
    assert_eq!(missing_of(&kpis), ["escalation"]);
    assert!(roles_of(&kpis).contains(&("on_call".into(), "#finance-data-oncall".into())));

    let human = m.ok(&["owners", "customer-churn-scores"]);
    assert!(human.contains("business_owner  Felix Hartmann"), "{human}");
    assert!(
        human.contains("missing: technical_owner, steward, on_call, escalation"),
        "{human}"
    );

    let unknown = m.run(&["owners", "no-such-product"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("E_NOT_FOUND"));
}

#[test]
fn hostile_role_text_is_printed_escaped_and_never_becomes_a_channel() {
    let m = Meshlens::new();
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("evil.odps.yaml"),
        "apiVersion: v1.0.0\nkind: DataProduct\nid: evil\nstatus: active\n\
         team:\n  members:\n    - username: \"x@y.z\"\n      name: \"Eve\\e]0;pwned\\a\"\n      role: owner\n\
         customProperties:\n  - property: escalation\n    value: \"javascript:alert(1)\"\n",
    )
    .unwrap();
    let path = folder.path().to_str().unwrap();
    m.add_folder("evil", path);
    m.ok(&["sync", "evil"]);

    let human = m.ok(&["owners", "evil"]);
    assert!(!human.contains('\u{1b}'), "{human:?}");
    assert!(human.contains("Eve\\x1b]0;pwned\\x07"), "{human}");

    let ownership = m.json(&["owners", "evil"]);
    let escalation = &ownership["roles"][1];
    assert_eq!(escalation["role"], "escalation");
    assert_eq!(escalation["channel"], Value::Null);
    assert_eq!(escalation["name"], "javascript:alert(1)");
}

#[test]
fn a_domain_policy_of_this_machine_requires_roles_in_check() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let dir = m.path().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("customer-roles.yaml"),
        "apiVersion: meshlens/v1\nkind: Policy\nid: customer-roles\nscope: {domain: customer}\nrules:\n  \
         - id: customer-roles-named\n    check: roles\n    severity: warning\n    roles: [business_owner, steward, on_call]\n",
    )
    .unwrap();
    // The demo breaks built-in error rules on purpose: exit 1, the report on stdout all the same.
    let out = m.run(&["check", "--all", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let roles: Vec<(String, String)> = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["policy"] == "customer-roles-named")
        .map(|v| {
            (
                v["product"].as_str().unwrap().to_owned(),
                v["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let products: Vec<&str> = roles.iter().map(|(p, _)| p.as_str()).collect();
    // customer-profiles names every role; no other domain is asked.
    assert!(!products.contains(&"customer-profiles"), "{roles:?}");
    assert!(
        products
            .iter()
            .all(|p| p.starts_with("customer-") || *p == "loyalty-members"),
        "{roles:?}"
    );
    assert!(
        roles.contains(&(
            "customer-churn-scores".into(),
            "no on_call named (a team member's role, a support channel's role or a customProperty)"
                .into()
        )),
        "{roles:?}"
    );
}

#[test]
fn consumers_say_how_each_is_known_and_flag_lineage_without_an_input_port() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let consumers = m.json(&["consumers", "finance-fx-rates"]);
    let rows: Vec<(String, String, String, bool, String)> = consumers
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys.len(), 5, "{c}");
            let text = |k: &str| c[k].as_str().unwrap_or("-").to_owned();
            (
                text("consumer"),
                text("via"),
                text("port"),
                c["since"].is_string(),
                text("flag"),
            )
        })
        .collect();
    let row = |consumer: &str, via: &str, since: bool, flag: &str| {
        (
            consumer.to_owned(),
            via.to_owned(),
            "fx-rates".to_owned(),
            since,
            flag.to_owned(),
        )
    };
    assert!(
        rows.contains(&row("finance-revenue-kpis", "input_port", false, "-")),
        "{rows:?}"
    );
    assert!(
        rows.contains(&row("finance-revenue-kpis", "lineage", true, "-")),
        "{rows:?}"
    );
    // The analytics job reads FX rates, but the product declares no input port on them.
    assert!(
        rows.contains(&row("sales-order-analytics", "lineage", true, "undeclared")),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.1 == "input_port" || r.1 == "lineage"));
    let since = consumers
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| c["since"].as_str())
        .unwrap();
    assert!(since.starts_with("2026-11-"), "{since}");

    let human = m.ok(&["consumers", "marketing-email-engagement"]);
    assert!(human.contains("no consumers known"), "{human}");
    let unknown = m.run(&["consumers", "no-such-product"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("E_NOT_FOUND"));
}

/// Runs one statement on the cache between two CLI calls; its first column of the first row, or the
/// number of rows it changed.
fn on_cache(m: &Meshlens, sql: &str) -> i64 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = meshlens_store::Store::open(&m.path().join("meshlens.db"))
            .await
            .unwrap();
        let answer = if sql.starts_with("SELECT") {
            sqlx::query_scalar(sql)
                .fetch_one(store.pool())
                .await
                .unwrap()
        } else {
            let done = sqlx::query(sql).execute(store.pool()).await.unwrap();
            done.rows_affected() as i64
        };
        store.close().await;
        answer
    })
}

fn lineage_ports(consumers: &Value) -> Vec<Value> {
    let list = consumers.as_array().unwrap().iter();
    list.filter(|c| c["via"] == "lineage")
        .map(|c| c["port"].clone())
        .collect()
}

#[test]
fn consumers_read_the_lineage_links_the_last_sync_stored() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let walked = m.json(&["consumers", "finance-fx-rates"]);
    assert_eq!(lineage_ports(&walked), ["fx-rates"; 3]);

    // The sync stored each product's lineage consumers: `consumers` reads them (an edit shows).
    let edit = "UPDATE lineage_consumers SET contracts = '[]' WHERE provider = 'finance-fx-rates'";
    assert_eq!(on_cache(&m, edit), 3);
    let edited = m.json(&["consumers", "finance-fx-rates"]);
    assert_eq!(
        lineage_ports(&edited),
        [Value::Null, Value::Null, Value::Null]
    );

    // Rows of another lineage generation are ignored: the graph answers, and the next sync stores
    // the links again.
    on_cache(&m, "UPDATE lineage_meta SET generation = generation + 1");
    assert_eq!(m.json(&["consumers", "finance-fx-rates"]), walked);
    m.ok(&["sync"]);
    let stamp = "SELECT (SELECT generation FROM lineage_consumers_meta) = (SELECT generation FROM lineage_meta)";
    assert_eq!(on_cache(&m, stamp), 1);
    assert_eq!(m.json(&["consumers", "finance-fx-rates"]), walked);
}
