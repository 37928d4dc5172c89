//! `meshlens bench ...`: the benchmarks behind docs/benchmarks.md, on generated meshes or a synced cache.

use std::fmt::Debug;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use meshlens_app::AppError;
use serde::Serialize;

use crate::{open_app, output};

/// The generated mesh a benchmark runs on.
#[derive(Args)]
pub(crate) struct GeneratedMesh {
    #[arg(long, default_value_t = 10_000)]
    products: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Work folder (default: a folder in the system temp dir, its mesh reused between runs).
    #[arg(long)]
    dir: Option<PathBuf>,
}

impl GeneratedMesh {
    fn dir(&self) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("meshlens-bench-{}-{}", self.products, self.seed))
        })
    }
}

#[derive(Subcommand)]
pub(crate) enum BenchCommand {
    /// Full sync and unchanged re-sync of a generated mesh, with peak memory.
    Sync {
        #[command(flatten)]
        mesh: GeneratedMesh,
        #[arg(long)]
        json: bool,
    },
    /// `access list` and `consumers` latency on the synced cache, after storing AGREEMENTS approved
    /// agreements over its output ports (the cache is changed: use a benchmark's data directory).
    Access {
        #[arg(long, default_value_t = 50_000)]
        agreements: usize,
        /// Products the calls are timed on, picked evenly across the mesh.
        #[arg(long, default_value_t = 200)]
        samples: usize,
        #[arg(long)]
        json: bool,
    },
    /// `mesh`, every product's trust score and `adoption` on the synced cache (it stores the lineage
    /// consumers first when a sync left them stale).
    Mesh {
        /// Times each call is run.
        #[arg(long, default_value_t = 20)]
        samples: usize,
        #[arg(long)]
        json: bool,
    },
    /// Parsing and validating CONTRACTS generated contracts one after the other (as `validate`
    /// does), ROUNDS times; the file list is written for `tests/support/validate_jsonschema.py`.
    Validate {
        #[command(flatten)]
        mesh: GeneratedMesh,
        #[arg(long, default_value_t = 400)]
        contracts: usize,
        #[arg(long, default_value_t = 11)]
        rounds: usize,
        #[arg(long)]
        json: bool,
    },
    /// History on a generated mesh: what recording adds to a sync with 1% of the files changed, `changes
    /// --since last` and a 500-column `diff` latency, the history's size on disk.
    History {
        /// The mesh's changed files are put back afterwards.
        #[command(flatten)]
        mesh: GeneratedMesh,
        /// Times each query is run.
        #[arg(long, default_value_t = 50)]
        samples: usize,
        #[arg(long)]
        json: bool,
    },
    /// `draft check` latency on the demo mesh's largest contract, with a one-field edit, in a fresh
    /// data directory under DIR (default: a folder in the system temp dir).
    DraftCheck {
        #[arg(long, default_value_t = 200)]
        samples: usize,
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Search-as-you-type latency on the synced cache: each word typed one key at a time.
    Typing {
        /// Words to type (default: the mix the desktop benchmark types).
        words: Vec<String>,
        /// Times the whole mix is typed.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        #[arg(long)]
        json: bool,
    },
}

/// A benchmark's report: JSON, or Rust's pretty debug form (every field named) for a person.
fn show<T: Serialize + Debug>(json: bool, report: &T) {
    if json {
        output::print_json(report);
    } else {
        println!("{report:#?}");
    }
}

pub(crate) async fn run(command: BenchCommand, data_dir: Option<PathBuf>) -> Result<(), AppError> {
    match command {
        BenchCommand::Sync { mesh, json } => {
            let report =
                meshlens_app::bench::bench_sync(&mesh.dir(), mesh.products, mesh.seed).await?;
            show(json, &report);
        }
        BenchCommand::Validate {
            mesh,
            contracts,
            rounds,
            json,
        } => {
            let (dir, products, seed) = (mesh.dir(), mesh.products, mesh.seed);
            let report = meshlens_app::bench::validate::bench_validate(
                &dir, products, seed, contracts, rounds,
            )?;
            show(json, &report);
        }
        BenchCommand::History {
            mesh,
            samples,
            json,
        } => {
            let (dir, products, seed) = (mesh.dir(), mesh.products, mesh.seed);
            let report =
                meshlens_app::bench::history::bench_history(&dir, products, seed, samples).await?;
            show(json, &report);
        }
        BenchCommand::Access {
            agreements,
            samples,
            json,
        } => {
            let app = open_app(data_dir).await?;
            let report = meshlens_app::bench::bench_access(&app, agreements, samples).await?;
            show(json, &report);
        }
        BenchCommand::Mesh { samples, json } => {
            let app = open_app(data_dir).await?;
            let report = meshlens_app::bench::mesh::bench_mesh(&app, samples).await?;
            show(json, &report);
        }
        BenchCommand::DraftCheck { samples, dir, json } => {
            let dir =
                dir.unwrap_or_else(|| std::env::temp_dir().join("meshlens-bench-draft-check"));
            let report = meshlens_app::bench::draft_check::bench_draft_check(&dir, samples).await?;
            show(json, &report);
        }
        BenchCommand::Typing {
            words,
            rounds,
            json,
        } => {
            let app = open_app(data_dir).await?;
            let words = if words.is_empty() {
                meshlens_app::bench::DEFAULT_TYPED
                    .map(String::from)
                    .to_vec()
            } else {
                words
            };
            let report = meshlens_app::bench::bench_typing(&app, &words, rounds).await?;
            if json {
                output::print_json(&report);
            } else {
                output::print_typing_bench(&report);
            }
        }
    }
    Ok(())
}
