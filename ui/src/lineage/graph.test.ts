import { describe, expect, it } from "vitest";

import { lineageFctOrders, lineageSalesOrders } from "../test/fixtures";
import { collapse, expand, find, merged } from "./graph";

describe("explored lineage", () => {
  it("merges expansions without duplicates and collapses them again", () => {
    const base = { root: lineageSalesOrders.root, base: lineageSalesOrders, expansions: new Map() };
    const grown = expand(base, "sales-order-analytics", lineageFctOrders);
    const all = merged(grown);
    expect(all.nodes.length).toBe(new Set(all.nodes.map((n) => n.id)).size);
    expect(all.nodes.length).toBeGreaterThan(lineageSalesOrders.nodes.length);
    expect(merged(collapse(grown, "sales-order-analytics")).nodes).toHaveLength(lineageSalesOrders.nodes.length);
  });

  it("finds nodes by words of their name or id", () => {
    expect(find(lineageSalesOrders.nodes, "delivery perf").map((n) => n.id)).toEqual(["logistics-delivery-performance"]);
    expect(find(lineageSalesOrders.nodes, "")).toEqual([]);
  });
});
