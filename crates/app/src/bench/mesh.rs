//! `meshlens bench mesh`: how fast the mesh at a glance answers on a synced cache (issue #23): `mesh`
//! (every domain's health and score, every cross-domain edge), the trust score of every product, and
//! `adoption` of every product.

use std::time::Instant;

use serde::Serialize;

use super::{Latency, peak_rss_mib, timed_ms};
use crate::{AdoptionArgs, App, AppError, ErrorCode, MeshArgs, NoEvents};

#[derive(Debug, Clone, Serialize)]
pub struct MeshBenchReport {
    pub products: usize,
    pub domains: usize,
    pub edges: usize,
    /// Storing every product's lineage consumers, as a sync does after changing the lineage (0 when
    /// they were stored already).
    pub store_consumers_ms: f64,
    /// Storing every product's quality figures, as a sync does after changing the quality results or
    /// the catalogue (0 when they were stored already; it also builds the quality targets and facts).
    pub store_figures_ms: f64,
    /// The first `mesh` call.
    pub first_mesh_ms: f64,
    pub mesh: Latency,
    /// The trust scores of every product, with the weights of their policies.
    pub trust_all: Latency,
    pub adoption: Latency,
    pub peak_rss_mib: f64,
}

/// Times `mesh`, every product's trust score and `adoption`, `samples` times each, on the synced cache.
pub async fn bench_mesh(app: &App, samples: usize) -> Result<MeshBenchReport, AppError> {
    let started = Instant::now();
    meshlens_lineage::refresh_consumers(app.store()).await?;
    let store_consumers_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    meshlens_quality::refresh_figures(app.store()).await?;
    let store_figures_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let mesh = app.mesh(MeshArgs::default(), &NoEvents).await?;
    let first_mesh_ms = started.elapsed().as_secs_f64() * 1000.0;
    if mesh.domains.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidArgs,
            "the cache has no products: sync a mesh first (`meshlens bench sync --dir DIR` leaves one in DIR/data)",
        ));
    }
    let (mut mesh_ms, mut trust_ms, mut adoption_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut products = 0;
    for _ in 0..samples.max(1) {
        mesh_ms.push(timed_ms(app.mesh(MeshArgs::default(), &NoEvents)).await?);
        let started = Instant::now();
        products = app.product_trust(None).await?.len();
        trust_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        adoption_ms.push(timed_ms(app.adoption(AdoptionArgs::default(), &NoEvents)).await?);
    }
    Ok(MeshBenchReport {
        products,
        domains: mesh.domains.len(),
        edges: mesh.edges.len(),
        store_consumers_ms,
        store_figures_ms,
        first_mesh_ms,
        mesh: Latency::of(mesh_ms),
        trust_all: Latency::of(trust_ms),
        adoption: Latency::of(adoption_ms),
        peak_rss_mib: peak_rss_mib(),
    })
}
