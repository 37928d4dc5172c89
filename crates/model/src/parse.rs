//! From bytes to a [`ParsedDocument`]: decoding, YAML/JSON parsing, kind detection, schema
//! validation with positions, mapping onto the canonical format and extraction.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::DocumentError;
use crate::positions::PositionMap;
use crate::schema::{self, SchemaId};
use crate::types::{DocKind, Issue, ParsedDocument, Severity};
use crate::versions::{self, Resolved};
use crate::{extract, mapping};

/// Limits for [`parse_document_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Larger files are refused with [`DocumentError::TooLarge`] before any parsing.
    pub max_bytes: u64,
}

impl Default for ParseOptions {
    /// This process's [`crate::Limits`].
    fn default() -> Self {
        ParseOptions {
            max_bytes: crate::Limits::process().max_file_bytes,
        }
    }
}

/// sha-256 of `bytes`, lower-case hex.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Parses, validates, maps and extracts one descriptor file with the default limits.
pub fn parse_document(path: &str, bytes: &[u8]) -> Result<ParsedDocument, DocumentError> {
    parse_document_with(path, bytes, &ParseOptions::default())
}

/// Like [`parse_document`], with explicit limits.
pub fn parse_document_with(
    path: &str,
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<ParsedDocument, DocumentError> {
    let text = decode(bytes, options)?;
    let json = is_json_path(path);
    let original = load_value(text, json)?;
    let detected = detect(&original)?;
    let mut errors = check_declared_version(&detected, &original);
    let mut warnings = mapping::warnings(detected.kind, &original);
    if !detected.resolved.declared_known {
        let warning =
            versions::unknown_version_warning(detected.kind, &detected.version, &detected.resolved);
        warnings.insert(0, warning);
    }
    if !errors.is_empty() || !warnings.is_empty() {
        let positions = PositionMap::for_text(text, json);
        locate(&positions, &mut errors);
        locate(&positions, &mut warnings);
    }
    if !errors.is_empty() {
        return Err(DocumentError::Invalid {
            kind: detected.kind,
            issues: errors,
        });
    }
    let canonical = match detected.kind {
        DocKind::Odps => original.clone(),
        DocKind::Odcs if detected.schema().is_odcs_v2() => mapping::odcs_v2_to_v3(&original).value,
        DocKind::Odcs => original.clone(),
        DocKind::Dps => mapping::dps_to_odps(&original).value,
        DocKind::Dcs => mapping::dcs_to_odcs(&original).value,
    };
    let entity = extract::entity(detected.kind, &canonical);
    Ok(ParsedDocument {
        kind: detected.kind,
        declared_version: detected.version,
        raw: text.to_owned(),
        original,
        canonical,
        entity,
        warnings,
        content_hash: content_hash(bytes),
    })
}

/// Schema errors of `doc` in the version it declares (a version without schema: in the one that
/// stands in for it, the version field aside).
fn check_declared_version(detected: &Detected, doc: &Value) -> Vec<Issue> {
    let schema = detected.schema();
    if detected.resolved.declared_known {
        schema::check(schema, detected.kind, doc)
    } else {
        let stand_in = versions::as_checked_version(detected.kind, doc, &detected.resolved);
        schema::check(schema, detected.kind, &stand_in)
    }
}

pub(crate) fn is_json_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".json")
}

/// Size check and UTF-8 decoding; a leading byte-order mark is not part of the document.
pub(crate) fn decode<'a>(
    bytes: &'a [u8],
    options: &ParseOptions,
) -> Result<&'a str, DocumentError> {
    if bytes.len() as u64 > options.max_bytes {
        return Err(DocumentError::TooLarge {
            size: bytes.len() as u64,
            limit: options.max_bytes,
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            // Safe: everything before valid_up_to is valid UTF-8.
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
            Err(DocumentError::NotUtf8 { line, column })
        }
    }
}

