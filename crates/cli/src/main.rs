//! `meshlens`: the command line over the app facade, for scripts, CI and tests.
//!
//! Contract: `--json` prints one JSON document on stdout; human output goes to stdout, progress and
//! errors to stderr. Exit codes: 0 success, 1 failure (or invalid files for `validate`), 2 usage error.

mod access;
mod auth;
mod bench;
mod catalog;
mod demo;
mod doctor;
mod draft;
mod files;
mod history;
mod install;
mod lineage;
mod mesh;
mod output;
mod progress;
mod quality;
mod search;
mod source;

/// Parsing, JSON and indexing allocate small objects by the million; mimalloc does that far faster than
/// glibc malloc (measured in docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use meshlens_app::{App, AppConfig, AppError, ErrorCode, NoEvents, SyncArgs};

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
    #[command(flatten)]
    Catalog(catalog::CatalogCommand),
    /// Request access to an output port, withdraw a request, list requests and agreements.
    #[command(subcommand)]
    Access(access::AccessCommand),
    #[command(flatten)]
    Files(files::FilesCommand),
    /// Register and sync the bundled demo mesh, or generate a synthetic one.
    Demo {
        #[command(subcommand)]
        command: Option<demo::DemoCommand>,
    },
    #[command(flatten)]
    Search(search::SearchCommand),
    #[command(flatten)]
    Lineage(lineage::LineageCommand),
    #[command(flatten)]
    Quality(quality::QualityCommand),
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
    let data_dir = cli.data_dir;
    match cli.command {
        Command::Source(command) => source::run(command, data_dir).await?,
        Command::Auth(command) => auth::run(command, open_app(data_dir).await?).await?,
        Command::Sync { names, full, json } => return sync(data_dir, names, full, json).await,
        Command::Catalog(command) => catalog::run(command, open_app(data_dir).await?).await?,
        Command::Access(command) => return access::run(command, open_app(data_dir).await?).await,
        Command::Files(command) => return files::run(command, data_dir).await,
        Command::Demo { command } => return demo::run(command, data_dir).await,
        Command::Search(command) => search::run(command, open_app(data_dir).await?).await?,
        Command::Lineage(command) => lineage::run(command, open_app(data_dir).await?).await?,
        Command::Quality(command) => {
            return quality::run(command, open_app(data_dir).await?).await;
        }
        Command::Doctor { repair, json } => return doctor::run(data_dir, repair, json).await,
        Command::Bench(command) => bench::run(command, data_dir).await?,
        Command::Edit(command) => return draft::run(command, open_app(data_dir).await?).await,
        Command::Completions { shell } => install::print_completions(shell)?,
        Command::ManPages(args) => {
            let pages = install::write_man_pages(&args.out)?;
            output::say!("wrote {pages} man pages to {}", args.out.display());
        }
        Command::History(command) => history::run(command, open_app(data_dir).await?).await?,
        Command::Mesh(command) => mesh::run(command, open_app(data_dir).await?).await?,
        Command::Call { command, args } => call(data_dir, &command, args.as_deref()).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn sync(
    data_dir: Option<PathBuf>,
    names: Vec<String>,
    full: bool,
    json: bool,
) -> Result<ExitCode, AppError> {
    let app = open_app(data_dir).await?;
    let bar = progress::SyncProgressBar::new(!json);
    let report = app.sync(SyncArgs { names, full }, &bar).await?;
    bar.finish();
    output::show(json, &report, output::print_sync_report);
    Ok(exit_code(report.any_unreadable()))
}

/// `meshlens call`: a facade command by name, its JSON arguments and answer as the desktop has them.
async fn call(
    data_dir: Option<PathBuf>,
    command: &str,
    args: Option<&str>,
) -> Result<(), AppError> {
    let args: serde_json::Value = match args {
        Some(text) => serde_json::from_str(text).map_err(|err| {
            AppError::new(
                ErrorCode::InvalidArgs,
                format!("the arguments are not JSON: {err}"),
            )
        })?,
        None => serde_json::Value::Null,
    };
    let app = open_app(data_dir).await?;
    let result = app.dispatch(command, args, &NoEvents).await?;
    output::print_json(&result);
    Ok(())
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
