import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { ChangesFeed } from "../ipc/commands";
import changesJson from "../test/fixtures/changes.json";
import { recordedBackend } from "../test/recordedBackend";
import { InboxScreen } from "./InboxScreen";

const feed = changesJson as ChangesFeed;

describe("inbox", () => {
  it("lists what changed with breaking flags and field changes, and opens a product", async () => {
    const user = userEvent.setup();
    const navigate = vi.fn();
    const backend = recordedBackend({ changes: () => feed });
    render(<InboxScreen backend={backend} generation={0} navigate={navigate} onRead={vi.fn()} />);
    const list = await screen.findByRole("list", { name: "changes" });
    expect(within(list).getAllByRole("listitem").filter((li) => li.classList.contains("inbox-item"))).toHaveLength(feed.changes.length);
    const contract = within(list).getByRole("button", { name: "customer-360-view" }).closest("li") as HTMLElement;
    expect(within(contract).getAllByText("breaking").length).toBeGreaterThan(1);
    // In the summary and as a field change.
    expect(within(contract).getAllByText(/column country_code removed/)).toHaveLength(2);
    await user.click(contract.querySelector("button") as HTMLElement);
    expect(navigate).toHaveBeenCalledWith({ screen: "product", id: "customer-360" });
  });

  it("asks for followed and breaking changes, and marks everything read", async () => {
    const user = userEvent.setup();
    const onRead = vi.fn();
    const backend = recordedBackend({
      changes: (args) => (args.markRead === true || args.breaking === true ? { ...feed, changes: feed.changes.filter((c) => c.breaking) } : feed),
    });
    render(<InboxScreen backend={backend} generation={0} navigate={vi.fn()} onRead={onRead} />);
    await screen.findByRole("list", { name: "changes" });
    await user.click(screen.getByRole("checkbox", { name: /Only breaking/ }));
    await user.click(screen.getByRole("checkbox", { name: /Only what I follow/ }));
    await waitFor(() => {
      expect(backend.calls.at(-1)).toEqual({ command: "changes", args: { following: true, breaking: true } });
    });
    await user.click(screen.getByRole("button", { name: "Mark all read" }));
    await waitFor(() => {
      expect(onRead).toHaveBeenCalledTimes(1);
    });
    expect(backend.calls.at(-1)).toEqual({ command: "changes", args: { markRead: true } });
  });

  it("says when nothing changed", async () => {
    render(<InboxScreen backend={recordedBackend({ changes: () => ({ ...feed, changes: [] }) })} generation={0} navigate={vi.fn()} onRead={vi.fn()} />);
    expect(await screen.findByText(/Nothing changed since you last looked/)).toBeInTheDocument();
  });
});
