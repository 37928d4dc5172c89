//! `meshlens history|diff|changes|follow|unfollow|following`: kept versions, diffs between them, the change
//! feed and follows (issue #22).

use clap::Subcommand;
use meshlens_app::{
    App, AppError, ChangesArgs, ChangesFeed, DiffArgs, FeedChange, FieldChangeSummary, FollowArgs,
    Followed, HistoryArgs, HistoryEntry, NoArgs, NoEvents, VersionDiff,
};

use crate::output::{self, say};

#[derive(Subcommand)]
pub enum HistoryCommand {
    /// Every kept version of a product, contract or dataset (`contract/dataset`), newest first.
    History {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Two kept versions field by field, each change breaking or compatible and why (default: the previous
    /// version against the newest).
    Diff {
        id: String,
        /// A declared version or a hash (7 characters or more).
        #[arg(long, value_name = "VERSION|HASH")]
        from: Option<String>,
        #[arg(long, value_name = "VERSION|HASH")]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// What syncs added, removed and changed since the last sync you read, grouped by domain and product.
    Changes {
        /// `last` (default), a date (YYYY-MM-DD) or a sync number.
        #[arg(long, value_name = "last|DATE|SYNC")]
        since: Option<String>,
        /// Only what you follow.
        #[arg(long)]
        following: bool,
        /// Only breaking changes.
        #[arg(long)]
        breaking: bool,
        #[arg(long)]
        domain: Option<String>,
        /// Mark every sync read after showing the changes.
        #[arg(long)]
        mark_read: bool,
        #[arg(long)]
        json: bool,
    },
    /// Follow a product, contract, dataset or domain.
    Follow {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Stop following a product, contract, dataset or domain.
    Unfollow {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Everything you follow.
    Following {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: HistoryCommand, app: App) -> Result<(), AppError> {
    match command {
        HistoryCommand::History { id, json } => {
            let versions = app.history(HistoryArgs { id }, &NoEvents).await?;
            output::show(json, versions.as_slice(), print_history);
        }
        HistoryCommand::Diff { id, from, to, json } => {
            let diff = app.diff(DiffArgs { id, from, to }, &NoEvents).await?;
            output::show(json, &diff, print_diff);
        }
        HistoryCommand::Changes {
            since,
            following,
            breaking,
            domain,
            mark_read,
            json,
        } => {
            let args = ChangesArgs {
                since,
                following,
                breaking,
                domain,
                mark_read,
            };
            let feed = app.changes(args, &NoEvents).await?;
            output::show(json, &feed, print_changes);
        }
        HistoryCommand::Follow { id, json } => {
            let followed = app.follow(FollowArgs { id }, &NoEvents).await?;
            output::show(json, &followed, |f| say!("following {} `{}`", f.kind, f.id));
        }
        HistoryCommand::Unfollow { id, json } => {
            let done = app.unfollow(FollowArgs { id }, &NoEvents).await?;
            output::show(json, &done, |u| match u.removed {
                true => say!("no longer following `{}`", u.id),
                false => say!("`{}` was not followed", u.id),
            });
        }
        HistoryCommand::Following { json } => {
            let follows = app.following(NoArgs::default(), &NoEvents).await?;
            output::show(json, follows.as_slice(), print_following);
        }
    }
    Ok(())
}

fn short(hash: &Option<String>) -> String {
    hash.as_deref()
        .map_or("-".into(), |h| h[..h.len().min(12)].to_string())
}

fn print_history(versions: &[HistoryEntry]) {
    // A product's versions also say what each output port declared; contracts and datasets have no ports.
    let with_ports = versions.iter().any(|v| !v.ports.is_empty());
    let rows: Vec<Vec<String>> = versions
        .iter()
        .map(|v| {
            let mut row = vec![
                v.version.clone().unwrap_or_else(|| "-".into()),
                short(&v.hash),
                v.seen_at.clone(),
                v.sync.to_string(),
                v.source.clone(),
                if v.breaking { "yes" } else { "" }.into(),
                v.summary.clone(),
            ];
            if with_ports {
                row.insert(1, ports_text(v));
            }
            row
        })
        .collect();
    let mut headers = vec![
        "VERSION", "HASH", "SEEN", "SYNC", "SOURCE", "BREAKING", "SUMMARY",
    ];
    if with_ports {
        headers.insert(1, "PORTS");
    }
    output::print_table(&headers, &rows);
}

/// `customer-360 1.2.0 (customer-360-view)`, one per output port.
fn ports_text(version: &HistoryEntry) -> String {
    let ports: Vec<String> = version
        .ports
        .iter()
        .map(|p| {
            let declared = p.version.as_deref().unwrap_or("-");
            match &p.contract {
                Some(contract) => format!("{} {declared} ({contract})", p.name),
                None => format!("{} {declared}", p.name),
            }
        })
        .collect();
    ports.join(", ")
}

/// `!` marks a breaking change, `~` a metadata-only one.
fn mark(breaking: bool, metadata_only: bool) -> char {
    match (breaking, metadata_only) {
        (true, _) => '!',
        (false, true) => '~',
        _ => ' ',
    }
}

fn print_diff(diff: &VersionDiff) {
    say!(
        "{} {}: {} ({}) → {} ({})",
        diff.kind,
        diff.id,
        diff.from_version.as_deref().unwrap_or("-"),
        short(&Some(diff.from.clone())),
        diff.to_version.as_deref().unwrap_or("-"),
        short(&Some(diff.to.clone())),
    );
    if diff.changes.is_empty() {
        say!("no changes");
    }
    let json = |v: &Option<serde_json::Value>| v.as_ref().map_or("-".into(), |v| v.to_string());
    for c in &diff.changes {
        let f = &c.change;
        say!(
            "{} {} {}: {}",
            mark(f.breaking, f.metadata_only),
            f.op,
            f.path,
            f.reason
        );
        say!("    before: {}", json(&c.before));
        say!("    after:  {}", json(&c.after));
    }
}

fn print_fields(fields: &[FieldChangeSummary]) {
    for f in fields {
        say!(
            "      {} {} {}: {}",
            mark(f.breaking, f.metadata_only),
            f.op,
            f.path,
            f.reason
        );
    }
}

fn print_changes(feed: &ChangesFeed) {
    say!(
        "{} change(s) in {} sync(s) since {}",
        feed.changes.len(),
        feed.syncs.len(),
        feed.since.as_deref().unwrap_or("the first sync")
    );
    let mut group: Option<(&Option<String>, &Option<String>)> = None;
    for c in &feed.changes {
        if group != Some((&c.domain, &c.product)) {
            group = Some((&c.domain, &c.product));
            say!(
                "{} / {}",
                c.domain.as_deref().unwrap_or("(no domain)"),
                c.product.as_deref().unwrap_or("(no product)")
            );
        }
        print_change(c);
    }
}

fn print_change(c: &FeedChange) {
    say!(
        "  {} {} {} {} ({}): {}",
        mark(c.breaking, false),
        c.op,
        c.kind,
        c.id,
        c.at,
        c.summary
    );
    print_fields(&c.fields);
}

fn print_following(follows: &[Followed]) {
    let rows: Vec<Vec<String>> = follows
        .iter()
        .map(|f| vec![f.kind.clone(), f.id.clone(), f.since.clone()])
        .collect();
    output::print_table(&["KIND", "ID", "SINCE"], &rows);
}
