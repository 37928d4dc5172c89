import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { SyncScheduleStatus } from "../ipc/commands";
import { BackendError } from "../ipc/errors";
import { recordedBackend } from "../test/recordedBackend";
import { BackgroundSyncSettings, BreakingNoticeBanner, describeRun } from "./BackgroundSync";

const OFF: SyncScheduleStatus = { everyMinutes: 0, notify: true, lastRun: null, nextRun: null };

function setup(initial: SyncScheduleStatus) {
  let status = initial;
  const backend = recordedBackend({
    sync_schedule: () => status,
    set_sync_schedule: ({ everyMinutes, notify }) => {
      if (everyMinutes > 1440) throw new BackendError("E_INVALID_ARGS", "a background sync runs every 5 to 1440 minutes");
      status = { ...status, everyMinutes, notify: notify ?? true, nextRun: everyMinutes === 0 ? null : "2026-12-07T09:00:00Z" };
      return status;
    },
  });
  return backend;
}

describe("background sync", () => {
  it("is off by default and switches on at the interval picked", async () => {
    const backend = setup(OFF);
    render(<BackgroundSyncSettings backend={backend} generation={0} />);
    const interval = await screen.findByRole("combobox", { name: "background sync interval" });
    expect(interval).toHaveValue("0");
    expect(screen.getByRole("checkbox", { name: "notify of breaking changes" })).toBeDisabled();
    expect(screen.getByRole("status")).toHaveTextContent("Sources are synced only when you ask.");

    await userEvent.setup().selectOptions(interval, "every 30 minutes");
    await waitFor(() => {
      expect(screen.getByRole("status")).toHaveTextContent(/^Next run .*, when a source can be reached\.$/);
    });
    expect(backend.calls).toContainEqual({ command: "set_sync_schedule", args: { everyMinutes: 30, notify: true } });
    expect(screen.getByRole("combobox", { name: "background sync interval" })).toHaveValue("30");
    expect(screen.getByRole("checkbox", { name: "notify of breaking changes" })).toBeEnabled();
  });

  it("turns notices off and keeps an interval set elsewhere (the CLI)", async () => {
    const backend = setup({ ...OFF, everyMinutes: 45, nextRun: "2026-12-07T09:00:00Z" });
    render(<BackgroundSyncSettings backend={backend} generation={0} />);
    expect(await screen.findByRole("option", { name: "every 45 minutes" })).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("checkbox", { name: "notify of breaking changes" }));
    await waitFor(() => {
      expect(screen.getByRole("checkbox", { name: "notify of breaking changes" })).not.toBeChecked();
    });
    expect(backend.calls).toContainEqual({ command: "set_sync_schedule", args: { everyMinutes: 45, notify: false } });
  });

  it("says what the last run synced, skipped and found", () => {
    const sentence = describeRun({
      at: "2026-12-07T08:30:00Z",
      synced: ["demo"],
      unreachable: ["catalog"],
      failed: [],
      breakingFollowed: 2,
    });
    expect(sentence).toMatch(/^Last run .*: synced demo; not reachable: catalog; 2 breaking in what you follow\.$/);
  });

  it("shows a background sync's breaking changes until opened or dismissed", async () => {
    const backend = recordedBackend({});
    const openInbox = vi.fn();
    render(<BreakingNoticeBanner backend={backend} onOpenInbox={openInbox} />);
    expect(screen.queryByRole("status", { name: "breaking changes notice" })).toBeNull();
    await waitFor(() => {
      // The banner subscribes after its first render; emit once it listens.
      act(() => {
        backend.emit({ type: "followedBreaking", count: 1, title: "A breaking change in what you follow", body: "Customer 360 View: removed country_code", ids: ["customer-360"] });
      });
      expect(screen.getByRole("status", { name: "breaking changes notice" })).toHaveTextContent("removed country_code");
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Open inbox" }));
    expect(openInbox).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("status", { name: "breaking changes notice" })).toBeNull();

    act(() => {
      backend.emit({ type: "followedBreaking", count: 2, title: "2 breaking changes in what you follow", body: "a\nb", ids: ["x"] });
    });
    await user.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByRole("status", { name: "breaking changes notice" })).toBeNull();
    expect(openInbox).toHaveBeenCalledTimes(1);
  });
});
