import { ErrorState } from "../components/ErrorState";
import type { Backend } from "../ipc/backend";
import type { SourceRecord } from "../ipc/commands";
import type { Navigate } from "../route";
import { useCommand } from "../useCommand";

export function formatTime(iso: string | null): string {
  if (iso === null) return "never";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function lastSync(sources: SourceRecord[]): string | null {
  const times = sources.map((s) => s.last_sync_at).filter((t): t is string => t !== null);
  return times.length === 0 ? null : times.reduce((a, b) => (a > b ? a : b));
}

/** Sources at a glance: when they last synced and which failed. */
export function SyncStatus({ backend, generation, navigate }: { backend: Backend; generation: number; navigate: Navigate }) {
  const sources = useCommand(backend, "list_sources", {}, generation);
  return (
    <section className="shortcuts" aria-label="sync status">
      <h3>Sync status</h3>
      {sources.state === "failed" && <ErrorState title="Cannot list sources" error={sources.error} />}
      {sources.state === "ready" && sources.data.length === 0 && <p className="muted">No sources yet.</p>}
      {sources.state === "ready" && sources.data.length > 0 && (
        <>
          <p>
            Last sync <strong>{formatTime(lastSync(sources.data))}</strong>
          </p>
          <ul>
            {sources.data.map((s) => (
              <li key={s.config.name}>
                <span className={`dot dot-${s.last_sync_status ?? "never"}`} aria-hidden="true" /> {s.config.name}{" "}
                <span className="muted">
                  · {s.products} products · {s.last_sync_status ?? "not synced"}
                </span>
                {s.last_error !== null && <p className="error-text">{s.last_error}</p>}
              </li>
            ))}
          </ul>
        </>
      )}
      <button
        type="button"
        className="link"
        onClick={() => {
          navigate({ screen: "sources" });
        }}
      >
        Manage sources…
      </button>
    </section>
  );
}
