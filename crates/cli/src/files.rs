//! `meshlens validate|upgrade`: descriptor files checked against the official schemas, and older
//! standards rewritten as the current ones.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use meshlens_app::{AppError, NoEvents, UpgradeArgs};

use crate::{exit_code, open_app, output};

#[derive(Subcommand)]
pub enum FilesCommand {
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
}

pub async fn run(command: FilesCommand, data_dir: Option<PathBuf>) -> Result<ExitCode, AppError> {
    match command {
        FilesCommand::Validate { files, json } => {
            // Validation reads files only: it needs no data directory.
            let reports = meshlens_app::validate_paths(&files)?;
            output::show(json, reports.as_slice(), output::print_validation);
            Ok(exit_code(reports.iter().any(|r| !r.valid)))
        }
        FilesCommand::Upgrade {
            files,
            to,
            out,
            draft,
            json,
        } => {
            let app = open_app(data_dir).await?;
            let args = UpgradeArgs {
                files,
                ids: Vec::new(),
                to,
                out,
                draft,
            };
            let reports = app.upgrade(args, &NoEvents).await?;
            output::show(json, reports.as_slice(), output::print_upgrades);
            Ok(exit_code(reports.iter().any(|r| !r.succeeded())))
        }
    }
}
