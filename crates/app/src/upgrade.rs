//! `upgrade`: DCS, ODCS v2.2.x/v3.0.x contracts and DPS products rewritten as the current ODCS or
//! ODPS (`meshlens_model::upgrade`), reported per file, written to a folder or made a draft.

use std::io::Write;
use std::path::{Path, PathBuf};

use meshlens_edit::{DraftKind, NewDraft, yaml_text};
use meshlens_model::upgrade::{Upgrade, UpgradeTarget, upgrade};
use meshlens_model::{Issue, Severity};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::paths::{DesktopPaths, PathArgs};
use crate::{App, AppError, ErrorCode, EventSink, config};

/// `upgrade FILE... [--to odcs-3.1.0|odps-1.1.0] [--out DIR | --draft]`; the app names cached
/// documents by id instead (its "Upgrade to ODCS v3.1.0" action).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpgradeArgs {
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub files: Vec<String>,
    /// Product or contract ids in the cache.
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub ids: Vec<String>,
    /// `odcs-3.1.0` or `odps-1.1.0` (default: the current version of the document's standard).
    #[serde(default)]
    #[ts(optional)]
    pub to: Option<String>,
    /// Folder the upgraded files are written to (never over an existing file).
    #[serde(default)]
    #[ts(optional)]
    pub out: Option<String>,
    /// Make each result a draft of the cached document, to review, diff and submit.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub draft: bool,
}

/// One file's upgrade. `dropped` is always empty: a field that cannot be kept fails the file
/// (`error`) instead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct UpgradeReport {
    pub file: String,
    pub from: String,
    pub to: String,
    /// The result validates against the target's official schema.
    pub valid: bool,
    #[ts(type = "number")]
    pub mapped: u64,
    pub kept_as_custom: Vec<String>,
    pub dropped: Vec<String>,
    /// Fields the target requires and the source lacks, set to a default (`status: draft`).
    pub defaulted: Vec<String>,
    /// Comments, quoting and key order kept (an ODCS v3.0 contract changed field by field).
    pub layout_kept: bool,
    /// The source already is the target version: nothing written.
    pub unchanged: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub written: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<f64>", optional)]
    pub draft: Option<i64>,
    /// Why this file was not upgraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
    /// The result's schema errors, with lines in the upgraded text.
    pub errors: Vec<Issue>,
}

impl UpgradeReport {
    /// True when the file was upgraded into a valid document (or needed nothing).
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.valid
    }

    fn failed(file: &str, error: String) -> UpgradeReport {
        UpgradeReport {
            file: file.to_owned(),
            error: Some(error),
            ..UpgradeReport::default()
        }
    }
}

impl PathArgs for UpgradeArgs {
    fn admit_desktop(self, paths: &DesktopPaths) -> Result<Self, AppError> {
        if self.out.is_some() {
            return Err(AppError::new(
                ErrorCode::InvalidArgs,
                "the desktop app upgrades into drafts, not into a folder",
            ));
        }
        let files = self
            .files
            .iter()
            .map(|f| {
                paths
                    .allow_reading(Path::new(f))
                    .map(|p| p.display().to_string())
            })
            .collect::<Result<_, _>>()?;
        Ok(UpgradeArgs { files, ..self })
    }
}

/// Where a result goes.
enum Destination<'a> {
    Report,
    Folder(&'a Path),
    Draft,
}

/// One input: its name for the report, its text, and the cached document it is (for drafts).
struct Input {
    name: String,
    text: String,
    cached: Option<NewDraft>,
}

