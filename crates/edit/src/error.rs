use std::path::PathBuf;

/// Everything that can go wrong with drafts, merges and the outbox.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("drafts and outbox: {context}: {source}")]
    Db {
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("no draft {0}")]
    UnknownDraft(i64),
    #[error("no outbox item {0}")]
    UnknownItem(i64),
    #[error("the text is not valid YAML/JSON: {message}")]
    Syntax { message: String },
    #[error("cannot set `{path}`: {reason}")]
    BadPath { path: String, reason: String },
    #[error("outbox item {id} is {status}; {action}")]
    WrongStatus {
        id: i64,
        status: String,
        action: &'static str,
    },
    #[error("draft {id} has no conflict{detail}")]
    NoConflict { id: i64, detail: String },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) trait Ctx<T> {
    fn ctx(self, context: &'static str) -> Result<T, EditError>;
}

impl<T> Ctx<T> for Result<T, sqlx::Error> {
    fn ctx(self, context: &'static str) -> Result<T, EditError> {
        self.map_err(|source| EditError::Db { context, source })
    }
}
