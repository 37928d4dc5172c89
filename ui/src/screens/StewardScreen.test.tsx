import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { Scorecard } from "../ipc/commands";
import { BackendError } from "../ipc/errors";
import { appInfo, check, qualityAll, qualityFailing, scorecards } from "../test/fixtures";
import { type DialogAnswers, recordedBackend } from "../test/recordedBackend";
import { defaultReportPath, reportFileName, StewardScreen } from "./StewardScreen";

/** An upstream domain that would climb out of the data directory if it went into a path as it is. */
const HOSTILE_DOMAIN = "x/../../out/evil";

function setup(
  report = vi.fn((args: { out: string }) => ({ out: args.out, bytes: 40960 })),
  dialogs: DialogAnswers = {},
) {
  const hostile: Scorecard = { id: "evil-product", name: "Evil", domain: HOSTILE_DOMAIN, pass_rate: 1, failing: 0, sla_breaches: 0, policy_violations: 0, last_run: null };
  const backend = recordedBackend(
    {
      app_info: () => appInfo,
      scorecard: () => [...scorecards, hostile],
      quality: (args) => (args.failing === true ? qualityFailing : qualityAll),
      check: () => check,
      report,
    },
    dialogs,
  );
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

  it("names reports after their domain with one plain file name, whatever the domain holds", () => {
    expect(reportFileName("")).toBe("steward-report.html");
    expect(reportFileName("sales")).toBe("steward-report-sales.html");
    expect(reportFileName(HOSTILE_DOMAIN)).toBe("steward-report-x_.._.._out_evil.html");
    expect(defaultReportPath("/data", HOSTILE_DOMAIN)).toBe("/data/reports/steward-report-x_.._.._out_evil.html");
  });

  it("saves the HTML report where asked and shows errors with their code", async () => {
    const user = userEvent.setup();
    const { report } = setup();
    const path = await screen.findByRole("textbox", { name: "report path" });
    await waitFor(() => {
      expect(path).toHaveValue(`${appInfo.dataDir}/reports/steward-report.html`);
    });
    await user.click(screen.getByRole("button", { name: "Save report" }));
    expect(await screen.findByText(/Saved 40 KiB to/)).toBeInTheDocument();
    expect(report).toHaveBeenCalledWith({ out: `${appInfo.dataDir}/reports/steward-report.html` });

    report.mockImplementation(() => {
      throw new BackendError("E_IO", "cannot write /root/x.html: permission denied");
    });
    await user.click(screen.getByRole("button", { name: "Save report" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("E_IO cannot write /root/x.html: permission denied");
  });

  it("keeps an upstream domain out of the default save path", async () => {
    const user = userEvent.setup();
    const { report } = setup();
    await screen.findByText("assert_revenue_reconciles_with_ledger");
    await user.selectOptions(screen.getByRole("combobox", { name: "domain" }), HOSTILE_DOMAIN);
    const expected = `${appInfo.dataDir}/reports/steward-report-x_.._.._out_evil.html`;
    expect(screen.getByRole("textbox", { name: "report path" })).toHaveValue(expected);
    await user.click(screen.getByRole("button", { name: "Save report" }));
    expect(await screen.findByText(/Saved 40 KiB to/)).toBeInTheDocument();
    expect(report).toHaveBeenLastCalledWith({ domain: HOSTILE_DOMAIN, out: expected });
  });

  it("saves where the user chose in the native dialog, and keeps the path when the dialog is cancelled", async () => {
    const user = userEvent.setup();
    const chooseReportPath = vi.fn((suggested: string): string | null => `/home/me/Documents/${suggested}`);
    const { report } = setup(undefined, { chooseReportPath });
    await screen.findByText("assert_revenue_reconciles_with_ledger");
    await user.selectOptions(screen.getByRole("combobox", { name: "domain" }), "sales");
    await user.click(screen.getByRole("button", { name: "Choose…" }));
    expect(chooseReportPath).toHaveBeenCalledWith("steward-report-sales.html");
    const path = screen.getByRole("textbox", { name: "report path" });
    await waitFor(() => {
      expect(path).toHaveValue("/home/me/Documents/steward-report-sales.html");
    });
    chooseReportPath.mockReturnValue(null);
    await user.click(screen.getByRole("button", { name: "Choose…" }));
    expect(path).toHaveValue("/home/me/Documents/steward-report-sales.html");
    await user.click(screen.getByRole("button", { name: "Save report" }));
    expect(await screen.findByText(/Saved 40 KiB to/)).toBeInTheDocument();
    expect(report).toHaveBeenLastCalledWith({ domain: "sales", out: "/home/me/Documents/steward-report-sales.html" });
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
