//! `meshlens`: the command line over the app facade, for scripts, CI and tests.
//!
//! Contract: `--json` prints one JSON document on stdout; human output goes to stdout, progress and
//! errors to stderr. Exit codes: 0 success, 1 failure (or invalid files for `validate`), 2 usage error.

mod access;
mod auth;
mod bench;
mod doctor;
mod draft;
mod history;
mod install;
mod mesh;
mod output;
mod progress;
mod quality;
mod source;

/// Parsing, JSON and indexing allocate small objects by the million; mimalloc does that far faster than
/// glibc malloc (measured in docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use meshlens_app::{
    App, AppConfig, AppError, CheckArgs, GetProductArgs, ImpactArgs, ImportArgs, LineageArgs,
    LineageLevel, ListProductsArgs, NoArgs, NoEvents, QualityArgs, ReportArgs, ScorecardArgs,
    SearchArgs, SyncArgs,
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
    Source(source::SourceCommand),
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
    Bench(bench::BenchCommand),
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

pub(crate) async fn open_app(data_dir: Option<PathBuf>) -> Result<App, AppError> {
    App::open(AppConfig::from_env(data_dir)?).await
}

async fn run(cli: Cli) -> Result<ExitCode, AppError> {
    match cli.command {
        Command::Source(command) => source::run(command, cli.data_dir).await?,
        Command::Auth(command) => auth::run(command, open_app(cli.data_dir).await?).await?,
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
        Command::Bench(command) => bench::run(command, cli.data_dir).await?,
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