impl App {
    pub async fn upgrade(
        &self,
        args: UpgradeArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<UpgradeReport>, AppError> {
        config::install_limits()?;
        let to = parse_target(args.to.as_deref())?;
        let destination = match (&args.out, args.draft) {
            (Some(_), true) => {
                return Err(AppError::new(
                    ErrorCode::InvalidArgs,
                    "choose one of --out DIR and --draft",
                ));
            }
            (Some(dir), false) => Destination::Folder(Path::new(dir)),
            (None, true) => Destination::Draft,
            (None, false) => Destination::Report,
        };
        let mut reports = Vec::new();
        for file in &args.files {
            let report = match read_text(file) {
                Ok(text) => {
                    let input = Input {
                        name: file.clone(),
                        text,
                        cached: None,
                    };
                    self.upgrade_one(input, to, &destination).await
                }
                Err(reason) => UpgradeReport::failed(file, reason),
            };
            reports.push(report);
        }
        for id in &args.ids {
            let cached = self.draft_from_cache(id).await?;
            let input = Input {
                name: cached.path.clone().unwrap_or_else(|| id.clone()),
                text: cached.text.clone(),
                cached: Some(cached),
            };
            reports.push(self.upgrade_one(input, to, &destination).await);
        }
        Ok(reports)
    }

    async fn upgrade_one(
        &self,
        input: Input,
        to: Option<UpgradeTarget>,
        destination: &Destination<'_>,
    ) -> UpgradeReport {
        let (mut report, text) = match upgraded_text(&input, to) {
            Ok(done) => done,
            Err(reason) => return UpgradeReport::failed(&input.name, reason),
        };
        if report.unchanged || !report.valid {
            return report;
        }
        let delivered = match destination {
            Destination::Report => Ok(()),
            Destination::Folder(dir) => write_new(dir, &input.name, report_target(&report), &text)
                .map(|path| report.written = Some(path.display().to_string())),
            Destination::Draft => self
                .upgrade_draft(input, &report, text)
                .await
                .map(|id| report.draft = Some(id)),
        };
        if let Err(reason) = delivered {
            report.error = Some(reason);
        }
        report
    }

    /// A draft of the cached document with the upgraded text: submit replaces the file in its source.
    async fn upgrade_draft(
        &self,
        input: Input,
        report: &UpgradeReport,
        text: String,
    ) -> Result<i64, String> {
        let cached = match input.cached {
            Some(cached) => cached,
            None => self.cached_copy_of(&input.text, &text).await?,
        };
        let kind = if report.to == UpgradeTarget::Odps110.name() {
            DraftKind::Product
        } else {
            DraftKind::Contract
        };
        let new = NewDraft {
            kind,
            text,
            ..cached
        };
        let draft = meshlens_edit::create_draft(self.store(), &new)
            .await
            .map_err(|e| e.to_string())?;
        Ok(draft.id)
    }

    /// The cached document a file on disk is, found by the id the upgrade kept; the file must be
    /// what the cache holds, or the draft would undo changes nobody synced yet.
    async fn cached_copy_of(&self, file_text: &str, upgraded: &str) -> Result<NewDraft, String> {
        let value = yaml_text::load(upgraded, false).map_err(|e| e.to_string())?;
        let id = value.get("id").and_then(Value::as_str).unwrap_or_default();
        let cached = self.draft_from_cache(id).await.map_err(|_| {
            format!(
                "`{id}` is not in the cache: --draft needs the document's source \
                 (add and sync it), or use --out DIR"
            )
        })?;
        if cached.base_text.as_deref() != Some(file_text) {
            return Err(format!(
                "the cached `{id}` differs from this file: sync its source first"
            ));
        }
        Ok(cached)
    }
}

fn parse_target(to: Option<&str>) -> Result<Option<UpgradeTarget>, AppError> {
    to.map(|name| {
        UpgradeTarget::parse(name).ok_or_else(|| {
            AppError::new(
                ErrorCode::InvalidArgs,
                format!("--to must be odcs-3.1.0 or odps-1.1.0, not `{name}`"),
            )
        })
    })
    .transpose()
}

fn read_text(file: &str) -> Result<String, String> {
    let limit = meshlens_model::Limits::process().max_file_bytes;
    let bytes = meshlens_model::read_capped(Path::new(file), limit).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_owned())
}

