//! Lineage benchmark on a generated mesh: 1M OpenLineage events describing 100k datasets and
//! 500k edges, ingested from one NDJSON file into a file-backed store; then depth-5 traversals,
//! the impact of a hub with 10k downstream nodes, and the recursive-CTE alternative.
//!
//! `cargo bench -p meshlens-lineage` (release). `MESHLENS_BENCH_EVENTS` scales the event count.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

use meshlens_lineage::{Level, LineageRequest, impact, ingest_file, lineage};
use meshlens_store::Store;

const DATASETS: u64 = 100_000;
/// Downstream of the hub: 100 jobs → 100 datasets → 49 jobs each → 4,900 datasets (10k nodes).
const HUB_FANOUT: u64 = 100;
const HUB_SECOND: u64 = 49;
/// Datasets outside the hub tree, and jobs among them (2 inputs + 1 output = 3 edges each).
const RANDOM_DATASETS: u64 = DATASETS - 1 - HUB_FANOUT - HUB_FANOUT * HUB_SECOND;
const HUB_EDGES: u64 = 2 * (HUB_FANOUT + HUB_FANOUT * HUB_SECOND);
const RANDOM_JOBS: u64 = (500_000 - HUB_EDGES) / 3;
/// Pipelines mostly read recent neighbours; 1% of inputs come from anywhere (and make cycles).
const WINDOW: u64 = 5_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic and good enough to pick indices.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Job {
    name: String,
    inputs: Vec<String>,
    output: String,
}

fn jobs() -> Vec<Job> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut jobs = Vec::new();
    // The hub tree first, so scaled-down runs (fewer events) still contain it.
    for k in 0..HUB_FANOUT {
        jobs.push(Job {
            name: format!("hub.fan_{k}"),
            inputs: vec!["hub".into()],
            output: format!("hub_l1_{k}"),
        });
        for m in 0..HUB_SECOND {
            jobs.push(Job {
                name: format!("hub.fan_{k}_{m}"),
                inputs: vec![format!("hub_l1_{k}")],
                output: format!("hub_l2_{k}_{m}"),
            });
        }
    }
    for j in 0..RANDOM_JOBS {
        let out = j % RANDOM_DATASETS;
        let mut pick = || {
            if rng.below(100) == 0 {
                rng.below(RANDOM_DATASETS)
            } else {
                out.saturating_sub(1 + rng.below(WINDOW))
            }
        };
        let inputs = vec![format!("d{}", pick()), format!("d{}", pick())];
        jobs.push(Job {
            name: format!("etl.job_{j}"),
            inputs,
            output: format!("d{out}"),
        });
    }
    jobs
}

fn dataset(name: &str) -> String {
    format!(r#"{{"namespace":"postgres://warehouse.bench:5432","name":"bench.public.{name}"}}"#)
}

/// START and COMPLETE per job per day until `total` events; COMPLETE carries a schema facet and,
/// for every tenth job, column lineage.
fn write_events(path: &std::path::Path, total: u64) -> std::io::Result<u64> {
    let jobs = jobs();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut written = 0;
    'days: for day in 0..366 {
        for (j, job) in jobs.iter().enumerate() {
            for (kind, minute) in [("START", 0), ("COMPLETE", 7)] {
                if written == total {
                    break 'days;
                }
                let run = format!("{:08x}-0000-4000-8000-{:012x}", day, j);
                let inputs = job
                    .inputs
                    .iter()
                    .map(|i| dataset(i))
                    .collect::<Vec<_>>()
                    .join(",");
                let mut output = dataset(&job.output);
                if kind == "COMPLETE" {
                    let lineage = if j % 10 == 0 {
                        let src = &job.inputs[0];
                        format!(
                            r#","columnLineage":{{"_producer":"bench","_schemaURL":"https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json","fields":{{"id":{{"inputFields":[{{"namespace":"postgres://warehouse.bench:5432","name":"bench.public.{src}","field":"id","transformations":[{{"type":"DIRECT","subtype":"IDENTITY"}}]}}]}}}}}}"#
                        )
                    } else {
                        String::new()
                    };
                    output.truncate(output.len() - 1);
                    output.push_str(&format!(
                        r#","facets":{{"schema":{{"_producer":"bench","_schemaURL":"https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json","fields":[{{"name":"id","type":"bigint"}},{{"name":"amount","type":"numeric"}},{{"name":"updated_at","type":"timestamp"}}]}}{lineage}}}}}"#
                    ));
                }
                writeln!(
                    out,
                    r#"{{"eventType":"{kind}","eventTime":"2026-{:02}-{:02}T02:{minute:02}:00Z","producer":"https://example.com/bench","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{{"runId":"{run}"}},"job":{{"namespace":"bench-airflow","name":"{}"}},"inputs":[{inputs}],"outputs":[{output}]}}"#,
                    1 + day / 28 % 12,
                    1 + day % 28,
                    job.name
                )?;
                written += 1;
            }
        }
    }
    out.flush()?;
    Ok(written)
}

