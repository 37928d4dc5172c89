//! A sync progress bar on stderr, drawn only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use meshlens_app::{AppEvent, EventSink};

pub struct SyncProgressBar {
    bar: Option<Mutex<ProgressBar>>,
}

impl SyncProgressBar {
    /// `wanted` is false for `--json` runs; the bar also stays hidden when stderr is not a terminal.
    pub fn new(wanted: bool) -> SyncProgressBar {
        let visible = wanted && std::io::stderr().is_terminal();
        let bar = visible.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{prefix:>12} {msg:10} [{bar:32}] {pos}/{len}")
                    .expect("the progress template is valid")
                    .progress_chars("=> "),
            );
            Mutex::new(bar)
        });
        SyncProgressBar { bar }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.lock()
                .unwrap_or_else(|e| e.into_inner())
                .finish_and_clear();
        }
    }
}

impl EventSink for SyncProgressBar {
    fn emit(&self, event: &AppEvent) {
        let Some(bar) = &self.bar else { return };
        // The CLI runs no background syncs, so it never announces their findings.
        let AppEvent::SyncProgress(progress) = event else {
            return;
        };
        let bar = bar.lock().unwrap_or_else(|e| e.into_inner());
        bar.set_prefix(progress.source.clone());
        bar.set_message(format!("{:?}", progress.phase).to_lowercase());
        bar.set_length(progress.total);
        bar.set_position(progress.done);
    }
}
