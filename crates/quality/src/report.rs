//! The steward report: one self-contained HTML file (inline CSS and SVG, no scripts, no network).

use std::fmt::Write;

use meshlens_store::Store;

use meshlens_store::Ctx;

use crate::error::QualityError;
use crate::query::{domain_scorecards_at, now_ms, quality, scorecards_at, sla_breaches_at};
use crate::time::format_ms;
use crate::types::{
    DomainScorecard, QualityQuery, QualityReport, QualityResult, Scorecard, SlaBreach,
};

/// Days of history the trend chart shows, ending at the newest result.
const TREND_DAYS: i64 = 30;

/// The report for one domain or the whole mesh, as of now.
pub async fn render_report(store: &Store, domain: Option<&str>) -> Result<String, QualityError> {
    render_report_at(store, domain, now_ms()).await
}

/// The report with SLAs evaluated at `now_ms`. Policy violations are those of the last
/// [`crate::check_policies`] run.
pub async fn render_report_at(
    store: &Store,
    domain: Option<&str>,
    now_ms: i64,
) -> Result<String, QualityError> {
    let facts = ReportFacts::read(store, domain, now_ms).await?;
    let mut h = String::new();
    head(&mut h, domain, now_ms);
    domains_table(&mut h, &facts.domains, domain);
    scorecards_table(&mut h, &facts.cards);
    h.push_str("<h2>Pass-rate trend</h2>");
    h.push_str(&trend_svg(&facts.trend));
    failing_table(&mut h, &facts.failing.results);
    breaches_table(&mut h, &facts.breaches);
    violations_table(&mut h, &facts.violations);
    h.push_str("</body></html>\n");
    Ok(h)
}

/// Everything the report shows, read before a line of it is written.
struct ReportFacts {
    cards: Vec<Scorecard>,
    domains: Vec<DomainScorecard>,
    failing: QualityReport,
    breaches: Vec<SlaBreach>,
    trend: Vec<(i64, i64, i64)>,
    violations: Vec<ViolationRow>,
}

impl ReportFacts {
    async fn read(
        store: &Store,
        domain: Option<&str>,
        now_ms: i64,
    ) -> Result<ReportFacts, QualityError> {
        let failing_checks = QualityQuery {
            id: domain.map(str::to_owned),
            failing: true,
            since: None,
        };
        Ok(ReportFacts {
            cards: scorecards_at(store, domain, now_ms).await?,
            domains: domain_scorecards_at(store, now_ms).await?,
            failing: quality(store, &failing_checks).await?,
            breaches: sla_breaches_at(store, domain, now_ms).await?,
            trend: daily_pass_rates(store, domain).await?,
            violations: policy_violations(store, domain).await?,
        })
    }
}

