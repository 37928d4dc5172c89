import type { ReactNode } from "react";

import type { Column, PortContract, QualityRule, SlaProperty } from "../ipc/commands";
import { DataTable, orMissing, type TableColumn } from "./DataTable";
import { Markdown } from "./Markdown";
import { StatusBadge } from "./StatusBadge";

function ColumnFlags({ column }: { column: Column }) {
  const flags = [column.primary_key && "PK", column.required && "required", column.unique && "unique"].filter(
    (flag): flag is string => typeof flag === "string",
  );
  return <>{orMissing(flags.join(", "))}</>;
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
      <DataTable rows={sla} columns={SLA_COLUMNS} rowKey={(s, i) => `${s.property}-${i}`} />
    </section>
  );
}

const SLA_COLUMNS: TableColumn<SlaProperty>[] = [
  { header: "Property", cell: (s) => s.property },
  {
    header: "Value",
    cell: (s) => (
      <>
        {valueText(s.value)}
        {s.unit !== null && ` ${s.unit}`}
      </>
    ),
  },
  { header: "Applies to", cell: (s) => orMissing(s.element) },
];

function QualityRules({ rules }: { rules: QualityRule[] }) {
  if (rules.length === 0) return null;
  return (
    <section aria-label="quality rules">
      <h5>Quality rules</h5>
      <DataTable rows={rules} columns={RULE_COLUMNS} rowKey={(r, i) => `${r.name ?? ""}-${i}`} />
    </section>
  );
}

const RULE_COLUMNS: TableColumn<QualityRule>[] = [
  {
    header: "Rule",
    cell: (r) => (
      <>
        {r.name ?? r.metric ?? r.rule_type ?? "rule"}
        {r.description !== null && <div className="muted">{r.description}</div>}
      </>
    ),
  },
  { header: "On", cell: (r) => [r.dataset, r.column].filter((x) => x !== null).join(".") || <span className="muted">contract</span> },
  { header: "Threshold", cell: (r) => valueText(r.threshold) },
  { header: "Dimension", cell: (r) => orMissing(r.dimension) },
  { header: "Severity", cell: (r) => orMissing(r.severity) },
];

const SCHEMA_COLUMNS: TableColumn<Column>[] = [
  { header: "Column", cell: (c) => <code>{c.name}</code> },
  { header: "Type", cell: (c) => orMissing(c.physical_type ?? c.logical_type) },
  { header: "Constraints", cell: (c) => <ColumnFlags column={c} /> },
  { header: "Classification", cell: (c) => orMissing(c.classification) },
  { header: "Description", cell: (c) => orMissing(c.description) },
];

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
          <DataTable rows={dataset.columns} columns={SCHEMA_COLUMNS} rowKey={(c) => c.name} />
        </section>
      ))}
      <Slas sla={contract.sla} />
      <QualityRules rules={contract.quality} />
    </article>
  );
}
