//! `meshlens draft …`, `submit`, `outbox …` and `conflict resolve`: editing descriptors and sending
//! them to their source.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use meshlens_app::{
    App, AppError, ConflictResolution, ConflictResolveArgs, Draft, DraftCheck, DraftEditArgs,
    DraftKind, DraftNewArgs, DraftRef, ErrorCode, NoArgs, NoEvents, OutboxItem, OutboxRef,
    OutboxStatus, SubmitOutcome, Take,
};

use crate::output::{self, say};

#[derive(Subcommand)]
pub enum EditCommand {
    /// Drafts of products and contracts: new, edit, list, diff, check.
    #[command(subcommand)]
    Draft(DraftCommand),
    /// Check a draft and send it to its source through the outbox (exit 1 on a conflict or failure).
    Submit {
        draft: i64,
        #[arg(long)]
        json: bool,
    },
    /// Submitted change-sets and their status (delivers the ones that are due first).
    Outbox {
        #[command(subcommand)]
        command: Option<OutboxCommand>,
        #[arg(long, global = true)]
        json: bool,
    },
    /// Settle conflicts between a draft and upstream.
    #[command(subcommand)]
    Conflict(ConflictCommand),
}

#[derive(Subcommand)]
pub enum DraftCommand {
    /// Start a draft from a template or from a product in the cache.
    New {
        #[arg(
            long,
            value_enum,
            required_unless_present = "from",
            conflicts_with = "from"
        )]
        template: Option<TemplateArg>,
        /// Id of the new product or contract (with --template).
        #[arg(long, requires = "template")]
        id: Option<String>,
        /// A product (or contract) id to edit.
        #[arg(long)]
        from: Option<String>,
        /// Source a new document goes to (default: the only source).
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Replace a draft's text with a file, or set fields by dotted path.
    Edit {
        draft: i64,
        #[arg(long, required_unless_present = "set", conflicts_with = "set")]
        file: Option<String>,
        /// PATH=VALUE, e.g. description.purpose="Daily revenue" (repeatable).
        #[arg(long, num_args = 1..)]
        set: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every draft and its state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A draft against its base, field by field and as text.
    Diff { draft: i64 },
    /// Schema, governance policies and impact of a draft (exit 1 when it cannot be submitted).
    Check {
        draft: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TemplateArg {
    Product,
    Contract,
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Try a queued or failed item now.
    Retry { id: i64 },
    /// Drop an item that was not delivered.
    Cancel { id: i64 },
}

#[derive(Subcommand)]
pub enum ConflictCommand {
    /// Take my value or upstream's, for one field or every conflicting field.
    Resolve {
        draft: i64,
        #[arg(long, value_enum)]
        take: TakeArg,
        #[arg(long)]
        field: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TakeArg {
    Mine,
    Theirs,
}

pub async fn run(command: EditCommand, app: App) -> Result<ExitCode, AppError> {
    match command {
        EditCommand::Draft(DraftCommand::New {
            template,
            id,
            from,
            source,
            json,
        }) => {
            let args = DraftNewArgs {
                template: template.map(|t| match t {
                    TemplateArg::Product => DraftKind::Product,
                    TemplateArg::Contract => DraftKind::Contract,
                }),
                id,
                from,
                source,
            };
            let draft = app.draft_new(args, &NoEvents).await?;
            output::show(json, &draft, print_draft_saved);
        }
        EditCommand::Draft(DraftCommand::Edit {
            draft,
            file,
            set,
            json,
        }) => {
            let text = match file {
                Some(path) => Some(std::fs::read_to_string(&path).map_err(|err| {
                    AppError::new(ErrorCode::Io, format!("cannot read {path}: {err}"))
                })?),
                None => None,
            };
            let draft = app
                .draft_edit(DraftEditArgs { draft, text, set }, &NoEvents)
                .await?;
            output::show(json, &draft, print_draft_saved);
        }
        EditCommand::Draft(DraftCommand::List { json }) => {
            let drafts = app.draft_list(NoArgs::default(), &NoEvents).await?;
            output::show(json, drafts.as_slice(), print_drafts);
        }
        EditCommand::Draft(DraftCommand::Diff { draft }) => {
            let diff = app.draft_diff(DraftRef { draft }, &NoEvents).await?;
            for field in &diff.fields {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref().map_or("-".to_string(), |v| v.to_string())
                };
                say!(
                    "{:<8} {}: {} -> {}",
                    field.op,
                    field.path,
                    show(&field.old),
                    show(&field.new)
                );
            }
            if diff.fields.is_empty() {
                say!("no changes against the base");
            } else {
                say!();
                print!("{}", output::terminal_safe(&diff.text));
            }
        }
        EditCommand::Draft(DraftCommand::Check { draft, json }) => {
            let check = app.draft_check(DraftRef { draft }, &NoEvents).await?;
            output::show(json, &check, print_check);
            return Ok(crate::exit_code(!check.blocked.is_empty()));
        }
        EditCommand::Submit { draft, json } => {
            let outcome = app.submit(DraftRef { draft }, &NoEvents).await?;
            output::show(json, &outcome, print_submit);
            return Ok(crate::exit_code(matches!(
                outcome.item.status,
                OutboxStatus::Conflict | OutboxStatus::Failed
            )));
        }
        EditCommand::Outbox {
            command: None,
            json,
        } => {
            let items = app.outbox(NoArgs::default(), &NoEvents).await?;
            output::show(json, items.as_slice(), print_outbox);
        }
        EditCommand::Outbox {
            command: Some(OutboxCommand::Retry { id }),
            json,
        } => {
            let item = app.outbox_retry(OutboxRef { id }, &NoEvents).await?;
            output::show(json, std::slice::from_ref(&item), print_outbox);
        }
        EditCommand::Outbox {
            command: Some(OutboxCommand::Cancel { id }),
            json,
        } => {
            let item = app.outbox_cancel(OutboxRef { id }, &NoEvents).await?;
            output::show(json, std::slice::from_ref(&item), print_outbox);
        }
        EditCommand::Conflict(ConflictCommand::Resolve { draft, take, field }) => {
            let take = match take {
                TakeArg::Mine => Take::Mine,
                TakeArg::Theirs => Take::Theirs,
            };
            let resolution = app
                .conflict_resolve(ConflictResolveArgs { draft, take, field }, &NoEvents)
                .await?;
            print_resolution(&resolution);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_draft_saved(draft: &Draft) {
    say!(
        "draft {} ({} {}) saved, {}; next: `meshlens draft check {}` or `meshlens submit {}`",
        draft.id,
        draft.kind.as_str(),
        draft.entity_id,
        draft.state,
        draft.id,
        draft.id
    );
}

fn print_drafts(drafts: &[Draft]) {
    if drafts.is_empty() {
        say!(
            "no drafts; start one with `meshlens draft new --from PRODUCT_ID` or `--template product`"
        );
        return;
    }
    for d in drafts {
        say!(
            "{:>4}  {:<8}  {:<32}  {:<9}  {}  {}",
            d.id,
            d.kind.as_str(),
            d.entity_id,
            d.state,
            d.path.as_deref().unwrap_or("(new)"),
            d.updated_at
        );
    }
}

fn print_check(check: &DraftCheck) {
    if check.schema.errors.is_empty() {
        say!("schema: valid");
    }
    for issue in &check.schema.errors {
        say!(
            "schema {:?}: line {}, column {}: {}",
            issue.severity,
            issue.line,
            issue.column,
            issue.message
        );
    }
    for v in &check.policies {
        let severity = match (v.inherited, v.owner.as_deref()) {
            (false, _) => v.violation.severity.clone(),
            (true, Some(owner)) => format!("warning: already upstream, owned by {owner}"),
            (true, None) => "warning: already upstream".to_string(),
        };
        let v = &v.violation;
        say!(
            "policy {} [{severity}]: {} ({})",
            v.policy,
            v.message,
            v.path
        );
    }
    for e in &check.policy_errors {
        say!("policy file {}: {}", e.file, e.message);
    }
    for change in &check.impact.changes {
        let kind = if change.breaking {
            "BREAKING "
        } else {
            "compatible"
        };
        say!("{kind} {}", change.reason);
    }
    for p in &check.impact.affected {
        let contacts: Vec<&str> = p.contacts.iter().map(|c| c.channel.as_str()).collect();
        say!(
            "affects {} ({}), owner {}, contacts {}",
            p.id,
            p.name,
            p.owner_team.as_deref().unwrap_or("-"),
            if contacts.is_empty() {
                "-".to_string()
            } else {
                contacts.join(", ")
            }
        );
    }
    if check.blocked.is_empty() {
        say!("ready to submit");
    } else {
        say!("cannot be submitted:");
        for reason in &check.blocked {
            say!("  - {reason}");
        }
    }
}

fn print_submit(outcome: &SubmitOutcome) {
    let item = &outcome.item;
    match item.status {
        OutboxStatus::Submitted => say!(
            "submitted draft {} (outbox item {}): {}",
            outcome.draft.id,
            item.id,
            item.receipt.as_deref().unwrap_or("done")
        ),
        OutboxStatus::Queued => say!(
            "queued as outbox item {}; the target is not reachable ({}), it will be retried (`meshlens outbox`)",
            item.id,
            item.reason.as_deref().unwrap_or("unknown reason")
        ),
        OutboxStatus::Conflict => {
            say!("conflict: {}", item.reason.as_deref().unwrap_or_default());
            for c in &outcome.draft.conflicts {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref().map_or("-".into(), |v| v.to_string())
                };
                say!(
                    "  {}: mine {} / theirs {}",
                    c.path,
                    show(&c.mine),
                    show(&c.theirs)
                );
            }
            say!(
                "choose with `meshlens conflict resolve {} --take mine|theirs [--field PATH]`, then submit again",
                outcome.draft.id
            );
        }
        _ => say!(
            "outbox item {} is {}: {}",
            item.id,
            item.status.as_str(),
            item.reason.as_deref().unwrap_or_default()
        ),
    }
}

fn print_outbox(items: &[OutboxItem]) {
    if items.is_empty() {
        say!("the outbox is empty");
    }
    for item in items {
        let paths: Vec<&str> = item.documents.iter().map(|d| d.path.as_str()).collect();
        let detail = item
            .reason
            .as_deref()
            .filter(|_| item.status != OutboxStatus::Submitted)
            .or(item.receipt.as_deref())
            .unwrap_or_default();
        say!(
            "{:>4}  {:<9}  {}  {}  attempts {}  {}",
            item.id,
            item.status.as_str(),
            item.source,
            paths.join(", "),
            item.attempts,
            detail
        );
    }
}

fn print_resolution(resolution: &ConflictResolution) {
    if resolution.remaining.is_empty() {
        say!(
            "all conflicts settled; draft {} is now based on upstream's version: `meshlens submit {}`",
            resolution.draft.id,
            resolution.draft.id
        );
    } else {
        say!("still conflicting:");
        for c in &resolution.remaining {
            say!("  {}", c.path);
        }
    }
}
