import { useEffect, useState } from "react";

import { ErrorState } from "./components/ErrorState";
import { Header } from "./components/Header";
import { Loading } from "./components/Loading";
import { ProductPanel } from "./components/ProductPanel";
import { ProductTable } from "./components/ProductTable";
import type { Backend } from "./ipc/backend";
import { useCommand } from "./useCommand";

/** How long the event stream must stay quiet before a sync counts as finished and the views reload. */
export const SYNC_SETTLE_MS = 400;

/** Tracks syncs from the event stream; bumps `generation` once one settles so every view reloads the cache. */
function useCacheGeneration(backend: Backend): { generation: number; syncing: boolean } {
  const [generation, setGeneration] = useState(0);
  const [syncing, setSyncing] = useState(false);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe: (() => void) | undefined;
    let active = true;
    void backend
      .onEvent(() => {
        setSyncing(true);
        clearTimeout(timer);
        timer = setTimeout(() => {
          setSyncing(false);
          setGeneration((g) => g + 1);
        }, SYNC_SETTLE_MS);
      })
      .then((stop) => {
        if (active) unsubscribe = stop;
        else stop();
      });
    return () => {
      active = false;
      clearTimeout(timer);
      unsubscribe?.();
    };
  }, [backend]);
  return { generation, syncing };
}

export function App({ backend }: { backend: Backend }) {
  const { generation, syncing } = useCacheGeneration(backend);
  const info = useCommand(backend, "app_info", {}, generation);
  const products = useCommand(backend, "list_products", {}, generation);
  const [selectedId, setSelectedId] = useState<string | null>(null);

  return (
    <div className="app">
      <Header info={info} syncing={syncing} />
      <main className={selectedId === null ? "layout" : "layout with-detail"}>
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
