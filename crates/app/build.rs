//! Embeds the commit a release build was made from (`about`). Debug builds say `dev`: asking git on every
//! build would recompile the facade after each commit for a value nobody reads while developing.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=MESHLENS_BUILD_COMMIT");
    let commit = std::env::var("MESHLENS_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(release_commit)
        .unwrap_or_else(|| "dev".to_string());
    println!("cargo:rustc-env=MESHLENS_COMMIT={commit}");
}

/// The checkout's commit for release builds, re-read when HEAD or the branch it names moves.
fn release_commit() -> Option<String> {
    if std::env::var("PROFILE").ok()? != "release" {
        return None;
    }
    for path in ["HEAD", "packed-refs"] {
        if let Some(file) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={file}");
        }
    }
    if let Some(file) = git(&["symbolic-ref", "-q", "HEAD"])
        .and_then(|branch| git(&["rev-parse", "--git-path", &branch]))
    {
        println!("cargo:rerun-if-changed={file}");
    }
    git(&["rev-parse", "--short=12", "HEAD"])
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}
