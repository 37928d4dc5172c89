//! Drafts, submit and the outbox through the real `meshlens` binary on temp copies of the demo mesh:
//! round trips that keep everything unrelated, upstream edits merged or turned into conflicts,
//! invalid drafts refused, and an offline queue that drains (kills during save and submit: crash.rs).

mod common;

use std::path::{Path, PathBuf};

use common::{Meshlens, bare_git_remote, copy_tree, demo_mesh, git, relax_policies};
use serde_json::Value;

struct Mesh {
    m: Meshlens,
    dir: tempfile::TempDir,
}

impl Mesh {
    fn new(relaxed: bool) -> Mesh {
        let m = Meshlens::new();
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&demo_mesh(), &mesh_root(dir.path()));
        if relaxed {
            relax_policies(&m);
        }
        let root = mesh_root(dir.path());
        m.add_folder("mesh", &root);
        m.ok(&["sync"]);
        Mesh { m, dir }
    }

    fn root(&self) -> PathBuf {
        mesh_root(self.dir.path())
    }

    fn file_of(&self, id: &str) -> PathBuf {
        let product = self.m.json(&["show", id]);
        self.root().join(product["path"].as_str().unwrap())
    }

    /// `draft new --from ID`, returning the draft id.
    fn draft_from(&self, id: &str) -> String {
        self.m.json(&["draft", "new", "--from", id])["id"].to_string()
    }
}

fn mesh_root(dir: &Path) -> PathBuf {
    dir.join("mesh")
}

fn yaml(text: &str) -> Value {
    serde_yaml_ng::from_str(text).unwrap()
}

fn purpose_path(text: &str) -> &'static str {
    if text.starts_with("dataProductSpecification") {
        "info.description"
    } else {
        "description.purpose"
    }
}

fn get<'a>(value: &'a Value, dotted: &str) -> &'a Value {
    dotted.split('.').fold(value, |v, k| &v[k])
}

fn set(value: &mut Value, dotted: &str, new: Value) {
    let (parents, last) = dotted.rsplit_once('.').unwrap();
    let parent = parents.split('.').fold(value, |v, k| &mut v[k]);
    parent[last] = new;
}

#[test]
fn round_trip_of_every_demo_product_keeps_unrelated_fields_and_comments() {
    let mesh = Mesh::new(true);
    let ids: Vec<String> = mesh
        .m
        .json(&["products"])
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 20);
    // Comments the owners wrote must survive the edit.
    for id in &ids {
        let file = mesh.file_of(id);
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(
            &file,
            format!("# Owned by the {id} team: keep this header.\n{text}# end of {id}\n"),
        )
        .unwrap();
    }
    mesh.m.ok(&["sync"]);
    for id in &ids {
        let file = mesh.file_of(id);
        let before = std::fs::read_to_string(&file).unwrap();
        let field = purpose_path(before.trim_start_matches(|c| c != '\n').trim_start());
        let draft = mesh.draft_from(id);
        let purpose = format!("Round trip of {id}: edited in meshlens.");
        mesh.m.ok(&[
            "draft",
            "edit",
            &draft,
            "--set",
            &format!("{field}={purpose}"),
        ]);
        let submitted = mesh.m.json(&["submit", &draft]);
        assert_eq!(
            submitted["item"]["status"], "submitted",
            "{id}: {submitted}"
        );
        let after = std::fs::read_to_string(&file).unwrap();
        assert!(
            after.starts_with(&format!("# Owned by the {id} team: keep this header.\n")),
            "{id}"
        );
        assert!(after.ends_with(&format!("# end of {id}\n")), "{id}");
        // Putting the old value back gives the original document, key order included.
        let mut edited = yaml(&after);
        assert_eq!(get(&edited, field), &Value::String(purpose.clone()), "{id}");
        set(&mut edited, field, get(&yaml(&before), field).clone());
        assert_eq!(
            edited.to_string(),
            yaml(&before).to_string(),
            "{id}: unrelated fields changed"
        );
        // Only the edited field's lines differ.
        let untouched = before
            .lines()
            .filter(|l| after.lines().any(|a| a == *l))
            .count();
        assert!(
            before.lines().count() - untouched <= 4,
            "{id}: too many lines changed:\n{after}"
        );
    }
    mesh.m.ok(&["sync"]);
    for id in &ids {
        let product = mesh.m.json(&["show", id]);
        assert_eq!(
            product["product"]["description"],
            format!("Round trip of {id}: edited in meshlens."),
            "{id} after sync"
        );
    }
}

