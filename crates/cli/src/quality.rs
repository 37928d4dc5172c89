//! `meshlens metrics` and `meshlens retention`: the quality commands beyond `quality`, `scorecard`
//! and `check`.

use clap::Args;
use meshlens_app::{
    App, AppError, DatasetMetrics, NoEvents, QualityMetricsArgs, Retention, RetentionArgs,
};

use crate::output::{self, say};

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

pub async fn metrics(app: &App, cmd: MetricsCommand) -> Result<(), AppError> {
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

pub async fn retention(app: &App, cmd: RetentionCommand) -> Result<(), AppError> {
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
