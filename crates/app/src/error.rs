//! Errors that reach a user (CLI or UI) carry a stable code and a sentence.
//!
//! The codes are a public interface: the UI switches on them and scripts may too. Add codes, never rename them.

use serde::Serialize;
use ts_rs::TS;

/// Stable error codes. Serialized as `E_SCREAMING_CASE` strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The command name is not in the command table.
    #[serde(rename = "E_UNKNOWN_COMMAND")]
    UnknownCommand,
    /// The command's arguments are malformed.
    #[serde(rename = "E_INVALID_ARGS")]
    InvalidArgs,
    /// The product, contract or source does not exist.
    #[serde(rename = "E_NOT_FOUND")]
    NotFound,
    /// A source with that name exists already.
    #[serde(rename = "E_SOURCE_EXISTS")]
    SourceExists,
    /// A source could not be read at all (missing folder, failed git fetch); the cache was left untouched.
    #[serde(rename = "E_SOURCE_UNREADABLE")]
    SourceUnreadable,
    /// Another sync is running.
    #[serde(rename = "E_SYNC_BUSY")]
    SyncBusy,
    /// The user cancelled.
    #[serde(rename = "E_CANCELLED")]
    Cancelled,
    /// A descriptor is malformed or breaks its schema.
    #[serde(rename = "E_INVALID_DOCUMENT")]
    InvalidDocument,
    /// The local cache could not be read or written.
    #[serde(rename = "E_STORE")]
    Store,
    /// A lineage query or import failed.
    #[serde(rename = "E_LINEAGE")]
    Lineage,
    /// A quality or governance query failed.
    #[serde(rename = "E_QUALITY")]
    Quality,
    /// The search index failed.
    #[serde(rename = "E_SEARCH")]
    Search,
    /// The data directory or configuration is unusable.
    #[serde(rename = "E_CONFIG")]
    Config,
    /// A file could not be read or written.
    #[serde(rename = "E_IO")]
    Io,
    /// A draft fails schema validation or an error-severity policy; the message lists why.
    #[serde(rename = "E_DRAFT_INVALID")]
    DraftInvalid,
    /// Upstream changed the same fields as a draft; the user must choose per field.
    #[serde(rename = "E_CONFLICT")]
    Conflict,
    /// A catalog server token is missing, or the OS keyring cannot store it.
    #[serde(rename = "E_AUTH")]
    Auth,
    /// A bug: please report it.
    #[serde(rename = "E_INTERNAL")]
    Internal,
    /// The desktop app may not use this path (outside the data directory and not picked in a dialog, or a link).
    #[serde(rename = "E_PATH_NOT_ALLOWED")]
    PathNotAllowed,
    /// The output file exists already and replacing it was not asked for (`--force`).
    #[serde(rename = "E_FILE_EXISTS")]
    FileExists,
    /// The cache database is damaged; `meshlens doctor --repair` rebuilds it keeping drafts and the outbox.
    #[serde(rename = "E_CACHE_DAMAGED")]
    CacheDamaged,
    /// The data directory ran out of space; the write was rolled back and the previous cache kept.
    #[serde(rename = "E_DISK_FULL")]
    DiskFull,
    /// Another writer (a sync in the desktop app or a CLI) kept the cache locked past the busy timeout;
    /// nothing was written and the same call succeeds once it is done.
    #[serde(rename = "E_CACHE_BUSY")]
    CacheBusy,
    /// An access request names no purpose or consumer, an end date in the past or not a date, a column
    /// the port's contract lacks, or lacks the end date a restricted port requires; nothing was queued.
    #[serde(rename = "E_ACCESS_INVALID")]
    AccessInvalid,
    /// The product's source cannot take access requests (a catalog server); nothing was queued.
    #[serde(rename = "E_ACCESS_TARGET_UNSUPPORTED")]
    AccessTargetUnsupported,
    /// This machine's administrator fixed the update settings (`/etc/meshlens/policy.json`) or switched
    /// updates off.
    #[serde(rename = "E_UPDATE_POLICY")]
    UpdatePolicy,
    /// The update check failed: offline, refused by a proxy, or an answer that is not an update manifest.
    /// The app keeps working on the installed version.
    #[serde(rename = "E_UPDATE_UNREACHABLE")]
    UpdateUnreachable,
    /// An update was offered but its signature does not match meshlens's release key; nothing was installed.
    #[serde(rename = "E_UPDATE_SIGNATURE")]
    UpdateSignature,
    /// A rating outside 1–5 or a comment past its size limit; nothing was stored.
    #[serde(rename = "E_FEEDBACK_INVALID")]
    FeedbackInvalid,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnknownCommand => "E_UNKNOWN_COMMAND",
            ErrorCode::InvalidArgs => "E_INVALID_ARGS",
            ErrorCode::NotFound => "E_NOT_FOUND",
            ErrorCode::SourceExists => "E_SOURCE_EXISTS",
            ErrorCode::SourceUnreadable => "E_SOURCE_UNREADABLE",
            ErrorCode::SyncBusy => "E_SYNC_BUSY",
            ErrorCode::Cancelled => "E_CANCELLED",
            ErrorCode::InvalidDocument => "E_INVALID_DOCUMENT",
            ErrorCode::Store => "E_STORE",
            ErrorCode::Lineage => "E_LINEAGE",
            ErrorCode::Quality => "E_QUALITY",
            ErrorCode::Search => "E_SEARCH",
            ErrorCode::Config => "E_CONFIG",
            ErrorCode::Io => "E_IO",
            ErrorCode::DraftInvalid => "E_DRAFT_INVALID",
            ErrorCode::Conflict => "E_CONFLICT",
            ErrorCode::Auth => "E_AUTH",
            ErrorCode::Internal => "E_INTERNAL",
            ErrorCode::PathNotAllowed => "E_PATH_NOT_ALLOWED",
            ErrorCode::FileExists => "E_FILE_EXISTS",
            ErrorCode::CacheDamaged => "E_CACHE_DAMAGED",
            ErrorCode::DiskFull => "E_DISK_FULL",
            ErrorCode::CacheBusy => "E_CACHE_BUSY",
            ErrorCode::AccessInvalid => "E_ACCESS_INVALID",
            ErrorCode::AccessTargetUnsupported => "E_ACCESS_TARGET_UNSUPPORTED",
            ErrorCode::UpdatePolicy => "E_UPDATE_POLICY",
            ErrorCode::UpdateUnreachable => "E_UPDATE_UNREACHABLE",
            ErrorCode::UpdateSignature => "E_UPDATE_SIGNATURE",
            ErrorCode::FeedbackInvalid => "E_FEEDBACK_INVALID",
        }
    }
}

