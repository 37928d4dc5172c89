import { describe, expect, it } from "vitest";

import { BackendError, IPC_ERROR_CODE, toBackendError } from "./errors";

describe("toBackendError", () => {
  it("keeps the app's code and sentence", () => {
    const err = toBackendError({ code: "E_NOT_FOUND", message: "product `x` was not found in the local cache" });
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe("E_NOT_FOUND");
    expect(err.message).toBe("product `x` was not found in the local cache");
  });

  it("wraps Tauri's own string errors (e.g. a denied command) as IPC errors", () => {
    const err = toBackendError("Command foo not allowed by ACL");
    expect(err.code).toBe(IPC_ERROR_CODE);
    expect(err.message).toBe("Command foo not allowed by ACL");
  });

  it("wraps thrown Errors without losing their message", () => {
    const err = toBackendError(new TypeError("window.__TAURI_INTERNALS__ is undefined"));
    expect(err.code).toBe(IPC_ERROR_CODE);
    expect(err.message).toContain("__TAURI_INTERNALS__");
  });
});
