//! The background sync: every source synced on a schedule the user picks (default off), each only when it can
//! be reached, and the breaking changes a run brings to what the user follows announced as an event (the
//! desktop shows it as a notification). The desktop app runs the loop ([`App::start_sync_scheduler`]); the CLI
//! reads and changes the schedule (`meshlens call sync_schedule`, `set_sync_schedule`), which the running app
//! picks up within a minute.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use meshlens_store::SourceKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::{NoArgs, SyncArgs};
use crate::feed::{ChangesArgs, FeedChange};
use crate::settings_file::{read_settings, write_settings};
use crate::{App, AppError, AppEvent, ErrorCode, EventSink};

/// The schedule, beside the cache in the data directory.
const SCHEDULE_FILE: &str = "sync-schedule.json";
/// Bounds of an interval: more often than every 5 minutes would keep a catalog busy for little news; less
/// often than daily is not a schedule anyone would pick here.
pub const MIN_SYNC_MINUTES: u32 = 5;
pub const MAX_SYNC_MINUTES: u32 = 24 * 60;
/// How often the loop reads the schedule again (a change from the CLI shows within this time).
const RECHECK: Duration = Duration::from_secs(60);
/// How long a source's host may take to accept a connection before it counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// Changes named in a notice; the rest are counted.
const NOTICE_NAMES: usize = 3;

/// What the user picks in Sources → "Sync in the background".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncSchedule {
    /// Minutes between background syncs; 0 switches them off (the default).
    pub every_minutes: u32,
    /// Announce breaking changes to followed products, contracts, datasets and domains (a desktop notification).
    #[serde(default = "notify_by_default")]
    #[ts(optional, as = "Option<bool>")]
    pub notify: bool,
}

fn notify_by_default() -> bool {
    true
}

impl Default for SyncSchedule {
    fn default() -> SyncSchedule {
        SyncSchedule {
            every_minutes: 0,
            notify: true,
        }
    }
}

/// The schedule and what the background sync last did (`sync_schedule`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncScheduleStatus {
    pub every_minutes: u32,
    pub notify: bool,
    /// The last background run of this app session; `None` before the first (and always in the CLI).
    pub last_run: Option<ScheduledRun>,
    /// When the next run is due (UTC, RFC 3339); `None` when background syncs are off.
    pub next_run: Option<String>,
}

/// One background run.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledRun {
    /// When it started (UTC, RFC 3339).
    pub at: String,
    /// Sources synced.
    pub synced: Vec<String>,
    /// Sources skipped because their folder or host could not be reached.
    pub unreachable: Vec<String>,
    /// Sources that were reached but could not be read (their cache kept), or why the run did not sync.
    pub failed: Vec<String>,
    /// Breaking changes it brought to what the user follows.
    pub breaking_followed: u32,
}

/// The event a background run sends when it brings breaking changes to followed things.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BreakingNotice {
    pub count: u32,
    /// "2 breaking changes in what you follow"
    pub title: String,
    /// One line per change (the first few), then how many more.
    pub body: String,
    /// The products (or contracts, datasets) changed, for the UI to link to.
    pub ids: Vec<String>,
}

impl BreakingNotice {
    fn new(changes: &[FeedChange]) -> BreakingNotice {
        let count = changes.len();
        let title = match count {
            1 => "A breaking change in what you follow".to_string(),
            n => format!("{n} breaking changes in what you follow"),
        };
        let mut lines: Vec<String> = changes
            .iter()
            .take(NOTICE_NAMES)
            .map(|change| {
                let name = change.name.as_deref().unwrap_or(&change.id);
                format!("{name}: {}", change.summary)
            })
            .collect();
        if count > NOTICE_NAMES {
            lines.push(format!("and {} more", count - NOTICE_NAMES));
        }
        let mut ids: Vec<String> = changes
            .iter()
            .map(|c| c.product.clone().unwrap_or_else(|| c.id.clone()))
            .collect();
        ids.dedup();
        BreakingNotice {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            title,
            body: lines.join("\n"),
            ids,
        }
    }
}

/// The background loop's memory: when it last ran (epoch ms) and what that run did.
#[derive(Default)]
pub(crate) struct SchedulerState {
    last: std::sync::Mutex<Option<(i64, ScheduledRun)>>,
    /// Woken when the schedule changes, so a new interval applies at once.
    wake: tokio::sync::Notify,
}

