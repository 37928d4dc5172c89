//! Human-readable output. JSON output is `serde_json` of the facade's types, nothing else.
//!
//! Human output is mostly upstream text (names, descriptions, file names, server messages), so every line
//! of it goes through [`terminal_safe`]: print with [`say!`], not `println!`.

use std::borrow::Cow;
use std::fmt::Write as _;

use meshlens_app::{
    AppError, CheckReport, Consumer, Dataset, ImpactReport, ImportOutcome, LineageGraph, Ownership,
    PortContract, ProductDetail, ProductSummary, QualityReport, Scorecard, SearchResults,
    SourceRecord, SyncReport, TieBreak, ValidationReport,
};
use serde::Serialize;

/// Text as a terminal may show it: control characters (C0 but newline and tab, DEL, C1) are written as
/// escapes (`\x1b`, `\u{9b}`), so upstream text cannot retitle the terminal, set the clipboard (OSC 52) or
/// move the cursor; so are the bidirectional overrides and isolates (`\u{202e}`), which can make text
/// read as something else.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            c if !unsafe_char(c) => safe.push(c),
            c if (c as u32) < 0x80 => {
                let _ = write!(safe, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(safe, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(safe)
}

/// `println!` for human output: the whole line goes through [`terminal_safe`].
macro_rules! say {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", $crate::output::terminal_safe(&format!($($arg)*)))
    };
}
pub(crate) use say;

pub fn print_json<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(err) => eprintln!("error: cannot encode the output as JSON: {err}"),
    }
}

/// Prints `value` as JSON for `--json`, else in its human form.
pub fn show<T: Serialize + ?Sized>(json: bool, value: &T, human: fn(&T)) {
    if json {
        print_json(value);
    } else {
        human(value);
    }
}

pub fn print_error(err: &AppError) {
    eprintln!(
        "error[{}]: {}",
        err.code.as_str(),
        terminal_safe(&err.message)
    );
}

/// `value` between `before` and `after`, or nothing when there is no value.
fn affix(before: &str, value: Option<&str>, after: &str) -> String {
    value.map_or_else(String::new, |v| format!("{before}{v}{after}"))
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

/// Prints rows as aligned columns; the last column is not padded.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    // Escaped before measuring, so the columns line up as printed.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| terminal_safe(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        let text: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    c.to_string()
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        say!("{}", text.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// A retention in days as a table cell.
fn retention(days: Option<i64>) -> String {
    days.map_or_else(|| "-".to_owned(), |d| format!("{d} d"))
}

pub fn print_products(products: &[ProductSummary]) {
    if products.is_empty() {
        say!(
            "no products in the cache yet: add a source (`meshlens source add`) and run `meshlens sync`, or try `meshlens demo`"
        );
        return;
    }
    let rows: Vec<Vec<String>> = products
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                opt(&p.name).to_string(),
                opt(&p.domain).to_string(),
                opt(&p.status).to_string(),
                opt(&p.version).to_string(),
                opt(&p.owner_team).to_string(),
                p.sensitivity.as_str().to_owned(),
                retention(p.retention_days),
                p.tags.join(", "),
            ]
        })
        .collect();
    print_table(
        &[
            "ID",
            "NAME",
            "DOMAIN",
            "STATUS",
            "VERSION",
            "OWNER TEAM",
            "SENSITIVITY",
            "RETENTION",
            "TAGS",
        ],
        &rows,
    );
    say!("\n{} products", products.len());
}

pub fn print_sources(sources: &[SourceRecord]) {
    if sources.is_empty() {
        say!("no sources yet: `meshlens source add NAME --kind folder --path DIR`");
        return;
    }
    let rows: Vec<Vec<String>> = sources
        .iter()
        .map(|s| {
            let location = match &s.config.kind {
                meshlens_app::SourceKind::Folder { path } => format!("folder {}", path.display()),
                meshlens_app::SourceKind::Git { url, branch } => match branch {
                    Some(branch) => format!("git {url} ({branch})"),
                    None => format!("git {url}"),
                },
                meshlens_app::SourceKind::Amundsen {
                    url,
                    search_url: Some(search_url),
                } => format!("amundsen {url} (search {search_url})"),
                server if server.read_only() => {
                    format!(
                        "{} {} (read-only)",
                        server.as_str(),
                        server.server_url().unwrap_or_default()
                    )
                }
                server => format!(
                    "{} {}",
                    server.as_str(),
                    server.server_url().unwrap_or_default()
                ),
            };
            let location = match &s.config.scope {
                Some(scope) => format!("{location}, scope: {}", scope.describe()),
                None => location,
            };
            let last = match (&s.last_sync_at, &s.last_error) {
                (_, Some(err)) => format!("failed: {err}"),
                (Some(at), None) => at.clone(),
                (None, None) => "never synced".into(),
            };
            vec![
                s.config.name.clone(),
                location,
                s.products.to_string(),
                last,
            ]
        })
        .collect();
    print_table(&["NAME", "LOCATION", "PRODUCTS", "LAST SYNC"], &rows);
}

