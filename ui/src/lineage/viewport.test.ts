import { describe, expect, it } from "vitest";

import { type Layout, NODE_HEIGHT, NODE_WIDTH } from "./layout";
import { between, fitted, keepInPlace, reveal, type View } from "./viewport";

const size = { width: 800, height: 500 };
const onScreen = (view: View, at: { x: number; y: number }) => ({ x: at.x * view.scale + view.x, y: at.y * view.scale + view.y });

function boxVisible(view: View, at: { x: number; y: number }): boolean {
  const a = onScreen(view, at);
  return a.x >= 0 && a.y >= 0 && a.x + NODE_WIDTH * view.scale <= size.width && a.y + NODE_HEIGHT * view.scale <= size.height;
}

describe("lineage viewport", () => {
  it("fits a graph into the window without zooming in past 100%", () => {
    const small: Layout = { positions: {}, width: 200, height: 34 };
    expect(fitted(small, size).scale).toBe(1);
    const wide: Layout = { positions: {}, width: 7600, height: 400 };
    const view = fitted(wide, size);
    expect(view.scale).toBeCloseTo(760 / 7600);
    expect(view.x).toBeCloseTo(20);
  });

  it("keeps a node where it was on screen when the layout moves it", () => {
    const view = { x: 35, y: -120, scale: 0.6 };
    const before = { x: 280, y: 480 };
    const after = { x: 560, y: 96 };
    const held = keepInPlace(view, before, after);
    expect(held.scale).toBe(0.6);
    expect(onScreen(held, after).x).toBeCloseTo(onScreen(view, before).x);
    expect(onScreen(held, after).y).toBeCloseTo(onScreen(view, before).y);
  });

  it("leaves the view alone when the new nodes are already visible", () => {
    const placed: Layout = { positions: { a: { x: 0, y: 0 }, b: { x: 280, y: 0 } }, width: 480, height: 34 };
    const view = { x: 40, y: 40, scale: 1 };
    expect(reveal(view, placed, ["a", "b"], size, "a")).toBe(view);
  });

  it("pans without zooming when the new nodes fit at the current scale", () => {
    const placed: Layout = { positions: { a: { x: 0, y: 0 }, b: { x: 560, y: 0 } }, width: 760, height: 34 };
    const view = { x: 40, y: 40, scale: 1 };
    const shown = reveal(view, placed, ["a", "b"], size, "a");
    expect(shown.scale).toBe(1);
    expect(shown.y).toBe(40);
    expect(boxVisible(shown, { x: 0, y: 0 })).toBe(true);
    expect(boxVisible(shown, { x: 560, y: 0 })).toBe(true);
  });

  it("zooms out around the anchor only as far as the new nodes need", () => {
    const positions = { a: { x: 840, y: 480 }, up: { x: 560, y: 0 }, down: { x: 1120, y: 960 } };
    const placed: Layout = { positions, width: 1320, height: 994 };
    const view = { x: -600, y: -300, scale: 1 };
    const shown = reveal(view, placed, ["a", "up", "down"], size, "a");
    expect(shown.scale).toBeLessThan(1);
    expect(shown.scale).toBeCloseTo((size.height - 40) / (994 - 0));
    for (const at of Object.values(positions)) expect(boxVisible(shown, at)).toBe(true);
  });

  it("eases from one view to another and lands exactly", () => {
    const from = { x: 0, y: 0, scale: 1 };
    const to = { x: 100, y: -50, scale: 0.5 };
    expect(between(from, to, 0)).toEqual(from);
    const half = between(from, to, 0.5);
    expect(half.x).toBeGreaterThan(50);
    expect(half.x).toBeLessThan(100);
    expect(between(from, to, 1)).toEqual(to);
  });
});
