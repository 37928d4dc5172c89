//! The report behind `meshlens validate`.

use serde::Serialize;
use ts_rs::TS;

use crate::DocumentError;
use crate::parse::parse_document;
use crate::types::{DocKind, Issue, ParsedDocument};

/// Outcome of validating one file. `errors` also lists warnings (with `severity: warning`);
/// `valid` is false only when there is at least one error.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ValidationReport {
    pub file: String,
    /// The descriptor's standard; none for a Data Usage Agreement or a file that is no document.
    pub kind: Option<DocKind>,
    pub valid: bool,
    pub errors: Vec<Issue>,
}

pub fn validate_file(path: &str, bytes: &[u8]) -> ValidationReport {
    // An access request or agreement: checked against the Data Usage Agreement schema (no `kind`).
    if crate::classify(path, bytes) == crate::FileClass::Agreement {
        let (valid, errors) = match crate::read_agreement(path, bytes) {
            Ok((_, warnings)) => (true, warnings),
            Err(errors) => (false, errors),
        };
        return ValidationReport {
            file: path.to_owned(),
            kind: None,
            valid,
            errors,
        };
    }
    validation_report(path, &parse_document(path, bytes))
}

/// The report of a document already parsed (a draft is parsed once for all its checks).
pub fn validation_report(
    path: &str,
    parsed: &Result<ParsedDocument, DocumentError>,
) -> ValidationReport {
    let (kind, valid, errors) = match parsed {
        Ok(doc) => (Some(doc.kind), true, doc.warnings.clone()),
        Err(e) => {
            let kind = match &e {
                DocumentError::Invalid { kind, .. } => Some(*kind),
                _ => None,
            };
            (kind, false, e.issues())
        }
    };
    ValidationReport {
        file: path.to_owned(),
        kind,
        valid,
        errors,
    }
}
