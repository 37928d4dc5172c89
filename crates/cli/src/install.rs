//! What packages install beside the binary, generated from the CLI's own definitions: shell completions
//! and man pages. Generating them from `Cli` keeps them from drifting away from the parser.

use std::io::Write;
use std::path::Path;

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;
use meshlens_app::{AppError, ErrorCode};

use crate::Cli;

#[derive(Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

impl From<CompletionShell> for Shell {
    fn from(shell: CompletionShell) -> Shell {
        match shell {
            CompletionShell::Bash => Shell::Bash,
            CompletionShell::Zsh => Shell::Zsh,
            CompletionShell::Fish => Shell::Fish,
        }
    }
}

#[derive(Args)]
pub struct ManArgs {
    /// Folder to write `meshlens.1` and one page per subcommand (`meshlens-sync.1`, ...) into.
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
}

/// Prints the completion script for `shell` on stdout (`meshlens completions bash > meshlens.bash`).
pub fn print_completions(shell: CompletionShell) -> Result<(), AppError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(Shell::from(shell), &mut command, "meshlens", &mut script);
    std::io::stdout()
        .write_all(&script)
        .map_err(|err| io_error("cannot print the completion script", &err))
}

/// Writes the man pages of `meshlens` and all its subcommands into `out` (created if missing).
pub fn write_man_pages(out: &Path) -> Result<usize, AppError> {
    std::fs::create_dir_all(out)
        .map_err(|err| io_error("cannot create the man page folder", &err))?;
    let command = Cli::command();
    clap_mangen::generate_to(command, out)
        .map_err(|err| io_error("cannot write the man pages", &err))?;
    let pages = std::fs::read_dir(out)
        .map_err(|err| io_error("cannot list the man page folder", &err))?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "1"))
        .count();
    Ok(pages)
}

fn io_error(what: &str, err: &std::io::Error) -> AppError {
    AppError::new(ErrorCode::Io, format!("{what}: {err}"))
}