/// The document's head with its style sheet, the title and when it was made.
fn head(h: &mut String, domain: Option<&str>, now_ms: i64) {
    let title = match domain {
        Some(d) => format!("Steward report: domain {}", esc(d)),
        None => "Steward report: whole mesh".to_owned(),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>\
         body{{font:14px system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}\
         td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}th{{background:#f3f3f3}}\
         .fail,.error{{color:#b00020}}.warn,.warning{{color:#a86400}}.pass{{color:#1b7f3b}}</style></head><body>\
         <h1>{title}</h1><p>Generated {}.</p>",
        format_ms(now_ms)
    );
}

/// The columns a domain and a product scorecard share.
const SCORE_HEADERS: [&str; 5] = [
    "Pass rate",
    "Failing",
    "SLA breaches",
    "Policy violations",
    "Last run",
];

/// The domain's own scorecard, or every domain's for the whole mesh.
fn domains_table(h: &mut String, domains: &[DomainScorecard], domain: Option<&str>) {
    let in_scope = domains
        .iter()
        .filter(|d| domain.is_none_or(|x| x == d.domain));
    table(
        h,
        "Domains",
        &[&["Domain", "Products"][..], &SCORE_HEADERS].concat(),
        in_scope.map(|d| {
            let mut row = vec![text(&d.domain), number(d.products)];
            row.extend(scores(
                d.pass_rate,
                d.failing,
                d.sla_breaches,
                d.policy_violations,
                d.last_run.as_deref(),
            ));
            row
        }),
    );
}

fn scorecards_table(h: &mut String, cards: &[Scorecard]) {
    table(
        h,
        "Product scorecards",
        &[&["Product", "Domain"][..], &SCORE_HEADERS].concat(),
        cards.iter().map(|c| {
            let name = format!(
                "{} <small>{}</small>",
                esc(c.name.as_deref().unwrap_or(&c.id)),
                esc(&c.id)
            );
            let mut row = vec![
                Cell {
                    class: None,
                    html: name,
                },
                text(c.domain.as_deref().unwrap_or("")),
            ];
            row.extend(scores(
                c.pass_rate,
                c.failing,
                c.sla_breaches,
                c.policy_violations,
                c.last_run.as_deref(),
            ));
            row
        }),
    );
}

fn failing_table(h: &mut String, failing: &[QualityResult]) {
    let heading = format!("Failing checks ({})", failing.len());
    let headers = [
        "Check", "Dataset", "Column", "Product", "Status", "Observed", "Expected", "At", "Tool",
    ];
    table(
        h,
        &heading,
        &headers,
        failing.iter().map(|r| {
            vec![
                text(&r.check),
                text(&r.dataset),
                text(r.column.as_deref().unwrap_or("")),
                text(r.product.as_deref().unwrap_or("(not linked)")),
                classed(&r.status),
                text(r.observed.as_deref().unwrap_or("")),
                text(r.expected.as_deref().unwrap_or("")),
                text(&r.at),
                text(&r.source_tool),
            ]
        }),
    );
}

fn breaches_table(h: &mut String, breaches: &[SlaBreach]) {
    let heading = format!("SLA breaches ({})", breaches.len());
    table(
        h,
        &heading,
        &["Product", "Contract", "Dataset", "SLA", "Message"],
        breaches.iter().map(|b| {
            Vec::from([&b.product, &b.contract, &b.dataset, &b.sla, &b.message].map(|t| text(t)))
        }),
    );
}

fn violations_table(h: &mut String, violations: &[ViolationRow]) {
    let heading = format!("Policy violations ({})", violations.len());
    let headers = ["Product", "Policy", "Severity", "Path", "Message"];
    table(
        h,
        &heading,
        &headers,
        violations
            .iter()
            .map(|(product, policy, severity, path, message)| {
                vec![
                    text(product),
                    text(policy),
                    classed(severity),
                    text(path),
                    text(message),
                ]
            }),
    );
}

/// Per day of the last [`TREND_DAYS`] up to the newest result: (day, passes, runs).
async fn daily_pass_rates(
    store: &Store,
    domain: Option<&str>,
) -> Result<Vec<(i64, i64, i64)>, QualityError> {
    Ok(sqlx::query_as(
        "WITH t AS (SELECT DISTINCT target_key FROM quality_targets WHERE ?1 IS NULL OR domain = ?1),
              r AS (SELECT at_ms, status FROM quality_results WHERE ?1 IS NULL OR target_key IN (SELECT target_key FROM t))
         SELECT at_ms / 86400000 AS day, SUM(status = 'pass'), SUM(status IN ('pass', 'warn', 'fail', 'error'))
         FROM r WHERE at_ms >= (SELECT MAX(at_ms) FROM r) - ?2 * 86400000 GROUP BY day ORDER BY day",
    )
    .bind(domain)
    .bind(TREND_DAYS)
    .fetch_all(store.pool())
    .await
    .ctx("daily pass rates")?)
}

/// (product, policy, severity, path, message), errors first.
type ViolationRow = (String, String, String, String, String);

async fn policy_violations(
    store: &Store,
    domain: Option<&str>,
) -> Result<Vec<ViolationRow>, QualityError> {
    Ok(sqlx::query_as(
        "SELECT v.product_id, v.policy, v.severity, v.path, v.message FROM policy_violations v
         LEFT JOIN products p ON p.id = v.product_id WHERE ?1 IS NULL OR p.domain = ?1
         ORDER BY v.severity = 'error' DESC, v.product_id, v.policy",
    )
    .bind(domain)
    .fetch_all(store.pool())
    .await
    .ctx("read policy violations")?)
}

/// One table cell: its HTML (escaped already) and a class for a status or severity.
struct Cell {
    class: Option<String>,
    html: String,
}

fn text(value: &str) -> Cell {
    Cell {
        class: None,
        html: esc(value),
    }
}

fn number(value: impl std::fmt::Display) -> Cell {
    Cell {
        class: None,
        html: value.to_string(),
    }
}

/// A status or severity, coloured by its own name.
fn classed(value: &str) -> Cell {
    Cell {
        class: Some(esc(value)),
        html: esc(value),
    }
}

/// The cells a domain and a product scorecard share.
fn scores(
    pass_rate: Option<f64>,
    failing: impl std::fmt::Display,
    breaches: impl std::fmt::Display,
    violations: impl std::fmt::Display,
    last_run: Option<&str>,
) -> [Cell; 5] {
    [
        number(rate(pass_rate)),
        number(failing),
        number(breaches),
        number(violations),
        text(last_run.unwrap_or("–")),
    ]
}

/// `<h2>heading</h2>` and a table with `headers` and one row per item of `rows`.
fn table(h: &mut String, heading: &str, headers: &[&str], rows: impl Iterator<Item = Vec<Cell>>) {
    let _ = write!(h, "<h2>{heading}</h2><table><tr>");
    for header in headers {
        let _ = write!(h, "<th>{header}</th>");
    }
    h.push_str("</tr>");
    for row in rows {
        h.push_str("<tr>");
        for cell in row {
            match cell.class {
                Some(class) => {
                    let _ = write!(h, "<td class=\"{class}\">{}</td>", cell.html);
                }
                None => {
                    let _ = write!(h, "<td>{}</td>", cell.html);
                }
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// Daily pass rate as a polyline with a dot per day.
fn trend_svg(days: &[(i64, i64, i64)]) -> String {
    let points: Vec<(i64, f64)> = days
        .iter()
        .filter(|d| d.2 > 0)
        .map(|&(day, pass, all)| (day, pass as f64 / all as f64))
        .collect();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return "<p>No results yet.</p>".to_owned();
    };
    let (w, hgt, pad) = (640.0, 200.0, 30.0);
    let span = (last.0 - first.0).max(1) as f64;
    let xy = |(day, r): (i64, f64)| {
        (
            pad + (day - first.0) as f64 / span * (w - 2.0 * pad),
            hgt - pad - r * (hgt - 2.0 * pad),
        )
    };
    let line: Vec<String> = points
        .iter()
        .map(|p| {
            let (x, y) = xy(*p);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{hgt}\" role=\"img\" aria-label=\"daily pass rate\">\
         <line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/><text x=\"2\" y=\"{}\" font-size=\"10\">0%</text>\
         <text x=\"2\" y=\"{}\" font-size=\"10\">100%</text><polyline fill=\"none\" stroke=\"#1b7f3b\" stroke-width=\"2\" points=\"{}\"/>",
        hgt - pad,
        w - pad,
        hgt - pad,
        hgt - pad,
        pad + 4.0,
        line.join(" ")
    );
    for p in &points {
        let (x, y) = xy(*p);
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#1b7f3b\"><title>{}: {:.1}%</title></circle>",
            &format_ms(p.0 * 86_400_000)[..10],
            p.1 * 100.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{pad}\" y=\"{}\" font-size=\"10\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text></svg>",
        hgt - 8.0,
        &format_ms(first.0 * 86_400_000)[..10],
        w - pad,
        hgt - 8.0,
        &format_ms(last.0 * 86_400_000)[..10]
    );
    svg
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
