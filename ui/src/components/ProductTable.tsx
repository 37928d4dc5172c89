import type { KeyboardEvent } from "react";

import type { ProductSummary } from "../ipc/commands";
import { retentionText, SensitivityBadge } from "./SensitivityBadge";
import { StatusBadge } from "./StatusBadge";
import { Tags } from "./Tags";

interface Props {
  products: ProductSummary[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}

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
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Id</th>
          <th scope="col">Domain</th>
          <th scope="col">Status</th>
          <th scope="col">Owner team</th>
          <th scope="col">Sensitivity</th>
          <th scope="col">Retention</th>
          <th scope="col">Tags</th>
        </tr>
      </thead>
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
