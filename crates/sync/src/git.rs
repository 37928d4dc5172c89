//! Git sources through the system `git` binary.
//!
//! Why not libgit2 or gix: the system git already handles every transport, credential helper,
//! SSH agent and proxy setting the user has configured, and it costs nothing to compile.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Brings `<data_dir>/git/<name>` to the tip of `branch` (or the remote's default branch) of
/// `url` and returns the checkout folder. Errors are sentences for the user.
pub(crate) fn checkout(
    data_dir: &Path,
    name: &str,
    url: &str,
    branch: Option<&str>,
) -> Result<PathBuf, String> {
    let parent = data_dir.join("git");
    let dir = parent.join(name);
    std::fs::create_dir_all(&parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    if dir.join(".git").is_dir() {
        update(&dir, url, branch)?;
    } else {
        clone(&parent, &dir, url, branch)?;
    }
    Ok(dir)
}

/// Clones next to the final folder and renames, so an interrupted clone never looks like a
/// finished checkout.
fn clone(parent: &Path, dir: &Path, url: &str, branch: Option<&str>) -> Result<(), String> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = parent.join(format!("{name}.partial"));
    for stale in [&partial, dir] {
        if stale.exists() {
            std::fs::remove_dir_all(stale)
                .map_err(|e| format!("cannot clear {}: {e}", stale.display()))?;
        }
    }
    let mut args: Vec<&str> = vec!["clone", "--quiet", "--depth", "1", "--no-tags"];
    if let Some(branch) = branch {
        args.extend(["--branch", branch, "--single-branch"]);
    }
    let partial_str = partial.to_string_lossy();
    args.extend(["--", url, &partial_str]);
    run(None, &args)?;
    std::fs::rename(&partial, dir)
        .map_err(|e| format!("cannot move the clone into {}: {e}", dir.display()))
}

fn update(dir: &Path, url: &str, branch: Option<&str>) -> Result<(), String> {
    // The source's URL may have been edited since the clone.
    run(Some(dir), &["remote", "set-url", "origin", url])?;
    let refspec = branch.unwrap_or("HEAD");
    run(
        Some(dir),
        &[
            "fetch",
            "--quiet",
            "--depth",
            "1",
            "--no-tags",
            "--force",
            "origin",
            refspec,
        ],
    )?;
    run(
        Some(dir),
        &["checkout", "--quiet", "--force", "--detach", "FETCH_HEAD"],
    )?;
    run(Some(dir), &["clean", "-ffdxq"])?;
    Ok(())
}

fn run(dir: Option<&Path>, args: &[&str]) -> Result<(), String> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    let output = command
        .args(args)
        // A sync must never wait for a password prompt nobody sees.
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                "git is not installed (the `git` command was not found)".to_string()
            }
            _ => format!("cannot run git: {e}"),
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let detail = stderr.trim();
    Err(format!(
        "`git {}` failed: {}",
        args.first().copied().unwrap_or_default(),
        if detail.is_empty() {
            output.status.to_string()
        } else {
            detail.to_string()
        }
    ))
}
