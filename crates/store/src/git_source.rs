//! What a git source may name: its branch and URL reach `git` as arguments, so anything git could
//! read as an option or as a command-running transport is refused when the source is added, and
//! again before every git call (a source stored by an older version is not trusted either). Every
//! git call goes through [`run_git`].

use std::path::Path;
use std::process::{Command, Stdio};

/// The transports every git call allows (`GIT_ALLOW_PROTOCOL`): no `ext::` or `fd::` remote
/// helpers, which run commands, whatever the user's or a repository's configuration says.
pub const GIT_ALLOWED_PROTOCOLS: &str = "file:git:http:https:ssh";

/// Runs the system git, the one way every part of meshlens does (sync's checkouts, the outbox's
/// git submits): only the transports of [`GIT_ALLOWED_PROTOCOLS`] (no `ext::` helper runs a
/// command, whatever the configuration says), no terminal prompt nobody would see, no stdin, and
/// `env` added. Callers put `--end-of-options` before every argument from configuration or
/// upstream. Returns stdout; an error is a sentence for the user with git's own message.
///
/// Why the system git and not libgit2 or gix: it already handles every transport, credential
/// helper, SSH agent and proxy setting the user has configured, and it costs nothing to compile.
pub fn run_git(dir: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    let output = command
        .args(args)
        .envs(env.iter().copied())
        .env("GIT_ALLOW_PROTOCOL", GIT_ALLOWED_PROTOCOLS)
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
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let detail = match stderr.trim() {
        "" => output.status.to_string(),
        said => said.to_string(),
    };
    Err(format!(
        "`git {}` failed: {detail}",
        args.first().copied().unwrap_or_default(),
    ))
}

/// URL schemes of the allowed transports (`git+ssh` and `ssh+git` are git's aliases of `ssh`).
const URL_SCHEMES: [&str; 7] = ["file", "git", "http", "https", "ssh", "git+ssh", "ssh+git"];

/// A branch or URL git must not be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitSourceError {
    #[error("git branch '{branch}' is refused: {reason}")]
    Branch { branch: String, reason: String },
    #[error("git URL '{url}' is refused: {reason}")]
    Url { url: String, reason: String },
}

/// Checks a git source's URL and branch (see [`check_git_branch`] and [`check_git_url`]).
pub fn check_git_source(url: &str, branch: Option<&str>) -> Result<(), GitSourceError> {
    check_git_url(url)?;
    branch.map_or(Ok(()), check_git_branch)
}

/// Accepts what `git check-ref-format --branch` accepts, minus `@`, `@{…}` and `HEAD`: names git
/// would resolve to another ref. Never a name starting with `-`, which git would read as an option.
pub fn check_git_branch(branch: &str) -> Result<(), GitSourceError> {
    match branch_problem(branch) {
        None => Ok(()),
        Some(reason) => Err(GitSourceError::Branch {
            branch: branch.escape_debug().to_string(),
            reason,
        }),
    }
}

/// The first rule of git's ref-name format (`git help check-ref-format`) that `branch` breaks.
fn branch_problem(branch: &str) -> Option<String> {
    const FORBIDDEN: &[char] = &[' ', '~', '^', ':', '?', '*', '[', '\\'];
    let problem = if branch.is_empty() {
        "it is empty"
    } else if branch.starts_with('-') {
        "it starts with '-', which git would read as an option"
    } else if branch == "HEAD" || branch == "@" {
        "it names the current commit, not a branch; leave the branch out to follow the default one"
    } else if let Some(c) = branch.chars().find(|c| c.is_ascii_control()) {
        return Some(format!(
            "it contains the control character {}",
            c.escape_debug()
        ));
    } else if let Some(c) = branch.chars().find(|c| FORBIDDEN.contains(c)) {
        return Some(format!("it contains '{c}'"));
    } else if branch.contains("..") {
        "it contains '..'"
    } else if branch.contains("@{") {
        "it contains '@{'"
    } else if branch.ends_with('.') {
        "it ends with '.'"
    } else if branch.split('/').any(str::is_empty) {
        "it starts or ends with '/' or contains '//'"
    } else if branch.split('/').any(|c| c.starts_with('.')) {
        "a part of it starts with '.'"
    } else if branch.split('/').any(|c| c.ends_with(".lock")) {
        "a part of it ends with '.lock'"
    } else {
        return None;
    };
    Some(problem.to_string())
}

