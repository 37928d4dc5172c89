import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { AccessRequested } from "../ipc/commands";
import { BackendError } from "../ipc/errors";
import requestedJson from "../test/fixtures/access-request-sales-returns.json";
import { recordedBackend } from "../test/recordedBackend";
import { RequestAccess } from "./RequestAccess";

const requested = requestedJson as AccessRequested;

describe("request access", () => {
  it("sends the purpose, consumer, columns and end date for the port and says where the request went", async () => {
    const user = userEvent.setup();
    const backend = recordedBackend({ access_request: () => requested });
    render(<RequestAccess backend={backend} product="sales-returns" port="returns" />);
    await user.click(screen.getByRole("button", { name: "Request access" }));
    const form = within(screen.getByRole("form", { name: "request access to returns" }));
    await user.type(form.getByLabelText("Purpose"), "Returns rate per campaign");
    await user.type(form.getByLabelText("Consuming team or product"), "marketing-campaign-performance");
    await user.type(form.getByLabelText(/Columns/), "return_id, , refund_amount");
    await user.type(form.getByLabelText("Until"), "2099-01-31");
    await user.click(form.getByRole("button", { name: "Send request" }));
    expect(await form.findByRole("status")).toHaveTextContent("Requested (access-679793b7d34f): sent to mesh");
    expect(backend.calls).toEqual([
      {
        command: "access_request",
        args: {
          product: "sales-returns",
          port: "returns",
          purpose: "Returns rate per campaign",
          consumer: "marketing-campaign-performance",
          columns: ["return_id", "refund_amount"],
          until: "2099-01-31",
        },
      },
    ]);
  });

  it("shows the app's error code when the request is refused, and a queued answer as waiting", async () => {
    const user = userEvent.setup();
    let answer: () => AccessRequested = () => {
      throw new BackendError("E_ACCESS_INVALID", "this port is restricted: a request must name an end date (--until YYYY-MM-DD)");
    };
    render(<RequestAccess backend={recordedBackend({ access_request: () => answer() })} product="sales-orders" port="orders" />);
    await user.click(screen.getByRole("button", { name: "Request access" }));
    await user.type(screen.getByLabelText("Purpose"), "Attribution");
    await user.type(screen.getByLabelText("Consuming team or product"), "Marketing");
    await user.click(screen.getByRole("button", { name: "Send request" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("E_ACCESS_INVALID");
    expect(alert).toHaveTextContent("restricted");
    answer = () => ({ ...requested, item: { ...requested.item, status: "queued", reason: "offline" } });
    await user.click(screen.getByRole("button", { name: "Send request" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Queued (access-679793b7d34f): mesh is not reachable now");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("offers the prepared e-mail when the product's source takes no request files", async () => {
    const user = userEvent.setup();
    const email = "mailto:owner@northwind.example?subject=Access%20request&body=Purpose%3A%20Attribution";
    const mailed: AccessRequested = {
      ...requested,
      request: { ...requested.request, target: "email" },
      item: { ...requested.item, receipt: email },
      email,
    };
    const backend = recordedBackend({ access_request: () => mailed });
    render(<RequestAccess backend={backend} product="sales-returns" port="returns" />);
    await user.click(screen.getByRole("button", { name: "Request access" }));
    await user.type(screen.getByLabelText("Purpose"), "Attribution");
    await user.type(screen.getByLabelText("Consuming team or product"), "Marketing");
    await user.click(screen.getByRole("button", { name: "Send request" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Prepared as an e-mail to the product's owners (access-679793b7d34f)");
    await user.click(screen.getByRole("button", { name: "Open e-mail" }));
    expect(backend.openedLinks).toEqual([email]);
  });
});
