import type { KeyboardEvent } from "react";

import type { ProductSummary } from "../ipc/commands";
import { ColumnHeaders } from "./DataTable";
import { retentionText, SensitivityBadge } from "./SensitivityBadge";
import { StatusBadge } from "./StatusBadge";
import { Tags } from "./Tags";

interface Props {
  products: ProductSummary[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}

const HEADERS = ["Name", "Id", "Domain", "Status", "Owner team", "Sensitivity", "Retention", "Tags"];

/** The product list; a row opens its product (click, Enter or Space). */
export function ProductTable({ products, selectedId, onSelect }: Props) {
  const onKey = (event: KeyboardEvent, id: string) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onSelect(id);
    }
  };
  return (
    <table className="products">
      <ColumnHeaders headers={HEADERS} />
      <tbody>
        {products.map((p) => (
          <tr
            key={p.id}
            data-product-id={p.id}
            tabIndex={0}
            aria-selected={p.id === selectedId}
            onClick={() => {
              onSelect(p.id);
            }}
            onKeyDown={(event) => {
              onKey(event, p.id);
            }}
          >
            <td className="name">{p.name ?? p.id}</td>
            <td>
              <code>{p.id}</code>
            </td>
            <td>{p.domain ?? <span className="muted">—</span>}</td>
            <td>
              <StatusBadge status={p.status} />
            </td>
            <td>{p.owner_team ?? <span className="muted">—</span>}</td>
            <td>
              <SensitivityBadge level={p.sensitivity} />
            </td>
            <td>{retentionText(p.retention_days)}</td>
            <td>
              <Tags tags={p.tags} limit={3} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
