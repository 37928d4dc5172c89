/** ODPS/ODCS lifecycle status as a coloured pill; unknown statuses get the neutral colour. */
const KNOWN = new Set(["proposed", "draft", "active", "deprecated", "retired"]);

export function StatusBadge({ status }: { status: string | null }) {
  if (status === null) return <span className="muted">—</span>;
  const tone = KNOWN.has(status.toLowerCase()) ? status.toLowerCase() : "other";
  return <span className={`badge badge-${tone}`}>{status}</span>;
}
