import { useState } from "react";

import type { SyncRun } from "../App";
import { BackgroundSyncSettings } from "../components/BackgroundSync";
import { ColumnHeaders } from "../components/DataTable";
import { ErrorState } from "../components/ErrorState";
import { describeProgress } from "../components/Header";
import { Loading } from "../components/Loading";
import { TextInput } from "../components/TextInput";
import { UpdatesSettings } from "../components/Updates";
import type { Backend } from "../ipc/backend";
import type { SourceConfig, SyncProgress } from "../ipc/commands";
import { type BackendError, toBackendError } from "../ipc/errors";
import type { Theme } from "../prefs";
import type { Navigate } from "../route";
import { useCommand } from "../useCommand";
import {
  describeSource,
  fieldsOf,
  KIND_NAMES,
  NEIGHBOURS_FIELD,
  needsToken,
  SCOPE_FIELDS,
  SOURCE_KINDS,
  takesScope,
  toSourceConfig,
} from "./sourceKinds";
import { formatTime } from "./SyncStatus";

interface AddSourceProps {
  backend: Backend;
  onAdded: (name: string) => void;
  /** The kind the form starts on; set when the user came from the welcome screen, which also focuses it. */
  initialKind?: SourceConfig["kind"];
}

function AddSourceForm({ backend, onAdded, initialKind }: AddSourceProps) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<SourceConfig["kind"]>(initialKind ?? "folder");
  const [values, setValues] = useState<Record<string, string>>({});
  // Held only until it is handed to the keyring; never displayed again.
  const [token, setToken] = useState("");
  const [error, setError] = useState<BackendError | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="source-form"
      aria-label="add source"
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        setError(null);
        const secret = needsToken(kind) ? token.trim() : "";
        const added = backend.call("add_source", toSourceConfig(name, kind, values)).then(async (record) => {
          if (secret !== "") await backend.call("set_token", { name: record.config.name, token: secret });
          return record;
        });
        added.then(
          (record) => {
            setBusy(false);
            setName("");
            setValues({});
            setToken("");
            onAdded(record.config.name);
          },
          (reason: unknown) => {
            setBusy(false);
            setError(toBackendError(reason));
          },
        );
      }}
    >
      <h3>Add a source</h3>
      <label>
        Name
        <TextInput aria-label="source name" required autoFocus={initialKind !== undefined} value={name} placeholder="my-mesh" onValue={setName} />
      </label>
      <label>
        Kind
        <select aria-label="source kind" value={kind} onChange={(event) => { setKind(event.target.value as SourceConfig["kind"]); }}>
          {KIND_NAMES.map((k) => (
            <option key={k} value={k}>
              {SOURCE_KINDS[k].label}
            </option>
          ))}
        </select>
      </label>
      {fieldsOf(kind).map((field) => (
        <label key={field.name}>
          {field.label}
          {!field.required && <span className="muted"> (optional)</span>}
          <TextInput
            aria-label={field.label}
            required={field.required}
            placeholder={field.placeholder}
            value={values[field.name] ?? ""}
            onValue={(value) => {
              setValues({ ...values, [field.name]: value });
            }}
          />
          {field.folder === true && (
            <button
              type="button"
              aria-label={`choose ${field.label}`}
              onClick={() => {
                backend.pickFolder().then((picked) => {
                  if (picked !== null) setValues((current) => ({ ...current, [field.name]: picked }));
                }, (reason: unknown) => {
                  setError(toBackendError(reason));
                });
              }}
            >
              Choose…
            </button>
          )}
        </label>
      ))}
      {takesScope(kind) && <ScopeFields values={values} setValues={setValues} />}
      {needsToken(kind) && (
        <label>
          Token
          <span className="muted"> (kept in the OS keyring, never shown again)</span>
          <TextInput aria-label="token" type="password" autoComplete="off" value={token} onValue={setToken} />
        </label>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Adding…" : "Add source"}
      </button>
      {error !== null && <ErrorState title="Cannot add the source" error={error} />}
    </form>
  );
}

interface ScopeFieldsProps {
  values: Record<string, string>;
  setValues: (values: Record<string, string>) => void;
}

/** A large catalog's scope: only these domains, tags or owners, and what lies a few hops of lineage away. */
function ScopeFields({ values, setValues }: ScopeFieldsProps) {
  const field = (name: string, label: string, placeholder: string, type = "text") => (
    <label key={name}>
      {label}
      <TextInput
        aria-label={`scope ${label.toLowerCase()}`}
        type={type}
        min={type === "number" ? 0 : undefined}
        placeholder={placeholder}
        value={values[name] ?? ""}
        onValue={(value) => {
          setValues({ ...values, [name]: value });
        }}
      />
    </label>
  );
  return (
    <fieldset className="source-scope">
      <legend>
        Scope <span className="muted">(optional: sync only these, the rest stays on the server)</span>
      </legend>
      {SCOPE_FIELDS.map((spec) => field(spec.name, spec.label, spec.placeholder))}
      {field(NEIGHBOURS_FIELD, "Lineage hops", "0", "number")}
    </fieldset>
  );
}

