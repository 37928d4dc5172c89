import { describe, expect, it } from "vitest";

import type { Mesh } from "../ipc/commands";
import meshJson from "../test/fixtures/mesh.json";
import { domainGraph, focusOn, health, kindsLabel } from "./domainGraph";

const mesh = meshJson as Mesh;

describe("domain graph", () => {
  it("collapses product edges into one edge per pair of domains, counted by kind", () => {
    const graph = domainGraph(mesh);
    const total = graph.edges.reduce((sum, e) => sum + e.edges.length, 0);
    expect(total).toBe(mesh.edges.length);
    const pairs = graph.edges.map((e) => `${e.from}→${e.to}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    const c2m = graph.edges.find((e) => e.from === "customer" && e.to === "marketing");
    expect(c2m?.kinds.agreement).toBe(1);
    expect(kindsLabel(c2m ?? { from: "", to: "", kinds: {}, edges: [] })).toContain("agreement 1");
  });

  it("focuses a domain on its neighbours", () => {
    const focused = focusOn(domainGraph(mesh), "finance");
    expect(focused.domains.map((d) => d.name).sort()).toEqual(["finance", "sales"]);
    expect(focused.edges.every((e) => e.from === "finance" || e.to === "finance")).toBe(true);
  });

  it("colours by score", () => {
    const domain = mesh.domains[0];
    if (domain === undefined) throw new Error("empty fixture");
    expect(health({ ...domain, score: 80 })).toBe("good");
    expect(health({ ...domain, score: 60 })).toBe("fair");
    expect(health({ ...domain, score: 20 })).toBe("poor");
  });
});
