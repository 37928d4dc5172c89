//! `meshlens mesh|adoption|trust`: the mesh at a glance (issue #23).

use clap::Subcommand;
use meshlens_app::{
    Adoption, AdoptionArgs, App, AppError, ConsumerVia, Feedback, FeedbackArgs, FeedbackList,
    GetProductArgs, Mesh, MeshArgs, NoEvents, TrustScore,
};

use crate::output::{self, say};

#[derive(Subcommand)]
pub enum MeshCommand {
    /// Domains (products, owner teams, health, score, consumers) and the product edges between
    /// domains, by kind: lineage, input_port or agreement.
    Mesh {
        /// Only this domain and the edges that touch it.
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Consumers per product through agreements, lineage and input ports.
    Adoption {
        #[arg(long)]
        domain: Option<String>,
        /// Only products with no known consumer.
        #[arg(long)]
        unused: bool,
        #[arg(long)]
        json: bool,
    },
    /// A product's trust score (0–100) with each factor's value, weight and reason.
    Trust {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Rate a product from 1 to 5 with an optional comment (kept on this machine, private), or
    /// list its ratings: `feedback list ID`.
    Feedback {
        /// The product to rate, or `list`.
        id: String,
        /// After `list`: the product whose ratings to show.
        product: Option<String>,
        /// 1 (poor) to 5 (excellent).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
        rating: Option<u8>,
        #[arg(long)]
        comment: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: MeshCommand, app: App) -> Result<(), AppError> {
    match command {
        MeshCommand::Mesh { domain, json } => {
            let mesh = app.mesh(MeshArgs { domain }, &NoEvents).await?;
            output::show(json, &mesh, print_mesh);
        }
        MeshCommand::Adoption {
            domain,
            unused,
            json,
        } => {
            let args = AdoptionArgs { domain, unused };
            let adoption = app.adoption(args, &NoEvents).await?;
            output::show(json, adoption.as_slice(), print_adoption);
        }
        MeshCommand::Trust { id, json } => {
            let trust = app.trust(GetProductArgs { id }, &NoEvents).await?;
            output::show(json, &trust, print_trust);
        }
        MeshCommand::Feedback {
            id,
            product,
            rating,
            comment,
            json,
        } => match (id.as_str(), product, rating) {
            ("list", Some(id), None) => {
                let list = app.feedback_list(GetProductArgs { id }, &NoEvents).await?;
                output::show(json, &list, print_feedback_list);
            }
            (_, None, Some(rating)) => {
                let args = FeedbackArgs {
                    id,
                    rating,
                    comment,
                };
                let given = app.feedback(args, &NoEvents).await?;
                output::show(json, &given, print_feedback);
            }
            _ => usage("give `feedback ID --rating N [--comment TEXT]` or `feedback list ID`"),
        },
    }
    Ok(())
}

/// Exits with clap's usage error (exit code 2).
fn usage(message: &str) -> ! {
    use clap::CommandFactory;
    crate::Cli::command()
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

pub(crate) fn via_name(via: ConsumerVia) -> &'static str {
    match via {
        ConsumerVia::Lineage => "lineage",
        ConsumerVia::InputPort => "input_port",
        ConsumerVia::Agreement => "agreement",
    }
}

fn domain_name(name: &str) -> &str {
    if name.is_empty() { "(no domain)" } else { name }
}

fn print_mesh(mesh: &Mesh) {
    if mesh.domains.is_empty() {
        say!("no domains: the cache holds no product (of that domain)");
        return;
    }
    let rows: Vec<Vec<String>> = mesh
        .domains
        .iter()
        .map(|d| {
            vec![
                domain_name(&d.name).to_owned(),
                d.products.to_string(),
                d.score.to_string(),
                d.pass_rate
                    .map_or("-".into(), |r| format!("{:.0} %", r * 100.0)),
                d.sla_breaches.to_string(),
                d.policy_violations.to_string(),
                d.consumers.to_string(),
                d.teams.join(", "),
            ]
        })
        .collect();
    output::print_table(
        &[
            "DOMAIN",
            "PRODUCTS",
            "SCORE",
            "PASS",
            "SLA",
            "POLICY",
            "CONSUMERS",
            "TEAMS",
        ],
        &rows,
    );
    say!();
    if mesh.edges.is_empty() {
        say!("no product of one domain is known to consume a product of another");
        return;
    }
    let rows: Vec<Vec<String>> = mesh
        .edges
        .iter()
        .map(|e| {
            vec![
                format!("{} ({})", e.from, domain_name(&e.from_domain)),
                format!("{} ({})", e.to, domain_name(&e.to_domain)),
                via_name(e.kind).to_owned(),
            ]
        })
        .collect();
    output::print_table(&["FROM", "TO", "KIND"], &rows);
}

fn print_adoption(adoption: &[Adoption]) {
    if adoption.is_empty() {
        say!("no products");
        return;
    }
    let count = |n: Option<u64>| n.map_or("-".into(), |n| n.to_string());
    let rows: Vec<Vec<String>> = adoption
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.domain.clone().unwrap_or_else(|| "-".into()),
                a.consumers.to_string(),
                a.via.agreement.to_string(),
                a.via.lineage.to_string(),
                a.via.input_port.to_string(),
                count(a.usage.queries_30d),
                count(a.usage.users_30d),
                consumers_change(a),
            ]
        })
        .collect();
    output::print_table(
        &[
            "PRODUCT",
            "DOMAIN",
            "CONSUMERS",
            "AGREEMENT",
            "LINEAGE",
            "INPUT_PORT",
            "QUERIES_30D",
            "USERS_30D",
            "CHANGE_30D",
        ],
        &rows,
    );
}

