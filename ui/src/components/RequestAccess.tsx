import { type SyntheticEvent, useState } from "react";

import type { Backend } from "../ipc/backend";
import type { AccessRequested } from "../ipc/commands";
import { type BackendError, toBackendError } from "../ipc/errors";
import { ErrorState } from "./ErrorState";

/** What became of a request, in words: delivered, waiting in the outbox, or refused by its source. */
function outcome(result: AccessRequested): string {
  const { request, item } = result;
  if (result.email !== null) {
    return `Prepared as an e-mail to the product's owners (${request.id}): its source takes no request files, so open the e-mail and send it.`;
  }
  if (item.status === "submitted") return `Requested (${request.id}): sent to ${item.source}; its owners decide there.`;
  if (item.status === "failed") return `Source ${item.source} refused request ${request.id}: ${item.reason ?? "no reason given"}.`;
  return `Queued (${request.id}): ${item.source} is not reachable now; the outbox will send it.`;
}

/** Splits "a, b,,c" into column names. */
function columnList(text: string): string[] {
  return text
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");
}

/** "Request access" on an output port: purpose, consuming team or product, optional columns and end date. */
export function RequestAccess({ backend, product, port }: { backend: Backend; product: string; port: string }) {
  const [open, setOpen] = useState(false);
  const [purpose, setPurpose] = useState("");
  const [consumer, setConsumer] = useState("");
  const [columns, setColumns] = useState("");
  const [until, setUntil] = useState("");
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<AccessRequested | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const email = result?.email ?? null;

  if (!open) {
    return (
      <button type="button" className="link" onClick={() => { setOpen(true); }}>
        Request access
      </button>
    );
  }
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setSending(true);
    setError(null);
    const args = { product, port, purpose, consumer, columns: columnList(columns), ...(until === "" ? {} : { until }) };
    backend.call("access_request", args).then(
      (answer) => {
        setSending(false);
        setResult(answer);
      },
      (reason: unknown) => {
        setSending(false);
        setError(toBackendError(reason));
      },
    );
  };
  return (
    <form className="request-access" aria-label={`request access to ${port}`} onSubmit={submit}>
      <label>
        Purpose
        <textarea value={purpose} required onChange={(e) => { setPurpose(e.target.value); }} />
      </label>
      <label>
        Consuming team or product
        <input value={consumer} required onChange={(e) => { setConsumer(e.target.value); }} />
      </label>
      <label>
        Columns (comma-separated, empty for the whole port)
        <input value={columns} onChange={(e) => { setColumns(e.target.value); }} />
      </label>
      <label>
        Until
        <input type="date" value={until} onChange={(e) => { setUntil(e.target.value); }} />
      </label>
      <button type="submit" disabled={sending}>{sending ? "Requesting…" : "Send request"}</button>
      <button type="button" className="link" onClick={() => { setOpen(false); }}>
        Close
      </button>
      {error !== null && <ErrorState title="The request was not queued" error={error} />}
      {result !== null && <p role="status">{outcome(result)}</p>}
      {email !== null && (
        <button
          type="button"
          onClick={() => {
            backend.openLink(email).catch((reason: unknown) => {
              setError(toBackendError(reason));
            });
          }}
        >
          Open e-mail
        </button>
      )}
    </form>
  );
}