#[test]
fn upstream_changes_merge_when_disjoint_and_conflict_on_the_same_field() {
    let mesh = Mesh::new(true);
    let file = mesh.file_of("customer-360");
    let original = std::fs::read_to_string(&file).unwrap();

    // Disjoint: I edit the purpose, upstream bumps the version meanwhile.
    let draft = mesh.draft_from("customer-360");
    mesh.m.ok(&[
        "draft",
        "edit",
        &draft,
        "--set",
        "description.purpose=Mine.",
    ]);
    let upstream = original.replacen("version: 1.2.0", "version: 1.2.1", 1);
    std::fs::write(&file, &upstream).unwrap();
    let out = mesh.m.json(&["submit", &draft]);
    assert_eq!(out["item"]["status"], "submitted", "{out}");
    let merged = yaml(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(merged["version"], "1.2.1");
    assert_eq!(merged["description"]["purpose"], "Mine.");

    // Same field: upstream and I both change the usage; nothing is written until I decide.
    mesh.m.ok(&["sync"]);
    let draft = mesh.draft_from("customer-360");
    mesh.m.ok(&[
        "draft",
        "edit",
        &draft,
        "--set",
        "description.usage=My usage.",
        "--set",
        "status=deprecated",
    ]);
    let theirs = std::fs::read_to_string(&file).unwrap().replacen(
        "  usage: >-\n    Use `customer_id` to join back to sales products. Segment definitions are documented in the customer analytics wiki.\n",
        "  usage: Their usage.\n",
        1,
    );
    assert!(theirs.contains("Their usage."));
    std::fs::write(&file, &theirs).unwrap();
    let out = mesh.m.run(&["submit", &draft, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let out: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out["item"]["status"], "conflict");
    assert_eq!(out["draft"]["conflicts"][0]["path"], "description.usage");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        theirs,
        "nothing written before the decision"
    );
    // Submitting again without deciding is refused.
    let refused = mesh.m.run(&["submit", &draft]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("E_CONFLICT"));
    mesh.m.ok(&[
        "conflict",
        "resolve",
        &draft,
        "--take",
        "theirs",
        "--field",
        "description.usage",
    ]);
    let out = mesh.m.json(&["submit", &draft]);
    assert_eq!(out["item"]["status"], "submitted", "{out}");
    let written = yaml(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(written["description"]["usage"], "Their usage.");
    assert_eq!(
        written["status"], "deprecated",
        "my disjoint change still applies"
    );

    // Taking mine for every field.
    mesh.m.ok(&["sync"]);
    let draft = mesh.draft_from("customer-360");
    mesh.m.ok(&[
        "draft",
        "edit",
        &draft,
        "--set",
        "description.usage=Mine again.",
    ]);
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "usage: Their usage.",
        "usage: Theirs again.",
        1,
    );
    std::fs::write(&file, text).unwrap();
    assert_eq!(mesh.m.run(&["submit", &draft]).status.code(), Some(1));
    mesh.m
        .ok(&["conflict", "resolve", &draft, "--take", "mine"]);
    mesh.m.json(&["submit", &draft]);
    assert_eq!(
        yaml(&std::fs::read_to_string(&file).unwrap())["description"]["usage"],
        "Mine again."
    );
}

#[test]
fn invalid_drafts_are_refused_with_reasons() {
    let mesh = Mesh::new(false);
    let file = mesh.file_of("customer-360");
    let original = std::fs::read_to_string(&file).unwrap();
    let draft = mesh.draft_from("customer-360");
    // A schema error, located at its line.
    let broken = mesh.dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        original.replacen("status: active", "status: [active, retired]", 1),
    )
    .unwrap();
    mesh.m
        .ok(&["draft", "edit", &draft, "--file", broken.to_str().unwrap()]);
    let check = mesh.m.run(&["draft", "check", &draft, "--json"]);
    assert_eq!(check.status.code(), Some(1));
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    let error = &check["schema"]["errors"][0];
    assert!(error["line"].as_u64().unwrap() > 1, "{check}");
    assert_eq!(error["pointer"], "/status");
    let out = mesh.m.run(&["submit", &draft]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("E_DRAFT_INVALID") && stderr.contains("line "),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    assert_eq!(mesh.m.json(&["outbox"]), Value::Array(vec![]));
}

/// Submit is blocked by the error-severity violations a draft introduces, not by those the product
/// had upstream already (the demo's customer-360 declares neither encryption nor audit logging):
/// those are warnings naming who owns them (issue #25).
#[test]
fn inherited_violations_warn_and_introduced_ones_block() {
    let mesh = Mesh::new(false);
    let file = mesh.file_of("customer-360");
    let original = std::fs::read_to_string(&file).unwrap();
    let draft = mesh.draft_from("customer-360");
    // A violation the draft introduces: no support channel left.
    mesh.m.ok(&["draft", "edit", &draft, "--set", "support=[]"]);
    let check = mesh.m.run(&["draft", "check", &draft, "--json"]);
    assert_eq!(check.status.code(), Some(1));
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    let blocked = check["blocked"].to_string();
    assert!(blocked.contains("policy support-channel"), "{check}");
    assert!(!blocked.contains("encryption-for-sensitive"), "{check}");
    let out = mesh.m.run(&["submit", &draft]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("E_DRAFT_INVALID") && stderr.contains("policy support-channel"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    assert_eq!(mesh.m.json(&["outbox"]), Value::Array(vec![]));

    // A one-line change of the purpose: the violations it inherits are warnings with their owner.
    let usage = mesh.dir.path().join("usage.yaml");
    std::fs::write(
        &usage,
        original.replace("Refreshed daily", "Refreshed every day"),
    )
    .unwrap();
    mesh.m
        .ok(&["draft", "edit", &draft, "--file", usage.to_str().unwrap()]);
    let check = mesh.m.json(&["draft", "check", &draft]);
    assert_eq!(check["blocked"], Value::Array(vec![]), "{check}");
    let inherited: Vec<&Value> = check["policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["inherited"] == true)
        .collect();
    for rule in ["encryption-for-sensitive", "audit-logging-for-sensitive"] {
        let found = inherited.iter().find(|v| v["policy"] == rule);
        let found = found.unwrap_or_else(|| panic!("{rule} not inherited: {check}"));
        assert_eq!(found["severity"], "error");
        assert_eq!(found["owner"], "Customer Analytics");
    }
    let human = mesh.m.ok(&["draft", "check", &draft]);
    assert!(
        human.contains(
            "policy encryption-for-sensitive [warning: already upstream, owned by Customer Analytics]"
        ) && human.contains("ready to submit"),
        "{human}"
    );
    let submitted = mesh.m.json(&["submit", &draft]);
    assert_eq!(submitted["item"]["status"], "submitted", "{submitted}");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("Refreshed every day")
    );
}

#[test]
fn offline_folder_queue_drains_when_the_folder_returns() {
    // finance-fx-rates meets the built-in policies, which are all that apply while the folder is away.
    let mesh = Mesh::new(false);
    let file = mesh.file_of("finance-fx-rates");
    let relative = file.strip_prefix(mesh.root()).unwrap().to_owned();
    let draft = mesh.draft_from("finance-fx-rates");
    mesh.m.ok(&[
        "draft",
        "edit",
        &draft,
        "--set",
        "description.usage=Offline edit.",
    ]);
    let away = mesh.dir.path().join("unplugged");
    std::fs::rename(mesh.root(), &away).unwrap();
    let out = mesh.m.json(&["submit", &draft]);
    assert_eq!(out["item"]["status"], "queued", "{out}");
    assert!(
        out["item"]["reason"]
            .as_str()
            .unwrap()
            .contains("not reachable")
    );
    let id = out["item"]["id"].to_string();
    // Submitting the same draft again queues nothing new.
    mesh.m.json(&["submit", &draft]);
    assert_eq!(mesh.m.json(&["outbox"]).as_array().unwrap().len(), 1);
    std::fs::rename(&away, mesh.root()).unwrap();
    let items = mesh.m.json(&["outbox", "retry", &id]);
    assert_eq!(items[0]["status"], "submitted", "{items}");
    assert!(items[0]["attempts"].as_u64().unwrap() >= 2);
    let text = std::fs::read_to_string(mesh.root().join(relative)).unwrap();
    assert_eq!(yaml(&text)["description"]["usage"], "Offline edit.");
    assert_eq!(mesh.m.json(&["draft", "list"])[0]["state"], "submitted");
}

#[test]
fn a_new_product_from_the_template_lands_in_its_domain_folder() {
    let mesh = Mesh::new(false);
    let draft = mesh.m.json(&[
        "draft",
        "new",
        "--template",
        "product",
        "--id",
        "sales-gift-cards",
    ]);
    assert_eq!(draft["state"], "editing");
    assert_eq!(draft["source"], "mesh", "the only source is the default");
    let id = draft["id"].to_string();
    mesh.m.ok(&[
        "draft",
        "edit",
        &id,
        "--set",
        "domain=sales",
        "--set",
        "name=Gift Cards",
    ]);
    let diff = mesh.m.ok(&["draft", "diff", &id]);
    assert!(diff.contains("added    id:"), "{diff}");
    let out = mesh.m.json(&["submit", &id]);
    assert_eq!(out["item"]["status"], "submitted", "{out}");
    assert_eq!(
        out["item"]["documents"][0]["path"],
        "sales/sales-gift-cards.odps.yaml"
    );
    mesh.m.ok(&["sync"]);
    let product = mesh.m.json(&["show", "sales-gift-cards"]);
    assert_eq!(product["product"]["name"], "Gift Cards");
    assert_eq!(product["product"]["domain"], "sales");
    // Submitting it again applies nothing twice.
    let again = mesh.m.json(&["submit", &id]);
    assert_eq!(again["item"]["id"], out["item"]["id"]);
}

#[test]
fn git_target_commits_on_a_product_branch_and_queues_while_the_remote_is_away() {
    let m = Meshlens::new();
    let work = tempfile::tempdir().unwrap();
    relax_policies(&m);
    let remote = bare_git_remote(&demo_mesh().join("finance"), work.path());
    m.add_git("fin", &remote);
    m.ok(&["sync"]);
    let draft = m.json(&["draft", "new", "--from", "finance-fx-rates"])["id"].to_string();
    m.ok(&[
        "draft",
        "edit",
        &draft,
        "--set",
        "description.usage=Edited over git.",
    ]);
    let away = work.path().join("remote-away.git");
    std::fs::rename(&remote, &away).unwrap();
    let submit = |m: &Meshlens, args: &[&str]| -> Value {
        let out = m
            .command()
            .args(args)
            .arg("--json")
            .env("MESHLENS_GIT_AUTHOR", "Ada Owner <ada@example.com>")
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
    };
    let out = submit(&m, &["submit", &draft]);
    assert_eq!(out["item"]["status"], "queued", "{out}");
    std::fs::rename(&away, &remote).unwrap();
    let id = out["item"]["id"].to_string();
    let items = submit(&m, &["outbox", "retry", &id]);
    assert_eq!(items[0]["status"], "submitted", "{items}");
    let branches = git(&remote, &["branch", "--list", "meshlens/*"]);
    let branch = branches.trim().trim_start_matches("* ").to_owned();
    assert!(
        branch.starts_with("meshlens/finance-fx-rates-"),
        "{branches}"
    );
    let log = git(
        &remote,
        &["log", "--format=%an <%ae>|%B", "-n", "1", &branch],
    );
    assert!(
        log.starts_with("Ada Owner <ada@example.com>|meshlens: update finance-fx-rates"),
        "{log}"
    );
    assert_eq!(
        git(
            &remote,
            &["rev-list", "--count", &format!("main..{branch}")]
        )
        .trim(),
        "1"
    );
    let path = m.json(&["show", "finance-fx-rates"])["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = git(&remote, &["show", &format!("{branch}:{path}")]);
    assert_eq!(yaml(&text)["description"]["usage"], "Edited over git.");
    // The base branch itself is untouched until someone merges the branch.
    assert!(!git(&remote, &["show", &format!("main:{path}")]).contains("Edited over git."));
}
