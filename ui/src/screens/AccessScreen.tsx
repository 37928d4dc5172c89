import { useState } from "react";

import { ErrorState } from "../components/ErrorState";
import { Loading } from "../components/Loading";
import type { Backend } from "../ipc/backend";
import type { AccessEntry } from "../ipc/commands";
import { type BackendError, toBackendError } from "../ipc/errors";
import type { Navigate } from "../route";
import { useCommand } from "../useCommand";

/** One request or agreement; a queued request of this machine can still be withdrawn. */
function AccessRow({ entry, onOpen, onCancel }: { entry: AccessEntry; onOpen: () => void; onCancel: () => void }) {
  return (
    <tr>
      <td>
        <button type="button" className="link" onClick={onOpen}>
          {entry.product}
        </button>
        <span className="muted"> / {entry.port}</span>
      </td>
      <td>{entry.consumer}</td>
      <td>
        <span className={`badge access-${entry.status}`}>{entry.status}</span>
      </td>
      <td>{entry.until ?? <span className="muted">—</span>}</td>
      <td>{entry.purpose}</td>
      <td className="muted">{entry.requested_at?.slice(0, 10) ?? "—"}</td>
      <td className="muted">{entry.target}</td>
      <td>
        {entry.status === "queued" && (
          <button type="button" className="link" onClick={onCancel}>
            Withdraw
          </button>
        )}
      </td>
    </tr>
  );
}

/** My access: this machine's requests (or every agreement known) with their status as the owners set it. */
export function AccessScreen({ backend, generation, navigate }: { backend: Backend; generation: number; navigate: Navigate }) {
  const [mine, setMine] = useState(true);
  const [changes, setChanges] = useState(0);
  const [error, setError] = useState<BackendError | null>(null);
  const list = useCommand(backend, "access_list", { mine }, generation + changes);
  const cancel = (id: string) => {
    backend.call("access_cancel", { id }).then(
      () => {
        setChanges((c) => c + 1);
      },
      (reason: unknown) => {
        setError(toBackendError(reason));
      },
    );
  };
  return (
    <section className="page" aria-label="my access">
      <h2>My access</h2>
      <label>
        <input type="checkbox" checked={mine} onChange={(e) => { setMine(e.target.checked); }} /> Only requests made here
      </label>
      {error !== null && <ErrorState title="Cannot withdraw the request" error={error} />}
      {list.state === "loading" && <Loading label="Loading access requests…" />}
      {list.state === "failed" && <ErrorState title="Cannot load access requests" error={list.error} />}
      {list.state === "ready" && list.data.length === 0 && (
        <p className="muted">No access requests yet. Request access from an output port on a product page.</p>
      )}
      {list.state === "ready" && list.data.length > 0 && (
        <table className="schema" aria-label="access requests">
          <thead>
            <tr>
              <th>Product / port</th>
              <th>Consumer</th>
              <th>Status</th>
              <th>Until</th>
              <th>Purpose</th>
              <th>Requested</th>
              <th>Source</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((entry) => (
              <AccessRow
                key={`${entry.target}\u001f${entry.id}`}
                entry={entry}
                onOpen={() => { navigate({ screen: "product", id: entry.product }); }}
                onCancel={() => { cancel(entry.id); }}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
