import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { AccessEntry } from "../ipc/commands";
import accessJson from "../test/fixtures/access-list.json";
import { recordedBackend } from "../test/recordedBackend";
import { AccessScreen } from "./AccessScreen";

const all = accessJson as AccessEntry[];
const mineIds = new Set(["access-8586210bda50", "access-177910a8fdd8"]);

describe("my access", () => {
  it("lists this machine's requests with their status, all agreements on demand, and opens a product", async () => {
    const user = userEvent.setup();
    const navigate = vi.fn();
    const backend = recordedBackend({ access_list: ({ mine }) => (mine === true ? all.filter((e) => mineIds.has(e.id)) : all) });
    render(<AccessScreen backend={backend} generation={0} navigate={navigate} />);
    const region = within(await screen.findByRole("region", { name: "my access" }));
    const rows = await region.findAllByRole("row");
    expect(rows).toHaveLength(3);
    const queued = region.getByText("finance-fx-rates").closest("tr") as HTMLElement;
    expect(within(queued).getByText("queued")).toBeInTheDocument();
    expect(within(queued).getByRole("button", { name: "Withdraw" })).toBeInTheDocument();
    const requested = region.getByText("sales-orders").closest("tr") as HTMLElement;
    expect(within(requested).getByText("requested")).toBeInTheDocument();
    expect(within(requested).queryByRole("button", { name: "Withdraw" })).not.toBeInTheDocument();

    await user.click(region.getByRole("checkbox"));
    expect(await region.findByText("expired")).toBeInTheDocument();
    expect(region.getByText("approved")).toBeInTheDocument();
    await user.click(region.getByRole("button", { name: "customer-360" }));
    expect(navigate).toHaveBeenCalledWith({ screen: "product", id: "customer-360" });
  });

  it("withdraws a queued request and reloads the list", async () => {
    const user = userEvent.setup();
    let entries = all.filter((e) => mineIds.has(e.id));
    const backend = recordedBackend({
      access_list: () => entries,
      access_cancel: ({ id }) => {
        const gone = entries.find((e) => e.id === id) as AccessEntry;
        entries = entries.filter((e) => e.id !== id);
        return { ...gone, status: "draft" };
      },
    });
    render(<AccessScreen backend={backend} generation={0} navigate={vi.fn()} />);
    await user.click(await screen.findByRole("button", { name: "Withdraw" }));
    await waitFor(() => {
      expect(screen.queryByText("finance-fx-rates")).not.toBeInTheDocument();
    });
    expect(screen.getAllByRole("row")).toHaveLength(2);
    expect(backend.calls.filter((c) => c.command === "access_cancel")).toEqual([{ command: "access_cancel", args: { id: "access-8586210bda50" } }]);
  });

  it("says when there is nothing yet", async () => {
    render(<AccessScreen backend={recordedBackend({ access_list: () => [] })} generation={0} navigate={vi.fn()} />);
    expect(await screen.findByText(/No access requests yet/)).toBeInTheDocument();
  });
});