/// Peak resident set size of this process (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn reset_peak_rss() {
    // Linux: writing 5 resets VmHWM to the current RSS, so the next reading covers one phase.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(label: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    let (p50, p99) = (percentile(&samples, 0.50), percentile(&samples, 0.99));
    println!(
        "{label:<46} n={:<5} p50={:>9.3} ms  p99={:>9.3} ms",
        samples.len(),
        ms(p50),
        ms(p99)
    );
    p99
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let total: u64 = std::env::var("MESHLENS_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(total));
}

const NAMESPACE: &str = "postgres://warehouse.bench:5432";

/// The figures the targets are judged on.
struct Figures {
    written: u64,
    ingest: Duration,
    ingest_rss: f64,
    p99_traversal: Duration,
    p99_impact: Duration,
    p99_cte: Duration,
}

async fn run(total: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events.ndjson");
    let written = generate(&events, total);
    let store = Store::open(&dir.path().join("cache.sqlite"))
        .await
        .expect("open store");
    let (ingest, ingest_rss) = ingest(&store, &events).await;
    print_graph_size(&store).await;
    reingest(&store, &events).await;
    let roots = sample_roots(&store).await;
    first_query(&store, &roots[0].1).await;
    let p99_traversal = traversals(&store, &roots).await;
    let p99_impact = hub_impacts(&store).await;
    let ids: Vec<i64> = roots.iter().take(200).map(|(id, _)| *id).collect();
    let p99_cte = recursive_ctes(&store, &ids).await;
    print_targets(&Figures {
        written,
        ingest,
        ingest_rss,
        p99_traversal,
        p99_impact,
        p99_cte,
    });
}

fn generate(events: &std::path::Path, total: u64) -> u64 {
    let t = Instant::now();
    let written = write_events(events, total).expect("write events");
    let size = std::fs::metadata(events).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {written} events ({:.0} MiB NDJSON) in {:.1} s",
        size as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );
    written
}

/// The first import of the file: its time and the peak RSS while it ran.
async fn ingest(store: &Store, events: &std::path::Path) -> (Duration, f64) {
    reset_peak_rss();
    let t = Instant::now();
    let imported = ingest_file(store, events).await.expect("ingest");
    let ingest = t.elapsed();
    let ingest_rss = peak_rss_mib();
    println!(
        "ingest: {} imported, {} skipped, {} rejected, {} schema warnings in {:.1} s ({:.0} events/s), peak RSS {:.0} MiB",
        imported.imported,
        imported.skipped,
        imported.rejected.len(),
        imported.warnings,
        ingest.as_secs_f64(),
        imported.imported as f64 / ingest.as_secs_f64(),
        ingest_rss
    );
    (ingest, ingest_rss)
}

async fn print_graph_size(store: &Store) {
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM lineage_nodes WHERE kind = 'dataset'), (SELECT count(*) FROM lineage_edges), (SELECT count(*) FROM column_edges)",
    )
    .fetch_one(store.pool())
    .await
    .expect("counts");
    println!(
        "graph: {} datasets, {} edges, {} column edges",
        counts.0, counts.1, counts.2
    );
}

async fn reingest(store: &Store, events: &std::path::Path) {
    let t = Instant::now();
    let again = ingest_file(store, events).await.expect("re-ingest");
    println!(
        "re-import of the same file: {} imported, {} skipped in {:.1} s",
        again.imported,
        again.skipped,
        t.elapsed().as_secs_f64()
    );
}

