import { useEffect, useState } from "react";

import { EditorScreen } from "./components/editor/EditorScreen";
import { ErrorState } from "./components/ErrorState";
import { Header } from "./components/Header";
import { Loading } from "./components/Loading";
import { ProductPanel } from "./components/ProductPanel";
import { ProductTable } from "./components/ProductTable";
import type { Backend } from "./ipc/backend";
import type { SyncProgress } from "./ipc/commands";
import { useCommand } from "./useCommand";

/**
 * A sync that fails stops without a `done` event; after this long without events the sync indicator is
 * cleared and the views reload anyway (a failed sync leaves the cache as it was, so that reload is harmless).
 */
export const SYNC_QUIET_MS = 3000;

/** Follows syncs on the event stream; bumps `generation` when one ends so every view reloads the cache. */
function useSyncState(backend: Backend): { generation: number; progress: SyncProgress | null } {
  const [generation, setGeneration] = useState(0);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  useEffect(() => {
    let quiet: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe: (() => void) | undefined;
    let active = true;
    const finished = () => {
      clearTimeout(quiet);
      setProgress(null);
      setGeneration((g) => g + 1);
    };
    void backend
      .onEvent((event) => {
        if (event.phase === "done") {
          finished();
          return;
        }
        setProgress(event);
        clearTimeout(quiet);
        quiet = setTimeout(finished, SYNC_QUIET_MS);
      })
      .then((stop) => {
        if (active) unsubscribe = stop;
        else stop();
      });
    return () => {
      active = false;
      clearTimeout(quiet);
      unsubscribe?.();
    };
  }, [backend]);
  return { generation, progress };
}

export function App({ backend }: { backend: Backend }) {
  const { generation, progress } = useSyncState(backend);
  const info = useCommand(backend, "app_info", {}, generation);
  const products = useCommand(backend, "list_products", {}, generation);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);

  return (
    <div className="app">
      <Header info={info} progress={progress} />
      <nav className="draft-actions">
        <button
          type="button"
          aria-pressed={editing}
          onClick={() => {
            setEditing((e) => !e);
          }}
        >
          {editing ? "Back to products" : "Drafts and outbox"}
        </button>
      </nav>
      {editing && <EditorScreen backend={backend} productId={selectedId} />}
      <main hidden={editing} className={selectedId === null ? "layout" : "layout with-detail"}>
        <section className="list" aria-label="products">
          {products.state === "loading" && <Loading label="Loading products…" />}
          {products.state === "failed" && <ErrorState title="Cannot list products" error={products.error} />}
          {products.state === "ready" && products.data.length === 0 && (
            <div className="state">
              <p className="state-title">No products in the cache yet</p>
              <p className="muted">
                Add a source and sync it, e.g. <code>meshlens source add my-mesh --kind folder --path ./mesh</code> then{" "}
                <code>meshlens sync</code>, or start with the demo: <code>meshlens demo</code>.
              </p>
            </div>
          )}
          {products.state === "ready" && products.data.length > 0 && (
            <ProductTable products={products.data} selectedId={selectedId} onSelect={setSelectedId} />
          )}
        </section>
        {selectedId !== null && (
          <ProductPanel
            backend={backend}
            id={selectedId}
            generation={generation}
            onClose={() => {
              setSelectedId(null);
            }}
          />
        )}
      </main>
    </div>
  );
}
