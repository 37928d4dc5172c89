import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const listen = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke }));
vi.mock("@tauri-apps/api/event", () => ({ listen }));

const { call, EVENT_NAME, onEvent } = await import("./backend");
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
});
