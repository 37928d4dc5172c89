import type { GraphEdge, GraphNode } from "../ipc/commands";
import { type Layout, NODE_HEIGHT, NODE_WIDTH } from "./layout";

export interface Highlights {
  root: string;
  selected: string | null;
  /** Nodes and edges (`from→to`) of the highlighted path. */
  pathNodes: Set<string>;
  pathEdges: Set<string>;
  found: Set<string>;
}

export interface Palette {
  surface: string;
  border: string;
  text: string;
  muted: string;
  accent: string;
  warn: string;
  kinds: Record<GraphNode["kind"], string>;
}

export const edgeKey = (edge: { from: string; to: string }) => `${edge.from}→${edge.to}`;

/** Colours from the current theme's CSS variables, so the canvas follows light and dark mode. */
export function themePalette(element: Element): Palette {
  const style = getComputedStyle(element);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    surface: v("--surface", "#ffffff"),
    border: v("--border", "#e2e5ea"),
    text: v("--text", "#1c2024"),
    muted: v("--muted", "#646b75"),
    accent: v("--accent", "#4338ca"),
    warn: v("--warn", "#b54708"),
    kinds: {
      product: v("--kind-product", "#4338ca"),
      dataset: v("--kind-dataset", "#067647"),
      job: v("--kind-job", "#b54708"),
      column: v("--kind-column", "#6941c6"),
    },
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const LABEL_CHARS = 26;

/** An edge's curve, from the right side of its source box to the left side of its target box. */
export function edgeCurve(a: { x: number; y: number }, b: { x: number; y: number }) {
  const x1 = a.x + NODE_WIDTH;
  const y1 = a.y + NODE_HEIGHT / 2;
  const x2 = b.x;
  const y2 = b.y + NODE_HEIGHT / 2;
  return { x1, y1, x2, y2, mid: (x1 + x2) / 2 };
}

/** Paints the graph; only what intersects the visible rectangle is drawn, so panning 2,000 nodes stays smooth. */
export function paint(
  ctx: CanvasRenderingContext2D,
  view: { x: number; y: number; scale: number; width: number; height: number },
  nodes: GraphNode[],
  edges: GraphEdge[],
  placed: Layout,
  marks: Highlights,
  colours: Palette,
): void {
  ctx.save();
  ctx.clearRect(0, 0, view.width, view.height);
  ctx.translate(view.x, view.y);
  ctx.scale(view.scale, view.scale);
  const left = -view.x / view.scale;
  const top = -view.y / view.scale;
  const right = left + view.width / view.scale;
  const bottom = top + view.height / view.scale;
  const visible = (x: number, y: number) => x + NODE_WIDTH >= left && x <= right && y + NODE_HEIGHT >= top && y <= bottom;

  // Few draw calls, however many nodes: each kind of stroke or fill is one path, drawn once. A call per edge and
  // per node made a frame of the 2,000-node view cost ≈ 30 ms on a CPU-rendered canvas.
  const lineScale = Math.max(view.scale, 0.5);
  const plainEdges = new Path2D();
  const pathEdges = new Path2D();
  const anyPath = marks.pathEdges.size > 0;
  for (const edge of edges) {
    const a = placed.positions[edge.from];
    const b = placed.positions[edge.to];
    if (a === undefined || b === undefined) continue;
    if (!visible(a.x, a.y) && !visible(b.x, b.y) && (a.x > right || b.x + NODE_WIDTH < left)) continue;
    const into = anyPath && marks.pathEdges.has(edgeKey(edge)) ? pathEdges : plainEdges;
    const { x1, y1, x2, y2, mid } = edgeCurve(a, b);
    into.moveTo(x1, y1);
    into.bezierCurveTo(mid, y1, mid, y2, x2, y2);
  }
  ctx.globalAlpha = 0.45;
  ctx.strokeStyle = colours.muted;
  ctx.lineWidth = 1.2 / lineScale;
  ctx.stroke(plainEdges);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = colours.accent;
  ctx.lineWidth = 3 / lineScale;
  ctx.stroke(pathEdges);

  const detailed = view.scale > 0.45;
  // Boxes by outline (plain, emphasised, found), kind bars by kind, labels last.
  const boxes = { plain: new Path2D(), emphasised: new Path2D(), found: new Path2D() };
  const bars = new Map<GraphNode["kind"], Path2D>();
  // Each label with where it goes.
  const labels: { text: string; x: number; y: number }[] = [];
  for (const node of nodes) {
    const at = placed.positions[node.id];
    if (at === undefined || !visible(at.x, at.y)) continue;
    const outline = marks.found.has(node.id)
      ? boxes.found
      : node.id === marks.selected || marks.pathNodes.has(node.id) || node.id === marks.root
        ? boxes.emphasised
        : boxes.plain;
    outline.roundRect(at.x, at.y, NODE_WIDTH, NODE_HEIGHT, 6);
    let bar = bars.get(node.kind);
    if (bar === undefined) {
      bar = new Path2D();
      bars.set(node.kind, bar);
    }
    bar.rect(at.x, at.y + 4, 4, NODE_HEIGHT - 8);
    if (detailed) labels.push({ text: clip(node.name, LABEL_CHARS), x: at.x + 12, y: at.y + NODE_HEIGHT / 2 });
  }
  ctx.fillStyle = colours.surface;
  for (const [outline, colour, width] of [
    [boxes.plain, colours.border, 1],
    [boxes.emphasised, colours.accent, 2.5],
    [boxes.found, colours.warn, 2.5],
  ] as const) {
    ctx.fill(outline);
    ctx.strokeStyle = colour;
    ctx.lineWidth = width / lineScale;
    ctx.stroke(outline);
  }
  for (const [kind, bar] of bars) {
    ctx.fillStyle = colours.kinds[kind];
    ctx.fill(bar);
  }
  if (labels.length > 0) {
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillStyle = colours.text;
    for (const { text, x, y } of labels) ctx.fillText(text, x, y);
  }
  ctx.restore();
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A standalone SVG of the whole graph, for export. */
export function toSvg(nodes: GraphNode[], edges: GraphEdge[], placed: Layout, marks: Highlights, colours: Palette): string {
  const pad = 20;
  const parts: string[] = [];
  for (const edge of edges) {
    const a = placed.positions[edge.from];
    const b = placed.positions[edge.to];
    if (a === undefined || b === undefined) continue;
    const { x1, y1, x2, y2, mid } = edgeCurve(a, b);
    const onPath = marks.pathEdges.has(edgeKey(edge));
    parts.push(
      `<path d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" fill="none" stroke="${onPath ? colours.accent : colours.muted}" stroke-opacity="${onPath ? 1 : 0.45}" stroke-width="${onPath ? 3 : 1.2}"/>`,
    );
  }
  for (const node of nodes) {
    const at = placed.positions[node.id];
    if (at === undefined) continue;
    const emphasised = node.id === marks.root || marks.pathNodes.has(node.id);
    parts.push(
      `<g><title>${escapeXml(node.id)}</title><rect x="${at.x}" y="${at.y}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="6" fill="${colours.surface}" stroke="${emphasised ? colours.accent : colours.border}" stroke-width="${emphasised ? 2.5 : 1}"/>` +
        `<rect x="${at.x}" y="${at.y + 4}" width="4" height="${NODE_HEIGHT - 8}" fill="${colours.kinds[node.kind]}"/>` +
        `<text x="${at.x + 12}" y="${at.y + NODE_HEIGHT / 2}" dominant-baseline="middle" font-family="system-ui, sans-serif" font-size="12" fill="${colours.text}">${escapeXml(clip(node.name, LABEL_CHARS))}</text></g>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${placed.width + 2 * pad}" height="${placed.height + 2 * pad}" viewBox="${-pad} ${-pad} ${placed.width + 2 * pad} ${placed.height + 2 * pad}">${parts.join("")}</svg>`;
}
