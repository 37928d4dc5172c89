import type { QualityResult } from "../ipc/commands";

export interface DayCounts {
  day: string;
  pass: number;
  warn: number;
  fail: number;
}

const FAILED = new Set(["fail", "error"]);

/** Outcomes per UTC day, oldest first (`skipped` is not counted). */
export function countsByDay(results: QualityResult[]): DayCounts[] {
  const days = new Map<string, DayCounts>();
  for (const r of results) {
    const day = r.at.slice(0, 10);
    const counts = days.get(day) ?? { day, pass: 0, warn: 0, fail: 0 };
    if (r.status === "pass") counts.pass++;
    else if (r.status === "warn") counts.warn++;
    else if (FAILED.has(r.status)) counts.fail++;
    days.set(day, counts);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

const HEIGHT = 140;
const BAR = 28;
const GAP = 14;

/** Stacked bars of pass/warn/fail per day, with the pass rate as a line. */
export function QualityChart({ results, label }: { results: QualityResult[]; label: string }) {
  const days = countsByDay(results);
  if (days.length === 0) return <p className="muted">No quality results recorded yet.</p>;
  const max = Math.max(...days.map((d) => d.pass + d.warn + d.fail), 1);
  const width = days.length * (BAR + GAP) + GAP;
  const scale = (n: number) => (n / max) * (HEIGHT - 20);
  const rate = days.map((d, i) => {
    const total = d.pass + d.warn + d.fail;
    const x = GAP + i * (BAR + GAP) + BAR / 2;
    const y = HEIGHT - 20 - (total === 0 ? 0 : (d.pass / total) * (HEIGHT - 20));
    return `${x},${y}`;
  });
  return (
    <figure className="chart">
      <svg role="img" aria-label={label} viewBox={`0 0 ${width} ${HEIGHT + 4}`} width={Math.min(width, 720)} height={HEIGHT + 4}>
        {days.map((d, i) => {
          const x = GAP + i * (BAR + GAP);
          const pass = scale(d.pass);
          const warn = scale(d.warn);
          const fail = scale(d.fail);
          const base = HEIGHT - 20;
          return (
            <g key={d.day} data-day={d.day}>
              <title>{`${d.day}: ${d.pass} passed, ${d.warn} warned, ${d.fail} failed`}</title>
              <rect className="bar-pass" x={x} y={base - pass} width={BAR} height={pass} />
              <rect className="bar-warn" x={x} y={base - pass - warn} width={BAR} height={warn} />
              <rect className="bar-fail" x={x} y={base - pass - warn - fail} width={BAR} height={fail} />
              <text className="axis" x={x + BAR / 2} y={HEIGHT - 4} textAnchor="middle">
                {d.day.slice(5)}
              </text>
            </g>
          );
        })}
        {days.length > 1 && <polyline className="rate-line" points={rate.join(" ")} />}
      </svg>
      <figcaption className="legend">
        <span className="swatch bar-pass" /> passed <span className="swatch bar-warn" /> warned <span className="swatch bar-fail" /> failed
        {days.length > 1 && " · line: share passing"}
      </figcaption>
    </figure>
  );
}
