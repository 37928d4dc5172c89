import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import type { SyncReport } from "../ipc/commands";
import { BackendError } from "../ipc/errors";
import { appInfo, products, sources } from "../test/fixtures";
import { deferred, recordedBackend } from "../test/recordedBackend";

/** A machine that has never seen a source until `open_demo` registers the demo. */
function firstRun(openDemo: () => Promise<SyncReport>) {
  let demoOpened = false;
  const backend = recordedBackend({
    app_info: () => ({ ...appInfo, sources: demoOpened ? 1 : 0, products: demoOpened ? appInfo.products : 0 }),
    list_sources: () => (demoOpened ? sources : []),
    list_products: () => (demoOpened ? products : []),
    open_demo: async () => {
      const report = await openDemo();
      demoOpened = true;
      return report;
    },
  });
  render(<App backend={backend} />);
  return backend;
}

describe("first run", () => {
  it("offers three ways in and reads or sends nothing before the user chooses", async () => {
    const backend = firstRun(() => Promise.resolve({ sources: [], duration_ms: 1, history_ms: 0 }));
    const welcome = await screen.findByRole("generic", { name: "welcome" });
    expect(within(welcome).getByRole("button", { name: "Try the demo" })).toBeEnabled();
    expect(within(welcome).getByRole("button", { name: "Add a folder or repository" })).toBeEnabled();
    expect(within(welcome).getByRole("button", { name: "Connect a catalog" })).toBeEnabled();
    const asked = backend.calls.map((c) => c.command);
    expect(asked).not.toContain("sync");
    expect(asked).not.toContain("open_demo");
    expect(asked).not.toContain("list_products");
  });

  it("'Try the demo' syncs the bundled mesh and lands on the product list", async () => {
    const demo = deferred<SyncReport>();
    const backend = firstRun(() => demo.promise);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Try the demo" }));
    expect(await screen.findByRole("button", { name: "Opening the demo…" })).toBeDisabled();
    await act(async () => {
      demo.resolve({ sources: [], duration_ms: 1, history_ms: 0 });
      await demo.promise;
    });
    const list = await screen.findByRole("region", { name: "products" });
    expect(await within(list).findAllByRole("row")).toHaveLength(products.length + 1);
    expect(screen.queryByRole("generic", { name: "welcome" })).not.toBeInTheDocument();
    expect(backend.calls.filter((c) => c.command === "open_demo")).toHaveLength(1);
  });

  it("says why the demo could not open and keeps the three ways", async () => {
    firstRun(() => Promise.reject(new BackendError("E_CONFIG", "the bundled demo mesh was not found")));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Try the demo" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Cannot open the demo mesh");
    expect(alert).toHaveTextContent("E_CONFIG");
    expect(screen.getByRole("button", { name: "Try the demo" })).toBeEnabled();
  });

  it("'Connect a catalog' opens the add-source form on a catalog server kind", async () => {
    firstRun(() => Promise.resolve({ sources: [], duration_ms: 1, history_ms: 0 }));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Connect a catalog" }));
    const form = await screen.findByRole("form", { name: "add source" });
    expect(within(form).getByRole("combobox", { name: "source kind" })).toHaveValue("openmetadata");
    expect(within(form).getByRole("textbox", { name: "source name" })).toHaveFocus();
  });
});
