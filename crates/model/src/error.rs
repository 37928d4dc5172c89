//! Why a file could not be turned into a [`crate::ParsedDocument`].

use crate::types::{DocKind, Issue};
use crate::yaml::YamlError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DocumentError {
    #[error("the file is not UTF-8 text (first invalid byte at line {line}, column {column})")]
    NotUtf8 { line: u32, column: u32 },
    #[error("the file is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("syntax error at line {line}, column {column}: {message}")]
    Syntax {
        line: u32,
        column: u32,
        message: String,
    },
    /// The text would cost more than the limits allow (YAML aliases, nesting).
    #[error("{message}")]
    OverLimit {
        line: u32,
        column: u32,
        message: String,
    },
    #[error("unknown document kind: {hint}")]
    UnknownKind { hint: String },
    #[error("{}", invalid_message(*kind, issues))]
    Invalid { kind: DocKind, issues: Vec<Issue> },
}

impl DocumentError {
    /// The problems as issues pointing into the file (one for every error but `Invalid`, which has its list).
    pub fn issues(&self) -> Vec<Issue> {
        let at = |line, column, message: String| {
            vec![Issue {
                line,
                column,
                pointer: String::new(),
                message,
                severity: crate::Severity::Error,
            }]
        };
        match self {
            DocumentError::Invalid { issues, .. } => issues.clone(),
            DocumentError::NotUtf8 { line, column } => at(*line, *column, self.to_string()),
            DocumentError::Syntax {
                line,
                column,
                message,
            } => at(*line, *column, message.clone()),
            DocumentError::OverLimit { line, column, .. } => at(*line, *column, self.to_string()),
            DocumentError::TooLarge { .. } | DocumentError::UnknownKind { .. } => {
                at(0, 0, self.to_string())
            }
        }
    }
}

impl From<YamlError> for DocumentError {
    fn from(e: YamlError) -> Self {
        match e {
            YamlError::Syntax {
                line,
                column,
                message,
            } => DocumentError::Syntax {
                line,
                column,
                message,
            },
            over => {
                let (line, column) = over.position();
                DocumentError::OverLimit {
                    line,
                    column,
                    message: over.to_string(),
                }
            }
        }
    }
}

/// Human name of a standard, for messages.
pub fn kind_label(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Odps => "ODPS data product",
        DocKind::Odcs => "ODCS data contract",
        DocKind::Dps => "Data Product Specification",
        DocKind::Dcs => "Data Contract Specification",
    }
}

fn invalid_message(kind: DocKind, issues: &[Issue]) -> String {
    let n = issues.len();
    let plural = if n == 1 { "problem" } else { "problems" };
    match issues.first() {
        Some(i) => format!(
            "not a valid {} document ({n} {plural}); first at line {}, column {}: {}",
            kind_label(kind),
            i.line,
            i.column,
            i.message
        ),
        None => format!("not a valid {} document", kind_label(kind)),
    }
}