/// Parses JSON (precise errors from serde_json) or YAML (YAML 1.2 core: dates stay strings; aliases
/// bounded by [`crate::yaml`]). Both refuse nesting deeper than [`crate::MAX_NESTING_DEPTH`].
pub(crate) fn load_value(text: &str, json: bool) -> Result<Value, DocumentError> {
    if json {
        serde_json::from_str(text).map_err(|e| DocumentError::Syntax {
            line: e.line() as u32,
            column: e.column() as u32,
            message: e.to_string(),
        })
    } else {
        crate::yaml::from_yaml_str::<Value>(text).map_err(DocumentError::from)
    }
}

fn locate(positions: &PositionMap, issues: &mut [Issue]) {
    for issue in issues {
        (issue.line, issue.column) = positions.locate(&issue.pointer);
    }
}

pub(crate) struct Detected {
    pub kind: DocKind,
    pub version: String,
    pub resolved: Resolved,
}

impl Detected {
    fn new(kind: DocKind, version: String) -> Detected {
        let resolved = versions::resolve(kind, &version);
        Detected {
            kind,
            version,
            resolved,
        }
    }

    pub fn schema(&self) -> SchemaId {
        self.resolved.checked_as.schema
    }
}

/// A scalar as text (`apiVersion: 1.0` is a number in YAML but means "1.0").
pub(crate) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Tells the standard from the content: `kind` + `apiVersion` for Bitol, the version key for DPS/DCS.
pub(crate) fn detect(doc: &Value) -> Result<Detected, DocumentError> {
    let Some(obj) = doc.as_object() else {
        let what = match doc {
            Value::Null => "the file is empty",
            Value::Array(_) => "the top level is a list, not a mapping",
            _ => "the top level is a single value, not a mapping",
        };
        return Err(DocumentError::UnknownKind {
            hint: what.to_owned(),
        });
    };
    let version = |key: &str| obj.get(key).and_then(text_of);
    if let Some(v) = version("dataProductSpecification") {
        return Ok(Detected::new(DocKind::Dps, v));
    }
    if let Some(v) = version("dataContractSpecification") {
        return Ok(Detected::new(DocKind::Dcs, v));
    }
    let api = version("apiVersion").unwrap_or_default();
    match obj.get("kind").and_then(Value::as_str) {
        Some("DataProduct") => Ok(Detected::new(DocKind::Odps, api)),
        Some("DataContract") if api.is_empty() && is_odcs_v2_shape(obj) => {
            // ODCS v2.2 did not require `apiVersion`; its shape tells it apart.
            let mut detected = Detected::new(DocKind::Odcs, api);
            detected.resolved = versions::resolve(DocKind::Odcs, "v2.2.2");
            Ok(detected)
        }
        Some("DataContract") => Ok(Detected::new(DocKind::Odcs, api)),
        Some(other) => Err(DocumentError::UnknownKind {
            hint: format!(
                "`kind: {other}` is neither `DataProduct` (ODPS) nor `DataContract` (ODCS)"
            ),
        }),
        None => Err(DocumentError::UnknownKind {
            hint: "no `kind: DataProduct`, `kind: DataContract`, `dataProductSpecification` or \
                   `dataContractSpecification` at the top level"
                .to_owned(),
        }),
    }
}

/// ODCS v2 documents carry `uuid`/`dataset`/`quantumName`; v3 replaced them with `id`/`schema`/`name`.
fn is_odcs_v2_shape(obj: &Map<String, Value>) -> bool {
    ["uuid", "dataset", "quantumName", "datasetName"]
        .iter()
        .any(|k| obj.contains_key(*k))
}

/// A warning at `pointer`, located later.
pub(crate) fn warning(pointer: String, message: String) -> Issue {
    Issue {
        line: 0,
        column: 0,
        pointer,
        message,
        severity: Severity::Warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_reports_line_and_column() {
        let err = decode(b"a: 1\nb: x\xff\n", &ParseOptions::default()).unwrap_err();
        assert_eq!(err, DocumentError::NotUtf8 { line: 2, column: 5 });
    }

    #[test]
    fn yaml_keeps_dates_as_strings_and_key_order() {
        let v = load_value("z: 2024-01-02\na: 1\n", false).unwrap();
        assert_eq!(v["z"], Value::String("2024-01-02".into()));
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["z", "a"]
        );
    }
}
