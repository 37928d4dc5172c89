//! "About meshlens": the build, where the data lives and how much room it takes, and the licences of
//! everything bundled into the shipped binaries.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::NoArgs;
use crate::{App, AppError, EventSink};

/// Bundled third-party code, generated from `cargo metadata` and `ui/package-lock.json` by
/// `crates/app/tests/licenses.rs` (which fails when this file is out of date).
const BUNDLED_LICENSES: &str = include_str!("licenses.json");

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct About {
    pub version: String,
    /// The commit a release build was made from; `dev` for development builds.
    pub commit: String,
    pub data_dir: String,
    /// Bytes under the data directory: cache, search index, drafts, reports.
    #[ts(type = "number")]
    pub data_bytes: u64,
    pub licenses: Vec<BundledLicense>,
}

/// One bundled package: a Rust crate linked into the binaries or an npm package in the UI bundle.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct BundledLicense {
    /// `crate` or `npm`.
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// The SPDX expression the package declares (`unknown` when it declares none).
    pub license: String,
}

/// The bundled packages, as recorded at build time.
pub fn bundled_licenses() -> Vec<BundledLicense> {
    serde_json::from_str(BUNDLED_LICENSES)
        .expect("licenses.json is generated and checked by a test")
}

impl App {
    pub async fn about(&self, _: NoArgs, _: &dyn EventSink) -> Result<About, AppError> {
        let data_dir = self.config().data_dir.clone();
        let data_bytes = tokio::task::spawn_blocking(move || directory_bytes(&data_dir))
            .await
            .unwrap_or(0);
        Ok(About {
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: env!("MESHLENS_COMMIT").to_string(),
            data_dir: self.config().data_dir.display().to_string(),
            data_bytes,
            licenses: bundled_licenses(),
        })
    }
}

/// Total size of the regular files under `dir`, not following links (a link could point anywhere).
fn directory_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| Some((entry.path(), entry.file_type().ok()?)))
        .map(|(path, kind)| {
            if kind.is_dir() {
                directory_bytes(&path)
            } else if kind.is_file() {
                path.metadata().map(|m| m.len()).unwrap_or(0)
            } else {
                0
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_files_in_nested_folders_and_skips_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), [0u8; 100]).unwrap();
        std::fs::create_dir(dir.path().join("index")).unwrap();
        std::fs::write(dir.path().join("index/b"), [0u8; 50]).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("big"), [0u8; 1000]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        assert_eq!(directory_bytes(dir.path()), 150);
    }

    #[test]
    fn the_recorded_licenses_parse_and_name_the_ui_and_the_shell() {
        let licenses = bundled_licenses();
        assert!(
            licenses
                .iter()
                .any(|l| l.ecosystem == "crate" && l.name == "tauri")
        );
        assert!(
            licenses
                .iter()
                .any(|l| l.ecosystem == "npm" && l.name == "react")
        );
        assert!(licenses.iter().all(|l| !l.license.is_empty()));
    }
}
