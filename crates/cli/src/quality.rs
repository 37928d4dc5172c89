//! `meshlens quality|metrics|retention|scorecard|check|report`: check outcomes, data-quality metrics,
//! scorecards, governance policies and the steward report.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use meshlens_app::{
    App, AppError, CheckArgs, DatasetMetrics, NoEvents, QualityArgs, QualityMetricsArgs,
    ReportArgs, Retention, RetentionArgs, ScorecardArgs,
};

use crate::exit_code;
use crate::output::{self, say};

#[derive(Subcommand)]
pub enum QualityCommand {
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
    Metrics(MetricsCommand),
    /// Show or change how long quality history is kept (applied after every import and sync).
    Retention(RetentionCommand),
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
}

pub async fn run(command: QualityCommand, app: App) -> Result<ExitCode, AppError> {
    match command {
        QualityCommand::Quality {
            id,
            failing,
            since,
            json,
        } => {
            let args = QualityArgs { id, failing, since };
            let report = app.quality(args, &NoEvents).await?;
            output::show(json, &report, output::print_quality);
        }
        QualityCommand::Metrics(cmd) => metrics(&app, cmd).await?,
        QualityCommand::Retention(cmd) => retention(&app, cmd).await?,
        QualityCommand::Scorecard { domain, json } => {
            let cards = app.scorecard(ScorecardArgs { domain }, &NoEvents).await?;
            output::show(json, cards.as_slice(), output::print_scorecards);
        }
        QualityCommand::Check { id, all: _, json } => {
            let report = app.check(CheckArgs { id }, &NoEvents).await?;
            output::show(json, &report, output::print_check);
            return Ok(exit_code(report.has_errors()));
        }
        QualityCommand::Report { domain, out, force } => {
            let args = ReportArgs { domain, out, force };
            let written = app.report(args, &NoEvents).await?;
            say!("wrote {} ({} bytes)", written.out, written.bytes);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct MetricsCommand {
    /// An OpenLineage dataset (`namespace:name` or name), a contract dataset or a contract id.
    dataset: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct RetentionCommand {
    /// Drop outcomes older than this many days (0: no age limit).
    #[arg(long, value_name = "DAYS")]
    max_age_days: Option<u32>,
    /// Keep at most this many outcomes per check (0: no limit).
    #[arg(long, value_name = "N")]
    max_results_per_check: Option<u32>,
    #[arg(long)]
    json: bool,
}

async fn metrics(app: &App, cmd: MetricsCommand) -> Result<(), AppError> {
    let metrics = app
        .quality_metrics(
            QualityMetricsArgs {
                dataset: cmd.dataset,
            },
            &NoEvents,
        )
        .await?;
    output::show(cmd.json, &metrics, print_metrics);
    Ok(())
}

async fn retention(app: &App, cmd: RetentionCommand) -> Result<(), AppError> {
    let args = RetentionArgs {
        max_age_days: cmd.max_age_days,
        max_results_per_check: cmd.max_results_per_check,
    };
    let retention = app.quality_retention(args, &NoEvents).await?;
    output::show(cmd.json, &retention, print_retention);
    Ok(())
}

fn number<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn print_metrics(m: &DatasetMetrics) {
    if m.points.is_empty() && m.columns.is_empty() {
        say!("no data-quality metrics recorded for {}", m.dataset);
        return;
    }
    let rows: Vec<Vec<String>> = m
        .points
        .iter()
        .map(|p| {
            vec![
                p.at.clone(),
                p.reported_as.clone(),
                number(p.row_count),
                number(p.bytes),
                number(p.file_count),
            ]
        })
        .collect();
    if !rows.is_empty() {
        output::print_table(&["AT", "DATASET", "ROWS", "BYTES", "FILES"], &rows);
    }
    for column in &m.columns {
        say!("\n{}", column.column);
        let rows: Vec<Vec<String>> = column
            .points
            .iter()
            .map(|p| {
                vec![
                    p.at.clone(),
                    number(p.null_count),
                    number(p.distinct_count),
                    number(p.min),
                    number(p.max),
                ]
            })
            .collect();
        output::print_table(&["AT", "NULLS", "DISTINCT", "MIN", "MAX"], &rows);
    }
}

fn print_retention(r: &Retention) {
    let age = r
        .max_age_days
        .map_or_else(|| "no age limit".to_owned(), |d| format!("{d} days"));
    let count = r.max_results_per_check.map_or_else(
        || "no limit per check".to_owned(),
        |n| format!("at most {n} outcomes per check"),
    );
    say!("quality history kept: {age}, {count} (the newest outcome of a check always stays)");
}
