import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { Consumer } from "../ipc/commands";
import consumersJson from "../test/fixtures/consumers-finance-fx-rates.json";
import { recordedBackend } from "../test/recordedBackend";
import { Consumers } from "./Consumers";

const consumers = consumersJson as Consumer[];

describe("consumers", () => {
  it("says how each consumer is known, flags one lineage shows without an input port, and opens it", async () => {
    const user = userEvent.setup();
    const onOpen = vi.fn();
    render(<Consumers backend={recordedBackend({ consumers: () => consumers })} id="finance-fx-rates" generation={0} onOpen={onOpen} />);
    const list = within(await screen.findByRole("region", { name: "consumers" }));
    expect(list.getAllByText("declares an input port on fx-rates")).toHaveLength(2);
    expect(list.getAllByText("seen reading on fx-rates in lineage since 2026-11-09")).toHaveLength(3);
    const flagged = list.getByText("undeclared").closest("li") as HTMLElement;
    expect(within(flagged).getByRole("button", { name: "sales-order-analytics" })).toBeInTheDocument();
    await user.click(within(flagged).getByRole("button", { name: "sales-order-analytics" }));
    expect(onOpen).toHaveBeenCalledWith("sales-order-analytics");
  });

  it("says when a consumer holds an approved agreement", async () => {
    const agreed: Consumer = { consumer: "marketing-campaign-performance", via: "agreement", port: "customer-360", since: "2026-09-01", flag: null };
    render(<Consumers backend={recordedBackend({ consumers: () => [agreed] })} id="customer-360" generation={0} onOpen={vi.fn()} />);
    expect(await screen.findByText("holds an approved agreement on customer-360 since 2026-09-01")).toBeInTheDocument();
  });

  it("says when nobody is known to consume the product", async () => {
    render(<Consumers backend={recordedBackend({ consumers: () => [] })} id="x" generation={0} onOpen={vi.fn()} />);
    expect(await screen.findByText("No consumers known.")).toBeInTheDocument();
  });
});