fn is_json(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".json")
}

/// The upgrade of one input and the text to write, checked against the target's schema.
fn upgraded_text(
    input: &Input,
    to: Option<UpgradeTarget>,
) -> Result<(UpgradeReport, String), String> {
    let json = is_json(&input.name);
    let original = yaml_text::load(&input.text, json).map_err(|e| e.to_string())?;
    let up = upgrade(&original, to).map_err(|e| e.to_string())?;
    let (text, layout_kept) = render(&input.text, json, &original, &up)?;
    let name = format!("upgraded.{}", if json { "json" } else { "yaml" });
    let check = meshlens_model::validate_file(&name, text.as_bytes());
    let report = UpgradeReport {
        file: input.name.clone(),
        from: up.from,
        to: up.to.name().to_owned(),
        valid: check.valid,
        mapped: up.mapped as u64,
        kept_as_custom: up.kept_as_custom,
        dropped: Vec::new(),
        defaulted: up.defaulted,
        layout_kept: layout_kept && !up.unchanged,
        unchanged: up.unchanged,
        errors: check
            .errors
            .into_iter()
            .filter(|i| i.severity == Severity::Error)
            .collect(),
        ..UpgradeReport::default()
    };
    Ok((report, text))
}

/// A restructured document is written anew; an ODCS v3.0 contract is edited field by field in
/// its own text, so comments and key order stay.
fn render(
    text: &str,
    json: bool,
    original: &Value,
    up: &Upgrade,
) -> Result<(String, bool), String> {
    if up.restructured {
        let rendered = if json {
            serde_json::to_string_pretty(&up.value).map_err(|e| e.to_string())? + "\n"
        } else {
            yaml_text::render_document(&up.value)
        };
        return Ok((rendered, false));
    }
    let changes = meshlens_edit::diff(original, &up.value);
    let edited = yaml_text::apply_changes(text, json, &changes).map_err(|e| e.to_string())?;
    Ok((edited.text, edited.layout_kept))
}

fn report_target(report: &UpgradeReport) -> &str {
    if report.to == UpgradeTarget::Odps110.name() {
        "odps"
    } else {
        "odcs"
    }
}

/// `orders/datacontract.yaml` → `<dir>/datacontract.odcs.yaml`; never replaces a file.
fn write_new(dir: &Path, source: &str, suffix: &str, text: &str) -> Result<PathBuf, String> {
    let name = Path::new(source)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("upgraded.yaml");
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) if ext.eq_ignore_ascii_case("json") => (stem, "json"),
        Some((stem, _)) => (stem, "yaml"),
        None => (name, "yaml"),
    };
    let stem = [".odcs", ".odps", ".dataproduct", ".datacontract"]
        .iter()
        .find_map(|s| stem.strip_suffix(s))
        .unwrap_or(stem);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{stem}.{suffix}.{extension}"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgraded_file_is_named_for_its_standard_and_replaces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let named = |source: &str, suffix: &str| {
            let path = write_new(dir.path(), source, suffix, "x: 1\n").unwrap();
            path.file_name().unwrap().to_string_lossy().into_owned()
        };
        assert_eq!(
            named("orders/datacontract.yaml", "odcs"),
            "datacontract.odcs.yaml"
        );
        assert_eq!(named("a/old.odcs.yaml", "odcs"), "old.odcs.yaml");
        assert_eq!(named("p.dataproduct.yaml", "odps"), "p.odps.yaml");
        assert_eq!(named("c.json", "odcs"), "c.odcs.json");
        let again = write_new(dir.path(), "other/datacontract.yaml", "odcs", "y: 2\n");
        assert!(again.unwrap_err().contains("exists"));
        let kept = std::fs::read_to_string(dir.path().join("datacontract.odcs.yaml")).unwrap();
        assert_eq!(kept, "x: 1\n");
    }
}
