//! `meshlens demo`: the bundled demo mesh, or a generated one.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use meshlens_app::demo::{GenerateOptions, generate};
use meshlens_app::{AppError, ErrorCode, NoArgs};

use crate::{exit_code, open_app, output, progress};

#[derive(Subcommand)]
pub enum DemoCommand {
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

pub async fn run(
    command: Option<DemoCommand>,
    data_dir: Option<PathBuf>,
) -> Result<ExitCode, AppError> {
    let Some(DemoCommand::Generate {
        out,
        products,
        seed,
        json,
    }) = command
    else {
        return open_bundled(data_dir).await;
    };
    let options = GenerateOptions {
        out,
        products,
        seed,
    };
    let summary =
        generate(&options).map_err(|err| AppError::new(ErrorCode::Io, err.to_string()))?;
    if json {
        output::print_json(&summary);
    } else {
        println!("{summary:#?}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Registers and syncs the bundled demo mesh.
async fn open_bundled(data_dir: Option<PathBuf>) -> Result<ExitCode, AppError> {
    let app = open_app(data_dir).await?;
    let bar = progress::SyncProgressBar::new(true);
    let report = app.open_demo(NoArgs::default(), &bar).await?;
    bar.finish();
    output::print_sync_report(&report);
    Ok(exit_code(report.any_unreadable()))
}
