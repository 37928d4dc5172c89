//! Declares `call` as the app's only command so the ACL knows it (permissions `allow-call` / `deny-call`);
//! any other command the UI names is rejected by Tauri before it reaches our code.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&["call"]);
    if let Err(err) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        panic!("tauri build step failed: {err:#}");
    }
}
