import type { OutboxItem } from "../../ipc/bindings/OutboxItem";

/** Outbox items with their status and what happened (receipt, or why they wait or failed). */
export function OutboxList({ items }: { items: OutboxItem[] }) {
  if (items.length === 0) return <p className="muted">The outbox is empty.</p>;
  return (
    <table className="outbox" aria-label="outbox">
      <thead>
        <tr>
          <th>#</th>
          <th>Status</th>
          <th>Documents</th>
          <th>Attempts</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id} data-status={item.status}>
            <td>{item.id}</td>
            <td>{item.status}</td>
            <td>{item.documents.map((d) => d.path).join(", ")}</td>
            <td>{item.attempts}</td>
            <td>{item.status === "submitted" ? item.receipt : item.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
