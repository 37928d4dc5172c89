import { useState } from "react";

import type { Backend } from "../ipc/backend";
import type { DiffChange, HistoryEntry } from "../ipc/commands";
import { useCommand } from "../useCommand";
import { ErrorState } from "./ErrorState";
import { Loading } from "./Loading";

/** `!` breaking, `~` metadata-only, otherwise compatible: the same marks as the CLI. */
export function ImpactBadge({ breaking, metadataOnly }: { breaking: boolean; metadataOnly?: boolean }) {
  if (breaking) return <span className="badge change-breaking">breaking</span>;
  if (metadataOnly === true) return <span className="badge change-metadata">metadata</span>;
  return <span className="badge change-compatible">compatible</span>;
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value, null, 1);
}

/** Two versions side by side, field by field, each change with its impact and reason. */
function DiffTable({ changes }: { changes: DiffChange[] }) {
  if (changes.length === 0) return <p className="muted">No field changed.</p>;
  return (
    <table className="schema diff-table" aria-label="changes between versions">
      <thead>
        <tr>
          <th>Field</th>
          <th>Before</th>
          <th>After</th>
          <th>Impact</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c, i) => (
          <tr key={`${c.path}\u001f${String(i)}`}>
            <td>
              <code>{c.path}</code> <span className="muted">{c.op}</span>
            </td>
            <td>
              <pre className="diff-value">{shown(c.before)}</pre>
            </td>
            <td>
              <pre className="diff-value">{shown(c.after)}</pre>
            </td>
            <td>
              <ImpactBadge breaking={c.breaking} metadataOnly={c.metadata_only} /> {c.reason}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The diff of `version` against the kept version before it (none for the first one or a removal). */
function VersionDiffView({ backend, id, version, before }: { backend: Backend; id: string; version: HistoryEntry; before: HistoryEntry | undefined }) {
  const args = version.hash !== null && before?.hash != null ? { id, from: before.hash, to: version.hash } : null;
  const diff = useCommand(backend, "diff", args);
  if (args === null) return <p className="muted">{version.summary}: nothing to compare it with.</p>;
  if (diff.state === "loading") return <Loading label="Comparing versions…" />;
  if (diff.state === "failed") return <ErrorState title="Cannot compare the versions" error={diff.error} />;
  return <DiffTable changes={diff.data.changes} />;
}

/** Newest first: each version with its source, sync and summary; choosing one shows its diff. */
function VersionList({ versions, selected, onSelect }: { versions: HistoryEntry[]; selected: number; onSelect: (index: number) => void }) {
  // A product's versions also say what each output port declared (contracts and datasets have no ports).
  const withPorts = versions.some((v) => v.ports.length > 0);
  return (
    <table className="schema" aria-label="versions">
      <thead>
        <tr>
          <th>Version</th>
          {withPorts && <th>Output ports</th>}
          <th>Seen</th>
          <th>Source</th>
          <th>Change</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v, index) => (
          <tr key={`${String(v.sync)}\u001f${v.hash ?? v.op}`} className={index === selected ? "selected" : undefined}>
            <td>
              <button type="button" className="link" aria-pressed={index === selected} onClick={() => { onSelect(index); }}>
                {v.version ?? v.hash?.slice(0, 12) ?? v.op}
              </button>
            </td>
            {withPorts && (
              <td>
                {v.ports.map((p) => (
                  <span key={p.name} className="port-version">
                    {p.name} <code>{p.version ?? "—"}</code>
                    {p.contract !== null && <span className="muted"> ({p.contract})</span>}
                  </span>
                ))}
              </td>
            )}
            <td className="muted">{v.seen_at.slice(0, 16).replace("T", " ")}</td>
            <td className="muted">{v.source}</td>
            <td>
              <ImpactBadge breaking={v.breaking} /> {v.summary}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A product page's History tab: the versions of the product or of one of its contracts, and their diffs. */
export function VersionHistory({ backend, ids, generation }: { backend: Backend; ids: string[]; generation: number }) {
  const [id, setId] = useState(ids[0] ?? "");
  const [selected, setSelected] = useState(0);
  const history = useCommand(backend, "history", { id }, generation);
  const versions = history.state === "ready" ? history.data : [];
  const version = versions[selected];
  const before = versions.slice(selected + 1).find((v) => v.op !== "removed");
  return (
    <section aria-label="history">
      {ids.length > 1 && (
        <label>
          Versions of{" "}
          <select
            value={id}
            onChange={(e) => {
              setId(e.target.value);
              setSelected(0);
            }}
          >
            {ids.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
      )}
      {history.state === "loading" && <Loading label="Loading history…" />}
      {history.state === "failed" && <ErrorState title={`No history of ${id} yet`} error={history.error} />}
      {history.state === "ready" && <VersionList versions={versions} selected={selected} onSelect={setSelected} />}
      {version !== undefined && <VersionDiffView backend={backend} id={id} version={version} before={before} />}
    </section>
  );
}