/// 1,000 roots among the generated datasets the (possibly scaled-down) event stream reached.
async fn sample_roots(store: &Store) -> Vec<(i64, String)> {
    let present: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM lineage_nodes WHERE kind = 'dataset' AND name LIKE 'bench.public.d%' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .expect("dataset names");
    let mut rng = Rng(42);
    (0..1000)
        .map(|_| present[rng.below(present.len() as u64) as usize].clone())
        .collect()
}

fn depth_five(name: &str) -> LineageRequest {
    LineageRequest {
        id: format!("{NAMESPACE}:{name}"),
        upstream: 5,
        downstream: 5,
        level: Level::Dataset,
    }
}

/// The first query builds the graph cache.
async fn first_query(store: &Store, root: &str) {
    let t = Instant::now();
    let first = lineage(store, &depth_five(root))
        .await
        .expect("first lineage");
    println!(
        "graph cache build (first query): {:.0} ms, peak RSS now {:.0} MiB",
        ms(t.elapsed()),
        peak_rss_mib()
    );
    println!(
        "sample depth-5 neighbourhood: {} nodes, {} edges",
        first.nodes.len(),
        first.edges.len()
    );
}

async fn traversals(store: &Store, roots: &[(i64, String)]) -> Duration {
    let mut samples = Vec::new();
    let mut sizes = Vec::new();
    for (_, name) in roots {
        let request = depth_five(name);
        let t = Instant::now();
        let g = lineage(store, &request).await.expect("lineage");
        samples.push(t.elapsed());
        sizes.push(g.nodes.len());
    }
    sizes.sort_unstable();
    let p99 = report("lineage depth 5 up + 5 down (dataset level)", samples);
    println!(
        "  nodes per answer: median {}, max {}",
        sizes[sizes.len() / 2],
        sizes[sizes.len() - 1]
    );
    p99
}

async fn hub_impacts(store: &Store) -> Duration {
    let mut samples = Vec::new();
    let mut reached = 0;
    for _ in 0..100 {
        let t = Instant::now();
        let r = impact(store, &format!("{NAMESPACE}:bench.public.hub"))
            .await
            .expect("impact");
        samples.push(t.elapsed());
        reached = r.datasets.len();
    }
    let p99 = report("impact of the hub", samples);
    println!(
        "  hub impact: {reached} downstream datasets (plus {} jobs between them)",
        HUB_FANOUT + HUB_FANOUT * HUB_SECOND
    );
    p99
}

/// The alternative: recursive CTEs over the indexed edge table, counting nodes only (no
/// names, no edge list), 10 edge hops = 5 dataset hops through jobs.
async fn recursive_ctes(store: &Store, ids: &[i64]) -> Duration {
    let cte = "WITH RECURSIVE
        down(node, depth) AS (SELECT ?1, 0 UNION SELECT e.to_node, d.depth + 1 FROM lineage_edges e JOIN down d ON e.from_node = d.node WHERE d.depth < 10),
        up(node, depth) AS (SELECT ?1, 0 UNION SELECT e.from_node, u.depth + 1 FROM lineage_edges e JOIN up u ON e.to_node = u.node WHERE u.depth < 10)
        SELECT (SELECT count(DISTINCT node) FROM down) + (SELECT count(DISTINCT node) FROM up)";
    let mut samples = Vec::new();
    for &id in ids {
        let t = Instant::now();
        let _: i64 = sqlx::query_scalar(cte)
            .bind(id)
            .fetch_one(store.pool())
            .await
            .expect("cte");
        samples.push(t.elapsed());
    }
    report("recursive CTE depth 5 up + 5 down (count only)", samples)
}

fn print_targets(f: &Figures) {
    println!();
    println!(
        "targets: traversal p99 < 20 ms: {}",
        verdict(ms(f.p99_traversal) < 20.0)
    );
    println!(
        "         hub impact p99 < 100 ms: {}",
        verdict(ms(f.p99_impact) < 100.0)
    );
    println!(
        "         ingest of {} events < 120 s: {}",
        f.written,
        verdict(f.ingest.as_secs_f64() < 120.0)
    );
    println!(
        "         ingest peak RSS < 500 MiB: {} ({:.0} MiB)",
        verdict(f.ingest_rss < 500.0),
        f.ingest_rss
    );
    println!(
        "         CSR vs CTE p99: {:.2} ms vs {:.2} ms",
        ms(f.p99_traversal),
        ms(f.p99_cte)
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}
