import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const listen = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke }));
vi.mock("@tauri-apps/api/event", () => ({ listen }));
const { call, chooseReportPath, EVENT_NAME, onEvent, openLink, openReport, pickFolder } = await import("./backend");
const { BackendError } = await import("./errors");
const { searchOrdrs } = await import("../test/fixtures");

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
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

  it("asks the shell to open each report: the page itself may not create windows", async () => {
    invoke.mockResolvedValue(null);
    await openReport("steward-report.html");
    await openReport("steward-report-x_.._.._out_evil.html");
    expect(invoke.mock.calls).toEqual([
      ["open_report", { file: "steward-report.html" }],
      ["open_report", { file: "steward-report-x_.._.._out_evil.html" }],
    ]);
  });

  it("hands only mailto: and https: links to the shell, which opens them outside the app window", async () => {
    invoke.mockResolvedValue(null);
    await openLink("mailto:lena.ortiz@northwind-outfitters.com");
    await openLink("https://northwind-outfitters.slack.com/archives/C04CHKONCALL");
    for (const bad of ["javascript:alert(1)", "file:///etc/passwd", "mailto:a@x.com?cc=b@x.com"]) {
      await expect(openLink(bad)).rejects.toThrow("not a mailto: or https: link");
    }
    expect(invoke.mock.calls).toEqual([
      ["open_link", { url: "mailto:lena.ortiz@northwind-outfitters.com" }],
      ["open_link", { url: "https://northwind-outfitters.slack.com/archives/C04CHKONCALL" }],
    ]);
  });

  it("refuses names that are not a report file and reports a window that failed to open", async () => {
    for (const bad of ["../meshlens.db", "x.html?y", "a/b.html", ".hidden.html"]) {
      await expect(openReport(bad)).rejects.toThrow("not a report file name");
    }
    expect(invoke).not.toHaveBeenCalled();
    invoke.mockRejectedValue({ code: "E_NOT_FOUND", message: "the report steward-report.html was not found in the local cache" });
    await expect(openReport("steward-report.html")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  it("opens the shell's native dialogs and hands back the chosen path, or null when cancelled", async () => {
    invoke.mockResolvedValueOnce("/home/me/mesh").mockResolvedValueOnce(null);
    await expect(pickFolder()).resolves.toBe("/home/me/mesh");
    await expect(chooseReportPath("steward-report-sales.html")).resolves.toBeNull();
    expect(invoke.mock.calls).toEqual([
      ["pick_folder", {}],
      ["choose_report_path", { suggested: "steward-report-sales.html" }],
    ]);
    invoke.mockRejectedValue("Command pick_folder not allowed by ACL");
    await expect(pickFolder()).rejects.toBeInstanceOf(BackendError);
  });
});
