// The only module that talks to Tauri. Components receive a `Backend` so they can be tested with recorded data.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { AppEvent, CommandName, Commands } from "./commands";
import { toBackendError } from "./errors";

/** What the UI needs from the app: the command table and its event stream. */
export interface Backend {
  call<C extends CommandName>(command: C, args: Commands[C]["args"]): Promise<Commands[C]["result"]>;
  /** Subscribes to app events; resolves to the function that unsubscribes. */
  onEvent(handler: (event: AppEvent) => void): Promise<() => void>;
}

/** Must match `EVENT_NAME` in src-tauri/src/main.rs. */
export const EVENT_NAME = "meshlens://event";

/** Runs one command of the app's command table through the shell's single `call` command. */
export async function call<C extends CommandName>(
  command: C,
  args: Commands[C]["args"],
): Promise<Commands[C]["result"]> {
  try {
    return await invoke<Commands[C]["result"]>("call", { command, args });
  } catch (reason) {
    throw toBackendError(reason);
  }
}

export async function onEvent(handler: (event: AppEvent) => void): Promise<() => void> {
  return listen<AppEvent>(EVENT_NAME, (event) => {
    handler(event.payload);
  });
}

export const tauriBackend: Backend = { call, onEvent };
