import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { BackendError } from "../ipc/errors";
import trustSalesOrders from "../test/fixtures/trust-sales-orders.json";
import { recordedBackend } from "../test/recordedBackend";
import { TrustCard } from "./TrustCard";

describe("trust card", () => {
  it("shows the score and each factor with its weight and reason", async () => {
    const backend = recordedBackend({ trust: () => trustSalesOrders });
    render(<TrustCard backend={backend} id="sales-orders" generation={0} />);
    const card = within(await screen.findByRole("region", { name: "trust score" }));
    expect(await card.findByText(String(trustSalesOrders.score))).toBeInTheDocument();
    const rows = card.getAllByRole("row").slice(1);
    expect(rows).toHaveLength(trustSalesOrders.factors.length);
    const freshness = trustSalesOrders.factors.find((f) => f.name === "freshness");
    const row = rows.find((r) => r.textContent.startsWith("freshness"));
    expect(row).toHaveTextContent(`${Math.round((freshness?.value ?? 0) * 100)} %`);
    expect(row).toHaveTextContent(freshness?.reason ?? "missing fixture");
    expect(backend.calls).toEqual([{ command: "trust", args: { id: "sales-orders" } }]);
  });

  it("says why it cannot show a score", async () => {
    const backend = recordedBackend({
      trust: () => {
        throw new BackendError("E_NOT_FOUND", "product `gone` was not found in the local cache");
      },
    });
    render(<TrustCard backend={backend} id="gone" generation={0} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("E_NOT_FOUND");
  });
});
