//! Governance policies on the demo mesh: the built-in set, domain tightening and loosening,
//! invalid and contradictory policy files.

use meshlens_quality::{
    LoadedPolicy, PolicySubject, QualityError, Violation, check_policies, default_policies,
    evaluate, load_local_policies, load_policies, load_policy_bytes, product_in_lineage,
    scorecards_at,
};
use meshlens_store::Store;
use meshlens_test_support::{sync_folder, synced_demo};

fn policy(origin: &str, yaml: &str) -> LoadedPolicy {
    let (policy, errors) = load_policy_bytes(origin, yaml.as_bytes());
    assert_eq!(errors, [], "{origin}");
    policy.unwrap()
}

fn of<'a>(violations: &'a [Violation], product: &str, rule: &str) -> Vec<&'a Violation> {
    violations
        .iter()
        .filter(|v| v.product.as_deref() == Some(product) && v.policy == rule)
        .collect()
}

/// `evaluate` on a product's documents (as a draft check builds them) finds exactly what `check`
/// finds from the facts stored after the sync, for every demo product.
#[tokio::test]
async fn evaluating_documents_agrees_with_the_stored_check() {
    let (store, _) = synced_demo().await;
    let policies = default_policies();
    let (stored, _) = check_policies(&store, &policies, None).await.unwrap();
    let products = store.list_products(&Default::default()).await.unwrap();
    assert_eq!(products.len(), 20);
    for summary in products {
        let detail = store.get_product(&summary.id).await.unwrap().unwrap();
        let mut contracts = Vec::new();
        for port in &detail.product.output_ports {
            let Some(id) = &port.contract_id else {
                continue;
            };
            if let Some(c) = store
                .get_contract(id, port.version.as_deref())
                .await
                .unwrap()
            {
                contracts.push((c.contract, c.canonical));
            }
        }
        let lineage = product_in_lineage(&store, &summary.id).await.unwrap();
        let subject = PolicySubject::from_documents(
            &detail.source,
            &detail.product,
            &detail.canonical,
            &contracts,
            lineage,
        );
        let (found, errors) = evaluate(&[subject], &policies);
        assert_eq!(errors, []);
        let expected: Vec<&Violation> = stored
            .iter()
            .filter(|v| v.product.as_deref() == Some(summary.id.as_str()))
            .collect();
        assert_eq!(found.iter().collect::<Vec<_>>(), expected, "{}", summary.id);
    }
}

#[tokio::test]
async fn built_in_policies_on_the_demo_mesh() {
    let (store, _) = synced_demo().await;
    let (violations, errors) = check_policies(&store, &default_policies(), None)
        .await
        .unwrap();
    assert_eq!(errors, []);
    // The DPS product declares no support channel.
    assert_eq!(
        of(&violations, "loyalty-members", "support-channel")[0].path,
        "support"
    );
    // Restricted PII product without declared encryption or audit logging.
    let enc = of(&violations, "customer-profiles", "encryption-for-sensitive");
    assert_eq!(
        (enc[0].severity.as_str(), enc[0].path.as_str()),
        ("error", "customProperties[encryption]")
    );
    assert_eq!(
        of(
            &violations,
            "customer-profiles",
            "audit-logging-for-sensitive"
        )
        .len(),
        1
    );
    // The retired export has no retention; audit logging is only required of active products.
    assert_eq!(
        of(
            &violations,
            "marketing-email-engagement",
            "retention-declared"
        )
        .len(),
        1
    );
    assert_eq!(
        of(
            &violations,
            "marketing-email-engagement",
            "audit-logging-for-sensitive"
        )
        .len(),
        0
    );
    // Source-aligned products have lineage through OpenLineage runs that write their datasets.
    assert!(
        violations.iter().all(|v| v.policy != "lineage-present"),
        "{violations:#?}"
    );
    // Every product owner is declared.
    assert!(violations.iter().all(|v| v.policy != "owner-required"));

    // Counted on the scorecards.
    let cards = scorecards_at(&store, None, 0).await.unwrap();
    let profiles = cards.iter().find(|c| c.id == "customer-profiles").unwrap();
    assert_eq!(
        profiles.policy_violations as usize,
        violations
            .iter()
            .filter(|v| v.product.as_deref() == Some("customer-profiles"))
            .count()
    );

    // One product; an unknown one is an error.
    let (one, _) = check_policies(&store, &default_policies(), Some("loyalty-members"))
        .await
        .unwrap();
    assert!(
        one.iter()
            .all(|v| v.product.as_deref() == Some("loyalty-members"))
            && !one.is_empty()
    );
    let err = check_policies(&store, &default_policies(), Some("nope"))
        .await
        .unwrap_err();
    assert!(matches!(err, QualityError::UnknownProduct(_)), "{err}");
}

