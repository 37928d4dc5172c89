import type { Column, PortContract } from "../ipc/commands";
import { StatusBadge } from "./StatusBadge";

function ColumnFlags({ column }: { column: Column }) {
  const flags = [column.primary_key && "PK", column.required && "required", column.unique && "unique"].filter(
    (flag): flag is string => typeof flag === "string",
  );
  return <>{flags.length > 0 ? flags.join(", ") : <span className="muted">—</span>}</>;
}

/** One port's contract: its datasets and their columns. */
export function ContractCard({ entry }: { entry: PortContract }) {
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
        </span>
        <StatusBadge status={contract.status} />
      </header>
      {contract.description !== null && <p className="contract-description">{contract.description}</p>}
      {contract.datasets.map((dataset) => (
        <section key={dataset.name} className="dataset">
          <h5>
            {dataset.name}
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
                  <td>{column.description ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </article>
  );
}
