import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { Draft } from "../ipc/bindings/Draft";
import type { UpgradeReport } from "../ipc/bindings/UpgradeReport";
import type { ProductDetail } from "../ipc/commands";
import type { Prefs } from "../prefs";
import { EditorScreen } from "./editor/EditorScreen";
// Recorded from the real CLI on the demo mesh: `meshlens show sales-pos-transactions --json`,
// `meshlens call upgrade '{"ids":["pos-transactions-legacy"],"draft":true}'` and `meshlens call draft_get`.
import draftJson from "../test/fixtures/draft-upgraded.json";
import posJson from "../test/fixtures/product-sales-pos-transactions.json";
import upgradeJson from "../test/fixtures/upgrade-pos-transactions-legacy.json";
import { consumersSalesOrders, lineageSalesOrders, ownersSalesOrders, scorecards } from "../test/fixtures";
import { recordedBackend } from "../test/recordedBackend";
import { ProductScreen } from "../screens/ProductScreen";
import { isOutdated } from "./UpgradeAction";

const pos = posJson as ProductDetail;
const upgraded = upgradeJson as UpgradeReport[];

function prefs(): Prefs {
  return { recent: [], favourites: [], theme: "system", visited: vi.fn(), toggleFavourite: vi.fn(), isFavourite: () => false, setTheme: vi.fn() };
}

function page(upgrade: () => UpgradeReport[]) {
  const backend = recordedBackend({
    get_product: () => pos,
    // The other panels' answers, recorded for another product: only their shape matters here.
    scorecard: () => scorecards,
    lineage: () => lineageSalesOrders,
    owners: () => ownersSalesOrders,
    consumers: () => consumersSalesOrders,
    upgrade,
  });
  const navigate = vi.fn();
  render(<ProductScreen backend={backend} id="sales-pos-transactions" generation={0} prefs={prefs()} navigate={navigate} />);
  return { backend, navigate };
}

describe("declared version and upgrade", () => {
  it("calls DCS, DPS, ODCS before v3.1.0 and ODPS v0.9.0 outdated, and nothing current", () => {
    expect(isOutdated("dcs", "1.2.1")).toBe(true);
    expect(isOutdated("dps", "0.0.1")).toBe(true);
    expect(isOutdated("odcs", "v3.0.2")).toBe(true);
    expect(isOutdated("odcs", "v2.2.2")).toBe(true);
    expect(isOutdated("odcs", "v3.1.0")).toBe(false);
    expect(isOutdated("odps", "v1.0.0")).toBe(false);
    expect(isOutdated("odps", "v0.9.0")).toBe(true);
  });

  it("shows each file's standard and version and opens the draft an upgrade makes", async () => {
    const user = userEvent.setup();
    const { backend, navigate } = page(() => upgraded);
    const contract = await screen.findByRole("article", { name: "contract pos-transactions-legacy" });
    expect(contract).toHaveTextContent("DCS 1.2.1");
    // The product itself is ODPS v1.0.0, current: its version without an action.
    expect(screen.getByText("ODPS v1.0.0")).toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: /Upgrade to/ })).toHaveLength(1);
    await user.click(within(contract).getByRole("button", { name: "Upgrade to ODCS v3.1.0" }));
    await waitFor(() => {
      expect(navigate).toHaveBeenCalledWith({ screen: "drafts", productId: "sales-pos-transactions", draftId: upgraded[0]?.draft });
    });
    expect(backend.calls.find((c) => c.command === "upgrade")?.args).toEqual({ ids: ["pos-transactions-legacy"], draft: true });
  });

  it("says why a file could not be upgraded", async () => {
    const user = userEvent.setup();
    const refused: UpgradeReport = { ...(upgraded[0] as UpgradeReport), draft: undefined, valid: false, error: "library rule `freshnessCheck` has no ODCS v3.1 metric" };
    const { navigate } = page(() => [refused]);
    const contract = await screen.findByRole("article", { name: "contract pos-transactions-legacy" });
    await user.click(within(contract).getByRole("button", { name: "Upgrade to ODCS v3.1.0" }));
    expect(await within(contract).findByRole("alert")).toHaveTextContent("Cannot upgrade pos-transactions-legacy: library rule `freshnessCheck`");
    expect(navigate).not.toHaveBeenCalled();
  });

  it("opens the upgraded draft in the editor", async () => {
    const draft = draftJson as Draft;
    const backend = recordedBackend({ draft_list: () => [draft], outbox: () => [], draft_get: () => draft });
    render(<EditorScreen backend={backend} productId="sales-pos-transactions" draftId={draft.id} />);
    expect(await screen.findByRole("heading", { name: new RegExp(`Draft ${draft.id}: contract`) })).toBeInTheDocument();
    expect(backend.calls).toContainEqual({ command: "draft_get", args: { draft: draft.id } });
  });
});