#[tokio::test]
async fn domain_policies_tighten_but_never_loosen() {
    let (store, _) = synced_demo().await;
    let mut policies = default_policies();
    policies.push(policy(
        "policies/marketing.yaml",
        "apiVersion: meshlens/v1\nkind: Policy\nid: marketing-rules\nscope:\n  domain: marketing\nrules:\n  - id: retention-declared\n    check: retention\n    severity: error\n  - id: encryption-for-sensitive\n    check: encryption\n    severity: warning\n    when:\n      classification: [confidential, restricted]\n",
    ));
    let (violations, _) = check_policies(&store, &policies, None).await.unwrap();
    // Tightened: retention is an error in marketing, still a warning elsewhere.
    assert_eq!(
        of(
            &violations,
            "marketing-email-engagement",
            "retention-declared"
        )[0]
        .severity,
        "error"
    );
    // Loosened: reported against the policy file, and the global rule still applies.
    let loosening: Vec<&Violation> = violations.iter().filter(|v| v.product.is_none()).collect();
    assert_eq!(loosening.len(), 1, "{loosening:#?}");
    assert_eq!(
        (loosening[0].policy.as_str(), loosening[0].severity.as_str()),
        ("encryption-for-sensitive", "error")
    );
    assert!(
        loosening[0]
            .path
            .starts_with("policies/marketing.yaml#rules[1]")
    );
    assert!(
        loosening[0].message.contains("loosens global rule"),
        "{}",
        loosening[0].message
    );
    assert_eq!(
        of(
            &violations,
            "marketing-clickstream",
            "encryption-for-sensitive"
        )[0]
        .severity,
        "error"
    );

    // Narrowing who a rule applies to is loosening too.
    let mut narrowed = default_policies();
    narrowed.push(policy(
        "policies/sales.yaml",
        "apiVersion: meshlens/v1\nkind: Policy\nid: sales-rules\nscope: {domain: sales}\nrules:\n  - id: owner-required\n    check: owner\n    severity: error\n    when: {status: [active]}\n",
    ));
    let (violations, _) = check_policies(&store, &narrowed, None).await.unwrap();
    assert_eq!(violations.iter().filter(|v| v.product.is_none()).count(), 1);
}

const ROLES_GLOBAL: &str = "apiVersion: meshlens/v1\nkind: Policy\nid: ownership\nscope: global\nrules:\n  - id: roles-named\n    check: roles\n    severity: warning\n    roles: [business_owner, steward]\n";

#[tokio::test]
async fn a_domain_policy_requires_ownership_roles_and_cannot_require_fewer() {
    let (store, _) = synced_demo().await;
    let mut policies = default_policies();
    policies.push(policy("policies/ownership.yaml", ROLES_GLOBAL));
    policies.push(policy(
        "policies/customer.yaml",
        "apiVersion: meshlens/v1\nkind: Policy\nid: customer-ownership\nscope: {domain: customer}\nrules:\n  - id: roles-named\n    check: roles\n    severity: error\n",
    ));
    policies.push(policy(
        "policies/finance.yaml",
        "apiVersion: meshlens/v1\nkind: Policy\nid: finance-ownership\nscope: {domain: finance}\nrules:\n  - id: roles-named\n    check: roles\n    severity: warning\n    roles: [business_owner]\n",
    ));
    let (violations, _) = check_policies(&store, &policies, None).await.unwrap();
    // customer requires every role, as errors: the draft churn model names only its owner.
    let churn: Vec<(&str, &str)> = of(&violations, "customer-churn-scores", "roles-named")
        .iter()
        .map(|v| (v.severity.as_str(), v.message.split(' ').nth(1).unwrap()))
        .collect();
    assert_eq!(
        churn,
        [
            ("error", "technical_owner"),
            ("error", "steward"),
            ("error", "on_call"),
            ("error", "escalation")
        ]
    );
    assert_eq!(
        of(&violations, "customer-churn-scores", "roles-named")[0].path,
        "team"
    );
    // Every role is named, on the product's team and role-tagged support channels.
    assert_eq!(
        of(&violations, "customer-profiles", "roles-named"),
        Vec::<&Violation>::new()
    );
    // Elsewhere the global rule asks for an owner and a steward only.
    let fx = of(&violations, "finance-fx-rates", "roles-named");
    assert_eq!(fx.len(), 1, "{fx:#?}");
    assert_eq!(
        (fx[0].severity.as_str(), fx[0].message.as_str()),
        (
            "warning",
            "no steward named (a team member's role, a support channel's role or a customProperty)"
        )
    );
    assert_eq!(
        of(&violations, "sales-orders", "roles-named"),
        Vec::<&Violation>::new()
    );
    // Requiring fewer roles than the global rule is loosening it.
    let loosening: Vec<&Violation> = violations.iter().filter(|v| v.product.is_none()).collect();
    assert_eq!(loosening.len(), 1, "{loosening:#?}");
    assert!(
        loosening[0]
            .path
            .starts_with("policies/finance.yaml#rules[0]")
    );
}

