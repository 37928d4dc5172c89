//! `meshlens bench validate`: parsing and validating generated contracts one after the other, as
//! `meshlens validate` does, against Python's `jsonschema` on the same files
//! (`tests/support/validate_jsonschema.py` reads the list this benchmark writes).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::{AppError, ErrorCode};

#[derive(Debug, Clone, Serialize)]
pub struct ValidateBenchReport {
    pub contracts: usize,
    /// The files, one per line, for the Python side.
    pub file_list: String,
    pub bytes: u64,
    /// First round: each schema in use is compiled once on the way.
    pub first_round_ms: f64,
    /// Median of the later rounds.
    pub median_round_ms: f64,
    pub rounds: usize,
    pub invalid: usize,
}

/// Validates the first `contracts` ODCS files of a generated mesh `rounds` times.
pub fn bench_validate(
    workdir: &Path,
    products: usize,
    seed: u64,
    contracts: usize,
    rounds: usize,
) -> Result<ValidateBenchReport, AppError> {
    let (mesh, _) = super::generated_mesh(workdir, products, seed)?;
    let files = contract_files(&mesh, contracts)?;
    let texts: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| Ok((f.display().to_string(), std::fs::read(f).map_err(io(f))?)))
        .collect::<Result<_, AppError>>()?;
    let file_list = workdir.join("validate-files.txt");
    let listed: Vec<String> = texts.iter().map(|(name, _)| name.clone()).collect();
    std::fs::write(&file_list, listed.join("\n") + "\n").map_err(io(&file_list))?;
    let round = || {
        let started = Instant::now();
        let invalid = texts
            .iter()
            .filter(|(name, bytes)| !meshlens_model::validate_file(name, bytes).valid)
            .count();
        (started.elapsed().as_secs_f64() * 1000.0, invalid)
    };
    let (first_round_ms, invalid) = round();
    let mut later: Vec<f64> = (1..rounds.max(2)).map(|_| round().0).collect();
    later.sort_by(f64::total_cmp);
    Ok(ValidateBenchReport {
        contracts: texts.len(),
        file_list: file_list.display().to_string(),
        bytes: texts.iter().map(|(_, b)| b.len() as u64).sum(),
        first_round_ms,
        median_round_ms: later[later.len() / 2],
        rounds: later.len() + 1,
        invalid,
    })
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |err| {
        AppError::new(
            ErrorCode::Io,
            format!("cannot read {}: {err}", path.display()),
        )
    }
}

/// The mesh's `*.odcs.yaml` files in path order, the first `limit` of them.
fn contract_files(mesh: &Path, limit: usize) -> Result<Vec<PathBuf>, AppError> {
    let mut found = Vec::new();
    let mut dirs = vec![mesh.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.to_string_lossy().ends_with(".odcs.yaml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found.truncate(limit);
    Ok(found)
}
