import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { App, SYNC_QUIET_MS } from "./App";
import type { SyncPhase } from "./ipc/bindings/SyncPhase";
import type { AppEvent } from "./ipc/commands";
import type { ChangesFeed } from "./ipc/commands";
import { BackendError } from "./ipc/errors";
import changesJson from "./test/fixtures/changes.json";
import { appInfo, products, salesOrders, scorecards, searchOrdrs, sources } from "./test/fixtures";
import { recordedBackend } from "./test/recordedBackend";

function progress(source: string, phase: SyncPhase, done: number, total: number): AppEvent {
  return { type: "syncProgress", source, phase, done, total };
}

async function findRow(id: string): Promise<HTMLElement> {
  const rows = await screen.findAllByRole("row");
  const row = rows.find((r) => r.dataset.productId === id);
  if (row === undefined) throw new Error(`no row for product ${id}`);
  return row;
}

function demoBackend() {
  return recordedBackend({
    app_info: () => appInfo,
    list_products: () => products,
    list_sources: () => sources,
    search: () => searchOrdrs,
    scorecard: () => scorecards,
    lineage: () => {
      throw new BackendError("E_NOT_FOUND", "no lineage recorded");
    },
    get_product: ({ id }) => {
      if (id === salesOrders.product.id) return salesOrders;
      throw new BackendError("E_NOT_FOUND", `product \`${id}\` was not found in the local cache`);
    },
  });
}

afterEach(() => {
  localStorage.clear();
  delete document.documentElement.dataset.theme;
});

