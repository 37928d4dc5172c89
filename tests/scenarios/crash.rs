//! kill -9 at random points during sync, import, draft save and outbox delivery. After every kill the
//! cache passes `PRAGMA integrity_check`, the previous good cache is intact, no event is stored twice,
//! no draft is lost or torn, and every outbox item is delivered exactly once.
//!
//! `make test` runs a short campaign (5 kills a phase); `make torture` the long one
//! (`MESHLENS_TORTURE_RUNS`, default 100 a phase; `MESHLENS_TORTURE_SEED` picks other kill times).

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Meshlens, copy_tree, demo_mesh, relax_policies, touch_all};
use serde_json::Value;

/// Deterministic kill delays (no extra dependency for one number a round).
struct Lcg(u64);
impl Lcg {
    /// A share of `run` from none to a little past its end, so kills land at start-up, mid-work,
    /// at commit and after the process is done.
    fn delay(&mut self, run: Duration) -> Duration {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        run.mul_f64(((self.0 >> 33) % 1100) as f64 / 1000.0)
    }
}

/// One phase's kills: how many, how many hit a running process, how long it all took.
struct Phase {
    name: &'static str,
    kills: usize,
    hit_running: usize,
    started: Instant,
}

impl Phase {
    fn new(name: &'static str) -> Phase {
        Phase {
            name,
            kills: 0,
            hit_running: 0,
            started: Instant::now(),
        }
    }

    /// Starts `meshlens args`, kills it with SIGKILL after a random share of `run`, and reaps it.
    fn kill_during(&mut self, m: &Meshlens, args: &[&str], run: Duration, rng: &mut Lcg) {
        let mut child = m
            .command()
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(rng.delay(run));
        self.hit_running += usize::from(child.try_wait().unwrap().is_none());
        child.kill().ok(); // SIGKILL on Unix
        child.wait().unwrap();
        self.kills += 1;
    }

    fn finish(self) {
        eprintln!(
            "kill campaign, {}: {} kills, {} hit a running process, {:.1} s",
            self.name,
            self.kills,
            self.hit_running,
            self.started.elapsed().as_secs_f64()
        );
        assert!(
            self.hit_running * 2 >= self.kills,
            "{}: only {} of {} kills hit a running process",
            self.name,
            self.hit_running,
            self.kills
        );
    }
}

/// How long one run of `args` takes, to spread the kills over it: the faster of two runs, since the
/// first may pay for cold caches that the killed runs do not.
fn timed(m: &Meshlens, args: &[&str]) -> Duration {
    let once = || {
        let started = Instant::now();
        m.ok(args);
        started.elapsed()
    };
    once().min(once())
}

/// Opens the cache as the next process would: its `integrity_check` and the answer to `count`.
fn inspect(m: &Meshlens, count: &str) -> (String, i64) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = meshlens_store::Store::open(&m.path().join("meshlens.db"))
            .await
            .unwrap();
        let integrity = store.integrity_check().await.unwrap();
        let (n,): (i64,) = sqlx::query_as(count).fetch_one(store.pool()).await.unwrap();
        store.close().await;
        (integrity, n)
    })
}

/// A killed sync leaves the previous cache as it was; the next one completes.
fn sync_phase(m: &Meshlens, generated: &Path, runs: usize, rng: &mut Lcg) {
    let baseline = m.json(&["products"]);
    touch_all(generated, 0);
    let run = timed(m, &["sync", "gen"]);
    let mut phase = Phase::new("sync");
    for round in 1..=runs {
        touch_all(generated, round);
        phase.kill_during(m, &["sync", "gen"], run, rng);
        let (integrity, _) = inspect(m, "SELECT COUNT(*) FROM products");
        assert_eq!(integrity, "ok", "sync round {round}");
        assert_eq!(
            m.json(&["products"]),
            baseline,
            "sync round {round}: the products changed"
        );
    }
    let report = m.json(&["sync", "gen"]);
    assert_eq!(report["sources"][0]["errors"], Value::Array(vec![]));
    assert_eq!(m.json(&["products"]), baseline);
    phase.finish();
}

/// A killed import keeps the batches it committed; importing again stores each event exactly once.
/// A data directory of its own, so that every event counted comes from `events`.
fn import_phase(events: &Path, runs: usize, rng: &mut Lcg) {
    let path = events.to_str().unwrap();
    // A scratch data directory tells how many distinct events the folder holds, and how long it takes.
    let total = Meshlens::new().json(&["import", path])["imported"]
        .as_i64()
        .unwrap();
    let run = timed(&Meshlens::new(), &["import", path]);
    let m = &Meshlens::new();
    let count = "SELECT COUNT(*) FROM ol_events";
    let mut phase = Phase::new("import");
    let mut stored = 0;
    for round in 1..=runs {
        phase.kill_during(m, &["import", path], run, rng);
        let (integrity, now) = inspect(m, count);
        assert_eq!(integrity, "ok", "import round {round}");
        assert!(
            now >= stored && now <= total,
            "import round {round}: {now} events stored, {stored} before, {total} exist"
        );
        stored = now;
    }
    let last = m.json(&["import", path]);
    assert_eq!(last["imported"].as_i64().unwrap() + stored, total, "{last}");
    assert_eq!(inspect(m, count).1, total, "every event stored once");
    phase.finish();
}

