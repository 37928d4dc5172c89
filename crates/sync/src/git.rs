//! Git sources through the system `git` binary ([`meshlens_store::run_git`] says why).

use std::path::{Path, PathBuf};

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

/// Runs git in `dir` (see [`meshlens_store::run_git`]). Hooks and configuration cannot come from
/// upstream: a clone starts with none, and sync only runs git in checkouts meshlens made.
fn run(dir: Option<&Path>, args: &[&str]) -> Result<(), String> {
    meshlens_store::run_git(dir, args, &[]).map(drop)
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
