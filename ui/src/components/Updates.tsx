import { useEffect, useState } from "react";

import type { Backend } from "../ipc/backend";
import type { UpdateCheck, UpdateMode, UpdateSettings } from "../ipc/commands";
import { type BackendError, toBackendError } from "../ipc/errors";
import { useCommand } from "../useCommand";
import { ErrorBanner } from "./ErrorState";
import { TextInput } from "./TextInput";

type CheckState =
  | { state: "idle" }
  | { state: "checking" }
  | { state: "done"; check: UpdateCheck }
  | { state: "failed"; error: BackendError };

/** Runs update checks and remembers the last outcome. */
function useUpdateCheck(backend: Backend): [CheckState, () => void] {
  const [check, setCheck] = useState<CheckState>({ state: "idle" });
  const run = () => {
    setCheck({ state: "checking" });
    backend.checkUpdate().then(
      (answer) => {
        setCheck({ state: "done", check: answer });
      },
      (reason: unknown) => {
        setCheck({ state: "failed", error: toBackendError(reason) });
      },
    );
  };
  return [check, run];
}

/** The outcome of a check: up to date, a verified update with its install button, or why it failed. */
function CheckOutcome({ backend, check }: { backend: Backend; check: CheckState }) {
  const [installError, setInstallError] = useState<BackendError | null>(null);
  if (check.state === "checking") return <p role="status">Checking for updates…</p>;
  if (check.state === "failed") {
    return <ErrorBanner error={check.error} />;
  }
  if (check.state !== "done") return null;
  const { available, currentVersion } = check.check;
  if (available === null) return <p role="status">meshlens {currentVersion} is the newest version.</p>;
  return (
    <div className="update-available" role="status">
      <p>
        <strong>meshlens {available.version}</strong> is available (you have {currentVersion}); its signature was checked.
      </p>
      {available.notes !== null && <p className="muted update-notes">{available.notes}</p>}
      <button
        type="button"
        className="primary"
        onClick={() => {
          backend.installUpdate().catch((reason: unknown) => {
            setInstallError(toBackendError(reason));
          });
        }}
      >
        Restart and update
      </button>
      <ErrorBanner error={installError} />
    </div>
  );
}

function ModeAndUrl({ backend, settings, onSaved }: { backend: Backend; settings: UpdateSettings; onSaved: () => void }) {
  const [url, setUrl] = useState(settings.url);
  const [error, setError] = useState<BackendError | null>(null);
  const save = (mode: UpdateMode, manifest: string) => {
    setError(null);
    backend.call("set_update_preferences", { mode, url: manifest }).then(onSaved, (reason: unknown) => {
      setError(toBackendError(reason));
    });
  };
  return (
    <>
      <label>
        Check{" "}
        <select
          aria-label="update checks"
          value={settings.mode}
          disabled={settings.modeFixed}
          onChange={(event) => {
            save(event.target.value as UpdateMode, settings.url);
          }}
        >
          <option value="manual">only when I ask</option>
          <option value="auto">also when meshlens starts</option>
        </select>
        {settings.modeFixed && <span className="muted"> (set by your administrator)</span>}
      </label>
      <form
        className="update-url"
        onSubmit={(event) => {
          event.preventDefault();
          save(settings.mode, url);
        }}
      >
        <label>
          Release manifest{" "}
          <TextInput aria-label="update manifest URL" value={url} disabled={settings.urlFixed} onValue={setUrl} />
        </label>
        {!settings.urlFixed && <button type="submit">Save</button>}
        {settings.urlFixed && <span className="muted"> (set by your administrator)</span>}
      </form>
      <ErrorBanner error={error} />
    </>
  );
}

/**
 * Settings → Updates: the mode and manifest (unless this machine's policy fixes them), and "Check for updates".
 * With updates switched off by policy there is no action at all, only the reason.
 */
export function UpdatesSettings({ backend }: { backend: Backend }) {
  const [saved, setSaved] = useState(0);
  const settings = useCommand(backend, "update_settings", {}, saved);
  const [check, run] = useUpdateCheck(backend);
  if (settings.state !== "ready") return null;
  const data = settings.data;
  return (
    <section className="updates" aria-label="updates">
      <h3>Updates</h3>
      {data.mode === "off" ? (
        <p className="muted">Updates are switched off on this machine{data.policyError !== null ? `: ${data.policyError}` : " by its administrator"}.</p>
      ) : (
        <>
          <ModeAndUrl key={data.url} backend={backend} settings={data} onSaved={() => { setSaved((n) => n + 1); }} />
          <button type="button" disabled={check.state === "checking"} onClick={run}>
            Check for updates
          </button>
          <CheckOutcome backend={backend} check={check} />
        </>
      )}
    </section>
  );
}

/** With updates on `auto`, checks once when the app starts and offers a found update in a banner. */
export function StartupUpdateBanner({ backend }: { backend: Backend }) {
  const settings = useCommand(backend, "update_settings", {});
  const [check, run] = useUpdateCheck(backend);
  const auto = settings.state === "ready" && settings.data.mode === "auto";
  useEffect(() => {
    if (auto) run();
    // Once per start: `run` is a fresh function each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [auto]);
  if (check.state !== "done" || check.check.available === null) return null;
  return (
    <div className="banner">
      <CheckOutcome backend={backend} check={check} />
    </div>
  );
}