function ProgressBar({ progress }: { progress: SyncProgress }) {
  const known = progress.total > 0;
  return (
    <div className="progress-wrap" role="status" aria-label="sync progress">
      <progress
        max={known ? progress.total : undefined}
        value={known ? progress.done : undefined}
        aria-valuetext={describeProgress(progress)}
      />
      <span>{describeProgress(progress)}</span>
    </div>
  );
}

interface Props {
  backend: Backend;
  generation: number;
  progress: SyncProgress | null;
  syncRun: SyncRun;
  reload: () => void;
  theme: Theme;
  onTheme: (theme: Theme) => void;
  navigate: Navigate;
  /** Opens the "add source" form on this kind. */
  addKind?: SourceConfig["kind"];
}

/** Sources, syncing and settings. */
export function SourcesScreen({ backend, generation, progress, syncRun, reload, theme, onTheme, navigate, addKind }: Props) {
  const sources = useCommand(backend, "list_sources", {}, generation);
  const info = useCommand(backend, "app_info", {}, generation);
  const [removeError, setRemoveError] = useState<BackendError | null>(null);
  return (
    <div className="page sources" aria-label="sources and settings">
      <div className="detail-title">
        <h2>Sources</h2>
        <button type="button" disabled={syncRun.running} onClick={() => { syncRun.start(); }}>
          Sync now
        </button>
        {syncRun.running && (
          <button type="button" onClick={syncRun.cancel}>
            Cancel sync
          </button>
        )}
      </div>
      {progress !== null && <ProgressBar progress={progress} />}
      {syncRun.running && progress === null && <Loading label="Sync running (lineage and quality results are read after the descriptors)…" />}
      {syncRun.error !== null && <ErrorState title="The sync failed" error={syncRun.error} />}
      {removeError !== null && <ErrorState title="Cannot remove the source" error={removeError} />}
      {sources.state === "loading" && <Loading label="Loading sources…" />}
      {sources.state === "failed" && <ErrorState title="Cannot list sources" error={sources.error} />}
      {sources.state === "ready" && sources.data.length === 0 && (
        <div className="state">
          <p className="state-title">No sources yet</p>
          <p className="muted">Add a folder or a git repository of ODPS/ODCS files below, then sync it.</p>
        </div>
      )}
      {sources.state === "ready" && sources.data.length > 0 && (
        <table className="schema" aria-label="sources">
          <ColumnHeaders headers={["Name", "Kind", "Reads", "Products", "Last sync", ""]} />
          <tbody>
            {sources.data.map((s) => (
              <tr key={s.config.name} data-source={s.config.name}>
                <td>
                  <strong>{s.config.name}</strong>
                </td>
                <td>{SOURCE_KINDS[s.config.kind].label}</td>
                <td>
                  <code>{describeSource(s.config)}</code>
                </td>
                <td>
                  {s.products} <span className="muted">({s.documents} files)</span>
                </td>
                <td>
                  <span className={`dot dot-${s.last_sync_status ?? "never"}`} aria-hidden="true" /> {formatTime(s.last_sync_at)}{" "}
                  <span className="muted">{s.last_sync_status ?? "not synced yet"}</span>
                  {s.last_error !== null && <p className="error-text">{s.last_error}</p>}
                </td>
                <td className="button-row">
                  <button type="button" disabled={syncRun.running} onClick={() => { syncRun.start([s.config.name]); }}>
                    Sync
                  </button>
                  <button
                    type="button"
                    onClick={() => {
                      if (!window.confirm(`Remove ${s.config.name} and everything cached from it?`)) return;
                      setRemoveError(null);
                      backend.call("remove_source", { name: s.config.name }).then(reload, (reason: unknown) => {
                        setRemoveError(toBackendError(reason));
                      });
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AddSourceForm
        key={addKind ?? ""}
        backend={backend}
        initialKind={addKind}
        onAdded={(name) => {
          reload();
          syncRun.start([name]);
        }}
      />
      <section className="settings" aria-label="settings">
        <h2>Settings</h2>
        <label>
          Theme{" "}
          <select aria-label="theme" value={theme} onChange={(event) => { onTheme(event.target.value as Theme); }}>
            <option value="system">follow the system</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
        {info.state === "ready" && (
          <p className="data-dir">
            Data directory <code>{info.data.dataDir}</code> · version {info.data.version}
          </p>
        )}
        <button type="button" className="link" onClick={() => { navigate({ screen: "about" }); }}>
          About meshlens
        </button>
        <BackgroundSyncSettings backend={backend} generation={generation} />
        <UpdatesSettings backend={backend} />
      </section>
    </div>
  );
}
