import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { BackendError } from "../ipc/errors";
import { appInfo, check, qualityAll, qualityFailing, scorecards } from "../test/fixtures";
import { recordedBackend } from "../test/recordedBackend";
import { StewardScreen } from "./StewardScreen";

function setup(report = vi.fn((args: { out: string }) => ({ out: args.out, bytes: 40960 }))) {
  const backend = recordedBackend({
    app_info: () => appInfo,
    scorecard: () => scorecards,
    quality: (args) => (args.failing === true ? qualityFailing : qualityAll),
    check: () => check,
    report,
  });
  render(<StewardScreen backend={backend} generation={0} navigate={vi.fn()} />);
  return { backend, report };
}

describe("steward dashboard", () => {
  it("shows failing checks, SLA breaches, scorecards, policy violations and the trend", async () => {
    setup();
    const failing = within(await screen.findByRole("region", { name: "failing checks" }));
    expect(await failing.findByText("assert_revenue_reconciles_with_ledger")).toBeInTheDocument();
    expect(within(screen.getByRole("region", { name: "scorecards" })).getByText(/products breach an SLA/)).toBeInTheDocument();
    const policies = within(screen.getByRole("region", { name: "policy violations" }));
    expect(policies.getAllByText("confidential data without declared encryption").length).toBeGreaterThan(0);
    const trend = await screen.findByRole("img", { name: "quality trend" });
    expect(trend.querySelectorAll("g[data-day]")).toHaveLength(5);
  });

  it("filters everything by domain", async () => {
    const user = userEvent.setup();
    setup();
    await screen.findByText("assert_revenue_reconciles_with_ledger");
    await user.selectOptions(screen.getByRole("combobox", { name: "domain" }), "sales");
    expect(screen.queryByText("assert_revenue_reconciles_with_ledger")).not.toBeInTheDocument();
    expect(screen.getByText("unique_fct_orders_order_id")).toBeInTheDocument();
    expect(screen.getByRole("img", { name: "quality trend of sales" })).toBeInTheDocument();
    const cards = within(screen.getByRole("region", { name: "scorecards" }));
    expect(cards.queryByRole("button", { name: "finance-revenue-kpis" })).not.toBeInTheDocument();
  });

  it("saves the HTML report where asked and shows errors with their code", async () => {
    const user = userEvent.setup();
    const { report } = setup();
    const path = await screen.findByRole("textbox", { name: "report path" });
    await waitFor(() => {
      expect(path).toHaveValue(`${appInfo.dataDir}/steward-report.html`);
    });
    await user.click(screen.getByRole("button", { name: "Save report" }));
    expect(await screen.findByText(/Saved 40 KiB to/)).toBeInTheDocument();
    expect(report).toHaveBeenCalledWith({ out: `${appInfo.dataDir}/steward-report.html` });

    report.mockImplementation(() => {
      throw new BackendError("E_IO", "cannot write /root/x.html: permission denied");
    });
    await user.click(screen.getByRole("button", { name: "Save report" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("E_IO cannot write /root/x.html: permission denied");
  });

  it("writes the report of the chosen domain into the data directory and opens it in a window", async () => {
    const user = userEvent.setup();
    const { backend, report } = setup();
    await screen.findByText("assert_revenue_reconciles_with_ledger");
    await waitFor(() => {
      expect(screen.getByRole("button", { name: "Open report" })).toBeEnabled();
    });
    await user.click(screen.getByRole("button", { name: "Open report" }));
    expect(await screen.findByText("Opened steward-report.html (40 KiB) in a new window.")).toBeInTheDocument();
    expect(report).toHaveBeenLastCalledWith({ out: `${appInfo.dataDir}/reports/steward-report.html` });
    expect(backend.openedReports).toEqual(["steward-report.html"]);

    await user.selectOptions(screen.getByRole("combobox", { name: "domain" }), "sales");
    await user.click(screen.getByRole("button", { name: "Open report" }));
    expect(await screen.findByText("Opened steward-report-sales.html (40 KiB) in a new window.")).toBeInTheDocument();
    expect(report).toHaveBeenLastCalledWith({ domain: "sales", out: `${appInfo.dataDir}/reports/steward-report-sales.html` });
    expect(backend.openedReports).toEqual(["steward-report.html", "steward-report-sales.html"]);
  });

  it("does not open a window when the report cannot be written", async () => {
    const user = userEvent.setup();
    const { backend } = setup(
      vi.fn(() => {
        throw new BackendError("E_IO", "cannot write /data/reports/steward-report.html: disk full");
      }),
    );
    await waitFor(() => {
      expect(screen.getByRole("button", { name: "Open report" })).toBeEnabled();
    });
    await user.click(screen.getByRole("button", { name: "Open report" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("E_IO cannot write /data/reports/steward-report.html: disk full");
    expect(backend.openedReports).toEqual([]);
  });
});
