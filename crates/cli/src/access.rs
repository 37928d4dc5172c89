//! `meshlens access request|cancel|list`: requesting access to a product's output port and
//! following requests and agreements.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use meshlens_app::{
    AccessEntry, AccessListArgs, AccessRef, AccessRequestArgs, AccessRequested, App, AppError,
    NoEvents, OutboxStatus,
};

use crate::output::{self, say};

#[derive(Subcommand)]
pub enum AccessCommand {
    /// Request access to an output port; the request waits in the outbox (offline too) and is
    /// delivered to the product's source as access/<id>.yaml (exit 1 when the source refused it).
    Request(RequestFlags),
    /// Withdraw a request that was not delivered yet.
    Cancel {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Access requests and agreements across all sources, with their status.
    List {
        /// Only requests made from this machine.
        #[arg(long)]
        mine: bool,
        #[arg(long)]
        product: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

// No doc comment: the `access request` command's help is the variant's.
#[derive(Args)]
pub struct RequestFlags {
    product: String,
    #[arg(long)]
    port: String,
    #[arg(long)]
    purpose: String,
    /// The consuming team, or a product id.
    #[arg(long)]
    consumer: String,
    /// Columns of the port's contract (default: the whole port).
    #[arg(long, value_delimiter = ',')]
    columns: Vec<String>,
    /// End date (YYYY-MM-DD); required on a restricted port.
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    #[arg(long)]
    json: bool,
}

impl RequestFlags {
    fn args(self) -> AccessRequestArgs {
        AccessRequestArgs {
            product: self.product,
            port: self.port,
            purpose: self.purpose,
            consumer: self.consumer,
            columns: self.columns,
            until: self.until,
        }
    }
}

pub async fn run(command: AccessCommand, app: App) -> Result<ExitCode, AppError> {
    match command {
        AccessCommand::Request(flags) => {
            let json = flags.json;
            let outcome = app.access_request(flags.args(), &NoEvents).await?;
            output::show(json, &outcome, print_requested);
            return Ok(crate::exit_code(
                outcome.item.status == OutboxStatus::Failed,
            ));
        }
        AccessCommand::Cancel { id, json } => {
            let cancelled = app.access_cancel(AccessRef { id }, &NoEvents).await?;
            output::show(json, &cancelled, |e| {
                say!(
                    "withdrew access request {} on {}/{}",
                    e.id,
                    e.product,
                    e.port
                )
            });
        }
        AccessCommand::List {
            mine,
            product,
            json,
        } => {
            let entries = app
                .access_list(AccessListArgs { mine, product }, &NoEvents)
                .await?;
            output::show(json, entries.as_slice(), print_entries);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_requested(outcome: &AccessRequested) {
    let (request, item) = (&outcome.request, &outcome.item);
    if let Some(link) = &outcome.email {
        say!(
            "prepared access request {} to {}/{} for {} as an e-mail to the product's owners \
             (its source takes no request files): open this link in your mail program and send it\n{}",
            request.id,
            request.product,
            request.port,
            request.consumer,
            link
        );
        return;
    }
    match item.status {
        OutboxStatus::Submitted => say!(
            "requested access {} to {}/{} for {}: {}",
            request.id,
            request.product,
            request.port,
            request.consumer,
            item.receipt.as_deref().unwrap_or("delivered")
        ),
        OutboxStatus::Failed => say!(
            "access request {} was refused by source {}: {}",
            request.id,
            item.source,
            item.reason.as_deref().unwrap_or_default()
        ),
        _ => say!(
            "access request {} is queued (outbox item {}); source {} is not reachable ({}), it will be retried \
             (`meshlens outbox`)",
            request.id,
            item.id,
            item.source,
            item.reason.as_deref().unwrap_or("not tried yet")
        ),
    }
}

fn print_entries(entries: &[AccessEntry]) {
    if entries.is_empty() {
        say!("no access requests or agreements");
        return;
    }
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.id.clone(),
                format!("{}/{}", e.product, e.port),
                e.consumer.clone(),
                e.status.as_str().to_owned(),
                dash(&e.until),
                e.target.clone(),
                e.purpose.clone(),
            ]
        })
        .collect();
    output::print_table(
        &[
            "ID", "PORT", "CONSUMER", "STATUS", "UNTIL", "TARGET", "PURPOSE",
        ],
        &rows,
    );
}