#[tokio::test]
async fn a_rule_may_apply_to_normalised_sensitivity_levels() {
    let (store, _) = synced_demo().await;
    let level_of: std::collections::HashMap<String, String> = store
        .list_products(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.sensitivity.as_str().to_owned()))
        .collect();
    for level in ["restricted", "internal"] {
        let mut policies = default_policies();
        policies.push(policy(
            "policies/levels.yaml",
            &format!(
                "apiVersion: meshlens/v1\nkind: Policy\nid: levels\nscope: global\nrules:\n  - id: audit-by-level\n    check: audit-logging\n    severity: warning\n    when: {{sensitivity: [{level}]}}\n"
            ),
        ));
        let (violations, errors) = check_policies(&store, &policies, None).await.unwrap();
        assert_eq!(errors, []);
        let named: Vec<&str> = violations
            .iter()
            .filter(|v| v.policy == "audit-by-level")
            .filter_map(|v| v.product.as_deref())
            .collect();
        // Levels come from the product and its contracts: sales-orders is restricted through a column.
        let expected: Vec<&str> = level_of
            .iter()
            .filter(|(_, l)| l.as_str() == level)
            .map(|(id, _)| id.as_str())
            .collect();
        assert!(!named.is_empty(), "{level}");
        assert!(
            named.iter().all(|id| expected.contains(id)),
            "{level}: {named:?} vs {expected:?}"
        );
    }
    assert_eq!(level_of["sales-orders"], "restricted");
    let unknown_level = "apiVersion: meshlens/v1\nkind: Policy\nid: x\nscope: global\nrules:\n  - id: y\n    check: retention\n    severity: error\n    when: {sensitivity: [secret]}\n";
    let (policy, errors) = load_policy_bytes("policies/x.yaml", unknown_level.as_bytes());
    assert!(
        policy.is_none() && errors[0].message.contains("restricted"),
        "{errors:?}"
    );
}

#[test]
fn a_policy_naming_an_unknown_role_is_reported() {
    let yaml = ROLES_GLOBAL.replace("[business_owner, steward]", "[owner]");
    let (policy, errors) = load_policy_bytes("policies/typo.yaml", yaml.as_bytes());
    assert!(policy.is_none());
    assert!(errors[0].message.contains("business_owner"), "{errors:?}");
}

#[tokio::test]
async fn invalid_and_contradictory_policy_files_are_reported_and_the_rest_applies() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("a-broken.yaml", "kind: Policy\nid: [unclosed\n");
    write(
        "b-unknown-check.yaml",
        "apiVersion: meshlens/v1\nkind: Policy\nid: extra\nscope: global\nrules:\n  - id: teleport\n    check: teleportation\n    severity: error\n  - id: must-describe\n    check: description\n    severity: error\n",
    );
    // Both tighten the built-in warning, differently.
    write(
        "c-strict.yaml",
        "apiVersion: meshlens/v1\nkind: Policy\nid: strict\nscope: global\nrules:\n  - id: retention-declared\n    check: retention\n    severity: error\n",
    );
    write(
        "d-lax.yaml",
        "apiVersion: meshlens/v1\nkind: Policy\nid: lax\nscope: global\nrules:\n  - id: retention-declared\n    check: retention\n    severity: warning\n    description: kept as built in\n",
    );
    write(
        "not-a-policy.yaml",
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\n",
    );
    let (loaded, errors) = load_policies(dir.path(), "demo");
    assert_eq!(
        loaded
            .iter()
            .map(|p| p.policy.id.as_str())
            .collect::<Vec<_>>(),
        ["extra", "strict", "lax"]
    );
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].file.ends_with("a-broken.yaml") && messages[0].starts_with("not a valid policy"),
        "{errors:#?}"
    );
    assert!(
        messages[1].contains("unknown check 'teleportation'"),
        "{errors:#?}"
    );

    let (store, _) = synced_demo().await;
    let mut policies = default_policies();
    policies.extend(loaded);
    let (violations, errors) = check_policies(&store, &policies, None).await.unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("contradicts global policy 'strict'"),
        "{errors:#?}"
    );
    // The stricter rule wins (retention is a built-in warning), and the valid rule of the
    // half-broken file applies.
    assert_eq!(
        of(
            &violations,
            "marketing-email-engagement",
            "retention-declared"
        )[0]
        .severity,
        "error"
    );
    assert!(violations.iter().all(|v| v.policy != "teleport"));
}

