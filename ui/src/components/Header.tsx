import type { AppInfo, SyncProgress } from "../ipc/commands";
import type { Resource } from "../useCommand";

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** App title, cache counts and where the cache lives. */
function describe(progress: SyncProgress): string {
  const counted = progress.total > 0 ? ` ${progress.done}/${progress.total}` : "";
  return `Syncing ${progress.source}: ${progress.phase}${counted}`;
}

export function Header({ info, progress }: { info: Resource<AppInfo>; progress: SyncProgress | null }) {
  return (
    <header className="app-header">
      <div className="brand">
        <img src="/favicon.png" alt="" width={22} height={22} />
        <h1>meshlens</h1>
      </div>
      {info.state === "ready" && (
        <>
          <p className="counts" aria-label="cache counts">
            {plural(info.data.products, "product", "products")} · {plural(info.data.contracts, "contract", "contracts")} ·{" "}
            {plural(info.data.sources, "source", "sources")}
          </p>
          <p className="data-dir" title={info.data.dataDir}>
            <span className="muted">data</span> <code>{info.data.dataDir}</code>
          </p>
        </>
      )}
      {info.state === "failed" && (
        <p className="counts header-error" role="alert">
          <code className="error-code">{info.error.code}</code> {info.error.message}
        </p>
      )}
      {progress !== null && (
        <p className="syncing" role="status">
          <span className="spinner" aria-hidden="true" /> {describe(progress)}
        </p>
      )}
    </header>
  );
}
