//! Finding the bundled demo mesh (`assets/demo-mesh` in the repository) at run time.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable that overrides where the demo mesh is looked up.
pub const DEMO_MESH_ENV: &str = "MESHLENS_DEMO_MESH";

/// Where the repository keeps the demo mesh, relative to a repository root.
const REPO_RELATIVE: &str = "assets/demo-mesh";

/// Finds the bundled demo mesh folder. The first match wins:
///
/// 1. `$MESHLENS_DEMO_MESH`, when set and non-empty. The override is authoritative: if it does not
///    name a directory the result is `None` rather than a silent fallback to another copy.
/// 2. `<exe dir>/../share/meshlens/demo-mesh` (installed layout, e.g. `/usr/bin` + `/usr/share`).
/// 3. `<exe dir>/demo-mesh` (portable archive / app bundle resources next to the binary).
/// 4. Dev builds: walking up from the executable's directory, the first ancestor that contains
///    `assets/demo-mesh` (e.g. `target/debug/meshlens` inside the checkout).
/// 5. Walking up from the working directory (`cargo test` runs each test in its crate's folder): a
///    build cache shared by two checkouts may hold this crate compiled in the other one, whose path
///    (step 6) may be gone.
/// 6. The checkout this crate was compiled from (`CARGO_MANIFEST_DIR/../../assets/demo-mesh`), as a
///    last resort for `cargo test`/`cargo run` when the executable lives elsewhere.
///
/// Returns `None` when no candidate is an existing directory.
pub fn bundled_demo_mesh_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok();
    let cwd = std::env::current_dir().ok();
    locate(
        std::env::var_os(DEMO_MESH_ENV),
        exe.as_deref(),
        cwd.as_deref(),
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/demo-mesh"
        )),
    )
}

/// The lookup itself, with its inputs passed in so it can be tested without touching the process
/// environment.
fn locate(
    env_override: Option<OsString>,
    exe: Option<&Path>,
    cwd: Option<&Path>,
    compiled_in: &Path,
) -> Option<PathBuf> {
    if let Some(value) = env_override.filter(|v| !v.is_empty()) {
        let path = PathBuf::from(value);
        return path.is_dir().then_some(path);
    }
    if let Some(exe_dir) = exe.and_then(Path::parent) {
        let beside = [
            exe_dir.join("../share/meshlens/demo-mesh"),
            exe_dir.join("demo-mesh"),
        ];
        if let Some(found) = beside.into_iter().find(|p| p.is_dir()) {
            return Some(normalize(found));
        }
        if let Some(found) = exe_dir
            .ancestors()
            .map(|a| a.join(REPO_RELATIVE))
            .find(|p| p.is_dir())
        {
            return Some(found);
        }
    }
    if let Some(found) = cwd.and_then(|dir| {
        dir.ancestors()
            .map(|a| a.join(REPO_RELATIVE))
            .find(|p| p.is_dir())
    }) {
        return Some(found);
    }
    compiled_in
        .is_dir()
        .then(|| normalize(compiled_in.to_path_buf()))
}

/// Resolves `..` so callers show users a clean path; keeps the input if it cannot be resolved.
fn normalize(path: PathBuf) -> PathBuf {
    path.canonicalize().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn env_override_wins_and_is_authoritative() {
        let tmp = tempfile::tempdir().unwrap();
        let mesh = tmp.path().join("my-mesh");
        fs::create_dir_all(&mesh).unwrap();
        let installed = tmp.path().join("usr/bin/meshlens");
        fs::create_dir_all(tmp.path().join("usr/share/meshlens/demo-mesh")).unwrap();

        let found = locate(
            Some(mesh.clone().into()),
            Some(&installed),
            None,
            Path::new("/nonexistent"),
        );
        assert_eq!(found, Some(mesh));

        let missing = tmp.path().join("typo");
        assert_eq!(
            locate(
                Some(missing.into()),
                Some(&installed),
                None,
                Path::new("/nonexistent")
            ),
            None
        );
    }

    #[test]
    fn installed_layout_then_beside_exe() {
        let tmp = tempfile::tempdir().unwrap();
        let exe = tmp.path().join("usr/bin/meshlens");
        fs::create_dir_all(tmp.path().join("usr/bin/demo-mesh")).unwrap();
        let beside = locate(None, Some(&exe), None, Path::new("/nonexistent")).unwrap();
        assert_eq!(
            beside,
            tmp.path().join("usr/bin/demo-mesh").canonicalize().unwrap()
        );

        fs::create_dir_all(tmp.path().join("usr/share/meshlens/demo-mesh")).unwrap();
        let installed = locate(None, Some(&exe), None, Path::new("/nonexistent")).unwrap();
        assert_eq!(
            installed,
            tmp.path()
                .join("usr/share/meshlens/demo-mesh")
                .canonicalize()
                .unwrap()
        );
    }

    #[test]
    fn dev_build_walks_up_to_the_checkout() {
        let tmp = tempfile::tempdir().unwrap();
        let assets = tmp.path().join("assets/demo-mesh");
        fs::create_dir_all(&assets).unwrap();
        let exe = tmp.path().join("target/debug/deps/meshlens");
        assert_eq!(
            locate(None, Some(&exe), None, Path::new("/nonexistent")),
            Some(assets)
        );
    }

    #[test]
    fn compiled_in_path_is_the_last_resort() {
        let tmp = tempfile::tempdir().unwrap();
        let compiled = tmp.path().join("repo/assets/demo-mesh");
        fs::create_dir_all(&compiled).unwrap();
        let exe = tmp.path().join("elsewhere/bin/meshlens");
        assert_eq!(
            locate(None, Some(&exe), None, &compiled),
            Some(compiled.canonicalize().unwrap())
        );
        assert_eq!(locate(None, None, None, Path::new("/nonexistent")), None);
    }

    #[test]
    fn the_working_directory_s_checkout_comes_before_a_compiled_in_path_that_is_gone() {
        let tmp = tempfile::tempdir().unwrap();
        let assets = tmp.path().join("checkout/assets/demo-mesh");
        fs::create_dir_all(&assets).unwrap();
        let crate_dir = tmp.path().join("checkout/crates/app");
        fs::create_dir_all(&crate_dir).unwrap();
        let exe = tmp.path().join("cache/target/debug/deps/background_sync");
        let gone = tmp.path().join("other-checkout/assets/demo-mesh");
        assert_eq!(
            locate(None, Some(&exe), Some(&crate_dir), &gone),
            Some(assets)
        );
    }
}
