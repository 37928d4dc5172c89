import { useState } from "react";

import { ErrorState } from "../components/ErrorState";
import type { Backend } from "../ipc/backend";
import { type BackendError, toBackendError } from "../ipc/errors";
import type { Navigate } from "../route";

interface Props {
  backend: Backend;
  navigate: Navigate;
  /** Called once the demo is synced, so every view reloads the cache. */
  reload: () => void;
}

/**
 * The first screen on a machine that has no source yet: three ways in. Nothing is synced or sent anywhere until
 * the user picks one.
 */
export function WelcomeScreen({ backend, navigate, reload }: Props) {
  const [opening, setOpening] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const tryDemo = () => {
    setOpening(true);
    setError(null);
    backend.call("open_demo", {}).then(
      () => {
        setOpening(false);
        reload();
        navigate({ screen: "home" });
      },
      (reason: unknown) => {
        setOpening(false);
        setError(toBackendError(reason));
      },
    );
  };
  return (
    <div className="page welcome" aria-label="welcome">
      <h2>Welcome to meshlens</h2>
      <p className="muted">
        Explore your data mesh on this computer: products, contracts, lineage and quality, offline. Nothing is read or
        sent anywhere until you choose where to start.
      </p>
      <div className="welcome-choices">
        <section className="welcome-choice" aria-label="try the demo">
          <h3>Try the demo mesh</h3>
          <p className="muted">A small example mesh bundled with the app: products in six domains, with contracts, lineage and quality results.</p>
          <button type="button" className="primary" disabled={opening} onClick={tryDemo}>
            {opening ? "Opening the demo…" : "Try the demo"}
          </button>
        </section>
        <section className="welcome-choice" aria-label="add a folder or repository">
          <h3>Add a folder or git repository</h3>
          <p className="muted">Descriptor files (ODPS, ODCS, DPS, DCS) your teams keep in a folder or a repository.</p>
          <button type="button" onClick={() => { navigate({ screen: "sources", addKind: "folder" }); }}>
            Add a folder or repository
          </button>
        </section>
        <section className="welcome-choice" aria-label="connect a catalog">
          <h3>Connect a catalog server</h3>
          <p className="muted">OpenMetadata, DataHub, Marquez or Entropy Data; tokens stay in your system keyring.</p>
          <button type="button" onClick={() => { navigate({ screen: "sources", addKind: "openmetadata" }); }}>
            Connect a catalog
          </button>
        </section>
      </div>
      {error !== null && <ErrorState title="Cannot open the demo mesh" error={error} />}
    </div>
  );
}
