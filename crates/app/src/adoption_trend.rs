//! Adoption trends: after every sync, import or source removal, each product's adoption figures are
//! noted where they changed (`Store::record_adoption`), and `adoption` shows them as points in time.

use std::collections::HashMap;

use meshlens_model::civil::format_epoch_millis;
use meshlens_store::{AdoptionFigures, AdoptionPoint};
use serde::Serialize;
use ts_rs::TS;

use crate::App;
use crate::mesh::Adoption;

/// A product's adoption since `at` (until the next point).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AdoptionTrendPoint {
    /// RFC 3339, UTC.
    pub at: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub figures: AdoptionFigures,
}

impl From<AdoptionPoint> for AdoptionTrendPoint {
    fn from(point: AdoptionPoint) -> AdoptionTrendPoint {
        AdoptionTrendPoint {
            at: format_epoch_millis(point.at_ms, false),
            figures: point.figures,
        }
    }
}

/// How a product's consumers changed since a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AdoptionChange {
    /// Consumers now less consumers then.
    pub consumers: i64,
    /// RFC 3339, UTC: the time asked for, or the first point noted when that came later.
    pub since: String,
}

impl AdoptionChange {
    /// The change from the point in force at `since_ms` (or the first point, when later) to
    /// `consumers`; `None` without points.
    pub(crate) fn since(
        points: &[AdoptionPoint],
        consumers: u64,
        since_ms: i64,
    ) -> Option<AdoptionChange> {
        let in_force = points.iter().rposition(|p| p.at_ms <= since_ms);
        let base = points.get(in_force.unwrap_or(0))?;
        let since = if in_force.is_some() {
            since_ms
        } else {
            base.at_ms
        };
        Some(AdoptionChange {
            consumers: consumers as i64 - base.figures.consumers as i64,
            since: format_epoch_millis(since, false),
        })
    }
}

fn figures(adoption: &Adoption) -> AdoptionFigures {
    AdoptionFigures {
        consumers: adoption.consumers,
        agreement: adoption.via.agreement,
        lineage: adoption.via.lineage,
        input_port: adoption.via.input_port,
        queries_30d: adoption.usage.queries_30d,
        users_30d: adoption.usage.users_30d,
    }
}

impl App {
    /// Notes every product's adoption as of now where it changed. A failure costs the trend one
    /// point, so it is logged rather than failing the change that came before.
    pub(crate) async fn record_adoption(&self) {
        let phase = std::time::Instant::now();
        let now = match self.measure_adoption(None).await {
            Ok(all) => all
                .iter()
                .map(|a| (a.id.clone(), figures(a)))
                .collect::<HashMap<_, _>>(),
            Err(err) => {
                tracing::warn!("cannot measure adoption for its trend: {err}");
                return;
            }
        };
        match self
            .store()
            .record_adoption(meshlens_edit::now_ms(), &now)
            .await
        {
            Ok(written) => tracing::debug!(
                written,
                ms = phase.elapsed().as_millis(),
                "adoption trend noted"
            ),
            Err(err) => tracing::warn!("cannot note the adoption trend: {err}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(at_ms: i64, consumers: u64) -> AdoptionPoint {
        AdoptionPoint {
            at_ms,
            figures: AdoptionFigures {
                consumers,
                ..AdoptionFigures::default()
            },
        }
    }

    #[test]
    fn the_change_starts_at_the_point_in_force_or_at_the_first_one() {
        const DAY: i64 = 24 * 3_600_000;
        let points = [point(DAY, 1), point(10 * DAY, 4), point(20 * DAY, 2)];
        let at = |ms| format_epoch_millis(ms, false);
        // The point in force on day 15 is day 10's.
        let change = AdoptionChange::since(&points, 5, 15 * DAY).unwrap();
        assert_eq!((change.consumers, change.since), (1, at(15 * DAY)));
        // Asked from before the first point: from the first point.
        let change = AdoptionChange::since(&points, 0, 0).unwrap();
        assert_eq!((change.consumers, change.since), (-1, at(DAY)));
        assert_eq!(AdoptionChange::since(&[], 3, 0), None);
    }
}
