import { describe, expect, it } from "vitest";

import { layout, NODE_WIDTH } from "./layout";

describe("layered layout", () => {
  it("puts every node after its upstream nodes", () => {
    const placed = layout({
      nodes: ["raw", "job", "clean", "report"],
      edges: [
        { from: "raw", to: "job" },
        { from: "job", to: "clean" },
        { from: "clean", to: "report" },
        { from: "raw", to: "report" },
      ],
    });
    const x = (id: string) => placed.positions[id]?.x ?? Number.NaN;
    expect(x("raw")).toBeLessThan(x("job"));
    expect(x("job")).toBeLessThan(x("clean"));
    expect(x("clean")).toBeLessThan(x("report"));
    expect(placed.width).toBeGreaterThanOrEqual(x("report") + NODE_WIDTH);
  });

  it("survives cycles and places every node once, without overlaps", () => {
    const nodes = Array.from({ length: 2000 }, (_, i) => `n${i}`);
    const edges = nodes.slice(1).map((n, i) => ({ from: `n${Math.floor(i / 3)}`, to: n }));
    edges.push({ from: "n1999", to: "n0" }); // a loop back to the root
    const placed = layout({ nodes, edges });
    expect(Object.keys(placed.positions)).toHaveLength(2000);
    const spots = new Set(Object.values(placed.positions).map((p) => `${p.x},${p.y}`));
    expect(spots.size).toBe(2000);
  });
});
