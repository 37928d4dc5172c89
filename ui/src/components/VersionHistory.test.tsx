import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { HistoryEntry } from "../ipc/commands";
import diffJson from "../test/fixtures/diff-customer-360-view.json";
import productHistoryJson from "../test/fixtures/history-customer-360.json";
import contractHistoryJson from "../test/fixtures/history-customer-360-view.json";
import { recordedBackend } from "../test/recordedBackend";
import { VersionHistory } from "./VersionHistory";

const histories: Record<string, HistoryEntry[]> = {
  "customer-360": productHistoryJson,
  "customer-360-view": contractHistoryJson,
};

describe("version history", () => {
  it("lists a contract's versions newest first and shows the newest against the one before, side by side", async () => {
    const user = userEvent.setup();
    const backend = recordedBackend({
      history: ({ id }) => histories[id] ?? [],
      diff: () => diffJson,
    });
    render(<VersionHistory backend={backend} ids={["customer-360", "customer-360-view"]} generation={0} />);
    const versions = await screen.findByRole("table", { name: "versions" });
    expect(within(versions).getAllByRole("row")).toHaveLength(3);
    // A product version says what its output port declared.
    expect(within(versions).getByRole("columnheader", { name: "Output ports" })).toBeInTheDocument();
    expect(within(versions).getAllByText(/\(customer-360-view\)/)).toHaveLength(2);
    await user.selectOptions(screen.getByRole("combobox"), "customer-360-view");
    const diff = await screen.findByRole("table", { name: "changes between versions" });
    expect(within(screen.getByRole("table", { name: "versions" })).queryByRole("columnheader", { name: "Output ports" })).toBeNull();
    const column = within(diff).getByText("customer_360.country_code").closest("tr") as HTMLElement;
    expect(within(column).getByText("breaking")).toBeInTheDocument();
    expect(within(column).getByText(/column country_code removed/)).toBeInTheDocument();
    expect(within(column).getByText(/"name": "country_code"/)).toBeInTheDocument();
    const sla = within(diff).getByText("slaProperties.frequency").closest("tr") as HTMLElement;
    expect(within(sla).getByText(/SLA frequency from 1 d to 7 d loosened/)).toBeInTheDocument();
    const [older, newer] = [contractHistoryJson[1], contractHistoryJson[0]];
    const contractDiffs = backend.calls.filter((c) => c.command === "diff" && (c.args as { id: string }).id === "customer-360-view");
    expect(contractDiffs).toEqual([
      { command: "diff", args: { id: "customer-360-view", from: older?.hash, to: newer?.hash } },
    ]);
  });

  it("has nothing to compare the first version with", async () => {
    const user = userEvent.setup();
    const backend = recordedBackend({ history: () => contractHistoryJson, diff: () => diffJson });
    render(<VersionHistory backend={backend} ids={["customer-360-view"]} generation={0} />);
    const first = await screen.findByRole("button", { name: "1.2.0", pressed: false });
    await user.click(first);
    expect(await screen.findByText(/nothing to compare it with/)).toBeInTheDocument();
    // Only the newest version was compared (shown first); the first one is not.
    expect(backend.calls.filter((c) => c.command === "diff")).toHaveLength(1);
  });
});
