import { useEffect, useState } from "react";

import type { Backend } from "../ipc/backend";
import type { BreakingNotice, ScheduledRun, SyncScheduleStatus } from "../ipc/commands";
import { type BackendError, toBackendError } from "../ipc/errors";
import { formatTime } from "../screens/SyncStatus";
import { useCommand } from "../useCommand";
import { ErrorBanner } from "./ErrorState";

/** The intervals offered (minutes; 0 = never). The backend accepts 5 to 1440, so a value set from the CLI is kept. */
export const SYNC_INTERVALS: [number, string][] = [
  [0, "never"],
  [15, "every 15 minutes"],
  [30, "every 30 minutes"],
  [60, "every hour"],
  [240, "every 4 hours"],
];

function intervalOptions(current: number): [number, string][] {
  if (SYNC_INTERVALS.some(([minutes]) => minutes === current)) return SYNC_INTERVALS;
  return [...SYNC_INTERVALS, [current, `every ${current} minutes`]];
}

/** One sentence on the last background run: what it synced, skipped and could not read. */
export function describeRun(run: ScheduledRun): string {
  const parts = [`Last run ${formatTime(run.at)}: ${run.synced.length === 0 ? "nothing synced" : `synced ${run.synced.join(", ")}`}`];
  if (run.unreachable.length > 0) parts.push(`not reachable: ${run.unreachable.join(", ")}`);
  if (run.failed.length > 0) parts.push(`failed: ${run.failed.join(", ")}`);
  if (run.breakingFollowed > 0) parts.push(`${run.breakingFollowed} breaking in what you follow`);
  return `${parts.join("; ")}.`;
}

function ScheduleForm({ status, save }: { status: SyncScheduleStatus; save: (everyMinutes: number, notify: boolean) => void }) {
  return (
    <>
      <label>
        Sync all sources{" "}
        <select
          aria-label="background sync interval"
          value={status.everyMinutes}
          onChange={(event) => {
            save(Number(event.target.value), status.notify);
          }}
        >
          {intervalOptions(status.everyMinutes).map(([minutes, label]) => (
            <option key={minutes} value={minutes}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          aria-label="notify of breaking changes"
          checked={status.notify}
          disabled={status.everyMinutes === 0}
          onChange={(event) => {
            save(status.everyMinutes, event.target.checked);
          }}
        />{" "}
        Notify me when a background sync finds a breaking change in what I follow
      </label>
    </>
  );
}

/**
 * Settings → Background sync: how often every reachable source is synced while the app runs (default never),
 * whether breaking changes in followed things raise a desktop notification, and what the last run did.
 */
export function BackgroundSyncSettings({ backend, generation }: { backend: Backend; generation: number }) {
  const [saved, setSaved] = useState(0);
  const [error, setError] = useState<BackendError | null>(null);
  const status = useCommand(backend, "sync_schedule", {}, generation + saved);
  if (status.state !== "ready") return null;
  const data = status.data;
  const save = (everyMinutes: number, notify: boolean) => {
    setError(null);
    backend.call("set_sync_schedule", { everyMinutes, notify }).then(
      () => {
        setSaved((n) => n + 1);
      },
      (reason: unknown) => {
        setError(toBackendError(reason));
      },
    );
  };
  return (
    <section className="background-sync" aria-label="background sync">
      <h3>Background sync</h3>
      <ScheduleForm status={data} save={save} />
      <p className="muted" role="status">
        {data.nextRun === null ? "Sources are synced only when you ask." : `Next run ${formatTime(data.nextRun)}, when a source can be reached.`}
        {data.lastRun !== null && ` ${describeRun(data.lastRun)}`}
      </p>
      <ErrorBanner error={error} />
    </section>
  );
}

/** The last breaking-change notice of a background sync, until dismissed or opened. */
export function BreakingNoticeBanner({ backend, onOpenInbox }: { backend: Backend; onOpenInbox: () => void }) {
  const [notice, setNotice] = useState<BreakingNotice | null>(null);
  useEffect(() => {
    let active = true;
    let unsubscribe: (() => void) | undefined;
    void backend
      .onEvent((event) => {
        if (event.type === "followedBreaking") setNotice(event);
      })
      .then((stop) => {
        if (active) unsubscribe = stop;
        else stop();
      });
    return () => {
      active = false;
      unsubscribe?.();
    };
  }, [backend]);
  if (notice === null) return null;
  return (
    <div className="banner banner-warning breaking-notice" role="status" aria-label="breaking changes notice">
      <strong>{notice.title}</strong>
      <p className="notice-body">{notice.body}</p>
      <button
        type="button"
        className="primary"
        onClick={() => {
          setNotice(null);
          onOpenInbox();
        }}
      >
        Open inbox
      </button>
      <button
        type="button"
        onClick={() => {
          setNotice(null);
        }}
      >
        Dismiss
      </button>
    </div>
  );
}