/// `+2 since 2026-11-07`; `-` without history.
fn consumers_change(adoption: &Adoption) -> String {
    adoption.change_30d.as_ref().map_or("-".into(), |c| {
        format!(
            "{:+} since {}",
            c.consumers,
            &c.since[..10.min(c.since.len())]
        )
    })
}

fn print_trust(trust: &TrustScore) {
    say!("{}: trust {} / 100", trust.id, trust.score);
    let rows: Vec<Vec<String>> = trust
        .factors
        .iter()
        .map(|f| {
            vec![
                f.name.clone(),
                format!("{:.2}", f.value),
                f.weight.to_string(),
                f.reason.clone(),
            ]
        })
        .collect();
    output::print_table(&["FACTOR", "VALUE", "WEIGHT", "REASON"], &rows);
}

fn print_feedback(given: &Feedback) {
    let kept = match (&given.delivery, given.private) {
        (_, true) => {
            "kept on this machine only (private): its catalog takes no feedback".to_owned()
        }
        (Some(status), false) => format!(
            "sent to {} through the outbox ({})",
            given.target,
            status.as_str()
        ),
        (None, false) => format!("sent to {}", given.target),
    };
    say!("rated {} {}/5: {kept}", given.product, given.rating);
}

fn print_feedback_list(list: &FeedbackList) {
    let votes = list
        .upstream_votes
        .as_ref()
        .map(|v| format!("{} up-vote(s), {} down-vote(s)", v.up, v.down));
    let comments = list
        .upstream_comments
        .map(|n| format!("{n} conversation thread(s)"));
    let upstream: Vec<String> = votes.into_iter().chain(comments).collect();
    if !upstream.is_empty() {
        say!(
            "{} in its catalog: {} (as of the last sync)",
            list.product,
            upstream.join(", ")
        );
    }
    let Some(average) = list.average else {
        say!("no ratings of {} yet", list.product);
        return;
    };
    say!(
        "{}: {:.1}/5 from {} rating(s)",
        list.product,
        average,
        list.count
    );
    let rows: Vec<Vec<String>> = list
        .feedback
        .iter()
        .map(|f| {
            vec![
                f.created_at.clone(),
                f.rating.to_string(),
                f.author.clone().unwrap_or_else(|| "-".into()),
                if f.private {
                    "private"
                } else {
                    f.target.as_str()
                }
                .into(),
                f.comment.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::print_table(&["AT", "RATING", "BY", "WHERE", "COMMENT"], &rows);
}
