//! `meshlens import|lineage|impact`: OpenLineage events in, the lineage graph and what is downstream out.

use clap::{Subcommand, ValueEnum};
use meshlens_app::{
    App, AppError, ImpactArgs, ImportArgs, LineageArgs, LineageLevel, NoEvents, to_dot,
};

use crate::output;

#[derive(Subcommand)]
pub enum LineageCommand {
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
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LevelArg {
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

pub async fn run(command: LineageCommand, app: App) -> Result<(), AppError> {
    match command {
        LineageCommand::Import { path, json } => {
            let report = app.import(ImportArgs { path }, &NoEvents).await?;
            output::show(json, &report, output::print_import);
        }
        LineageCommand::Lineage {
            id,
            upstream,
            downstream,
            level,
            json,
            dot,
        } => {
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
                print!("{}", output::terminal_safe(&to_dot(&graph)));
            } else {
                output::print_lineage(&graph);
            }
        }
        LineageCommand::Impact { id, json } => {
            let report = app.impact(ImpactArgs { id }, &NoEvents).await?;
            output::show(json, &report, output::print_impact);
        }
    }
    Ok(())
}
