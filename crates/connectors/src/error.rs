use thiserror::Error;

/// Everything a connector can fail with. Messages name the source and the request path but never
/// a token: tokens travel only in request headers, and those are never formatted.
#[derive(Debug, Error)]
pub enum ConnectorError {
    #[error("source '{source_name}': {method} {path} answered HTTP {status}: {hint}")]
    Status {
        source_name: String,
        method: String,
        path: String,
        status: u16,
        hint: String,
    },
    #[error(
        "source '{source_name}': {method} {path} gave no answer within {seconds} s (after {attempts} attempts)"
    )]
    Timeout {
        source_name: String,
        method: String,
        path: String,
        seconds: u64,
        attempts: u32,
    },
    #[error("source '{source_name}': cannot reach {path}: {reason}")]
    Network {
        source_name: String,
        path: String,
        reason: String,
    },
    #[error("source '{source_name}': {path} did not return usable JSON: {reason}")]
    NotJson {
        source_name: String,
        path: String,
        reason: String,
    },
    #[error(
        "source '{source_name}': {path} returned more than {limit_mb} MB in one response; refusing to read it"
    )]
    TooLarge {
        source_name: String,
        path: String,
        limit_mb: u64,
    },
    #[error(
        "source '{source_name}': paging of {path} returned cursor '{cursor}' a second time; stopping instead of looping"
    )]
    PagingLoop {
        source_name: String,
        path: String,
        cursor: String,
    },
    #[error(
        "source '{source_name}': {method} {path} answered HTTP {status}, a redirect to {location}; a token goes only to the source's own server (same scheme, host and port), so meshlens did not follow it. If that is the right server, add the source with that URL"
    )]
    Redirected {
        source_name: String,
        method: String,
        path: String,
        status: u16,
        location: String,
    },
    #[error("source '{source_name}': {reason}")]
    InsecureUrl { source_name: String, reason: String },
    #[error(
        "source '{source_name}': the catalog is larger than one sync reads (more than {limit}); nothing was written and the source keeps its last synced data. If the catalog really is that large, raise the limit with {env_var}"
    )]
    OverBudget {
        source_name: String,
        /// The limit passed, with its unit ("200000 entities", "512 MiB of answers").
        limit: String,
        env_var: &'static str,
    },
    /// The server answered but refused the request, saying why (GraphQL `errors`, as DataHub
    /// answers a query that does not validate against its schema).
    #[error(
        "source '{source_name}': {method} {path} was refused by the server with GraphQL errors: {messages}"
    )]
    Refused {
        source_name: String,
        method: String,
        path: String,
        messages: String,
    },
    #[error("source '{source_name}': {what}")]
    Unexpected { source_name: String, what: String },
    #[error("sync of source '{0}' was cancelled")]
    Cancelled(String),
    #[error(
        "source '{source_name}' needs a token: run `meshlens auth set {source_name}` (the token is read from stdin into the OS keyring) or set {env_var}"
    )]
    MissingToken {
        source_name: String,
        env_var: String,
    },
    #[error(
        "the OS keyring is not available ({reason}); set the token in the environment variable {env_var} instead"
    )]
    Keyring { reason: String, env_var: String },
    #[error(
        "source '{source_name}': {path} changed upstream (expected version {expected}, found {found}); sync and apply the edit again"
    )]
    VersionConflict {
        source_name: String,
        path: String,
        expected: String,
        found: String,
    },
    #[error(
        "source '{source_name}' is {kind}, which is read-only: meshlens cannot push edits to it"
    )]
    ReadOnly {
        source_name: String,
        kind: &'static str,
    },
    #[error("source '{source_name}': {kind} sources cannot be limited to {what}; {why}")]
    ScopeUnsupported {
        source_name: String,
        kind: &'static str,
        what: &'static str,
        why: &'static str,
    },
    /// The scope's listing answered but held nothing: a misspelt domain, tag or owner would
    /// otherwise empty the source.
    #[error(
        "source '{source_name}': the scope ({scope}) matches nothing: GET {path} answered HTTP {status} without one entity; nothing was written and the source keeps its last synced data. Check the names in the catalog, or change the scope with `meshlens source scope {source_name}`"
    )]
    EmptyScope {
        source_name: String,
        scope: String,
        path: String,
        status: u16,
    },
}

impl ConnectorError {
    /// True for errors caused by credentials (401/403) or their absence.
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            ConnectorError::Status {
                status: 401 | 403,
                ..
            } | ConnectorError::MissingToken { .. }
                | ConnectorError::Keyring { .. }
        )
    }
}

/// A short advice for an HTTP status, shown after it.
pub(crate) fn hint_for(status: u16) -> &'static str {
    match status {
        401 => "the token is expired or wrong; set a new one with `meshlens auth set`",
        403 => "the token is valid but lacks permission for this resource",
        404 => "not found; check the source URL (it should be the server's base URL)",
        409 | 412 => "the entity changed upstream; sync and try again",
        429 => "the server kept rate-limiting the requests; try again later",
        500..=599 => "the server failed; try again later or ask its administrator",
        _ => "unexpected answer",
    }
}