describe("home", () => {
  it("lists every product and the cache counts", async () => {
    render(<App backend={demoBackend()} />);
    expect(screen.getByText("Opening the cache…")).toBeInTheDocument();
    const rows = await screen.findAllByRole("row");
    expect(rows).toHaveLength(products.length + 1);
    const counts = await screen.findByLabelText("cache counts");
    expect(counts).toHaveTextContent(`${appInfo.products} products`);
    expect(counts).toHaveTextContent(`${appInfo.contracts} contracts`);
  });

  it("explains how to fill an empty cache", async () => {
    render(<App backend={recordedBackend({ app_info: () => ({ ...appInfo, products: 0 }), list_products: () => [], list_sources: () => [] })} />);
    expect(await screen.findByText("No products in the cache yet")).toBeInTheDocument();
    expect(screen.getByText("No sources yet.")).toBeInTheDocument();
  });

  it("shows the error code and sentence when the cache cannot be read", async () => {
    const backend = recordedBackend({
      app_info: () => appInfo,
      list_sources: () => sources,
      list_products: () => {
        throw new BackendError("E_STORE", "the cache database is locked by another process");
      },
    });
    render(<App backend={backend} />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Cannot list products");
    expect(alert).toHaveTextContent("E_STORE");
    expect(alert).toHaveTextContent("the cache database is locked by another process");
  });

  it("shows sync progress and reloads when the sync is done", async () => {
    let answer = products.slice(0, 1);
    const backend = recordedBackend({ app_info: () => appInfo, list_products: () => answer, list_sources: () => sources });
    render(<App backend={backend} />);
    expect(await screen.findAllByRole("row")).toHaveLength(2);
    answer = products;
    act(() => {
      backend.emit(progress("demo", "parsing", 3, 20));
    });
    expect(screen.getByText("Syncing demo: parsing 3/20")).toBeInTheDocument();
    act(() => {
      backend.emit(progress("demo", "done", 20, 20));
    });
    await waitFor(() => {
      expect(screen.getAllByRole("row")).toHaveLength(products.length + 1);
    });
    expect(screen.queryByText(/Syncing demo/)).not.toBeInTheDocument();
  });

  it("clears the sync indicator when a sync goes quiet without finishing", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const backend = demoBackend();
      render(<App backend={backend} />);
      await screen.findAllByRole("row");
      const listCalls = () => backend.calls.filter((c) => c.command === "list_products").length;
      const before = listCalls();
      act(() => {
        backend.emit(progress("broken", "scanning", 0, 0));
      });
      expect(screen.getByText("Syncing broken: scanning")).toBeInTheDocument();
      await act(async () => {
        await vi.advanceTimersByTimeAsync(SYNC_QUIET_MS + 10);
      });
      expect(screen.queryByText(/Syncing broken/)).not.toBeInTheDocument();
      expect(listCalls()).toBe(before + 1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("opens a product from the list, remembers it as recent, and goes back", async () => {
    const user = userEvent.setup();
    render(<App backend={demoBackend()} />);
    await user.click(await findRow(salesOrders.product.id));
    const page = await screen.findByRole("article", { name: "product detail" });
    expect(await within(page).findByRole("heading", { name: "Sales Orders" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Back" }));
    const recent = await screen.findByRole("region", { name: "recent" });
    expect(within(recent).getByRole("button", { name: "Sales Orders" })).toBeInTheDocument();
    expect(JSON.parse(localStorage.getItem("meshlens.recent") ?? "[]")).toEqual([{ id: "sales-orders", name: "Sales Orders" }]);
  });

  it("shows why a product cannot be shown", async () => {
    const user = userEvent.setup();
    const other = products.find((p) => p.id !== salesOrders.product.id);
    if (other === undefined) throw new Error("the products fixture needs two products");
    render(<App backend={demoBackend()} />);
    await user.click(await findRow(other.id));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("E_NOT_FOUND");
    expect(alert).toHaveTextContent(`product \`${other.id}\` was not found`);
  });
});

describe("command palette", () => {
  it("opens with Ctrl+K and jumps to a product", async () => {
    const user = userEvent.setup();
    render(<App backend={demoBackend()} />);
    await screen.findAllByRole("row");
    await user.keyboard("{Control>}k{/Control}");
    const palette = screen.getByRole("dialog", { name: "command palette" });
    await user.type(within(palette).getByRole("textbox", { name: "command" }), "ordrs");
    const option = await within(palette).findByRole("option", { name: /Sales Orders/ });
    await user.click(option);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(await screen.findByRole("article", { name: "product detail" })).toBeInTheDocument();
  });

  it("runs actions: Sync now calls sync, Esc closes", async () => {
    const user = userEvent.setup();
    const backend = demoBackend();
    const sync = vi.fn(() => ({ sources: [], duration_ms: 1 }));
    const withSync = { ...backend, call: ((command, args) => (command === "sync" ? Promise.resolve(sync()) : backend.call(command, args))) as typeof backend.call };
    render(<App backend={withSync} />);
    await user.keyboard("{Control>}k{/Control}");
    await user.type(screen.getByRole("textbox", { name: "command" }), "sync now{Enter}");
    expect(sync).toHaveBeenCalledTimes(1);
    await user.keyboard("{Control>}k{/Control}");
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });
});

describe("theme and network", () => {
  it("cycles the theme and keeps it", async () => {
    const user = userEvent.setup();
    render(<App backend={demoBackend()} />);
    await user.click(screen.getByRole("button", { name: "Theme: system" }));
    expect(document.documentElement.dataset.theme).toBe("light");
    await user.click(screen.getByRole("button", { name: "Theme: light" }));
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem("meshlens.theme")).toBe('"dark"');
  });

  it("counts unread changes on the inbox badge, opens the inbox and clears the badge once read", async () => {
    const user = userEvent.setup();
    const feed = changesJson as ChangesFeed;
    let read = false;
    const backend = recordedBackend({
      app_info: () => appInfo,
      list_products: () => products,
      list_sources: () => sources,
      changes: (args) => {
        if (args.markRead === true) read = true;
        return read ? { ...feed, changes: [] } : feed;
      },
      unread: () => {
        const changes = read ? [] : feed.changes;
        return { changes: changes.length, breaking: changes.filter((c) => c.breaking).length, followedBreaking: read ? 0 : 1 };
      },
    });
    render(<App backend={backend} />);
    const badge = await screen.findByRole("button", {
      name: `Inbox: ${String(feed.changes.length)} unread changes, 1 breaking in what you follow`,
    });
    expect(badge.querySelector(".unread-alarm")).not.toBeNull();
    await user.click(badge);
    expect(await screen.findByRole("list", { name: "changes" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Mark all read" }));
    expect(await screen.findByRole("button", { name: "Inbox: 0 unread changes" })).toBeInTheDocument();
    expect(await screen.findByText(/Nothing changed since you last looked/)).toBeInTheDocument();
  });

  it("shows an offline indicator while the network is gone", async () => {
    render(<App backend={demoBackend()} />);
    const online = vi.spyOn(navigator, "onLine", "get").mockReturnValue(false);
    act(() => {
      window.dispatchEvent(new Event("offline"));
    });
    expect(screen.getByText("Offline")).toBeInTheDocument();
    online.mockReturnValue(true);
    act(() => {
      window.dispatchEvent(new Event("online"));
    });
    expect(screen.queryByText("Offline")).not.toBeInTheDocument();
    online.mockRestore();
    await screen.findAllByRole("row");
  });
});
