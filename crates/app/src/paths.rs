//! Who calls a command, which paths that caller may name, and how reports are written.
//!
//! The CLI runs in the user's own shell: a path it names is the user's choice. The desktop window is a web
//! page showing upstream text; one script injection there would be enough to point `report` at `~/.bashrc`
//! or `add_source` at `~/.ssh`. So a desktop call may name only paths under the data directory (a report:
//! a plain file name directly in its `reports/` folder, never through a link) or paths the user chose in a
//! native dialog that the shell opened (see [`DesktopPaths::allow_reading`]).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::api::*;
use crate::{AppError, ErrorCode};

/// The folder of the data directory that desktop reports are written to and report windows read from.
const REPORTS_DIR: &str = "reports";

/// Folders of the data directory that hold upstream repositories (sync and outbox checkouts): their
/// content, links included, is anyone's, so the desktop may not name them as paths.
const UPSTREAM_CHECKOUTS: &[&str] = &["git", "outbox-git"];

/// Who is calling [`App::dispatch_as`](crate::App::dispatch_as).
#[derive(Clone, Copy)]
pub enum Caller<'a> {
    /// The `meshlens` CLI (and `meshlens call`): any path the user typed.
    Cli,
    /// The desktop window: paths must pass the [`DesktopPaths`] policy.
    Desktop(&'a DesktopPaths),
}

impl Caller<'_> {
    /// The arguments as the command may use them, or why this caller may not pass them.
    pub fn admit<A: PathArgs>(&self, args: A) -> Result<A, AppError> {
        match self {
            Caller::Cli => Ok(args),
            Caller::Desktop(paths) => args.admit_desktop(paths),
        }
    }
}

/// Command arguments, as far as they name files or folders. The command table requires it of every
/// argument type, so a new command has to say what a desktop call may pass.
pub trait PathArgs: Sized {
    /// Checks (and resolves) the paths of a desktop call; the default is for arguments without paths.
    fn admit_desktop(self, _paths: &DesktopPaths) -> Result<Self, AppError> {
        Ok(self)
    }
}

macro_rules! no_paths {
    ($($args:ty),* $(,)?) => { $(impl PathArgs for $args {})* };
}

no_paths!(
    NoArgs,
    ListProductsArgs,
    GetProductArgs,
    RemoveSourceArgs,
    SourceScopeArgs,
    SyncArgs,
    SearchArgs,
    LineageArgs,
    LineagePathArgs,
    ImpactArgs,
    QualityArgs,
    QualityMetricsArgs,
    RetentionArgs,
    ScorecardArgs,
    CheckArgs,
    DraftNewArgs,
    DraftEditArgs,
    DraftRef,
    OutboxRef,
    ConflictResolveArgs,
    SetTokenArgs,
    crate::AccessRequestArgs,
    crate::AccessRef,
    crate::AccessListArgs,
    crate::UpdatePreferences,
    crate::HistoryArgs,
    crate::DiffArgs,
    crate::ChangesArgs,
    crate::FollowArgs,
    crate::SyncSchedule,
    crate::MeshArgs,
    crate::AdoptionArgs,
    crate::FeedbackArgs,
);

impl PathArgs for ReportArgs {
    fn admit_desktop(self, paths: &DesktopPaths) -> Result<Self, AppError> {
        let out = paths.writable(&self.out)?;
        // Replacing is fine here: a file of meshlens's own folder, or one the user confirmed in the dialog.
        Ok(ReportArgs {
            out: out.display().to_string(),
            force: true,
            ..self
        })
    }
}

