//! The UI's TypeScript types are generated from the command table and committed under `ui/src/ipc/bindings`.
//! This test fails when they are stale; `MESHLENS_UPDATE_BINDINGS=1 cargo test -p meshlens-app --test bindings`
//! rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn read_dir_ts(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn typescript_bindings_are_up_to_date() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/bindings");
    let fresh = tempfile::tempdir().unwrap();
    meshlens_app::bindings::write_bindings(fresh.path()).unwrap();
    let generated = read_dir_ts(fresh.path());
    assert!(generated.contains_key("commands.ts") && generated.contains_key("ProductSummary.ts"));

    if std::env::var_os("MESHLENS_UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).unwrap();
        meshlens_app::bindings::write_bindings(&committed).unwrap();
        return;
    }
    let existing = read_dir_ts(&committed);
    let stale: Vec<&String> = generated
        .keys()
        .chain(existing.keys())
        .filter(|name| generated.get(*name) != existing.get(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/ipc/bindings is out of date ({stale:?}); run MESHLENS_UPDATE_BINDINGS=1 cargo test -p meshlens-app --test bindings"
    );
}
