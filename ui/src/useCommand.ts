import { useEffect, useState } from "react";

import type { Backend } from "./ipc/backend";
import type { CommandName, Commands } from "./ipc/commands";
import { type BackendError, toBackendError } from "./ipc/errors";

export type Resource<T> =
  /** `previous`: the last answer to other arguments, for callers that keep it on screen meanwhile. */
  | { state: "loading"; previous?: T }
  | { state: "ready"; data: T }
  | { state: "failed"; error: BackendError };

type Settled<T> = { request: string; resource: Resource<T> };

/**
 * Calls a command and tracks its result. Re-runs when the arguments or `generation` change; an answer that
 * arrives after a newer request started is dropped, so a slow old call never overwrites a newer one.
 * A reload (new `generation`, same arguments) keeps showing the previous answer until the new one arrives.
 * `null` arguments mean "nothing to ask yet": no call is made, the resource stays loading, and earlier answers
 * are forgotten (the next request starts with no `previous`: a search box cleared and typed into again does not
 * show the old query's hits).
 */
export function useCommand<C extends CommandName>(
  backend: Backend,
  command: C,
  args: Commands[C]["args"] | null,
  generation = 0,
): Resource<Commands[C]["result"]> {
  // Callers pass fresh object literals each render; the JSON text is the stable identity of a request.
  const argsJson = JSON.stringify(args);
  const request = `${command}\n${argsJson}`;
  const [settled, setSettled] = useState<Settled<Commands[C]["result"]> | null>(null);
  if (argsJson === "null" && settled !== null) setSettled(null);

  useEffect(() => {
    if (argsJson === "null") return;
    let current = true;
    backend.call(command, JSON.parse(argsJson) as Commands[C]["args"]).then(
      (data) => {
        if (current) setSettled({ request, resource: { state: "ready", data } });
      },
      (reason: unknown) => {
        if (current) setSettled({ request, resource: { state: "failed", error: toBackendError(reason) } });
      },
    );
    return () => {
      current = false;
    };
  }, [backend, command, argsJson, request, generation]);

  // Until an answer for these arguments arrives the caller sees "loading"; another request's data comes
  // only as `previous`, so nobody mistakes it for this request's answer.
  if (settled?.request === request) return settled.resource;
  return settled?.resource.state === "ready" ? { state: "loading", previous: settled.resource.data } : { state: "loading" };
}

/** What to show for `resource`: its answer, else the previous answer while it loads; nothing before any answer or after a failure. */
export function shownData<T>(resource: Resource<T>): T | undefined {
  if (resource.state === "ready") return resource.data;
  return resource.state === "loading" ? resource.previous : undefined;
}