#[tokio::test]
async fn pii_columns_must_be_classified_or_masked() {
    let store = Store::open_in_memory().await.unwrap();
    let product = "apiVersion: v1.0.0\nkind: DataProduct\nid: leads\nname: Leads\ndomain: marketing\nstatus: active\n\
        customProperties:\n  - property: encryption\n    value: aes-256\noutputPorts:\n  - name: leads\n    version: 1.0.0\n    contractId: leads\n";
    let contract = "apiVersion: v3.1.0\nkind: DataContract\nid: leads\nversion: 1.0.0\nstatus: active\nschema:\n  - name: leads\n    properties:\n\
        \x20     - name: email\n        classification: public\n        tags: [pii]\n\
        \x20     - name: phone\n        classification: public\n        tags: [pii, masked]\n\
        \x20     - name: name\n        classification: restricted\n        tags: [PII]\n";
    let folder = tempfile::tempdir().unwrap();
    for (path, text) in [("leads.odps.yaml", product), ("leads.odcs.yaml", contract)] {
        std::fs::write(folder.path().join(path), text).unwrap();
    }
    let report = sync_folder(&store, "t", folder.path()).await;
    assert_eq!(report.errors, [], "{report:#?}");
    let (violations, _) = check_policies(&store, &default_policies(), Some("leads"))
        .await
        .unwrap();
    let pii: Vec<&str> = of(&violations, "leads", "pii-protected")
        .iter()
        .map(|v| v.path.as_str())
        .collect();
    assert_eq!(pii, ["contracts/leads/schema/leads/email"]);
    // Encryption is declared in the product's customProperties.
    assert!(of(&violations, "leads", "encryption-for-sensitive").is_empty());
    assert_eq!(of(&violations, "leads", "quality-slo").len(), 1);
}

/// A second source `other` holding one product that breaks the built-in error rules `owner-required`
/// and `support-channel`, beside the demo mesh (source `demo`).
async fn demo_and_other_source() -> Store {
    let (store, _) = synced_demo().await;
    let other = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1.0.0\nkind: DataProduct\nid: stray\nname: Stray\ndomain: sales\nstatus: active\n";
    std::fs::write(other.path().join("stray.odps.yaml"), text).unwrap();
    let report = sync_folder(&store, "other", other.path()).await;
    assert_eq!(report.errors, [], "{report:#?}");
    store
}

/// Source `source`'s `policies/` folder holding one policy file.
fn source_policy(source: &str, yaml: &str) -> (Vec<LoadedPolicy>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), yaml).unwrap();
    let (loaded, errors) = load_policies(dir.path(), source);
    assert_eq!(errors, []);
    assert!(loaded.iter().all(|p| p.source.as_deref() == Some(source)));
    (loaded, dir)
}

#[tokio::test]
async fn a_source_cannot_turn_built_in_rules_off_for_anyone() {
    let store = demo_and_other_source().await;
    let mut policies = default_policies();
    let (silencing, _dir) = source_policy(
        "other",
        "apiVersion: meshlens/v1\nkind: Policy\nid: silence\nscope: global\nrules:\n  - id: support-channel\n    check: support\n    severity: off\n  - id: owner-required\n    check: owner\n    severity: info\n",
    );
    policies.extend(silencing);
    let (violations, _) = check_policies(&store, &policies, None).await.unwrap();
    // Another source's products keep the built-in errors.
    assert_eq!(
        of(&violations, "loyalty-members", "support-channel")[0].severity,
        "error"
    );
    // And so do the silencing source's own products.
    assert_eq!(
        of(&violations, "stray", "support-channel")[0].severity,
        "error"
    );
    assert_eq!(
        of(&violations, "stray", "owner-required")[0].severity,
        "error"
    );
    // The attempt is a violation of the policy set, reported once per rule.
    let loosening: Vec<&Violation> = violations.iter().filter(|v| v.product.is_none()).collect();
    assert_eq!(loosening.len(), 2, "{loosening:#?}");
    assert!(
        loosening[0]
            .message
            .contains("loosens built-in rule 'support-channel'"),
        "{}",
        loosening[0].message
    );
    assert!(
        loosening[0].path.ends_with("policy.yaml#rules[0]"),
        "{}",
        loosening[0].path
    );
}

