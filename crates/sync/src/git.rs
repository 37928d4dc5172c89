//! Git sources through the system `git` binary.
//!
//! Why not libgit2 or gix: the system git already handles every transport, credential helper,
//! SSH agent and proxy setting the user has configured, and it costs nothing to compile.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use meshlens_store::GIT_ALLOWED_PROTOCOLS;

/// Brings `<data_dir>/git/<name>` to the tip of `branch` (or the remote's default branch) of
/// `url` and returns the checkout folder. Errors are sentences for the user.
pub(crate) fn checkout(
    data_dir: &Path,
    name: &str,
    url: &str,
    branch: Option<&str>,
) -> Result<PathBuf, String> {
    // Sources stored before these checks existed are not trusted either.
    meshlens_store::check_git_source(url, branch).map_err(|e| e.to_string())?;
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
    let branch = branch.map(|b| format!("--branch={b}"));
    let mut args = vec!["clone", "--quiet", "--depth", "1", "--no-tags"];
    if let Some(branch) = &branch {
        args.extend([branch.as_str(), "--single-branch"]);
    }
    let partial_str = partial.to_string_lossy();
    args.extend(["--end-of-options", url, &partial_str]);
    run(None, &args)?;
    std::fs::rename(&partial, dir)
        .map_err(|e| format!("cannot move the clone into {}: {e}", dir.display()))
}

fn update(dir: &Path, url: &str, branch: Option<&str>) -> Result<(), String> {
    // The source's URL may have been edited since the clone.
    run(
        Some(dir),
        &["remote", "set-url", "--end-of-options", "origin", url],
    )?;
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
            "--end-of-options",
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

/// Runs git with `--end-of-options` before every argument from the source's configuration (so no
/// branch or URL is read as an option), only the transports of [`GIT_ALLOWED_PROTOCOLS`] (no
/// `ext::` helper runs a command, whatever the configuration says), and no terminal prompt.
///
/// Hooks and configuration cannot come from upstream: a clone starts with none, and sync only runs
/// git in checkouts meshlens made.
fn run(dir: Option<&Path>, args: &[&str]) -> Result<(), String> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    let output = command
        .args(args)
        .env("GIT_ALLOW_PROTOCOL", GIT_ALLOWED_PROTOCOLS)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The protocol allow-list wins over configuration that would let `ext::` run a command.
    #[test]
    fn ext_transports_never_run_commands() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("pwned");
        let url = format!("ext::sh -c touch% {}", marker.display());
        let err = run(
            None,
            &[
                "-c",
                "protocol.ext.allow=always",
                "ls-remote",
                "--end-of-options",
                &url,
            ],
        )
        .unwrap_err();
        assert!(err.contains("not allowed"), "{err}");
        assert!(!marker.exists());
    }

    /// A branch or URL that reaches git despite the stored-config check still is no option.
    #[test]
    fn configured_arguments_are_never_options() {
        let data = tempfile::tempdir().unwrap();
        let marker = data.path().join("pwned");
        let evil = format!("--upload-pack=touch {}", marker.display());
        for (url, branch) in [("/nowhere", Some(evil.as_str())), (evil.as_str(), None)] {
            let err = checkout(data.path(), "s", url, branch).unwrap_err();
            assert!(err.contains("starts with '-'"), "{err}");
        }
        assert!(!marker.exists());
    }
}
