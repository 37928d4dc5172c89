import { useState } from "react";

import { ErrorState } from "../components/ErrorState";
import { Loading } from "../components/Loading";
import { TextInput } from "../components/TextInput";
import type { Backend } from "../ipc/backend";
import type { BundledLicense } from "../ipc/commands";
import { useCommand } from "../useCommand";

/** 1536 → "1.5 KiB": binary units, as `du -h` and file managers show them. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function matches(license: BundledLicense, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  return needle === "" || `${license.name} ${license.license}`.toLowerCase().includes(needle);
}

function LicenseTable({ licenses }: { licenses: BundledLicense[] }) {
  const [filter, setFilter] = useState("");
  const shown = licenses.filter((l) => matches(l, filter));
  return (
    <section aria-label="bundled licences">
      <h3>Licences of bundled software</h3>
      <p className="muted">
        meshlens is licensed under Apache-2.0. It bundles {licenses.length} open-source packages, each under its own licence.
      </p>
      <TextInput type="search" aria-label="filter licences" placeholder="Filter by package or licence" value={filter} onValue={setFilter} />
      <table className="schema" aria-label="licences">
        <thead>
          <tr>
            <th>Package</th>
            <th>Version</th>
            <th>Licence</th>
            <th>Kind</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((l) => (
            <tr key={`${l.ecosystem}:${l.name}:${l.version}`}>
              <td>{l.name}</td>
              <td className="muted">{l.version}</td>
              <td>{l.license}</td>
              <td className="muted">{l.ecosystem === "npm" ? "UI (npm)" : "Rust crate"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** About meshlens: the build, where its data lives, and what it bundles. */
export function AboutScreen({ backend }: { backend: Backend }) {
  const about = useCommand(backend, "about", {}, 0);
  return (
    <div className="page about" aria-label="about">
      <h2>About meshlens</h2>
      {about.state === "loading" && <Loading label="Reading the build and the data directory…" />}
      {about.state === "failed" && <ErrorState title="Cannot read the app's details" error={about.error} />}
      {about.state === "ready" && (
        <>
          <dl className="about-facts">
            <dt>Version</dt>
            <dd>{about.data.version}</dd>
            <dt>Commit</dt>
            <dd>
              <code>{about.data.commit}</code>
            </dd>
            <dt>Data directory</dt>
            <dd>
              <code>{about.data.dataDir}</code>
            </dd>
            <dt>Data size</dt>
            <dd>{formatBytes(about.data.dataBytes)}</dd>
          </dl>
          <LicenseTable licenses={about.data.licenses} />
        </>
      )}
    </div>
  );
}
