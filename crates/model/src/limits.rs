//! What meshlens agrees to read: every input (descriptor, policy, result file, file given to
//! `validate` or `import`) is refused past a size, before it is read, and YAML aliases may not
//! expand a document past a multiple of its size. Defaults suit descriptors; the front ends
//! [`Limits::install`] the limits of their configuration at start (ARCHITECTURE.md, "Limits").

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use crate::FileClass;

/// Default per-file size limit (10 MiB): descriptors and policies are small; anything bigger is a mistake.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// Default size limit of a dbt `manifest.json` (256 MiB): a large dbt project's manifest runs to tens
/// or hundreds of MB, and its reader builds only the few fields of each node that tests need.
pub const DEFAULT_MAX_DBT_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;
/// dbt's fixed name for its manifest.
pub const DBT_MANIFEST_NAME: &str = "manifest.json";
/// Default multiple of a YAML file's size that its aliases may add.
pub const DEFAULT_YAML_EXPANSION_FACTOR: u64 = 10;
/// Aliases may always add this much, however small the file (1 MiB).
pub const MIN_YAML_EXPANSION_BYTES: u64 = 1024 * 1024;
/// Deepest nesting of mappings and lists; serde_json and serde_yaml_ng stop at the same depth.
pub const MAX_NESTING_DEPTH: usize = 128;

/// The input limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Larger files are refused before they are read.
    pub max_file_bytes: u64,
    /// The limit of a dbt manifest instead (see [`Limits::read_limit`]).
    pub max_dbt_manifest_bytes: u64,
    /// YAML aliases may add at most this many times the file's size (and at least
    /// [`MIN_YAML_EXPANSION_BYTES`]).
    pub yaml_expansion_factor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_dbt_manifest_bytes: DEFAULT_MAX_DBT_MANIFEST_BYTES,
            yaml_expansion_factor: DEFAULT_YAML_EXPANSION_FACTOR,
        }
    }
}

/// The limits of this process, set once by [`Limits::install`].
static INSTALLED: OnceLock<Limits> = OnceLock::new();

impl Limits {
    /// Makes `limits` this process's limits. Only the first call counts (the front end's, at
    /// start, before anything is read); a later one gets its limits back.
    pub fn install(limits: Limits) -> Result<(), Limits> {
        INSTALLED.set(limits)
    }

    /// This process's limits (the defaults unless installed), so that every entry point agrees.
    pub fn process() -> &'static Limits {
        INSTALLED.get_or_init(Limits::default)
    }

    /// How much of the file at `path` may be read before its content is known: a file named
    /// `manifest.json` may be a dbt manifest, so up to the manifest limit; anything else up to
    /// `general` (the caller's file limit). Once classified, [`Limits::admit`] refuses a large
    /// file that is not a manifest after all.
    pub fn read_limit(&self, path: &str, general: u64) -> u64 {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        if name.eq_ignore_ascii_case(DBT_MANIFEST_NAME) {
            general.max(self.max_dbt_manifest_bytes)
        } else {
            general
        }
    }

    /// Refuses `size` bytes of `class` past `general`, unless they are a dbt manifest.
    pub fn admit(&self, class: FileClass, size: u64, general: u64) -> Result<(), ReadError> {
        if size > general && class != FileClass::DbtManifest {
            return Err(ReadError::TooLarge {
                size,
                limit: general,
            });
        }
        Ok(())
    }

    /// How many bytes aliases may add to a YAML text of `text_len` bytes.
    pub fn yaml_expansion_budget(&self, text_len: usize) -> u64 {
        (text_len as u64)
            .saturating_mul(self.yaml_expansion_factor)
            .max(MIN_YAML_EXPANSION_BYTES)
    }
}

/// Why [`read_capped`] returned no bytes.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the file is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
}

impl From<ReadError> for std::io::Error {
    /// For errors that carry an `io::Error`: a file over the limit is invalid data.
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Io(e) => e,
            too_large => {
                std::io::Error::new(std::io::ErrorKind::InvalidData, too_large.to_string())
            }
        }
    }
}

/// Reads a whole file of at most `limit` bytes. A larger file is refused from its size before any
/// byte is read, and a file that grows while it is read is refused once it passes the limit.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > limit {
        return Err(ReadError::TooLarge { size, limit });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_budget_has_a_floor() {
        let limits = Limits::default();
        assert_eq!(limits.yaml_expansion_budget(10), MIN_YAML_EXPANSION_BYTES);
        assert_eq!(limits.yaml_expansion_budget(1 << 20), 10 << 20);
    }

    #[test]
    fn only_a_dbt_manifest_may_pass_the_file_limit() {
        let limits = Limits::default();
        let general = DEFAULT_MAX_FILE_BYTES;
        let manifest_limit = DEFAULT_MAX_DBT_MANIFEST_BYTES;
        assert_eq!(
            limits.read_limit("dbt/target/manifest.json", general),
            manifest_limit
        );
        assert_eq!(limits.read_limit("a/product.odps.json", general), general);
        assert_eq!(
            limits.read_limit("target/run_results.json", general),
            general
        );
        let big = general + 1;
        assert!(limits.admit(FileClass::DbtManifest, big, general).is_ok());
        assert!(
            limits
                .admit(FileClass::DbtRunResults, big, general)
                .is_err()
        );
        assert!(limits.admit(FileClass::Unknown, general, general).is_ok());
    }

    #[test]
    fn a_sparse_gigabyte_is_refused_from_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.yaml");
        std::fs::File::create(&path)
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
        match read_capped(&path, DEFAULT_MAX_FILE_BYTES) {
            Err(ReadError::TooLarge { size, limit }) => {
                assert_eq!((size, limit), (1 << 30, DEFAULT_MAX_FILE_BYTES));
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        std::fs::write(&path, b"kind: Policy\n").unwrap();
        assert_eq!(read_capped(&path, 13).unwrap(), b"kind: Policy\n");
        assert!(matches!(
            read_capped(&path, 12),
            Err(ReadError::TooLarge { .. })
        ));
    }
}
