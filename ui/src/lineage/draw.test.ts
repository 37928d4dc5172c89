import { describe, expect, it } from "vitest";

import { lineagePath, lineageSalesOrders } from "../test/fixtures";
import { edgeKey, type Palette, toSvg } from "./draw";
import { layout } from "./layout";

const colours: Palette = {
  surface: "#fff",
  border: "#ddd",
  text: "#111",
  muted: "#666",
  accent: "#4338ca",
  warn: "#b54708",
  kinds: { product: "#1", dataset: "#2", job: "#3", column: "#4" },
};

describe("SVG export", () => {
  it("draws every node and edge, highlights the path, and escapes names", () => {
    const nodes = [...lineageSalesOrders.nodes, { id: "x<y>", kind: "dataset" as const, name: 'evil "<script>"', product: null, domain: null }];
    const placed = layout({ nodes: nodes.map((n) => n.id), edges: lineageSalesOrders.edges });
    const svg = toSvg(nodes, lineageSalesOrders.edges, placed, {
      root: "sales-orders",
      selected: null,
      pathNodes: new Set(lineagePath.nodes.map((n) => n.id)),
      pathEdges: new Set(lineagePath.edges.map(edgeKey)),
      found: new Set(),
    }, colours);
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    expect(doc.querySelector("parsererror")).toBeNull();
    expect(doc.querySelectorAll("g")).toHaveLength(nodes.length);
    expect(doc.querySelectorAll("path")).toHaveLength(lineageSalesOrders.edges.length);
    expect(doc.querySelectorAll(`path[stroke="${colours.accent}"]`).length).toBe(
      lineageSalesOrders.edges.filter((e) => lineagePath.edges.some((p) => edgeKey(p) === edgeKey(e))).length,
    );
    expect(doc.querySelector("script")).toBeNull();
    expect(svg).toContain("Sales Orders");
  });
});