/// An error as the UI and CLI show it: `{"code":"E_NOT_FOUND","message":"no product with id `x`"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(what: impl std::fmt::Display) -> AppError {
        AppError::new(
            ErrorCode::NotFound,
            format!("{what} was not found in the local cache"),
        )
    }
}

impl From<meshlens_store::StoreError> for AppError {
    fn from(err: meshlens_store::StoreError) -> AppError {
        match err {
            meshlens_store::StoreError::Damaged { .. } => {
                return AppError::new(ErrorCode::CacheDamaged, err.to_string());
            }
            // A branch or URL the user typed: their argument to fix, not a fault of the cache.
            meshlens_store::StoreError::InvalidGitSource(_) => {
                return AppError::new(ErrorCode::InvalidArgs, err.to_string());
            }
            _ => {}
        }
        storage_error(&err).unwrap_or_else(|| AppError::new(ErrorCode::Store, err.to_string()))
    }
}

/// A full disk or a damaged cache, wherever in `err`'s chain it shows: the user acts on those, not on
/// the statement that met them.
pub(crate) fn storage_error(err: &(dyn std::error::Error + 'static)) -> Option<AppError> {
    Some(match meshlens_store::storage_fault(err)? {
        meshlens_store::StorageFault::DiskFull => AppError::new(
            ErrorCode::DiskFull,
            format!(
                "disk full: no space left in the data directory; the write was rolled back and the previous cache kept. Free some space and try again ({err})"
            ),
        ),
        meshlens_store::StorageFault::Busy => AppError::new(
            ErrorCode::CacheBusy,
            format!(
                "the cache stayed busy for {} s: another meshlens (a sync in the desktop app or a command line) is writing it. Nothing was written; try again when it is done, or wait longer with {} ({err})",
                meshlens_store::busy_timeout().as_secs(),
                crate::config::BUSY_TIMEOUT_ENV
            ),
        ),
        meshlens_store::StorageFault::Damaged => AppError::new(
            ErrorCode::CacheDamaged,
            format!(
                "the cache database is damaged; run `meshlens doctor --repair` (drafts, outbox and sources are kept) ({err})"
            ),
        ),
    })
}

impl From<meshlens_sync::SyncError> for AppError {
    fn from(err: meshlens_sync::SyncError) -> AppError {
        if let Some(storage) = storage_error(&err) {
            return storage;
        }
        let code = match &err {
            meshlens_sync::SyncError::Cancelled(_) => ErrorCode::Cancelled,
            meshlens_sync::SyncError::SourceUnreadable { .. } => ErrorCode::SourceUnreadable,
            meshlens_sync::SyncError::Store(_) => ErrorCode::Store,
            meshlens_sync::SyncError::Worker { .. } => ErrorCode::Internal,
        };
        AppError::new(code, err.to_string())
    }
}

impl From<meshlens_lineage::LineageError> for AppError {
    fn from(err: meshlens_lineage::LineageError) -> AppError {
        if let Some(storage) = storage_error(&err) {
            return storage;
        }
        let code = match &err {
            meshlens_lineage::LineageError::NotFound(_) => ErrorCode::NotFound,
            meshlens_lineage::LineageError::Unsupported(_) => ErrorCode::InvalidArgs,
            meshlens_lineage::LineageError::Io { .. }
            | meshlens_lineage::LineageError::Write { .. } => ErrorCode::Io,
            meshlens_lineage::LineageError::Db { .. } => ErrorCode::Lineage,
        };
        AppError::new(code, err.to_string())
    }
}

impl From<meshlens_search::SearchError> for AppError {
    fn from(err: meshlens_search::SearchError) -> AppError {
        if let Some(storage) = err.storage_cause().and_then(storage_error) {
            return storage;
        }
        AppError::new(ErrorCode::Search, format!("search index: {err}"))
    }
}

impl From<meshlens_quality::QualityError> for AppError {
    fn from(err: meshlens_quality::QualityError) -> AppError {
        if let Some(storage) = storage_error(&err) {
            return storage;
        }
        let code = match &err {
            meshlens_quality::QualityError::UnknownProduct(_) => ErrorCode::NotFound,
            meshlens_quality::QualityError::BadDate(_)
            | meshlens_quality::QualityError::BadRetention => ErrorCode::InvalidArgs,
            meshlens_quality::QualityError::Io { .. } => ErrorCode::Io,
            _ => ErrorCode::Quality,
        };
        AppError::new(code, err.to_string())
    }
}

impl From<meshlens_connectors::ConnectorError> for AppError {
    fn from(err: meshlens_connectors::ConnectorError) -> AppError {
        let code = match &err {
            e if e.is_auth() => ErrorCode::Auth,
            meshlens_connectors::ConnectorError::Cancelled(_) => ErrorCode::Cancelled,
            _ => ErrorCode::SourceUnreadable,
        };
        AppError::new(code, err.to_string())
    }
}