fn draft_text(m: &Meshlens, draft: &str) -> String {
    let drafts = m.json(&["draft", "list"]);
    drafts
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"].as_i64() == draft.parse().ok())
        .expect("the draft survives")["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A killed save leaves the draft whole, holding the text of this save or of an earlier one.
fn draft_phase(m: &Meshlens, runs: usize, rng: &mut Lcg) {
    let draft = m.json(&["draft", "new", "--from", "customer-360"])["id"].to_string();
    let (_, drafts_before) = inspect(m, "SELECT COUNT(*) FROM drafts");
    let set = |value: &str| format!("description.purpose={value}");
    let run = timed(m, &["draft", "edit", &draft, "--set", &set("Timed.")]);
    let mut saved = vec!["Timed.".to_string()];
    let mut phase = Phase::new("draft save");
    for round in 1..=runs {
        let value = format!("Save {round}.");
        phase.kill_during(
            m,
            &["draft", "edit", &draft, "--set", &set(&value)],
            run,
            rng,
        );
        saved.push(value);
        let (integrity, drafts) = inspect(m, "SELECT COUNT(*) FROM drafts");
        assert_eq!(integrity, "ok", "draft round {round}");
        assert_eq!(
            drafts, drafts_before,
            "draft round {round}: lost or doubled"
        );
        let yaml: Value = serde_yaml_ng::from_str(&draft_text(m, &draft)).expect("whole YAML");
        let purpose = yaml["description"]["purpose"].as_str().unwrap_or_default();
        assert!(
            saved.iter().any(|s| s == purpose),
            "draft round {round}: the draft holds {purpose:?}"
        );
    }
    phase.finish();
}

/// Each round edits one product and kills its submit at a random moment, then submits again: one
/// outbox item for the change, delivered, and the file holds the draft's text, written once.
fn outbox_phase(m: &Meshlens, mesh: &Path, runs: usize, rng: &mut Lcg) {
    let file = mesh.join(m.json(&["show", "customer-360"])["path"].as_str().unwrap());
    let mut run = Duration::ZERO;
    let mut phase = Phase::new("outbox delivery");
    for round in 1..=runs {
        m.ok(&["sync", "mesh"]);
        let draft = m.json(&["draft", "new", "--from", "customer-360"])["id"].to_string();
        let usage = format!("description.usage=Delivery {round}.");
        m.ok(&["draft", "edit", &draft, "--set", &usage]);
        if run.is_zero() {
            // A submit is a check plus a delivery; the check alone does not change the draft.
            run = timed(m, &["draft", "check", &draft]).mul_f64(1.5);
        }
        phase.kill_during(m, &["submit", &draft], run, rng);
        let (integrity, _) = inspect(m, "SELECT COUNT(*) FROM outbox");
        assert_eq!(integrity, "ok", "outbox round {round}");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            serde_yaml_ng::from_str::<Value>(&text).is_ok(),
            "the file is always whole"
        );

        let key = m.json(&["submit", &draft])["item"]["idempotency_key"].clone();
        let items = m.json(&["outbox"]);
        let same: Vec<&Value> = items
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["idempotency_key"] == key)
            .collect();
        assert_eq!(same.len(), 1, "outbox round {round}: {same:?}");
        assert_eq!(same[0]["status"], "submitted", "outbox round {round}");
        let wanted = draft_text(m, &draft);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            wanted,
            "round {round}"
        );
    }
    let leftovers = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".meshlens-tmp"))
        .count();
    assert_eq!(leftovers, 0, "temporary files left behind");
    phase.finish();
}

/// Runs the four phases: a generated 300-product source to sync, a generated folder of OpenLineage
/// events to import, and a copy of the demo mesh to edit and submit to.
fn campaign(runs: usize) {
    let m = Meshlens::new();
    let work = tempfile::tempdir().unwrap();
    let generated = work.path().join("gen");
    let events = work.path().join("events");
    let mesh = work.path().join("mesh");
    for (out, seed) in [(&generated, "7"), (&events, "11")] {
        let out = out.to_str().unwrap();
        m.ok(&[
            "demo",
            "generate",
            "--out",
            out,
            "--products",
            "300",
            "--seed",
            seed,
        ]);
    }
    copy_tree(&demo_mesh(), &mesh);
    relax_policies(&m);
    m.add_folder("gen", &generated);
    m.add_folder("mesh", &mesh);
    m.ok(&["sync"]);
    let seed = std::env::var("MESHLENS_TORTURE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let mut rng = Lcg(seed);
    sync_phase(&m, &generated, runs, &mut rng);
    import_phase(&events.join("lineage"), runs, &mut rng);
    draft_phase(&m, runs, &mut rng);
    outbox_phase(&m, &mesh, runs, &mut rng);
}

#[test]
fn short_kill_campaign() {
    campaign(5);
}

#[test]
#[ignore = "long campaign: `make torture` (MESHLENS_TORTURE_RUNS, default 100 a phase)"]
fn kill_campaign() {
    let runs = std::env::var("MESHLENS_TORTURE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    campaign(runs);
}