pub fn print_sync_report(report: &SyncReport) {
    for outcome in &report.sources {
        let r = &outcome.report;
        if let Some(err) = &outcome.unreadable {
            say!(
                "{}: not read, cache kept as it was — {}",
                r.name,
                err.message
            );
            continue;
        }
        say!(
            "{}: {} added, {} updated, {} removed, {} unchanged, {} errors, {} warnings",
            r.name,
            r.applied.added,
            r.applied.updated,
            r.applied.removed,
            r.applied.unchanged,
            r.errors.len(),
            r.warnings.len()
        );
        let (lineage, quality) = (&r.lineage, &r.quality);
        if lineage.files + lineage.unchanged + quality.files + quality.unchanged > 0 {
            say!(
                "  result files: lineage {} read ({} new events), quality {} read ({} new outcomes), {} unchanged",
                lineage.files,
                lineage.imported,
                quality.files,
                quality.imported,
                lineage.unchanged + quality.unchanged
            );
        }
        for e in &r.errors {
            say!("  error: {}:{}:{}: {}", e.file, e.line, e.column, e.message);
        }
        for w in &r.warnings {
            say!(
                "  warning: {}:{}:{}: {}",
                w.file,
                w.line,
                w.column,
                w.message
            );
        }
    }
    say!("done in {} ms", report.duration_ms);
}

pub fn print_validation(reports: &[ValidationReport]) {
    for report in reports {
        print_issues(&report.file, &report.errors);
    }
    let invalid = reports.iter().filter(|r| !r.valid).count();
    eprintln!("{} file(s) checked, {} invalid", reports.len(), invalid);
}

/// `file:line:col: error|warning: message (at pointer)`.
fn print_issues(file: &str, issues: &[meshlens_app::Issue]) {
    for e in issues {
        let severity = match e.severity {
            meshlens_app::Severity::Error => "error",
            meshlens_app::Severity::Warning => "warning",
        };
        say!(
            "{}:{}:{}: {severity}: {} (at {})",
            file,
            e.line,
            e.column,
            e.message,
            pointer_or_root(&e.pointer)
        );
    }
}

