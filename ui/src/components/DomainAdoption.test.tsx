import { render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import type { Adoption } from "../ipc/commands";
import { recordedBackend } from "../test/recordedBackend";
import { DomainAdoption } from "./DomainAdoption";

function adoption(id: string, consumers: number, change: number | null): Adoption {
  return {
    id,
    name: id,
    domain: "sales",
    consumers,
    via: { agreement: 0, lineage: consumers, input_port: consumers > 0 ? 1 : 0 },
    usage: { queries_30d: consumers > 0 ? 120 : null, users_30d: null },
    trend: [{ at: "2026-11-20T08:00:00Z", consumers: consumers - (change ?? 0), agreement: 0, lineage: 0, input_port: 0, queries_30d: null, users_30d: null }],
    change_30d: change === null ? null : { consumers: change, since: "2026-11-07T08:00:00Z" },
  };
}

describe("DomainAdoption", () => {
  it("lists products without consumers first, with evidence, usage and the 30-day change", async () => {
    const backend = recordedBackend({ adoption: () => [adoption("sales-orders", 4, 2), adoption("sales-returns", 0, -1)] });
    render(<DomainAdoption backend={backend} generation={0} domain="sales" navigate={vi.fn()} />);
    const table = await screen.findByRole("table", { name: "adoption" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows[0]).toHaveTextContent("sales-returns");
    expect(rows[0]).toHaveTextContent("no known consumer");
    expect(rows[0]).toHaveTextContent("−1 since 2026-11-07");
    expect(rows[1]).toHaveTextContent("4");
    expect(rows[1]).toHaveTextContent("4 in lineage");
    expect(rows[1]).toHaveTextContent("120");
    expect(rows[1]).toHaveTextContent("+2 since 2026-11-07");
    expect(screen.getByText(/1 of 2 products have no known consumer/)).toBeInTheDocument();
    expect(backend.calls.find((c) => c.command === "adoption")?.args).toMatchObject({ domain: "sales" });
  });
});