impl PathArgs for ValidateArgs {
    fn admit_desktop(self, paths: &DesktopPaths) -> Result<Self, AppError> {
        let resolved = self.paths.iter().map(|p| paths.readable(p));
        Ok(ValidateArgs {
            paths: resolved
                .map(|p| p.map(|p| p.display().to_string()))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl PathArgs for ImportArgs {
    fn admit_desktop(self, paths: &DesktopPaths) -> Result<Self, AppError> {
        let path = paths.readable(&self.path)?.display().to_string();
        Ok(ImportArgs { path })
    }
}

impl PathArgs for SourceConfig {
    fn admit_desktop(self, paths: &DesktopPaths) -> Result<Self, AppError> {
        let kind = match self.kind {
            SourceKind::Folder { path } => SourceKind::Folder {
                path: paths.readable(&path.to_string_lossy())?,
            },
            // A local repository is a folder of this machine like any other.
            SourceKind::Git { url, branch } if !is_remote_git_url(&url) => {
                let local = url.strip_prefix("file://").unwrap_or(&url);
                paths.readable(local)?;
                SourceKind::Git { url, branch }
            }
            remote => remote,
        };
        Ok(SourceConfig { kind, ..self })
    }
}

/// `https://`, `ssh://`, `git://` or scp-like `user@host:path`: a repository on another machine.
fn is_remote_git_url(url: &str) -> bool {
    let scheme = ["https://", "http://", "ssh://", "git://"];
    scheme.iter().any(|s| url.starts_with(s))
        || url
            .split_once(':')
            .is_some_and(|(host, _)| host.contains('@') && !host.contains('/'))
}

/// The desktop's path policy: the data directory, and what the user chose in the shell's dialogs.
pub struct DesktopPaths {
    data_dir: PathBuf,
    chosen: Mutex<Chosen>,
}

#[derive(Default)]
struct Chosen {
    /// Folders (or files) picked for reading: everything under them, resolved.
    reads: Vec<PathBuf>,
    /// Files picked in a save dialog: that one file each.
    writes: Vec<PathBuf>,
}

impl DesktopPaths {
    pub fn new(data_dir: PathBuf) -> DesktopPaths {
        DesktopPaths {
            data_dir,
            chosen: Mutex::default(),
        }
    }

    pub fn reports_dir(&self) -> PathBuf {
        self.data_dir.join(REPORTS_DIR)
    }

    /// The user picked `path` in a native open dialog: the page may now read it and what lies under it.
    pub fn allow_reading(&self, path: &Path) -> Result<PathBuf, AppError> {
        let resolved = resolve(path)?;
        self.chosen().reads.push(resolved.clone());
        Ok(resolved)
    }

    /// The user picked `path` in a native save dialog: the page may now write that one file.
    pub fn allow_writing(&self, path: &Path) -> Result<PathBuf, AppError> {
        let (dir, name) = split_file(path)?;
        let file = resolve(dir)?.join(name);
        self.chosen().writes.push(file.clone());
        Ok(file)
    }

    fn chosen(&self) -> std::sync::MutexGuard<'_, Chosen> {
        self.chosen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `path` with links and `..` resolved, if it lies under the data directory (not in an upstream
    /// checkout) or under something the user picked.
    fn readable(&self, path: &str) -> Result<PathBuf, AppError> {
        let resolved = resolve(Path::new(path))?;
        let data_dir = resolve(&self.data_dir)?;
        let in_data_dir = resolved.strip_prefix(&data_dir).is_ok_and(|rest| {
            !matches!(rest.components().next(), Some(Component::Normal(first)) if UPSTREAM_CHECKOUTS.iter().any(|c| first == *c))
        });
        if in_data_dir || self.chosen().reads.iter().any(|r| resolved.starts_with(r)) {
            return Ok(resolved);
        }
        Err(not_allowed(
            path,
            "the app may read only the data directory and folders picked with Choose…",
        ))
    }

    /// Where a report may go: a file the user picked in a save dialog, or a plain `.html` name directly in
    /// the data directory's `reports/` folder that is not a link.
    fn writable(&self, path: &str) -> Result<PathBuf, AppError> {
        let (dir, name) = split_file(Path::new(path))?;
        if let Ok(dir) = resolve(dir) {
            let file = dir.join(name);
            if self.chosen().writes.contains(&file) {
                return Ok(file);
            }
        }
        let reports = self.reports_dir();
        create_dir(&reports)?;
        let reports = resolve(&reports)?;
        let in_reports = resolve(dir).is_ok_and(|d| d == reports) && is_report_file_name(name);
        if !in_reports || reports != resolve(&self.data_dir)?.join(REPORTS_DIR) {
            return Err(not_allowed(
                path,
                "reports are saved in the data directory's reports/ folder or where Choose… puts them",
            ));
        }
        let file = reports.join(name);
        refuse_link(&file)?;
        Ok(file)
    }
}

/// A name the report windows can show: letters, digits, `.`, `_`, `-`, ending in `.html`, not hidden.
pub fn is_report_file_name(name: &str) -> bool {
    !name.starts_with('.')
        && name.len() > ".html".len()
        && name.ends_with(".html")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn not_allowed(path: &str, why: &str) -> AppError {
    AppError::new(
        ErrorCode::PathNotAllowed,
        format!("the desktop app may not use {path}: {why}"),
    )
}

fn resolve(path: &Path) -> Result<PathBuf, AppError> {
    std::fs::canonicalize(path).map_err(|err| {
        AppError::new(
            ErrorCode::Io,
            format!("cannot open {}: {err}", path.display()),
        )
    })
}

fn split_file(path: &Path) -> Result<(&Path, &str), AppError> {
    let name = path.file_name().and_then(|n| n.to_str());
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    match (dir, name) {
        (Some(dir), Some(name)) => Ok((dir, name)),
        _ => Err(AppError::new(
            ErrorCode::InvalidArgs,
            format!("{} is not a file path with a folder", path.display()),
        )),
    }
}

fn create_dir(dir: &Path) -> Result<(), AppError> {
    std::fs::create_dir_all(dir).map_err(|err| {
        AppError::new(
            ErrorCode::Io,
            format!("cannot create {}: {err}", dir.display()),
        )
    })
}

/// Refuses a symbolic link at `file`: writing would change whatever it points to.
fn refuse_link(file: &Path) -> Result<(), AppError> {
    match std::fs::symlink_metadata(file) {
        Ok(meta) if meta.file_type().is_symlink() => Err(AppError::new(
            ErrorCode::PathNotAllowed,
            format!(
                "{} is a symbolic link; meshlens does not write through links",
                file.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Writes a report file, never through a symbolic link. Without `replace`, an existing file (or link) is
/// left alone and reported; with it, a file is replaced whole (a new file renamed over it), so a crash
/// leaves the old report or the new one.
pub fn write_report_file(out: &Path, bytes: &[u8], replace: bool) -> Result<(), AppError> {
    let io = |err: std::io::Error| {
        AppError::new(
            ErrorCode::Io,
            format!("cannot write {}: {err}", out.display()),
        )
    };
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        create_dir(dir)?;
    }
    if !replace {
        // `create_new` fails on anything already there, a dangling link included.
        let mut file = match OpenOptions::new().write(true).create_new(true).open(out) {
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(AppError::new(
                    ErrorCode::FileExists,
                    format!(
                        "{} exists already; pass --force to replace it",
                        out.display()
                    ),
                ));
            }
            opened => opened.map_err(io)?,
        };
        return file.write_all(bytes).map_err(io);
    }
    refuse_link(out)?;
    let name = out.file_name().unwrap_or_default().to_string_lossy();
    let partial = dir
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.{}.partial", std::process::id()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&partial, out));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desktop() -> (tempfile::TempDir, DesktopPaths) {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("data")).unwrap();
        let paths = DesktopPaths::new(root.path().join("data"));
        (root, paths)
    }

    fn report(out: &Path) -> ReportArgs {
        ReportArgs {
            domain: None,
            out: out.display().to_string(),
            force: false,
        }
    }

    fn refused<T: std::fmt::Debug>(result: Result<T, AppError>) -> ErrorCode {
        result.expect_err("the desktop should be refused").code
    }

    #[test]
    fn a_report_name_from_an_upstream_domain_cannot_leave_the_reports_folder() {
        let (root, paths) = desktop();
        let data = root.path().join("data");
        // The old default: `<data dir>/steward-report-<domain>.html` with the domain `x/../../out/evil`.
        for out in [
            data.join("steward-report-x/../../out/evil.html"),
            data.join("reports/../../evil.html"),
            data.join("reports/sub/../../evil.html"),
            data.join("reports/evil.sh"),
            data.join("steward-report.html"),
        ] {
            let code = refused(Caller::Desktop(&paths).admit(report(&out)));
            assert!(
                matches!(code, ErrorCode::PathNotAllowed | ErrorCode::Io),
                "{out:?}: {code:?}"
            );
        }
        let admitted = Caller::Desktop(&paths)
            .admit(report(
                &data.join("reports/steward-report-x_.._.._out_evil.html"),
            ))
            .unwrap();
        let reports = std::fs::canonicalize(data.join("reports")).unwrap();
        assert_eq!(
            PathBuf::from(&admitted.out),
            reports.join("steward-report-x_.._.._out_evil.html")
        );
        assert!(admitted.force, "meshlens rewrites its own reports");
    }

    #[test]
    fn an_absolute_path_outside_the_data_directory_is_refused_to_the_desktop_only() {
        let (root, paths) = desktop();
        let outside = root.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("secret.yaml"), "token: x").unwrap();
        let file = outside.join("secret.yaml").display().to_string();
        let desktop = Caller::Desktop(&paths);
        let code = refused(desktop.admit(report(&outside.join("evil.html"))));
        assert_eq!(code, ErrorCode::PathNotAllowed);
        let validate = ValidateArgs {
            paths: vec![file.clone()],
        };
        assert_eq!(
            refused(desktop.admit(validate.clone())),
            ErrorCode::PathNotAllowed
        );
        let import = ImportArgs { path: file.clone() };
        assert_eq!(refused(desktop.admit(import)), ErrorCode::PathNotAllowed);
        let folder = SourceConfig {
            name: "home".into(),
            kind: SourceKind::Folder {
                path: outside.clone(),
            },
            scope: None,
        };
        assert_eq!(refused(desktop.admit(folder)), ErrorCode::PathNotAllowed);
        let local_git = SourceConfig {
            name: "repo".into(),
            kind: SourceKind::Git {
                url: format!("file://{}", outside.display()),
                branch: None,
            },
            scope: None,
        };
        assert_eq!(refused(desktop.admit(local_git)), ErrorCode::PathNotAllowed);
        // The CLI is the user's own shell.
        assert_eq!(Caller::Cli.admit(validate).unwrap().paths, vec![file]);
    }

    #[test]
    fn links_and_upstream_checkouts_do_not_lead_the_desktop_elsewhere() {
        let (root, paths) = desktop();
        let data = root.path().join("data");
        let outside = root.path().join("outside.html");
        std::fs::write(&outside, "mine").unwrap();
        std::fs::create_dir_all(data.join("reports")).unwrap();
        let link = data.join("reports/steward-report.html");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        assert_eq!(
            refused(Caller::Desktop(&paths).admit(report(&link))),
            ErrorCode::PathNotAllowed
        );
        // A link inside the data directory that points out of it is followed before the check.
        std::os::unix::fs::symlink(root.path(), data.join("up")).unwrap();
        let through = ImportArgs {
            path: data.join("up/outside.html").display().to_string(),
        };
        assert_eq!(
            refused(Caller::Desktop(&paths).admit(through)),
            ErrorCode::PathNotAllowed
        );
        std::fs::create_dir_all(data.join("git/evil")).unwrap();
        let checkout = SourceConfig {
            name: "evil".into(),
            kind: SourceKind::Folder {
                path: data.join("git/evil"),
            },
            scope: None,
        };
        assert_eq!(
            refused(Caller::Desktop(&paths).admit(checkout)),
            ErrorCode::PathNotAllowed
        );
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "mine");
    }

    #[test]
    fn a_reports_folder_that_is_a_link_is_refused() {
        let (root, paths) = desktop();
        let elsewhere = root.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.path().join("data/reports")).unwrap();
        let out = root.path().join("data/reports/steward-report.html");
        assert_eq!(
            refused(Caller::Desktop(&paths).admit(report(&out))),
            ErrorCode::PathNotAllowed
        );
    }

    #[test]
    fn what_the_user_picked_in_a_dialog_is_allowed() {
        let (root, paths) = desktop();
        let picked = root.path().join("mesh");
        std::fs::create_dir(&picked).unwrap();
        std::fs::write(picked.join("a.yaml"), "x: 1").unwrap();
        paths.allow_reading(&picked).unwrap();
        let import = ImportArgs {
            path: picked.join("a.yaml").display().to_string(),
        };
        assert!(Caller::Desktop(&paths).admit(import).is_ok());
        let saved = root.path().join("Documents-report.html");
        paths.allow_writing(&saved).unwrap();
        let admitted = Caller::Desktop(&paths).admit(report(&saved)).unwrap();
        assert!(admitted.force, "the save dialog asked before replacing");
        let sibling = root.path().join("other.html");
        assert_eq!(
            refused(Caller::Desktop(&paths).admit(report(&sibling))),
            ErrorCode::PathNotAllowed
        );
    }

    #[test]
    fn a_report_replaces_nothing_unless_asked_and_never_writes_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report.html");
        write_report_file(&out, b"first", false).unwrap();
        let again = write_report_file(&out, b"second", false);
        assert_eq!(again.unwrap_err().code, ErrorCode::FileExists);
        assert_eq!(std::fs::read(&out).unwrap(), b"first");
        write_report_file(&out, b"second", true).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"second");

        let target = dir.path().join("bashrc");
        std::fs::write(&target, "mine").unwrap();
        let link = dir.path().join("link.html");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let dangling = dir.path().join("dangling.html");
        std::os::unix::fs::symlink(dir.path().join("new-file"), &dangling).unwrap();
        assert_eq!(
            write_report_file(&link, b"x", false).unwrap_err().code,
            ErrorCode::FileExists
        );
        assert_eq!(
            write_report_file(&link, b"x", true).unwrap_err().code,
            ErrorCode::PathNotAllowed
        );
        assert!(write_report_file(&dangling, b"x", false).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
        assert!(!dir.path().join("new-file").exists());
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 4, "no partial file left behind");
    }
}