/// The user's own policies (`<data dir>/policies/`) may redefine a built-in rule for every source:
/// nothing upstream writes there.
#[tokio::test]
async fn the_machine_s_own_policies_may_redefine_built_in_rules() {
    let store = demo_and_other_source().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("local.yaml"),
        "apiVersion: meshlens/v1\nkind: Policy\nid: accepted-risk\nscope: global\nrules:\n  - id: support-channel\n    check: support\n    severity: warning\n",
    )
    .unwrap();
    let (local, errors) = load_local_policies(dir.path());
    assert_eq!(errors, []);
    assert!(local.iter().all(|p| p.builtin && p.source.is_none()));
    let mut policies = default_policies();
    policies.extend(local);
    let (violations, _) = check_policies(&store, &policies, None).await.unwrap();
    for product in ["loyalty-members", "stray"] {
        assert_eq!(
            of(&violations, product, "support-channel")[0].severity,
            "warning"
        );
    }
    assert!(
        violations.iter().all(|v| v.product.is_some()),
        "{violations:#?}"
    );
}

#[tokio::test]
async fn a_source_s_policies_tighten_its_own_products_only() {
    let store = demo_and_other_source().await;
    let mut policies = default_policies();
    let (tightening, _dir) = source_policy(
        "other",
        "apiVersion: meshlens/v1\nkind: Policy\nid: strict\nscope: global\nrules:\n  - id: retention-declared\n    check: retention\n    severity: error\n  - id: ask-us\n    check: support\n    severity: info\n",
    );
    policies.extend(tightening);
    let (violations, _) = check_policies(&store, &policies, None).await.unwrap();
    assert_eq!(
        of(&violations, "stray", "retention-declared")[0].severity,
        "error"
    );
    assert_eq!(of(&violations, "stray", "ask-us").len(), 1);
    // The demo mesh's products answer to their own source's policies (none: the built-in ones).
    assert_eq!(
        of(
            &violations,
            "marketing-email-engagement",
            "retention-declared"
        )[0]
        .severity,
        "warning"
    );
    assert_eq!(
        of(&violations, "loyalty-members", "support-channel").len(),
        1
    );
    assert!(of(&violations, "loyalty-members", "ask-us").is_empty());
    assert!(violations.iter().all(|v| v.product.is_some()));
}

#[test]
fn policy_files_are_capped_and_their_aliases_and_nesting_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let anchor = "x".repeat(64 * 1024);
    let mut bomb = format!(
        "apiVersion: meshlens/v1\nkind: Policy\nid: bomb\nscope: global\ndescription: &big \"{anchor}\"\nrules:\n"
    );
    bomb.push_str(
        &"  - {id: r, check: owner, severity: error, description: *big}\n".repeat(20_000),
    );
    std::fs::write(dir.path().join("a-bomb.yaml"), bomb).unwrap();
    let deep = format!(
        "kind: Policy\nrules: {}{}\n",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    std::fs::write(dir.path().join("b-deep.yaml"), deep).unwrap();
    // A sparse 1 GiB file: refused from its size, never read.
    let huge = std::fs::File::create(dir.path().join("c-huge.yaml")).unwrap();
    huge.set_len(1 << 30).unwrap();
    let (loaded, errors) = load_policies(dir.path(), "demo");
    assert!(loaded.is_empty());
    let messages: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.file.rsplit('/').next().unwrap(), e.message.as_str()))
        .collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert_eq!(messages[0].0, "a-bomb.yaml");
    assert!(
        messages[0].1.contains("aliases would expand"),
        "{messages:#?}"
    );
    assert_eq!(messages[1].0, "b-deep.yaml");
    assert!(messages[1].1.contains("recursion limit"), "{messages:#?}");
    assert_eq!(messages[2].0, "c-huge.yaml");
    assert!(
        messages[2]
            .1
            .contains("1073741824 bytes, more than the limit"),
        "{messages:#?}"
    );
}

#[cfg(unix)]
#[test]
fn a_policies_folder_that_is_a_link_is_reported_not_read() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("p.yaml"),
        "apiVersion: meshlens/v1\nkind: Policy\nid: elsewhere\nscope: global\nrules:\n  - id: ask-us\n    check: support\n    severity: info\n",
    )
    .unwrap();
    let source = tempfile::tempdir().unwrap();
    let link = source.path().join("policies");
    std::os::unix::fs::symlink(outside.path(), &link).unwrap();
    let (loaded, errors) = load_policies(&link, "s");
    assert!(loaded.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("symbolic link"), "{errors:?}");
}
