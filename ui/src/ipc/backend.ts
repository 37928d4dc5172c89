// The only module that talks to Tauri. Components receive a `Backend` so they can be tested with recorded data.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { WebviewWindow } from "@tauri-apps/api/webviewWindow";

import { measureSearchAnswered } from "../perf";
import type { AppEvent, CommandName, Commands } from "./commands";
import { toBackendError } from "./errors";

/** What the UI needs from the app: the command table and its event stream. */
export interface Backend {
  call<C extends CommandName>(command: C, args: Commands[C]["args"]): Promise<Commands[C]["result"]>;
  /** Subscribes to app events; resolves to the function that unsubscribes. */
  onEvent(handler: (event: AppEvent) => void): Promise<() => void>;
  /**
   * Shows a steward report written to the data directory's `reports/` folder (`file` is its name there) in a
   * window of its own: no scripts, no IPC, nothing loaded from elsewhere (see `report_protocol` in src-tauri).
   */
  openReport(file: string): Promise<void>;
}

/** Must match `EVENT_NAME` in src-tauri/src/main.rs. */
export const EVENT_NAME = "meshlens://event";

/** Runs one command of the app's command table through the shell's single `call` command. */
export async function call<C extends CommandName>(
  command: C,
  args: Commands[C]["args"],
): Promise<Commands[C]["result"]> {
  try {
    const result = await invoke<Commands[C]["result"]>("call", { command, args });
    if (command === "search") measureSearchAnswered();
    return result;
  } catch (reason) {
    throw toBackendError(reason);
  }
}

export async function onEvent(handler: (event: AppEvent) => void): Promise<() => void> {
  return listen<AppEvent>(EVENT_NAME, (event) => {
    handler(event.payload);
  });
}

/** Must match `REPORT_SCHEME` in src-tauri/src/report.rs. */
export const REPORT_SCHEME = "meshlens-report";
/** Report windows are labelled with this prefix; the shell lets them show nothing but the report scheme. */
export const REPORT_WINDOW_PREFIX = "report-";

let reportWindows = 0;

export function openReport(file: string): Promise<void> {
  if (!/^[A-Za-z0-9._-]+\.html$/.test(file)) return Promise.reject(new Error(`not a report file name: ${file}`));
  // A new window per opening, like a browser tab: the report may have been rewritten since the last one.
  const window = new WebviewWindow(`${REPORT_WINDOW_PREFIX}${Date.now()}-${reportWindows++}`, {
    url: `${REPORT_SCHEME}://localhost/${encodeURIComponent(file)}`,
    title: `meshlens — ${file}`,
    width: 1100,
    height: 800,
  });
  return new Promise((resolve, reject) => {
    void window.once("tauri://created", () => {
      resolve();
    });
    void window.once("tauri://error", (event) => {
      reject(toBackendError(event.payload));
    });
  });
}

export const tauriBackend: Backend = { call, onEvent, openReport };
