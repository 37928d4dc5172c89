import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const listen = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke }));
vi.mock("@tauri-apps/api/event", () => ({ listen }));
/** Windows the code under test created, and which creation event each one fires. */
const windows: { label: string; options: { url: string; title: string }; fires: string; payload?: unknown }[] = [];
let nextOutcome: { fires: string; payload?: unknown } = { fires: "tauri://created" };
vi.mock("@tauri-apps/api/webviewWindow", () => ({
  WebviewWindow: class {
    private readonly record: (typeof windows)[number];
    constructor(label: string, options: { url: string; title: string }) {
      this.record = { label, options, ...nextOutcome };
      windows.push(this.record);
    }
    once(event: string, handler: (event: { payload: unknown }) => void) {
      if (event === this.record.fires) queueMicrotask(() => { handler({ payload: this.record.payload }); });
      return Promise.resolve(() => {});
    }
  },
}));

const { call, EVENT_NAME, onEvent, openReport, REPORT_SCHEME, REPORT_WINDOW_PREFIX } = await import("./backend");
const { BackendError } = await import("./errors");
const { searchOrdrs } = await import("../test/fixtures");

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
  windows.length = 0;
  nextOutcome = { fires: "tauri://created" };
});

describe("IPC layer", () => {
  it("sends every command through the shell's single `call` command", async () => {
    invoke.mockResolvedValue(searchOrdrs);
    await expect(call("search", { query: "ordrs", kind: "product" })).resolves.toBe(searchOrdrs);
    expect(invoke).toHaveBeenCalledWith("call", { command: "search", args: { query: "ordrs", kind: "product" } });
  });

  it("turns the app's rejections into BackendErrors with their code", async () => {
    invoke.mockRejectedValue({ code: "E_NOT_FOUND", message: "product `x` was not found in the local cache" });
    const failure = call("get_product", { id: "x" });
    await expect(failure).rejects.toBeInstanceOf(BackendError);
    await expect(failure).rejects.toMatchObject({ code: "E_NOT_FOUND", message: "product `x` was not found in the local cache" });
  });

  it("listens on the app's event channel and hands over the payload", async () => {
    const unlisten = vi.fn();
    listen.mockImplementation((_name: string, handler: (event: { payload: unknown }) => void) => {
      handler({ payload: { type: "syncProgress", source: "demo", phase: "reading", done: 1, total: 2 } });
      return Promise.resolve(unlisten);
    });
    const seen: unknown[] = [];
    const stop = await onEvent((event) => seen.push(event));
    expect(listen.mock.calls[0]?.[0]).toBe(EVENT_NAME);
    expect(seen).toEqual([{ type: "syncProgress", source: "demo", phase: "reading", done: 1, total: 2 }]);
    stop();
    expect(unlisten).toHaveBeenCalled();
  });

  it("opens each report in a new window of its own on the report scheme", async () => {
    await openReport("steward-report.html");
    await openReport("steward-report-sales.html");
    expect(windows.map((w) => w.options.url)).toEqual([`${REPORT_SCHEME}://localhost/steward-report.html`, `${REPORT_SCHEME}://localhost/steward-report-sales.html`]);
    expect(windows.every((w) => w.label.startsWith(REPORT_WINDOW_PREFIX))).toBe(true);
    expect(new Set(windows.map((w) => w.label)).size).toBe(2);
  });

  it("refuses names that are not a report file and reports a window that failed to open", async () => {
    await expect(openReport("../meshlens.db")).rejects.toThrow("not a report file name");
    await expect(openReport("x.html?y")).rejects.toThrow("not a report file name");
    expect(windows).toEqual([]);
    nextOutcome = { fires: "tauri://error", payload: "webview creation is not allowed" };
    await expect(openReport("steward-report.html")).rejects.toBeInstanceOf(BackendError);
  });
});
