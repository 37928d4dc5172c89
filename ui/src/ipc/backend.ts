// The only module that talks to Tauri. Components receive a `Backend` so they can be tested with recorded data.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import { measureSearchAnswered } from "../perf";
import type { UpdateCheck } from "./bindings/UpdateCheck";
import type { AppEvent, CommandName, Commands } from "./commands";
import { toBackendError } from "./errors";
import { safeLink } from "./links";

/** What the UI needs from the app: the command table and its event stream. */
export interface Backend {
  call<C extends CommandName>(command: C, args: Commands[C]["args"]): Promise<Commands[C]["result"]>;
  /** Subscribes to app events; resolves to the function that unsubscribes. */
  onEvent(handler: (event: AppEvent) => void): Promise<() => void>;
  /**
   * Shows a steward report written to the data directory's `reports/` folder (`file` is its name there) in a
   * window of its own, which the shell opens: no scripts, no IPC, nothing loaded from elsewhere
   * (see src-tauri/src/report.rs).
   */
  openReport(file: string): Promise<void>;
  /**
   * Hands a mail or chat link to the system (mail client, browser, chat app); the app's window never
   * navigates. Only links `safeLink` accepts are sent, and the shell checks them again.
   */
  openLink(url: string): Promise<void>;
  /**
   * Asks the user for a folder in a native dialog; `null` when cancelled. Desktop calls may name only paths in
   * the data directory or picked here, so this is how a folder outside it gets in (a source, an import).
   */
  pickFolder(): Promise<string | null>;
  /** Asks the user where to save a report (suggesting `suggested`) in a native dialog; `null` when cancelled. */
  chooseReportPath(suggested: string): Promise<string | null>;
  /**
   * Checks the update manifest in force (settings and the machine's policy); a newer version is reported only
   * once its download has passed the signature check (src-tauri/src/updates.rs).
   */
  checkUpdate(): Promise<UpdateCheck>;
  /** Installs the update the last check verified and restarts into it. */
  installUpdate(): Promise<void>;
}

/** Must match `EVENT_NAME` in src-tauri/src/main.rs. */
export const EVENT_NAME = "meshlens://event";

/** Runs one command of the app's command table through the shell's `call` command. */
export async function call<C extends CommandName>(
  command: C,
  args: Commands[C]["args"],
): Promise<Commands[C]["result"]> {
  const result = await shell<Commands[C]["result"]>("call", { command, args });
  if (command === "search") measureSearchAnswered();
  return result;
}

export async function onEvent(handler: (event: AppEvent) => void): Promise<() => void> {
  return listen<AppEvent>(EVENT_NAME, (event) => {
    handler(event.payload);
  });
}

/** Runs a command of the shell (`call`, dialogs, report windows); failures become BackendErrors. */
async function shell<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toBackendError(reason);
  }
}

/** A plain `*.html` name, as the shell's `open_report` accepts it (checked there again). */
export const REPORT_FILE_NAME = /^(?!\.)[A-Za-z0-9._-]+\.html$/;

export function openReport(file: string): Promise<void> {
  if (!REPORT_FILE_NAME.test(file)) return Promise.reject(new Error(`not a report file name: ${file}`));
  return shell("open_report", { file });
}

export function openLink(url: string): Promise<void> {
  const link = safeLink(url);
  if (link === null) return Promise.reject(new Error(`not a mailto: or https: link: ${url}`));
  return shell("open_link", { url: link });
}

export function pickFolder(): Promise<string | null> {
  return shell("pick_folder");
}

export function chooseReportPath(suggested: string): Promise<string | null> {
  return shell("choose_report_path", { suggested });
}

export function checkUpdate(): Promise<UpdateCheck> {
  return shell("check_update");
}

export function installUpdate(): Promise<void> {
  return shell("install_update");
}

export const tauriBackend: Backend = { call, onEvent, openReport, openLink, pickFolder, chooseReportPath, checkUpdate, installUpdate };