/// Refuses URLs git would read as an option, remote-helper addresses (`ext::sh -c …`, `fd::…`) and
/// schemes outside [`GIT_ALLOWED_PROTOCOLS`]. Local paths and `user@host:path` stay allowed.
pub fn check_git_url(url: &str) -> Result<(), GitSourceError> {
    let refuse = |reason: String| GitSourceError::Url {
        url: url.escape_debug().to_string(),
        reason,
    };
    if url.is_empty() {
        return Err(refuse("it is empty".into()));
    }
    if url.starts_with('-') {
        return Err(refuse(
            "it starts with '-', which git would read as an option".into(),
        ));
    }
    if url.chars().any(|c| c.is_ascii_control()) {
        return Err(refuse("it contains a control character".into()));
    }
    if let Some((helper, _)) = url.split_once("::").filter(|(h, _)| is_scheme(h)) {
        return Err(refuse(format!(
            "'{helper}::' runs a git remote helper; use an https://, ssh:// or git:// URL or a local path"
        )));
    }
    match url.split_once("://").filter(|(s, _)| is_scheme(s)) {
        Some((scheme, _)) if !URL_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) => {
            Err(refuse(format!(
                "'{scheme}://' is not a transport meshlens allows (https, ssh, git, http, file)"
            )))
        }
        _ => Ok(()),
    }
}

/// `[A-Za-z][A-Za-z0-9+.-]*`: what git takes for a transport name before `::` or `://`.
fn is_scheme(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &[&str] = &[
        "main",
        "release/2024.1",
        "feature/a-b_c",
        "a@b",
        "ü",
        "x.lock.y",
        "v1.2",
    ];
    const BAD: &[&str] = &[
        "",
        "-x",
        "--upload-pack=touch /tmp/pwned",
        "HEAD",
        "@",
        "a..b",
        "a.lock",
        "a/.b",
        ".a",
        "a b",
        "@{x}",
        "x@{",
        "a//b",
        "/a",
        "a/",
        "a.",
        "a\\b",
        "a:b",
        "a/b.lock/c",
        "a~1",
        "a^",
        "a?",
        "a*",
        "a[",
        "a\tb",
        "a\u{7f}",
        "@{-1}",
    ];

    #[test]
    fn branches_follow_the_ref_format_rules() {
        for good in GOOD {
            assert_eq!(check_git_branch(good), Ok(()), "{good}");
        }
        for bad in BAD {
            assert!(check_git_branch(bad).is_err(), "{bad:?} accepted");
        }
        let err = check_git_branch("--upload-pack=touch /tmp/pwned").unwrap_err();
        assert_eq!(
            err.to_string(),
            "git branch '--upload-pack=touch /tmp/pwned' is refused: it starts with '-', which git \
             would read as an option"
        );
    }

    /// Never more lenient than git itself: every name accepted here passes `git check-ref-format
    /// --branch`, and the names git rejects are rejected here too.
    #[test]
    fn branches_agree_with_git_check_ref_format() {
        let git_accepts = |name: &str| {
            std::process::Command::new("git")
                .args(["check-ref-format", "--branch", name])
                .output()
                .map(|o| o.status.success())
        };
        let Ok(true) = git_accepts("main") else {
            eprintln!("git is not installed; skipped");
            return;
        };
        for name in GOOD.iter().chain(BAD) {
            let ours = check_git_branch(name).is_ok();
            if ours {
                assert!(
                    git_accepts(name).unwrap(),
                    "{name:?}: accepted, git rejects"
                );
            }
        }
    }

    #[test]
    fn urls_that_are_options_or_helpers_are_refused() {
        for good in [
            "https://example.com/mesh.git",
            "ssh://git@example.com/mesh.git",
            "git@example.com:team/mesh.git",
            "GIT://example.com/mesh",
            "file:///srv/mesh.git",
            "/srv/mesh.git",
            "../mesh",
            "C:\\repos\\mesh",
        ] {
            assert_eq!(check_git_url(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("--upload-pack=touch /tmp/pwned", "starts with '-'"),
            (
                "ext::sh -c touch% /tmp/pwned",
                "'ext::' runs a git remote helper",
            ),
            ("fd::3", "'fd::' runs"),
            ("ftp://example.com/mesh", "'ftp://' is not a transport"),
            ("https://example.com/\nmesh", "control character"),
            ("", "empty"),
        ] {
            let err = check_git_url(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
        assert!(check_git_source("https://example.com/m.git", Some("-b")).is_err());
        assert_eq!(check_git_source("https://example.com/m.git", None), Ok(()));
    }
}