/// When the next run is due (epoch ms): one interval after the newer of the last sync any front end made
/// and the last background attempt; now when nothing was ever synced. `None` when off.
fn next_due_ms(
    schedule: &SyncSchedule,
    newest_sync_ms: Option<i64>,
    attempt_ms: Option<i64>,
) -> Option<i64> {
    if schedule.every_minutes == 0 {
        return None;
    }
    let interval = i64::from(schedule.every_minutes) * 60_000;
    Some(
        newest_sync_ms
            .max(attempt_ms)
            .map_or(0, |reference| reference + interval),
    )
}

/// Where syncing a source goes first: a folder on this machine, or a host and port on the network.
#[derive(Debug, PartialEq, Eq)]
enum Destination {
    Local(PathBuf),
    Remote { host: String, port: u16 },
}

/// The destination of a source; for a network one behind a proxy (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
/// as git and the catalog client honour them), the proxy.
fn destination(kind: &SourceKind, proxy: Option<&str>) -> Option<Destination> {
    let url = match kind {
        SourceKind::Folder { path } => return Some(Destination::Local(path.clone())),
        SourceKind::Git { url, .. } => url.as_str(),
        other => other.server_url()?,
    };
    if !url.contains("://") {
        return Some(scp_like_host(url).map_or_else(
            || Destination::Local(PathBuf::from(url)),
            |host| Destination::Remote { host, port: 22 },
        ));
    }
    let parsed = url::Url::parse(url).ok()?;
    if parsed.scheme() == "file" {
        return parsed.to_file_path().ok().map(Destination::Local);
    }
    let web = matches!(parsed.scheme(), "http" | "https");
    let target = match proxy.filter(|_| web).and_then(|p| url::Url::parse(p).ok()) {
        Some(proxy) => proxy,
        None => parsed,
    };
    let port = target.port_or_known_default().or(match target.scheme() {
        "ssh" | "git+ssh" | "ssh+git" => Some(22),
        "git" => Some(9418),
        _ => None,
    })?;
    let host = target.host_str()?.trim_matches(['[', ']']).to_string();
    Some(Destination::Remote { host, port })
}

/// `user@host:path` (git's scp-like form): the host; `None` for a local path.
fn scp_like_host(url: &str) -> Option<String> {
    let (before, _) = url.split_once(':')?;
    if before.contains('/') || before.len() < 2 {
        return None; // `./a:b` is a path, `C:` a drive
    }
    let host = before.rsplit_once('@').map_or(before, |(_, host)| host);
    Some(host.to_string())
}

