import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { Ownership } from "../ipc/commands";
import { ownersChurn, ownersSalesOrders } from "../test/fixtures";
import { recordedBackend } from "../test/recordedBackend";
import { WhoToAsk } from "./WhoToAsk";

describe("who to ask", () => {
  it("lists every role with mail and chat links that open outside the app window", async () => {
    const user = userEvent.setup();
    const backend = recordedBackend({ owners: () => ownersSalesOrders });
    render(<WhoToAsk backend={backend} id="sales-orders" generation={0} />);
    const card = within(await screen.findByRole("region", { name: "who to ask" }));
    expect(card.getByText("Maria Keller")).toBeInTheDocument();
    expect(card.getByText("Data steward")).toBeInTheDocument();
    expect(card.queryByText(/Not named/)).toBeNull();

    await user.click(card.getByRole("button", { name: "Mail lena.ortiz@northwind-outfitters.com" }));
    await user.click(card.getByRole("button", { name: "Open northwind-outfitters.slack.com" }));
    expect(backend.openedLinks).toEqual([
      "mailto:lena.ortiz@northwind-outfitters.com",
      "https://northwind-outfitters.slack.com/archives/C04CHKONCALL",
    ]);
    expect(backend.calls).toEqual([{ command: "owners", args: { id: "sales-orders" } }]);
  });

  it("says which roles nobody holds", async () => {
    render(<WhoToAsk backend={recordedBackend({ owners: () => ownersChurn })} id="customer-churn-scores" generation={0} />);
    expect(await screen.findByText("Not named: technical owner, data steward, on call, escalation")).toBeInTheDocument();
    expect(screen.getByText("Felix Hartmann")).toBeInTheDocument();
  });

  it("keeps hostile or unknown channels as text, never as links", async () => {
    const hostile: Ownership = {
      product: "evil",
      roles: [
        { role: "escalation", name: null, username: null, email: null, channel: "javascript:alert(1)" },
        { role: "on_call", name: null, username: null, email: "a@x.com?cc=b@x.com", channel: "#evil-oncall" },
      ],
      missing: [],
    };
    const backend = recordedBackend({ owners: () => hostile });
    render(<WhoToAsk backend={backend} id="evil" generation={0} />);
    const card = within(await screen.findByRole("region", { name: "who to ask" }));
    expect(card.getAllByText("javascript:alert(1)").length).toBeGreaterThan(0);
    expect(card.getByText("#evil-oncall")).toBeInTheDocument();
    expect(card.queryAllByRole("button")).toEqual([]);
    expect(card.queryAllByRole("link")).toEqual([]);
  });
});
