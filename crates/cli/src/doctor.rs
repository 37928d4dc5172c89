//! `meshlens doctor [--repair] [--json]`: runs on the data directory itself, not through an opened app,
//! so it still explains (and repairs) a cache that no other command can open.

use std::path::PathBuf;
use std::process::ExitCode;

use meshlens_app::{AppConfig, AppError, CheckStatus, DoctorReport};

use crate::output;

/// Exit 0 when healthy or repaired, 1 when a problem remains.
pub async fn run(
    data_dir: Option<PathBuf>,
    repair: bool,
    json: bool,
) -> Result<ExitCode, AppError> {
    let config = AppConfig::from_env(data_dir)?;
    let report = meshlens_app::doctor_data_dir(&config, repair).await;
    output::show(json, &report, print_report);
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_report(report: &DoctorReport) {
    for check in &report.checks {
        let status = match check.status {
            CheckStatus::Ok => "ok",
            CheckStatus::Warn => "warn",
            CheckStatus::Error => "ERROR",
            CheckStatus::Repaired => "repaired",
        };
        output::say!("{status:>8}  {}: {}", check.name, check.detail);
    }
    if report.ok {
        output::say!("\nthe data directory is healthy");
    } else {
        output::say!(
            "\nproblems remain; `meshlens doctor --repair` rebuilds what is derived (drafts and the outbox are kept)"
        );
    }
}
