import type { ReactNode } from "react";

import type { Column, PortContract, QualityRule, SlaProperty } from "../ipc/commands";
import { Markdown } from "./Markdown";
import { StatusBadge } from "./StatusBadge";

function ColumnFlags({ column }: { column: Column }) {
  const flags = [column.primary_key && "PK", column.required && "required", column.unique && "unique"].filter(
    (flag): flag is string => typeof flag === "string",
  );
  return <>{flags.length > 0 ? flags.join(", ") : <span className="muted">—</span>}</>;
}

/** JSON-ish values from descriptors (numbers, strings, small objects) as short text. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function Slas({ sla }: { sla: SlaProperty[] }) {
  if (sla.length === 0) return null;
  return (
    <section aria-label="SLAs">
      <h5>SLAs</h5>
      <table className="schema">
        <thead>
          <tr>
            <th scope="col">Property</th>
            <th scope="col">Value</th>
            <th scope="col">Applies to</th>
          </tr>
        </thead>
        <tbody>
          {sla.map((s, i) => (
            <tr key={`${s.property}-${i}`}>
              <td>{s.property}</td>
              <td>
                {valueText(s.value)}
                {s.unit !== null && ` ${s.unit}`}
              </td>
              <td>{s.element ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function QualityRules({ rules }: { rules: QualityRule[] }) {
  if (rules.length === 0) return null;
  return (
    <section aria-label="quality rules">
      <h5>Quality rules</h5>
      <table className="schema">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">On</th>
            <th scope="col">Threshold</th>
            <th scope="col">Dimension</th>
            <th scope="col">Severity</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r, i) => (
            <tr key={`${r.name ?? ""}-${i}`}>
              <td>
                {r.name ?? r.metric ?? r.rule_type ?? "rule"}
                {r.description !== null && <div className="muted">{r.description}</div>}
              </td>
              <td>{[r.dataset, r.column].filter((x) => x !== null).join(".") || <span className="muted">contract</span>}</td>
              <td>{valueText(r.threshold)}</td>
              <td>{r.dimension ?? <span className="muted">—</span>}</td>
              <td>{r.severity ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** One port's contract: its datasets and their columns, SLAs and quality rules. */
/** `format` shows the file's standard and version (and the upgrade action, on the product page). */
export function ContractCard({
  entry,
  onOpenDataset,
  format,
}: {
  entry: PortContract;
  onOpenDataset?: (contract: string, dataset: string) => void;
  format?: ReactNode;
}) {
  const { contract, port } = entry;
  return (
    <article className="contract" aria-label={`contract ${contract.id}`}>
      <header className="contract-header">
        <h4>
          {contract.name ?? contract.id} <code>{contract.id}</code>
        </h4>
        <span className="muted">
          {port.direction === "out" ? "output" : "input"} port <strong>{port.port}</strong>
          {contract.version !== null && ` · v${contract.version}`}
          {entry.producer !== null && port.direction === "in" && ` · from ${entry.producer}`}
        </span>
        <StatusBadge status={contract.status} />
        {format}
      </header>
      {contract.description !== null && <Markdown className="contract-description prose" text={contract.description} />}
      {contract.datasets.map((dataset) => (
        <section key={dataset.name} className="dataset">
          <h5>
            {onOpenDataset === undefined ? (
              dataset.name
            ) : (
              <button
                type="button"
                className="link"
                onClick={() => {
                  onOpenDataset(contract.id, dataset.name);
                }}
              >
                {dataset.name}
              </button>
            )}
            {dataset.physical_name !== null && dataset.physical_name !== dataset.name && (
              <code className="muted"> {dataset.physical_name}</code>
            )}
          </h5>
          <table className="schema">
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Type</th>
                <th scope="col">Constraints</th>
                <th scope="col">Classification</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {dataset.columns.map((column) => (
                <tr key={column.name}>
                  <td>
                    <code>{column.name}</code>
                  </td>
                  <td>{column.physical_type ?? column.logical_type ?? <span className="muted">—</span>}</td>
                  <td>
                    <ColumnFlags column={column} />
                  </td>
                  <td>{column.classification ?? <span className="muted">—</span>}</td>
                  <td>{column.description ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      <Slas sla={contract.sla} />
      <QualityRules rules={contract.quality} />
    </article>
  );
}
