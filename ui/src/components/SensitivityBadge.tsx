import type { Sensitivity } from "../ipc/commands";

/** A normalised sensitivity level as a pill: the more sensitive, the stronger the colour. */
export function SensitivityBadge({ level }: { level: Sensitivity }) {
  if (level === "unknown") return <span className="muted">unknown</span>;
  return <span className={`badge badge-sensitivity-${level}`}>{level}</span>;
}

/** A retention in days, as the product list and page show it. */
export function retentionText(days: number | null): string {
  return days === null ? "—" : `${days} days`;
}
