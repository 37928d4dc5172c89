//! Where meshlens keeps its data, and the limits a user may raise.

use std::path::PathBuf;

use meshlens_connectors::{MAX_PULL_BYTES_ENV, MAX_PULL_ENTITIES_ENV, PullBudget};
use meshlens_model::Limits;

/// Environment variable that points meshlens at a data directory (after `--data-dir`, before the OS default).
pub const DATA_DIR_ENV: &str = "MESHLENS_DATA_DIR";

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Holds `meshlens.db`, the search index and git checkouts.
    pub data_dir: PathBuf,
}

impl AppConfig {
    /// Resolves the data directory: the explicit override (`--data-dir`), else `MESHLENS_DATA_DIR`,
    /// else the OS data directory (e.g. `~/.local/share/meshlens` on Linux).
    /// Installs the limits too ([`install_limits`]).
    pub fn from_env(cli_override: Option<PathBuf>) -> Result<AppConfig, crate::AppError> {
        install_limits()?;
        let data_dir = cli_override
            .or_else(|| std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
            .or_else(|| {
                directories::ProjectDirs::from("dev", "meshlens", "meshlens").map(|dirs| dirs.data_dir().to_path_buf())
            })
            .ok_or_else(|| {
                crate::AppError::new(
                    crate::ErrorCode::Config,
                    format!("cannot find a data directory for this user; pass --data-dir or set {DATA_DIR_ENV}"),
                )
            })?;
        Ok(AppConfig { data_dir })
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("meshlens.db")
    }

    pub fn search_index_dir(&self) -> PathBuf {
        self.data_dir.join("search-index")
    }
}

/// What one catalog server pull may read: [`PullBudget::default`] (512 MiB of answers, 200,000
/// entities), each overridden by `MESHLENS_MAX_PULL_BYTES` / `MESHLENS_MAX_PULL_ENTITIES`.
pub fn pull_budget_from_env() -> Result<PullBudget, crate::AppError> {
    let defaults = PullBudget::default();
    Ok(PullBudget {
        max_bytes: limit_from_env(MAX_PULL_BYTES_ENV, defaults.max_bytes)?,
        max_entities: limit_from_env(MAX_PULL_ENTITIES_ENV, defaults.max_entities)?,
    })
}

/// Environment variable overriding the size limit of every file meshlens reads (default 10 MiB).
pub const MAX_FILE_BYTES_ENV: &str = "MESHLENS_MAX_FILE_BYTES";
/// Environment variable overriding the size limit of a dbt `manifest.json` (default 256 MiB).
pub const MAX_DBT_MANIFEST_BYTES_ENV: &str = "MESHLENS_MAX_DBT_MANIFEST_BYTES";
/// Environment variable overriding how many times its size a YAML file's aliases may add (default 10).
pub const YAML_EXPANSION_ENV: &str = "MESHLENS_YAML_EXPANSION_FACTOR";

/// Environment variable overriding how many seconds a write waits for another writer (default 120).
pub const BUSY_TIMEOUT_ENV: &str = "MESHLENS_BUSY_TIMEOUT_SECS";

/// Environment variable overriding how many versions of each product, contract and dataset the history
/// keeps (default 50).
pub const HISTORY_VERSIONS_ENV: &str = "MESHLENS_HISTORY_VERSIONS";

/// Makes the input [`Limits`] (file size, YAML alias expansion) and the cache's busy timeout, each
/// overridden by its environment variable, this process's limits. Every entry point calls it before
/// it reads anything.
pub fn install_limits() -> Result<(), crate::AppError> {
    let defaults = Limits::default();
    let limits = Limits {
        max_file_bytes: limit_from_env(MAX_FILE_BYTES_ENV, defaults.max_file_bytes)?,
        max_dbt_manifest_bytes: limit_from_env(
            MAX_DBT_MANIFEST_BYTES_ENV,
            defaults.max_dbt_manifest_bytes,
        )?,
        yaml_expansion_factor: limit_from_env(YAML_EXPANSION_ENV, defaults.yaml_expansion_factor)?,
    };
    let busy_timeout = limit_from_env(
        BUSY_TIMEOUT_ENV,
        meshlens_store::DEFAULT_BUSY_TIMEOUT.as_secs(),
    )?;
    let history_versions = limit_from_env(
        HISTORY_VERSIONS_ENV,
        meshlens_store::DEFAULT_HISTORY_VERSIONS as u64,
    )?;
    // Only the first call counts; a later one reads the same environment.
    let _ = Limits::install(limits);
    meshlens_store::install_busy_timeout(std::time::Duration::from_secs(busy_timeout));
    meshlens_store::install_history_limit(usize::try_from(history_versions).unwrap_or(usize::MAX));
    Ok(())
}

/// A positive whole number from `var`, or `default` when it is unset or empty.
fn limit_from_env(var: &str, default: u64) -> Result<u64, crate::AppError> {
    match std::env::var(var) {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|limit| *limit > 0)
            .ok_or_else(|| {
                crate::AppError::new(
                    crate::ErrorCode::Config,
                    format!("{var} must be a positive whole number, not `{text}`"),
                )
            }),
        _ => Ok(default),
    }
}
