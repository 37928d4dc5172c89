import type { AppError } from "./commands";

/** A failed backend call: the app's stable error code and a sentence for people. */
export class BackendError extends Error {
  /** An app `ErrorCode` (`E_NOT_FOUND`...), or `E_IPC` when the bridge itself failed. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/** Code for failures inside the IPC bridge itself (the app never answered with an AppError). */
export const IPC_ERROR_CODE = "E_IPC";

function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>).code === "string" &&
    typeof (value as Record<string, unknown>).message === "string"
  );
}

/** Normalises whatever a rejected call carries: the app's `{code, message}`, or Tauri's own string errors. */
export function toBackendError(reason: unknown): BackendError {
  if (reason instanceof BackendError) return reason;
  if (isAppError(reason)) return new BackendError(reason.code, reason.message);
  if (reason instanceof Error) return new BackendError(IPC_ERROR_CODE, reason.message);
  return new BackendError(IPC_ERROR_CODE, typeof reason === "string" ? reason : "the backend call failed");
}