pub fn print_upgrades(reports: &[meshlens_app::UpgradeReport]) {
    for r in reports {
        if let Some(error) = &r.error {
            say!("{}: not upgraded: {error}", r.file);
            continue;
        }
        let outcome = match (&r.written, r.draft) {
            _ if r.unchanged => "already current, nothing to do".to_owned(),
            (Some(path), _) => format!("written to {path}"),
            (None, Some(id)) => {
                format!("draft {id} (meshlens draft diff {id}; meshlens submit {id})")
            }
            (None, None) => "not written (use --out DIR or --draft)".to_owned(),
        };
        say!(
            "{}: {} → {}, {} value(s) mapped: {outcome}",
            r.file,
            r.from,
            r.to,
            r.mapped
        );
        for path in &r.kept_as_custom {
            say!("  kept as a custom property: {path}");
        }
        for field in &r.defaulted {
            say!("  {field} set to a default (the source has none)");
        }
        print_issues("  (upgraded)", &r.errors);
    }
    let failed = reports.iter().filter(|r| !r.succeeded()).count();
    eprintln!("{} file(s), {} not upgraded", reports.len(), failed);
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

pub fn print_product(detail: &ProductDetail) {
    let p = &detail.product;
    print_product_facts(detail);
    if !p.support.is_empty() {
        say!("\nSupport");
        for s in &p.support {
            say!("  {} {}", s.channel, s.url.as_deref().unwrap_or(""));
        }
    }
    let inputs = p
        .input_ports
        .iter()
        .map(|i| (&i.name, &i.contract_id, &i.version));
    let outputs = p
        .output_ports
        .iter()
        .map(|o| (&o.name, &o.contract_id, &o.version));
    print_ports("Input ports", &inputs.collect::<Vec<_>>());
    print_ports("Output ports", &outputs.collect::<Vec<_>>());
    for entry in &detail.contracts {
        print_port_contract(entry);
    }
    for missing in &detail.missing_contracts {
        let version = affix(" ", missing.version.as_deref(), "");
        say!(
            "\nwarning: port `{}` names contract {}{version}, which is not in the cache",
            missing.port,
            missing.contract_id
        );
    }
    say!("\nsource: {} ({})", detail.source, detail.path);
    print_origins(&detail.origins);
}

/// The product's name and the facts about it above its ports.
fn print_product_facts(detail: &ProductDetail) {
    let p = &detail.product;
    say!("{} ({})", opt(&p.name), p.id);
    say!(
        "  domain:  {}   status: {}   version: {}",
        opt(&p.domain),
        opt(&p.status),
        opt(&p.version)
    );
    say!(
        "  team:    {}   owner: {}",
        opt(&p.owner_team),
        opt(&p.owner)
    );
    say!(
        "  sensitivity: {}   retention: {}",
        detail.sensitivity.as_str(),
        retention(detail.retention_days)
    );
    if !p.tags.is_empty() {
        say!("  tags:    {}", p.tags.join(", "));
    }
    if let Some(description) = &p.description {
        say!("\n  {}", description.trim());
    }
}

/// A heading and a line per port (name, contract id and version); nothing without ports.
fn print_ports(heading: &str, ports: &[(&String, &Option<String>, &Option<String>)]) {
    if ports.is_empty() {
        return;
    }
    say!("\n{heading}");
    for (name, contract_id, version) in ports {
        say!("  {name} → contract {} {}", opt(contract_id), opt(version));
    }
}

/// A contract one of the product's ports names: how the port uses it, its datasets and SLAs.
fn print_port_contract(entry: &PortContract) {
    let c = &entry.contract;
    let role = match entry.port.direction {
        meshlens_app::PortDirection::In => "consumed on input port",
        meshlens_app::PortDirection::Out => "published on output port",
    };
    let producer = match (&entry.port.direction, &entry.producer) {
        (meshlens_app::PortDirection::In, Some(producer)) => {
            format!(", produced by {producer}")
        }
        _ => String::new(),
    };
    say!(
        "\nContract {} {} ({}) — {role} `{}`{producer}",
        c.id,
        opt(&c.version),
        opt(&c.status),
        entry.port.port
    );
    print_origins(&entry.origins);
    print_datasets(&c.datasets);
    if !c.sla.is_empty() {
        say!("  SLAs");
        for sla in &c.sla {
            let value = match &sla.value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            say!(
                "    {:<20} {value} {}",
                sla.property,
                sla.unit.as_deref().unwrap_or("")
            );
        }
    }
    if !c.quality.is_empty() {
        say!("  quality rules: {}", c.quality.len());
    }
}

/// A contract's datasets, each with its columns' types and classifications.
fn print_datasets(datasets: &[Dataset]) {
    for d in datasets {
        say!(
            "  dataset {}{}",
            d.name,
            affix(" (", d.physical_name.as_deref(), ")")
        );
        for col in &d.columns {
            let ty = col
                .logical_type
                .as_deref()
                .or(col.physical_type.as_deref())
                .unwrap_or("-");
            let class = affix(" [", col.classification.as_deref(), "]");
            say!("    {:<28} {ty}{class}", col.name);
        }
    }
}

/// Where a document came from upstream, one line per source holding it.
pub fn print_owners(ownership: &Ownership) {
    say!("who to ask about {}", ownership.product);
    if ownership.roles.is_empty() {
        say!("  nobody is named: no team members, role channels or owner properties");
    } else {
        let rows: Vec<Vec<String>> = ownership
            .roles
            .iter()
            .map(|h| {
                vec![
                    h.role.as_str().to_owned(),
                    opt(&h.name.clone().or_else(|| h.username.clone())).to_owned(),
                    opt(&h.email).to_owned(),
                    opt(&h.channel).to_owned(),
                ]
            })
            .collect();
        print_table(&["ROLE", "NAME", "EMAIL", "CHANNEL"], &rows);
    }
    if !ownership.missing.is_empty() {
        let missing: Vec<&str> = ownership.missing.iter().map(|r| r.as_str()).collect();
        say!("missing: {}", missing.join(", "));
    }
}

pub fn print_consumers(consumers: &[Consumer]) {
    if consumers.is_empty() {
        say!(
            "no consumers known: no input port names its contracts, no agreement is in force and lineage shows none"
        );
        return;
    }
    let rows: Vec<Vec<String>> = consumers
        .iter()
        .map(|c| {
            vec![
                c.consumer.clone(),
                crate::mesh::via_name(c.via).to_owned(),
                opt(&c.port).to_owned(),
                opt(&c.since).to_owned(),
                opt(&c.flag).to_owned(),
            ]
        })
        .collect();
    print_table(&["CONSUMER", "VIA", "PORT", "SINCE", "FLAG"], &rows);
}

fn print_origins(origins: &[meshlens_app::EntityProvenance]) {
    for o in origins {
        let version = affix(", version ", o.upstream_version.as_deref(), "");
        let updated = affix(", updated ", o.upstream_updated_at.as_deref(), "");
        say!(
            "upstream: {} in source {}{version}{updated}, fetched {}",
            o.upstream_id,
            o.source,
            o.fetched_at
        );
    }
}

pub fn print_import(outcome: &ImportOutcome) {
    let (lineage, quality) = (&outcome.lineage, &outcome.quality);
    say!(
        "lineage: imported {} events, skipped {} duplicates, rejected {}",
        lineage.imported,
        lineage.skipped,
        lineage.rejected.len()
    );
    for issue in &lineage.rejected {
        say!(
            "  rejected: {}:{}: {}",
            issue.file,
            issue.line,
            issue.message
        );
    }
    say!(
        "quality: imported {} results, skipped {} duplicates, rejected {}",
        quality.imported,
        quality.skipped,
        quality.rejected.len()
    );
    for issue in &quality.rejected {
        say!(
            "  rejected: {}:{}: {}",
            issue.file,
            issue.line,
            issue.message
        );
    }
}

pub fn print_quality(report: &QualityReport) {
    let rows: Vec<Vec<String>> = report
        .results
        .iter()
        .map(|r| {
            vec![
                r.at.clone(),
                r.status.clone(),
                r.check.clone(),
                match &r.column {
                    Some(column) => format!("{}.{column}", r.dataset),
                    None => r.dataset.clone(),
                },
                opt(&r.product).to_string(),
                r.source_tool.clone(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        print_table(
            &["AT", "STATUS", "CHECK", "DATASET", "PRODUCT", "TOOL"],
            &rows,
        );
    }
    let s = &report.summary;
    say!(
        "\n{} passed, {} failed, {} warned",
        s.passed,
        s.failed,
        s.warned
    );
}

pub fn print_scorecards(cards: &[Scorecard]) {
    let rows: Vec<Vec<String>> = cards
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                opt(&c.domain).to_string(),
                c.pass_rate
                    .map(|r| format!("{:.0}%", r * 100.0))
                    .unwrap_or_else(|| "-".into()),
                c.failing.to_string(),
                c.sla_breaches.to_string(),
                c.policy_violations.to_string(),
                opt(&c.last_run).to_string(),
            ]
        })
        .collect();
    let header = [
        "PRODUCT",
        "DOMAIN",
        "PASS RATE",
        "FAILING",
        "SLA BREACHES",
        "POLICY VIOLATIONS",
        "LAST RUN",
    ];
    print_table(&header, &rows);
}

pub fn print_check(report: &CheckReport) {
    for e in &report.policy_errors {
        say!("policy error: {}: {}", e.file, e.message);
    }
    for v in &report.violations {
        say!(
            "{}: {} [{}] {}: {}",
            v.severity,
            v.product.as_deref().unwrap_or("(policy set)"),
            v.policy,
            v.path,
            v.message
        );
    }
    let errors = report
        .violations
        .iter()
        .filter(|v| v.severity == "error")
        .count();
    say!(
        "\n{} violations, {} of severity error",
        report.violations.len(),
        errors
    );
}

pub fn print_lineage(graph: &LineageGraph) {
    say!(
        "lineage of {} — {} nodes, {} edges\n",
        graph.root,
        graph.nodes.len(),
        graph.edges.len()
    );
    let rows: Vec<Vec<String>> = graph
        .nodes
        .iter()
        .map(|n| {
            vec![
                format!("{:?}", n.kind).to_lowercase(),
                n.id.clone(),
                opt(&n.product).to_string(),
                opt(&n.domain).to_string(),
            ]
        })
        .collect();
    print_table(&["KIND", "ID", "PRODUCT", "DOMAIN"], &rows);
    say!();
    for edge in &graph.edges {
        say!("  {} → {} ({})", edge.from, edge.to, edge.kind);
    }
}

pub fn print_impact(report: &ImpactReport) {
    say!(
        "changing {} affects {} downstream datasets in {} products\n",
        report.root,
        report.datasets.len(),
        report.products.len()
    );
    if !report.products.is_empty() {
        let rows: Vec<Vec<String>> = report
            .products
            .iter()
            .map(|p| {
                let contacts: Vec<String> = p
                    .contacts
                    .iter()
                    .map(|c| c.url.clone().unwrap_or_else(|| c.channel.clone()))
                    .collect();
                vec![
                    p.depth.to_string(),
                    p.id.clone(),
                    opt(&p.owner_team).to_string(),
                    contacts.join(", "),
                ]
            })
            .collect();
        print_table(&["DEPTH", "PRODUCT", "OWNER TEAM", "CONTACTS"], &rows);
        say!();
    }
    for d in &report.datasets {
        say!("  depth {}  {}  ({})", d.depth, d.id, opt(&d.product));
    }
}

/// Snippets are HTML (`<mark>` around matches); a terminal shows the matches in bold instead.
fn snippet_for_terminal(snippet: &str, bold: bool) -> String {
    let (open, close) = if bold {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    terminal_safe(snippet)
        .replace("<mark>", open)
        .replace("</mark>", close)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn print_search(results: &SearchResults) {
    use std::io::IsTerminal;
    let bold = std::io::stdout().is_terminal();
    if let Some(online) = &results.online {
        print_online_report(online);
    }
    if results.hits.is_empty() {
        say!("no matches");
        return;
    }
    for hit in &results.hits {
        say!(
            "{:<9} {}  {}  [{}{}]{}",
            hit.kind.as_str(),
            hit.name,
            hit.id,
            hit.domain.as_deref().unwrap_or("-"),
            affix(", ", hit.owner.as_deref(), ""),
            hit.trust
                .map(|t| format!("  trust {t}"))
                .unwrap_or_default()
        );
        if !hit.snippet.is_empty() {
            // Escaped before the bold codes went in (`say!` would escape those too).
            println!("          {}", snippet_for_terminal(&hit.snippet, bold));
        }
        if let Some(upstream) = hit.upstream.as_ref().filter(|_| !hit.cached) {
            say!(
                "          not cached: in {}, open {}",
                upstream.source,
                upstream.url
            );
        }
    }
    let kinds: Vec<String> = results
        .facets
        .kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    say!("\n{} matches ({})", results.total, kinds.join(", "));
    if results.tie_break == Some(TieBreak::Trust) {
        say!(
            "equally good matches are ordered by their product's trust score (it adds at most {}% to a match's score; `meshlens trust ID` explains a score)",
            meshlens_app::TRUST_TIE_BREAK * 100.0
        );
    }
}

/// One line per catalog asked online, and whether the answer is the cache's alone.
fn print_online_report(online: &meshlens_app::OnlineReport) {
    if online.offline {
        say!("offline: no catalog answered; these are the cache's matches");
    }
    for source in &online.sources {
        say!(
            "online {}: {} ({} hits, {} ms){}",
            source.source,
            source.status.as_str(),
            source.hits,
            source.ms,
            affix(": ", source.error.as_deref(), "")
        );
    }
}

pub fn print_typing_bench(report: &meshlens_app::bench::TypingBenchReport) {
    for sample in &report.samples {
        say!(
            "{:>9.2} ms  {:>8} matches  {}",
            sample.ms,
            sample.total,
            sample.query
        );
    }
    say!(
        "{} keystrokes on {} documents: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        report.keystrokes,
        report.documents,
        report.p50_ms,
        report.p95_ms,
        report.p99_ms,
        report.max_ms
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bidi_overrides_are_shown_not_obeyed() {
        let hostile =
            "a\u{1b}]52;c;ZXZpbA==\u{7}b\u{1b}]0;title\u{7}\r\u{7f}\u{85}\u{9b}\u{202e}\u{2066}z";
        let shown = terminal_safe(hostile);
        assert_eq!(
            shown,
            r"a\x1b]52;c;ZXZpbA==\x07b\x1b]0;title\x07\x0d\x7f\u{85}\u{9b}\u{202e}\u{2066}z"
        );
        assert!(!shown.contains(|c: char| c.is_control()));
    }

    #[test]
    fn ordinary_text_passes_unchanged_and_unallocated() {
        let text = "Customer 360 — ünïcode, tabs\tand\nlines";
        assert!(matches!(terminal_safe(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn search_snippets_keep_their_own_bold_but_not_upstream_escapes() {
        let snippet = "<mark>evil</mark> \u{1b}[31mred &amp; more";
        assert_eq!(
            snippet_for_terminal(snippet, true),
            "\u{1b}[1mevil\u{1b}[0m \\x1b[31mred & more"
        );
    }
}
