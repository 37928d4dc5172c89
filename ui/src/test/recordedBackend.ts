// A Backend that answers from recorded CLI output (fixtures/), for component tests in jsdom.
import type { Backend } from "../ipc/backend";
import type { AppEvent, CommandName, Commands, UpdateCheck } from "../ipc/commands";
import { BackendError } from "../ipc/errors";

type Handler<C extends CommandName> = (args: Commands[C]["args"]) => Commands[C]["result"] | Promise<Commands[C]["result"]>;
export type Handlers = { [C in CommandName]?: Handler<C> };

export interface RecordedBackend extends Backend {
  /** Every call made, in order. */
  calls: { command: CommandName; args: unknown }[];
  /** Pushes an app event to the subscribers, as the Tauri shell would. */
  emit(event: AppEvent): void;
  /** Report files opened in a window, in order. */
  openedReports: string[];
  /** Links handed to the system, in order. */
  openedLinks: string[];
  /** One entry per "Restart and update". */
  installedUpdates: true[];
}

/**
 * What the shell's own commands answer in a test: the native dialogs (the chosen path, or `null` for a cancelled
 * dialog) and the update check (an answer, or a thrown BackendError).
 */
export interface DialogAnswers {
  pickFolder?: () => string | null;
  chooseReportPath?: (suggested: string) => string | null;
  checkUpdate?: () => UpdateCheck | Promise<UpdateCheck>;
}

export function recordedBackend(handlers: Handlers, dialogs: DialogAnswers = {}): RecordedBackend {
  const listeners = new Set<(event: AppEvent) => void>();
  const calls: { command: CommandName; args: unknown }[] = [];
  const openedReports: string[] = [];
  const openedLinks: string[] = [];
  const installedUpdates: true[] = [];
  return {
    installedUpdates,
    calls,
    openedReports,
    openedLinks,
    async call<C extends CommandName>(command: C, args: Commands[C]["args"]): Promise<Commands[C]["result"]> {
      calls.push({ command, args });
      const handler: Handler<C> | undefined = handlers[command];
      if (handler === undefined) throw new BackendError("E_UNKNOWN_COMMAND", `no recorded answer for ${command}`);
      return handler(args);
    },
    onEvent(handler) {
      listeners.add(handler);
      return Promise.resolve(() => listeners.delete(handler));
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
    openReport(file) {
      openedReports.push(file);
      return Promise.resolve();
    },
    openLink(url) {
      openedLinks.push(url);
      return Promise.resolve();
    },
    pickFolder() {
      return Promise.resolve(dialogs.pickFolder?.() ?? null);
    },
    chooseReportPath(suggested) {
      return Promise.resolve(dialogs.chooseReportPath?.(suggested) ?? null);
    },
    async checkUpdate() {
      if (dialogs.checkUpdate === undefined) throw new BackendError("E_UPDATE_UNREACHABLE", "no recorded update answer");
      return dialogs.checkUpdate();
    },
    installUpdate() {
      installedUpdates.push(true);
      return Promise.resolve();
    },
  };
}

/** A promise the test settles by hand, to control the order in which answers arrive. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
