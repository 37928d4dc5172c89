import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { App } from "../App";
import type { SourceConfig, SyncReport } from "../ipc/commands";
import { BackendError } from "../ipc/errors";
import { appInfo, products, sources } from "../test/fixtures";
import { deferred, type DialogAnswers, recordedBackend } from "../test/recordedBackend";

function setup(dialogs: DialogAnswers = {}) {
  const sync = deferred<SyncReport>();
  const added: SourceConfig[] = [];
  const backend = recordedBackend({
    app_info: () => appInfo,
    list_products: () => products,
    list_sources: () => sources,
    add_source: (config) => {
      if (config.name === "demo") throw new BackendError("E_SOURCE_EXISTS", "a source named `demo` already exists");
      added.push(config);
      return { config, created_at: "2026-11-23T10:00:00Z", last_sync_at: null, last_sync_status: null, last_error: null, documents: 0, products: 0 };
    },
    sync: () => sync.promise,
    cancel_sync: () => true,
    remove_source: ({ name }) => ({ name, removed: true }),
  }, dialogs);
  render(<App backend={backend} />);
  return { backend, sync, added };
}

async function openSources() {
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "Sources & settings" }));
  await screen.findByRole("table", { name: "sources" });
  return user;
}

describe("sources and settings", () => {
  it("lists sources with their last sync", async () => {
    setup();
    await openSources();
    const row = within(screen.getByRole("table", { name: "sources" })).getByText("demo").closest("tr");
    expect(row).toHaveTextContent("/work/main/assets/demo-mesh");
    expect(row).toHaveTextContent("20 (42 files)");
    expect(row).toHaveTextContent("ok");
  });

  it("adds a folder source, syncs it with a progress bar, and cancels", async () => {
    const { backend, sync, added } = setup();
    const user = await openSources();
    const form = within(screen.getByRole("form", { name: "add source" }));
    await user.type(form.getByRole("textbox", { name: "source name" }), "team-mesh");
    await user.type(form.getByRole("textbox", { name: "Folder" }), "/data/team-mesh");
    await user.click(form.getByRole("button", { name: "Add source" }));
    expect(added).toEqual([{ name: "team-mesh", kind: "folder", path: "/data/team-mesh" }]);
    expect(backend.calls.find((c) => c.command === "sync")?.args).toEqual({ names: ["team-mesh"] });

    act(() => {
      backend.emit({ type: "syncProgress", source: "team-mesh", phase: "parsing", done: 30, total: 120 });
    });
    const bar = screen.getByRole("status", { name: "sync progress" });
    expect(within(bar).getByRole("progressbar")).toHaveAttribute("value", "30");
    expect(bar).toHaveTextContent("Syncing team-mesh: parsing 30/120");

    await user.click(screen.getByRole("button", { name: "Cancel sync" }));
    expect(backend.calls.at(-1)?.command).toBe("cancel_sync");
    await act(async () => {
      sync.resolve({ sources: [], duration_ms: 5, history_ms: 0 });
      await sync.promise;
    });
    expect(screen.queryByRole("button", { name: "Cancel sync" })).not.toBeInTheDocument();
  });

  it("fills a folder from the native dialog, which is how the desktop may read a folder outside its data", async () => {
    const pickFolder = vi.fn((): string | null => "/home/me/team mesh");
    const { added } = setup({ pickFolder });
    const user = await openSources();
    const form = within(screen.getByRole("form", { name: "add source" }));
    await user.type(form.getByRole("textbox", { name: "source name" }), "picked");
    await user.click(form.getByRole("button", { name: "choose Folder" }));
    expect(form.getByRole("textbox", { name: "Folder" })).toHaveValue("/home/me/team mesh");
    pickFolder.mockReturnValue(null);
    await user.click(form.getByRole("button", { name: "choose Folder" }));
    expect(form.getByRole("textbox", { name: "Folder" })).toHaveValue("/home/me/team mesh");
    await user.click(form.getByRole("button", { name: "Add source" }));
    expect(added).toEqual([{ name: "picked", kind: "folder", path: "/home/me/team mesh" }]);
  });

  it("asks for the git fields from the generated SourceConfig and shows add errors with their code", async () => {
    setup();
    const user = await openSources();
    const form = within(screen.getByRole("form", { name: "add source" }));
    await user.selectOptions(form.getByRole("combobox", { name: "source kind" }), "git");
    expect(form.getByRole("textbox", { name: "Repository URL" })).toBeRequired();
    expect(form.getByRole("textbox", { name: "Branch" })).not.toBeRequired();
    await user.type(form.getByRole("textbox", { name: "source name" }), "demo");
    await user.type(form.getByRole("textbox", { name: "Repository URL" }), "https://example.com/mesh.git");
    await user.click(form.getByRole("button", { name: "Add source" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("E_SOURCE_EXISTS");
    expect(alert).toHaveTextContent("a source named `demo` already exists");
  });

  it("limits an OpenMetadata source to domains and a hop of lineage, and offers no scope for a folder", async () => {
    const { added } = setup();
    const user = await openSources();
    const form = within(screen.getByRole("form", { name: "add source" }));
    expect(form.queryByRole("textbox", { name: "scope domains" })).toBeNull();
    await user.selectOptions(form.getByRole("combobox", { name: "source kind" }), "openmetadata");
    await user.type(form.getByRole("textbox", { name: "source name" }), "om");
    await user.type(form.getByRole("textbox", { name: "Server URL" }), "https://om.example.com");
    await user.type(form.getByRole("textbox", { name: "scope domains" }), "sales, hr ,");
    await user.type(form.getByRole("spinbutton", { name: "scope lineage hops" }), "1");
    await user.click(form.getByRole("button", { name: "Add source" }));
    expect(added).toEqual([
      {
        name: "om",
        kind: "openmetadata",
        url: "https://om.example.com",
        scope: { domains: ["sales", "hr"], tags: [], owners: [], neighbours: 1 },
      },
    ]);
  });

  it("removes a source after confirmation", async () => {
    const { backend } = setup();
    const user = await openSources();
    vi.spyOn(window, "confirm").mockReturnValue(true);
    await user.click(screen.getByRole("button", { name: "Remove" }));
    expect(backend.calls.some((c) => c.command === "remove_source" && (c.args as { name: string }).name === "demo")).toBe(true);
  });
});
