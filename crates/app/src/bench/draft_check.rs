//! `meshlens bench draft-check`: the check the draft editor asks for on every pause in typing, on the
//! largest contract of the demo mesh (issue #25: under 5 ms p99), in a fresh data directory.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::{Latency, timed_ms};
use crate::{
    App, AppConfig, AppError, DraftEditArgs, DraftNewArgs, DraftRef, ErrorCode, NoArgs, NoEvents,
};

#[derive(Debug, Clone, Serialize)]
pub struct DraftCheckBenchReport {
    pub contract: String,
    pub bytes: usize,
    pub columns: usize,
    /// The first check: it also builds the quality facts and the lineage graph the impact reads.
    pub first_ms: f64,
    pub draft_check: Latency,
}

/// Syncs the demo mesh into `workdir/data` (emptied first), starts a draft of its largest contract
/// with a one-field edit, and times `draft_check` `samples` times after a first call.
pub async fn bench_draft_check(
    workdir: &Path,
    samples: usize,
) -> Result<DraftCheckBenchReport, AppError> {
    let data_dir = workdir.join("data");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir).map_err(|err| {
            AppError::new(
                ErrorCode::Io,
                format!("cannot empty {}: {err}", data_dir.display()),
            )
        })?;
    }
    let app = App::open(AppConfig { data_dir }).await?;
    app.open_demo(NoArgs::default(), &NoEvents).await?;
    let (contract, bytes, columns) = largest_contract(&app).await?;
    let new = DraftNewArgs {
        from: Some(contract.clone()),
        ..DraftNewArgs::default()
    };
    let draft = app.draft_new(new, &NoEvents).await?;
    let edit = DraftEditArgs {
        draft: draft.id,
        text: None,
        set: vec!["description.purpose=Edited by the draft check benchmark.".into()],
    };
    app.draft_edit(edit, &NoEvents).await?;
    let check = || app.draft_check(DraftRef { draft: draft.id }, &NoEvents);
    let started = Instant::now();
    check().await?;
    let first_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples.max(1) {
        times.push(timed_ms(check()).await?);
    }
    Ok(DraftCheckBenchReport {
        contract,
        bytes,
        columns,
        first_ms,
        draft_check: Latency::of(times),
    })
}

/// The id, size and column count of the cache's largest contract (by its text).
async fn largest_contract(app: &App) -> Result<(String, usize, usize), AppError> {
    let mut largest: Option<(String, usize, usize)> = None;
    for summary in app.store().list_products(&Default::default()).await? {
        let Some(product) = app.store().get_product(&summary.id).await? else {
            continue;
        };
        for pc in product.contracts {
            let columns = pc.contract.datasets.iter().map(|d| d.columns.len()).sum();
            if largest
                .as_ref()
                .is_none_or(|(_, bytes, _)| pc.raw.len() > *bytes)
            {
                largest = Some((pc.contract.id, pc.raw.len(), columns));
            }
        }
    }
    largest.ok_or_else(|| AppError::new(ErrorCode::Internal, "the demo mesh has no contract"))
}
