import { useState } from "react";

import { ErrorState } from "../components/ErrorState";
import { Loading } from "../components/Loading";
import { ImpactBadge } from "../components/VersionHistory";
import type { Backend } from "../ipc/backend";
import type { FeedChange } from "../ipc/commands";
import { type BackendError, toBackendError } from "../ipc/errors";
import type { Navigate } from "../route";
import { useCommand } from "../useCommand";

/** Newest sync first; within a sync, the feed's order (domain, product, entity). */
export function newestFirst(changes: FeedChange[]): FeedChange[] {
  return changes.map((c, i) => ({ c, i })).sort((a, b) => b.c.sync - a.c.sync || a.i - b.i).map(({ c }) => c);
}

function ChangeItem({ change, onOpen }: { change: FeedChange; onOpen: (product: string) => void }) {
  const product = change.product;
  return (
    <li className="inbox-item">
      <p>
        <ImpactBadge breaking={change.breaking} /> <span className="muted">{change.op} {change.kind}</span>{" "}
        {product !== null ? (
          <button type="button" className="link" onClick={() => { onOpen(product); }}>
            {change.id}
          </button>
        ) : (
          <code>{change.id}</code>
        )}{" "}
        <span className="muted">
          {change.domain ?? "no domain"} · {change.at.slice(0, 16).replace("T", " ")}
        </span>
      </p>
      <p>{change.summary}</p>
      {change.fields.length > 0 && (
        <ul className="inbox-fields">
          {change.fields.map((f, i) => (
            <li key={`${f.path}\u001f${String(i)}`}>
              <ImpactBadge breaking={f.breaking} metadataOnly={f.metadata_only} /> <code>{f.path}</code> {f.reason}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** What changed since the last sync the user read, newest first; cut to followed or breaking changes. */
export function InboxScreen({ backend, generation, navigate, onRead }: { backend: Backend; generation: number; navigate: Navigate; onRead: () => void }) {
  const [following, setFollowing] = useState(false);
  const [breaking, setBreaking] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const feed = useCommand(backend, "changes", { following, breaking }, generation);
  const markRead = () => {
    backend.call("changes", { markRead: true }).then(onRead, (reason: unknown) => {
      setError(toBackendError(reason));
    });
  };
  return (
    <section className="page" aria-label="inbox">
      <h2>Inbox</h2>
      <p>
        <label>
          <input type="checkbox" checked={following} onChange={(e) => { setFollowing(e.target.checked); }} /> Only what I follow
        </label>{" "}
        <label>
          <input type="checkbox" checked={breaking} onChange={(e) => { setBreaking(e.target.checked); }} /> Only breaking changes
        </label>{" "}
        <button type="button" onClick={markRead}>
          Mark all read
        </button>
      </p>
      {error !== null && <ErrorState title="Cannot mark the changes read" error={error} />}
      {feed.state === "loading" && <Loading label="Loading changes…" />}
      {feed.state === "failed" && <ErrorState title="Cannot load the changes" error={feed.error} />}
      {feed.state === "ready" && feed.data.changes.length === 0 && <p className="muted">Nothing changed since you last looked.</p>}
      {feed.state === "ready" && feed.data.changes.length > 0 && (
        <ul className="inbox" aria-label="changes">
          {newestFirst(feed.data.changes).map((change) => (
            <ChangeItem
              key={`${String(change.sync)}\u001f${change.kind}\u001f${change.id}`}
              change={change}
              onOpen={(product) => { navigate({ screen: "product", id: product }); }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