fn proxy_from_env() -> Option<String> {
    [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
}

/// Whether a sync of `kind` could start now: its folder exists, or its host (or proxy) accepts a connection.
async fn reachable(kind: &SourceKind) -> bool {
    match destination(kind, proxy_from_env().as_deref()) {
        None => false,
        Some(Destination::Local(path)) => path.exists(),
        Some(Destination::Remote { host, port }) => {
            let connect = tokio::net::TcpStream::connect((host.as_str(), port));
            matches!(
                tokio::time::timeout(PROBE_TIMEOUT, connect).await,
                Ok(Ok(_))
            )
        }
    }
}

fn now_ms() -> i64 {
    meshlens_edit::now_ms()
}

impl App {
    fn schedule_path(&self) -> PathBuf {
        self.config().data_dir.join(SCHEDULE_FILE)
    }

    fn schedule(&self) -> SyncSchedule {
        read_settings(&self.schedule_path())
    }

    pub async fn sync_schedule(
        &self,
        _: NoArgs,
        _: &dyn EventSink,
    ) -> Result<SyncScheduleStatus, AppError> {
        let schedule = self.schedule();
        let last = self
            .inner
            .scheduler
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let due = next_due_ms(
            &schedule,
            self.newest_sync_ms().await?,
            last.as_ref().map(|l| l.0),
        );
        Ok(SyncScheduleStatus {
            every_minutes: schedule.every_minutes,
            notify: schedule.notify,
            last_run: last.map(|(_, run)| run),
            next_run: due
                .map(|ms| meshlens_model::civil::format_epoch_millis(ms.max(now_ms()), false)),
        })
    }

    /// Stores the schedule (0 = off, else 5 to 1440 minutes) and wakes the background loop.
    pub async fn set_sync_schedule(
        &self,
        schedule: SyncSchedule,
        events: &dyn EventSink,
    ) -> Result<SyncScheduleStatus, AppError> {
        let minutes = schedule.every_minutes;
        if minutes != 0 && !(MIN_SYNC_MINUTES..=MAX_SYNC_MINUTES).contains(&minutes) {
            return Err(AppError::new(
                ErrorCode::InvalidArgs,
                format!(
                    "a background sync runs every {MIN_SYNC_MINUTES} to {MAX_SYNC_MINUTES} minutes \
                     (or 0 for never), not every {minutes}"
                ),
            ));
        }
        write_settings(&self.schedule_path(), &schedule, "sync schedule")?;
        self.inner.scheduler.wake.notify_one();
        self.sync_schedule(NoArgs::default(), events).await
    }

    /// The time of the newest sync any front end made (epoch ms).
    async fn newest_sync_ms(&self) -> Result<Option<i64>, AppError> {
        let sources = self.store().list_sources().await?;
        Ok(sources
            .iter()
            .filter_map(|s| s.last_sync_at.as_deref())
            .filter_map(meshlens_lineage::parse_event_time)
            .max())
    }

    /// Runs background syncs while the app lives (the desktop calls this once). Events of each run (sync
    /// progress, [`AppEvent::FollowedBreaking`]) go to `events`.
    pub fn start_sync_scheduler(&self, events: Arc<dyn EventSink>) {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                let wait = app.time_until_due().await;
                if wait == Some(Duration::ZERO) {
                    app.run_scheduled_sync(&*events).await;
                    continue;
                }
                let nap = wait.map_or(RECHECK, |w| w.min(RECHECK));
                tokio::select! {
                    () = app.inner.scheduler.wake.notified() => {}
                    () = tokio::time::sleep(nap) => {}
                }
            }
        });
    }

    /// How long until the next run; `None` when off. A store that cannot be read waits a recheck.
    async fn time_until_due(&self) -> Option<Duration> {
        let attempt = self
            .inner
            .scheduler
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|l| l.0);
        let newest = match self.newest_sync_ms().await {
            Ok(newest) => newest,
            Err(err) => {
                tracing::warn!(%err, "background sync: cannot read the sources");
                return Some(RECHECK);
            }
        };
        let due = next_due_ms(&self.schedule(), newest, attempt)?;
        let wait = u64::try_from(due - now_ms()).unwrap_or(0);
        Some(Duration::from_millis(wait))
    }

    /// One background run: syncs the reachable sources, then announces breaking changes to followed things.
    pub async fn run_scheduled_sync(&self, events: &dyn EventSink) -> ScheduledRun {
        let started = now_ms();
        let mut run = ScheduledRun {
            at: meshlens_model::civil::format_epoch_millis(started, false),
            synced: Vec::new(),
            unreachable: Vec::new(),
            failed: Vec::new(),
            breaking_followed: 0,
        };
        if let Err(err) = self.scheduled_sync_phases(&mut run, events).await {
            tracing::warn!(%err, "background sync failed");
            run.failed.push(err.message);
        }
        *self
            .inner
            .scheduler
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some((started, run.clone()));
        run
    }

    async fn scheduled_sync_phases(
        &self,
        run: &mut ScheduledRun,
        events: &dyn EventSink,
    ) -> Result<(), AppError> {
        for source in self.store().list_sources().await? {
            let name = source.config.name;
            if reachable(&source.config.kind).await {
                run.synced.push(name);
            } else {
                run.unreachable.push(name);
            }
        }
        if run.synced.is_empty() {
            return Ok(());
        }
        let before = self.store().last_sync_id().await?.unwrap_or(0);
        let args = SyncArgs {
            names: run.synced.clone(),
            full: false,
        };
        let report = self.sync(args, events).await?;
        for outcome in report.sources.iter().filter(|o| o.unreadable.is_some()) {
            run.synced.retain(|name| *name != outcome.report.name);
            run.failed.push(outcome.report.name.clone());
        }
        self.announce_breaking(before, run, events).await
    }

    /// Sends [`AppEvent::FollowedBreaking`] for the breaking changes to followed things after sync `before`.
    async fn announce_breaking(
        &self,
        before: i64,
        run: &mut ScheduledRun,
        events: &dyn EventSink,
    ) -> Result<(), AppError> {
        let args = ChangesArgs {
            since: Some(before.to_string()),
            following: true,
            breaking: true,
            ..ChangesArgs::default()
        };
        let feed = self.changes(args, events).await?;
        run.breaking_followed = u32::try_from(feed.changes.len()).unwrap_or(u32::MAX);
        if !feed.changes.is_empty() && self.schedule().notify {
            events.emit(&AppEvent::FollowedBreaking(BreakingNotice::new(
                &feed.changes,
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(minutes: u32) -> SyncSchedule {
        SyncSchedule {
            every_minutes: minutes,
            notify: true,
        }
    }

    #[test]
    fn the_next_run_follows_the_newest_sync_or_attempt() {
        assert_eq!(next_due_ms(&every(0), Some(1_000), None), None);
        assert_eq!(next_due_ms(&every(30), None, None), Some(0));
        assert_eq!(
            next_due_ms(&every(30), Some(1_000), None),
            Some(1_000 + 1_800_000)
        );
        assert_eq!(
            next_due_ms(&every(30), Some(1_000), Some(5_000)),
            Some(5_000 + 1_800_000)
        );
        assert_eq!(
            next_due_ms(&every(30), None, Some(5_000)),
            Some(5_000 + 1_800_000)
        );
    }

    fn git(url: &str) -> SourceKind {
        SourceKind::Git {
            url: url.into(),
            branch: None,
        }
    }

    fn remote(host: &str, port: u16) -> Option<Destination> {
        Some(Destination::Remote {
            host: host.into(),
            port,
        })
    }

    #[test]
    fn a_source_goes_to_its_folder_host_or_proxy() {
        let folder = SourceKind::Folder {
            path: "/mesh".into(),
        };
        assert_eq!(
            destination(&folder, None),
            Some(Destination::Local("/mesh".into()))
        );
        assert_eq!(
            destination(&git("https://git.example.com/mesh.git"), None),
            remote("git.example.com", 443)
        );
        assert_eq!(
            destination(&git("git@git.example.com:team/mesh.git"), None),
            remote("git.example.com", 22)
        );
        assert_eq!(
            destination(&git("ssh://git@git.example.com:2222/mesh"), None),
            remote("git.example.com", 2222)
        );
        assert_eq!(
            destination(&git("git://git.example.com/mesh"), None),
            remote("git.example.com", 9418)
        );
        assert_eq!(
            destination(&git("/srv/mesh.git"), None),
            Some(Destination::Local("/srv/mesh.git".into()))
        );
        assert_eq!(
            destination(&git("file:///srv/mesh.git"), None),
            Some(Destination::Local("/srv/mesh.git".into()))
        );
        let catalog = SourceKind::OpenMetadata {
            url: "http://[::1]:8585".into(),
        };
        assert_eq!(destination(&catalog, None), remote("::1", 8585));
        let proxy = Some("http://proxy.corp:3128");
        assert_eq!(destination(&catalog, proxy), remote("proxy.corp", 3128));
        // ssh does not go through an HTTP proxy.
        assert_eq!(
            destination(&git("git@git.example.com:mesh.git"), proxy),
            remote("git.example.com", 22)
        );
    }

    #[tokio::test]
    async fn reachability_is_a_folder_that_exists_or_a_port_that_answers() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            reachable(&SourceKind::Folder {
                path: dir.path().into()
            })
            .await
        );
        assert!(
            !reachable(&SourceKind::Folder {
                path: dir.path().join("gone")
            })
            .await
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = SourceKind::Marquez {
            url: format!("http://127.0.0.1:{port}"),
        };
        assert!(reachable(&open).await);
        drop(listener);
        assert!(!reachable(&open).await);
    }

    fn change(name: &str, summary: &str) -> FeedChange {
        FeedChange {
            id: name.to_lowercase(),
            kind: "product".into(),
            name: Some(name.into()),
            domain: None,
            op: "changed".into(),
            breaking: true,
            fields: Vec::new(),
            at: "2026-12-07T08:00:00Z".into(),
            product: Some(name.to_lowercase()),
            sync: 2,
            version: None,
            summary: summary.into(),
        }
    }

    #[test]
    fn a_notice_names_the_first_changes_and_counts_the_rest() {
        let one = BreakingNotice::new(&[change("Orders", "column sku removed")]);
        assert_eq!(one.title, "A breaking change in what you follow");
        assert_eq!(one.body, "Orders: column sku removed");
        let many: Vec<FeedChange> = (1..=5)
            .map(|i| change(&format!("P{i}"), "SLA weaker"))
            .collect();
        let notice = BreakingNotice::new(&many);
        assert_eq!(notice.count, 5);
        assert_eq!(notice.title, "5 breaking changes in what you follow");
        assert_eq!(notice.body.lines().count(), 4);
        assert!(notice.body.ends_with("and 2 more"));
        assert_eq!(notice.ids.len(), 5);
    }
}
