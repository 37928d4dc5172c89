import type { Backend } from "../ipc/backend";
import type { Adoption } from "../ipc/commands";
import type { Navigate } from "../route";
import { useCommand } from "../useCommand";
import { ErrorState } from "./ErrorState";
import { Loading } from "./Loading";
import { ProductLink } from "./ProductLink";

function count(n: number | null): string {
  return n === null ? "–" : String(n);
}

/** "+2 since 2026-11-07", from the trend the syncs kept. */
function change(adoption: Adoption): string {
  const c = adoption.change_30d;
  if (c === null) return "–";
  const sign = c.consumers > 0 ? "+" : c.consumers < 0 ? "−" : "±";
  return `${sign}${Math.abs(c.consumers)} since ${c.since.slice(0, 10)}`;
}

function evidence(adoption: Adoption): string {
  const { agreement, lineage, input_port } = adoption.via;
  const parts = [
    agreement > 0 ? `${agreement} by agreement` : null,
    input_port > 0 ? `${input_port} by input port` : null,
    lineage > 0 ? `${lineage} in lineage` : null,
  ];
  return parts.filter((p) => p !== null).join(", ");
}

/** A domain's products with their consumers, usage and 30-day change; products nobody is known to use come first. */
export function DomainAdoption({ backend, generation, domain, navigate }: { backend: Backend; generation: number; domain: string; navigate: Navigate }) {
  const adoption = useCommand(backend, "adoption", { domain }, generation);
  if (adoption.state === "loading") return <Loading label="Loading adoption…" />;
  if (adoption.state === "failed") return <ErrorState title="Cannot load adoption" error={adoption.error} />;
  const rows = [...adoption.data].sort((a, b) => Number(a.consumers > 0) - Number(b.consumers > 0) || a.id.localeCompare(b.id));
  const unused = rows.filter((a) => a.consumers === 0).length;
  return (
    <section aria-label="adoption">
      <h4>Adoption</h4>
      <p className="muted">
        {unused === 0 ? "Every product has a known consumer." : `${unused} of ${rows.length} products have no known consumer.`} Consumers are known from access agreements, input ports and lineage; usage comes from the catalog.
      </p>
      <table className="adoption" aria-label="adoption">
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Consumers</th>
            <th scope="col">Known by</th>
            <th scope="col">Queries (30 days)</th>
            <th scope="col">Users (30 days)</th>
            <th scope="col">Change (30 days)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.id} className={a.consumers === 0 ? "unused" : undefined}>
              <td>
                <ProductLink id={a.id} navigate={navigate} />
              </td>
              <td>{a.consumers === 0 ? <span className="badge badge-deprecated">no known consumer</span> : a.consumers}</td>
              <td className="muted">{evidence(a)}</td>
              <td>{count(a.usage.queries_30d)}</td>
              <td>{count(a.usage.users_30d)}</td>
              <td title={a.trend.map((p) => `${p.at.slice(0, 10)}: ${p.consumers}`).join("\n")}>{change(a)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
