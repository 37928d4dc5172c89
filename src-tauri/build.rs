//! Declares the app's commands so the ACL knows them (permissions `allow-call`, `allow-open-report`, …);
//! any other command the UI names is rejected by Tauri before it reaches our code.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "call",
        "pick_folder",
        "choose_report_path",
        "open_report",
        "open_link",
        "check_update",
        "install_update",
    ]);
    if let Err(err) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        panic!("tauri build step failed: {err:#}");
    }
}
