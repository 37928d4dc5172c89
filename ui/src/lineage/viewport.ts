// Where the lineage canvas looks: a pan offset and a zoom. A new walk is fitted to the window; expanding or
// collapsing a node re-lays the graph out, so the view is moved to keep that node where the user saw it, then
// eased (never zoomed in) until the nodes the expansion brought in are in view too.
import { type Layout, NODE_HEIGHT, NODE_WIDTH } from "./layout";

export interface View {
  x: number;
  y: number;
  scale: number;
}

export interface Size {
  width: number;
  height: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 2.5;
/** Room left around what a fit or a reveal brings into view, in screen pixels. */
const MARGIN = 20;

/** The whole graph in view (never zoomed in past 100%), centred. */
export function fitted(placed: Layout, size: Size): View {
  const scale = Math.max(
    MIN_SCALE,
    Math.min(1, (size.width - 2 * MARGIN) / Math.max(placed.width, 1), (size.height - 2 * MARGIN) / Math.max(placed.height, 1)),
  );
  return { scale, x: (size.width - placed.width * scale) / 2, y: (size.height - placed.height * scale) / 2 };
}

/** The view that shows the node now at `after` exactly where it was on screen when it sat at `before`. */
export function keepInPlace(view: View, before: { x: number; y: number }, after: { x: number; y: number }): View {
  return { scale: view.scale, x: view.x + (before.x - after.x) * view.scale, y: view.y + (before.y - after.y) * view.scale };
}

/**
 * The smallest change of `view` that brings every node in `ids` on screen: zoom out around `anchor` (a node id
 * whose screen position should move as little as possible) only as far as needed, then pan just enough.
 * Returns `view` itself when they are all visible already.
 */
export function reveal(view: View, placed: Layout, ids: Iterable<string>, size: Size, anchor: string | null): View {
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const id of ids) {
    const at = placed.positions[id];
    if (at === undefined) continue;
    left = Math.min(left, at.x);
    top = Math.min(top, at.y);
    right = Math.max(right, at.x + NODE_WIDTH);
    bottom = Math.max(bottom, at.y + NODE_HEIGHT);
  }
  if (left === Infinity) return view;
  const inView = (v: View) =>
    left * v.scale + v.x >= MARGIN &&
    top * v.scale + v.y >= MARGIN &&
    right * v.scale + v.x <= size.width - MARGIN &&
    bottom * v.scale + v.y <= size.height - MARGIN;
  if (inView(view)) return view;
  const room = { width: Math.max(1, size.width - 2 * MARGIN), height: Math.max(1, size.height - 2 * MARGIN) };
  const scale = Math.max(MIN_SCALE, Math.min(view.scale, room.width / Math.max(right - left, 1), room.height / Math.max(bottom - top, 1)));
  // Zoom around the anchor's centre (or the view's centre) so that point stays put.
  const pivotAt = anchor === null ? undefined : placed.positions[anchor];
  const pivot =
    pivotAt === undefined
      ? { x: size.width / 2, y: size.height / 2 }
      : { x: (pivotAt.x + NODE_WIDTH / 2) * view.scale + view.x, y: (pivotAt.y + NODE_HEIGHT / 2) * view.scale + view.y };
  let x = pivot.x - ((pivot.x - view.x) * scale) / view.scale;
  let y = pivot.y - ((pivot.y - view.y) * scale) / view.scale;
  // Pan the least that fits the box: it fits at this scale, so one side at most is out.
  const shift = (low: number, high: number, limit: number) => (low < MARGIN ? MARGIN - low : high > limit - MARGIN ? limit - MARGIN - high : 0);
  x += shift(left * scale + x, right * scale + x, size.width);
  y += shift(top * scale + y, bottom * scale + y, size.height);
  return { scale, x, y };
}

/** `from` eased towards `to`; `t` runs from 0 to 1. */
export function between(from: View, to: View, t: number): View {
  const k = t >= 1 ? 1 : t <= 0 ? 0 : 1 - (1 - t) ** 3;
  return { x: from.x + (to.x - from.x) * k, y: from.y + (to.y - from.y) * k, scale: from.scale + (to.scale - from.scale) * k };
}

export function sameView(a: View, b: View): boolean {
  return Math.abs(a.x - b.x) < 0.5 && Math.abs(a.y - b.y) < 0.5 && Math.abs(a.scale - b.scale) < 1e-4;
}
