//! `meshlens`: the command line over the app facade, for scripts, CI and tests.
//!
//! Contract: `--json` prints one JSON document on stdout; human output goes to stdout, progress and
//! errors to stderr. Exit codes: 0 success, 1 failure (or invalid files for `validate`), 2 usage error.

mod access;
mod auth;
mod doctor;
mod draft;
mod history;
mod install;
mod mesh;
mod output;
mod progress;
mod quality;

/// Parsing, JSON and indexing allocate small objects by the million; mimalloc does that far faster than
/// glibc malloc (measured in docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use meshlens_app::{
    App, AppConfig, AppError, CheckArgs, GetProductArgs, ImpactArgs, ImportArgs, LineageArgs,
    LineageLevel, ListProductsArgs, NoArgs, NoEvents, QualityArgs, RemoveSourceArgs, ReportArgs,
    ScorecardArgs, SearchArgs, SourceConfig, SourceKind, SyncArgs,
};

#[derive(Parser)]
#[command(
    name = "meshlens",
    version,
    about = "Explore a data mesh offline: products, contracts, lineage and quality"
)]
pub(crate) struct Cli {
    /// Data directory (default: $MESHLENS_DATA_DIR, else the OS data directory).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add, list or remove sources.
    #[command(subcommand)]
    Source(SourceCommand),
    /// Store catalog server tokens in the OS keyring.
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Read sources into the local cache (all sources when none are named).
    Sync {
        names: Vec<String>,
        /// Re-read every file, even those whose size and modification time did not change.
        #[arg(long)]
        full: bool,
        #[arg(long)]
        json: bool,
    },
    /// List data products.
    Products {
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one product with its ports, contracts and datasets.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Who to ask about a product: owners, steward, on-call, escalation and the roles nobody holds.
    Owners {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Who consumes a product: declared input ports and runs seen in lineage, each saying how it is known.
    Consumers {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Request access to an output port, withdraw a request, list requests and agreements.
    #[command(subcommand)]
    Access(access::AccessCommand),
    /// Check descriptor files against the official schemas (exit 1 if any is invalid).
    Validate {
        #[arg(required = true)]
        files: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Rewrite DCS, ODCS v2.2.x/v3.0.x contracts and DPS products as ODCS v3.1.0 / ODPS v1.1.0
    /// (exit 1 if any file could not be upgraded into a valid document). Without --out or --draft
    /// only the report is shown.
    Upgrade {
        #[arg(required = true)]
        files: Vec<String>,
        /// odcs-3.1.0 or odps-1.1.0 (default: the current version of the file's standard).
        #[arg(long)]
        to: Option<String>,
        /// Folder the upgraded files are written to (an existing file is never replaced).
        #[arg(long, conflicts_with = "draft")]
        out: Option<String>,
        /// Make each result a draft of the cached document (review with `draft diff`, then `submit`).
        #[arg(long)]
        draft: bool,
        #[arg(long)]
        json: bool,
    },
    /// Register and sync the bundled demo mesh, or generate a synthetic one.
    Demo {
        #[command(subcommand)]
        command: Option<DemoCommand>,
    },
    /// Search products, contracts, datasets and columns (typos forgiven; the last word matches as a prefix).
    Search {
        query: String,
        /// product, contract, dataset or column
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        /// Owning team (or owner).
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        classification: Option<String>,
        /// Normalised level: public, internal, confidential, restricted or unknown.
        #[arg(long, value_parser = ["public", "internal", "confidential", "restricted", "unknown"])]
        sensitivity: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the search index from the cache.
    Reindex {
        #[arg(long)]
        json: bool,
    },
    /// Import OpenLineage events from a file or a folder (.json, .ndjson).
    Import {
        path: String,
        #[arg(long)]
        json: bool,
    },
    /// Upstream and downstream lineage of a product, port, contract, dataset (`contract/dataset` or `namespace:name`) or
    /// column (`contract/dataset/column` or `namespace:name#column`).
    Lineage {
        id: String,
        #[arg(long, default_value_t = 3)]
        upstream: u32,
        #[arg(long, default_value_t = 3)]
        downstream: u32,
        #[arg(long, value_enum, default_value_t = LevelArg::Dataset)]
        level: LevelArg,
        #[arg(long, conflicts_with = "dot")]
        json: bool,
        /// Print Graphviz DOT.
        #[arg(long)]
        dot: bool,
    },
    /// Everything downstream of a product, port, dataset or column, with owners and contacts.
    Impact {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Quality check outcomes (dbt, Great Expectations, Soda, OpenLineage assertions).
    Quality {
        /// A product, contract, domain, dataset or check.
        id: Option<String>,
        /// Only checks whose newest outcome failed.
        #[arg(long)]
        failing: bool,
        /// Only outcomes at or after this date (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// History of a dataset's data-quality metrics (OpenLineage dataQualityMetrics facets).
    Metrics(quality::MetricsCommand),
    /// Show or change how long quality history is kept (applied after every import and sync).
    Retention(quality::RetentionCommand),
    /// Scorecards per product: pass rate, failing checks, SLA breaches, policy violations.
    Scorecard {
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check products against governance policies (exit 1 when a violation has severity `error`).
    Check {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Check every product.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write the steward report: one self-contained HTML file.
    Report {
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        out: String,
        /// Replace FILE if it exists (never through a symbolic link); without it an existing file is an error.
        #[arg(long)]
        force: bool,
    },
    /// Check the data directory (cache, search index, lineage, sources, disk space); with --repair, rebuild
    /// what is derived, even the cache, keeping drafts, the outbox and tokens. Exit 1 when problems remain.
    Doctor {
        #[arg(long)]
        repair: bool,
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks on generated meshes (see docs/benchmarks.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    #[command(flatten)]
    Edit(draft::EditCommand),
    /// Print a shell completion script (bash, zsh or fish) on stdout.
    Completions {
        #[arg(value_enum)]
        shell: install::CompletionShell,
    },
    /// Write the man pages (meshlens.1 and one per subcommand) into a folder.
    #[command(name = "man")]
    ManPages(install::ManArgs),
    #[command(flatten)]
    History(history::HistoryCommand),
    #[command(flatten)]
    Mesh(mesh::MeshCommand),
    /// Run a facade command by name with JSON arguments, exactly as the desktop UI does.
    Call {
        command: String,
        /// JSON arguments (default `{}`).
        args: Option<String>,
    },
}

#[derive(Subcommand)]
enum SourceCommand {
    /// Register a source.
    Add(SourceAddArgs),
    /// List sources and their last sync.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a source and everything cached from it (its history stays unless --forget-history).
    Remove {
        name: String,
        /// Also delete the versions its syncs recorded.
        #[arg(long)]
        forget_history: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SourceKindArg {
    Folder,
    Git,
    /// OpenMetadata server (token: a JWT, see `meshlens auth set`).
    #[value(name = "openmetadata")]
    OpenMetadata,
    /// DataHub (token: a personal access token).
    #[value(name = "datahub")]
    DataHub,
    /// Marquez (read-only; a token only if the server requires one).
    Marquez,
    /// Entropy Data (token: an API key).
    Entropy,
}

#[derive(Clone, Copy, ValueEnum)]
enum LevelArg {
    Dataset,
    Column,
    Product,
}

impl From<LevelArg> for LineageLevel {
    fn from(level: LevelArg) -> LineageLevel {
        match level {
            LevelArg::Dataset => LineageLevel::Dataset,
            LevelArg::Column => LineageLevel::Column,
            LevelArg::Product => LineageLevel::Product,
        }
    }
}

#[derive(Args)]
struct SourceAddArgs {
    name: String,
    #[arg(long, value_enum)]
    kind: SourceKindArg,
    /// Folder to read (kind folder).
    #[arg(long, required_if_eq("kind", "folder"))]
    path: Option<PathBuf>,
    /// Repository URL or local path (kind git); the server's base URL (openmetadata, datahub, marquez, entropy).
    #[arg(long, required_if_eq_any([("kind", "git"), ("kind", "openmetadata"), ("kind", "datahub"), ("kind", "marquez"), ("kind", "entropy")]))]
    url: Option<String>,
    /// Branch to read (kind git; default: the remote's default branch).
    #[arg(long)]
    branch: Option<String>,
    #[arg(long)]
    json: bool,
}

/// The generated mesh a benchmark runs on.
#[derive(Args)]
struct GeneratedMesh {
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
enum BenchCommand {
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

#[derive(Subcommand)]
enum DemoCommand {
    /// Write a deterministic synthetic mesh (for benchmarks).
    Generate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        products: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("MESHLENS_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            output::print_error(&err);
            ExitCode::FAILURE
        }
    }
}

async fn open_app(data_dir: Option<PathBuf>) -> Result<App, AppError> {
    App::open(AppConfig::from_env(data_dir)?).await
}

async fn run(cli: Cli) -> Result<ExitCode, AppError> {
    match cli.command {
        Command::Source(SourceCommand::Add(args)) => {
            let kind = match args.kind {
                SourceKindArg::Folder => SourceKind::Folder {
                    path: meshlens_app::absolute_path(args.path.unwrap_or_default()),
                },
                SourceKindArg::Git => SourceKind::Git {
                    url: git_url(args.url.unwrap_or_default()),
                    branch: args.branch,
                },
                SourceKindArg::OpenMetadata => SourceKind::OpenMetadata {
                    url: args.url.unwrap_or_default(),
                },
                SourceKindArg::DataHub => SourceKind::DataHub {
                    url: args.url.unwrap_or_default(),
                },
                SourceKindArg::Marquez => SourceKind::Marquez {
                    url: args.url.unwrap_or_default(),
                },
                SourceKindArg::Entropy => SourceKind::Entropy {
                    url: args.url.unwrap_or_default(),
                },
            };
            let app = open_app(cli.data_dir).await?;
            let record = app
                .add_source(
                    SourceConfig {
                        name: args.name,
                        kind,
                    },
                    &NoEvents,
                )
                .await?;
            if args.json {
                output::print_json(&record);
            } else {
                output::say!(
                    "added source `{}`; run `meshlens sync {}` to read it",
                    record.config.name,
                    record.config.name
                );
            }
        }
        Command::Auth(command) => auth::run(command, open_app(cli.data_dir).await?).await?,
        Command::Source(SourceCommand::List { json }) => {
            let app = open_app(cli.data_dir).await?;
            let sources = app.list_sources(NoArgs::default(), &NoEvents).await?;
            output::show(json, sources.as_slice(), output::print_sources);
        }
        Command::Source(SourceCommand::Remove {
            name,
            forget_history,
        }) => {
            let app = open_app(cli.data_dir).await?;
            let args = RemoveSourceArgs {
                name: name.clone(),
                forget_history,
            };
            app.remove_source(args, &NoEvents).await?;
            output::say!("removed source `{name}` and everything cached from it");
        }
        Command::Sync { names, full, json } => {
            let app = open_app(cli.data_dir).await?;
            let bar = progress::SyncProgressBar::new(!json);
            let report = app.sync(SyncArgs { names, full }, &bar).await?;
            bar.finish();
            output::show(json, &report, output::print_sync_report);
            return Ok(exit_code(report.any_unreadable()));
        }
        Command::Products { domain, json } => {
            let app = open_app(cli.data_dir).await?;
            let products = app
                .list_products(ListProductsArgs { domain }, &NoEvents)
                .await?;
            output::show(json, products.as_slice(), output::print_products);
        }
        Command::Show { id, json } => {
            let app = open_app(cli.data_dir).await?;
            let product = app.get_product(GetProductArgs { id }, &NoEvents).await?;
            output::show(json, &product, output::print_product);
        }
        Command::Owners { id, json } => {
            let app = open_app(cli.data_dir).await?;
            let ownership = app.owners(GetProductArgs { id }, &NoEvents).await?;
            output::show(json, &ownership, output::print_owners);
        }
        Command::Consumers { id, json } => {
            let app = open_app(cli.data_dir).await?;
            let consumers = app.consumers(GetProductArgs { id }, &NoEvents).await?;
            output::show(json, consumers.as_slice(), output::print_consumers);
        }
        Command::Validate { files, json } => {
            // Validation reads files only: it needs no data directory.
            let reports = meshlens_app::validate_paths(&files)?;
            output::show(json, reports.as_slice(), output::print_validation);
            return Ok(exit_code(reports.iter().any(|r| !r.valid)));
        }
        Command::Upgrade {
            files,
            to,
            out,
            draft,
            json,
        } => {
            let app = open_app(cli.data_dir).await?;
            let args = meshlens_app::UpgradeArgs {
                files,
                ids: Vec::new(),
                to,
                out,
                draft,
            };
            let reports = app.upgrade(args, &NoEvents).await?;
            output::show(json, reports.as_slice(), output::print_upgrades);
            return Ok(exit_code(reports.iter().any(|r| !r.succeeded())));
        }
        Command::Demo { command: None } => {
            let app = open_app(cli.data_dir).await?;
            let bar = progress::SyncProgressBar::new(true);
            let report = app.open_demo(NoArgs::default(), &bar).await?;
            bar.finish();
            output::print_sync_report(&report);
            return Ok(exit_code(report.any_unreadable()));
        }
        Command::Demo {
            command:
                Some(DemoCommand::Generate {
                    out,
                    products,
                    seed,
                    json,
                }),
        } => {
            let options = meshlens_app::demo::GenerateOptions {
                out,
                products,
                seed,
            };
            let summary = meshlens_app::demo::generate(&options)
                .map_err(|err| AppError::new(meshlens_app::ErrorCode::Io, err.to_string()))?;
            if json {
                output::print_json(&summary);
            } else {
                println!("{summary:#?}");
            }
        }
        Command::Search {
            query,
            kind,
            domain,
            tag,
            owner,
            status,
            classification,
            sensitivity,
            limit,
            json,
        } => {
            let app = open_app(cli.data_dir).await?;
            let args = SearchArgs {
                query,
                kind,
                domain,
                tag,
                owner,
                status,
                classification,
                sensitivity,
                limit: Some(limit),
                offset: None,
            };
            let results = app.search(args, &NoEvents).await?;
            output::show(json, &results, output::print_search);
        }
        Command::Reindex { json } => {
            let app = open_app(cli.data_dir).await?;
            let stats = app.reindex(NoArgs::default(), &NoEvents).await?;
            if json {
                output::print_json(&stats);
            } else {
                output::say!(
                    "search index rebuilt: {} documents in {} ms",
                    stats.total,
                    stats.millis
                );
            }
        }
        Command::Quality {
            id,
            failing,
            since,
            json,
        } => {
            let app = open_app(cli.data_dir).await?;
            let report = app
                .quality(QualityArgs { id, failing, since }, &NoEvents)
                .await?;
            output::show(json, &report, output::print_quality);
        }
        Command::Metrics(cmd) => quality::metrics(&open_app(cli.data_dir).await?, cmd).await?,
        Command::Retention(cmd) => quality::retention(&open_app(cli.data_dir).await?, cmd).await?,
        Command::Scorecard { domain, json } => {
            let app = open_app(cli.data_dir).await?;
            let cards = app.scorecard(ScorecardArgs { domain }, &NoEvents).await?;
            output::show(json, cards.as_slice(), output::print_scorecards);
        }
        Command::Check { id, all: _, json } => {
            let app = open_app(cli.data_dir).await?;
            let report = app.check(CheckArgs { id }, &NoEvents).await?;
            output::show(json, &report, output::print_check);
            return Ok(exit_code(report.has_errors()));
        }
        Command::Report { domain, out, force } => {
            let app = open_app(cli.data_dir).await?;
            let written = app
                .report(ReportArgs { domain, out, force }, &NoEvents)
                .await?;
            output::say!("wrote {} ({} bytes)", written.out, written.bytes);
        }
        Command::Import { path, json } => {
            let app = open_app(cli.data_dir).await?;
            let report = app.import(ImportArgs { path }, &NoEvents).await?;
            output::show(json, &report, output::print_import);
        }
        Command::Lineage {
            id,
            upstream,
            downstream,
            level,
            json,
            dot,
        } => {
            let app = open_app(cli.data_dir).await?;
            let args = LineageArgs {
                id,
                upstream,
                downstream,
                level: level.into(),
            };
            let graph = app.lineage(args, &NoEvents).await?;
            if json {
                output::print_json(&graph);
            } else if dot {
                print!("{}", output::terminal_safe(&meshlens_app::to_dot(&graph)));
            } else {
                output::print_lineage(&graph);
            }
        }
        Command::Impact { id, json } => {
            let app = open_app(cli.data_dir).await?;
            let report = app.impact(ImpactArgs { id }, &NoEvents).await?;
            output::show(json, &report, output::print_impact);
        }
        Command::Bench(BenchCommand::Sync { mesh, json }) => {
            let report =
                meshlens_app::bench::bench_sync(&mesh.dir(), mesh.products, mesh.seed).await?;
            if json {
                output::print_json(&report);
            } else {
                println!("{report:#?}");
            }
        }
        Command::Bench(BenchCommand::Validate {
            mesh,
            contracts,
            rounds,
            json,
        }) => {
            let (dir, products, seed) = (mesh.dir(), mesh.products, mesh.seed);
            let report = meshlens_app::bench::validate::bench_validate(
                &dir, products, seed, contracts, rounds,
            )?;
            if json {
                output::print_json(&report);
            } else {
                println!("{report:#?}");
            }
        }
        Command::Bench(BenchCommand::History {
            mesh,
            samples,
            json,
        }) => {
            let (dir, products, seed) = (mesh.dir(), mesh.products, mesh.seed);
            let report =
                meshlens_app::bench::history::bench_history(&dir, products, seed, samples).await?;
            if json {
                output::print_json(&report);
            } else {
                println!("{report:#?}");
            }
        }
        Command::Bench(BenchCommand::Access {
            agreements,
            samples,
            json,
        }) => {
            let app = open_app(cli.data_dir).await?;
            let report = meshlens_app::bench::bench_access(&app, agreements, samples).await?;
            if json {
                output::print_json(&report);
            } else {
                println!("{report:#?}");
            }
        }
        Command::Bench(BenchCommand::Mesh { samples, json }) => {
            let app = open_app(cli.data_dir).await?;
            let report = meshlens_app::bench::mesh::bench_mesh(&app, samples).await?;
            if json {
                output::print_json(&report);
            } else {
                println!("{report:#?}");
            }
        }
        Command::Bench(BenchCommand::DraftCheck { samples, dir, json }) => {
            let dir =
                dir.unwrap_or_else(|| std::env::temp_dir().join("meshlens-bench-draft-check"));
            let report = meshlens_app::bench::draft_check::bench_draft_check(&dir, samples).await?;
            if json {
                output::print_json(&report);
            } else {
                println!("{report:#?}");
            }
        }
        Command::Bench(BenchCommand::Typing {
            words,
            rounds,
            json,
        }) => {
            let app = open_app(cli.data_dir).await?;
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
        Command::Doctor { repair, json } => return doctor::run(cli.data_dir, repair, json).await,
        Command::Edit(command) => return draft::run(command, open_app(cli.data_dir).await?).await,
        Command::History(command) => history::run(command, open_app(cli.data_dir).await?).await?,
        Command::Mesh(command) => mesh::run(command, open_app(cli.data_dir).await?).await?,
        Command::Access(command) => {
            return access::run(command, open_app(cli.data_dir).await?).await;
        }
        Command::Completions { shell } => install::print_completions(shell)?,
        Command::ManPages(args) => {
            let pages = install::write_man_pages(&args.out)?;
            output::say!("wrote {pages} man pages to {}", args.out.display());
        }
        Command::Call { command, args } => {
            let args: serde_json::Value = match args {
                Some(text) => serde_json::from_str(&text).map_err(|err| {
                    AppError::new(
                        meshlens_app::ErrorCode::InvalidArgs,
                        format!("the arguments are not JSON: {err}"),
                    )
                })?,
                None => serde_json::Value::Null,
            };
            let app = open_app(cli.data_dir).await?;
            let result = app.dispatch(&command, args, &NoEvents).await?;
            output::print_json(&result);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit 1 when the command ran but found a failure (an invalid file, an unreadable source, an error-severity violation).
fn exit_code(failed: bool) -> ExitCode {
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `meshlens products | head` must end quietly when `head` closes the pipe, as other Unix tools do;
/// Rust ignores SIGPIPE by default, which turns the closed pipe into a panic in `println!`.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// A git "URL" that is a local folder becomes absolute, so the source keeps working from any directory.
fn git_url(url: String) -> String {
    let path = PathBuf::from(&url);
    if !url.contains("://") && !url.contains('@') && path.exists() {
        meshlens_app::absolute_path(path).display().to_string()
    } else {
        url
    }
}
