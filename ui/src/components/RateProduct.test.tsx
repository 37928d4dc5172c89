import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { FeedbackList } from "../ipc/commands";
import given from "../test/fixtures/feedback-sales-orders.json";
import listed from "../test/fixtures/feedback-list-sales-orders.json";
import { recordedBackend } from "../test/recordedBackend";
import { RateProduct } from "./RateProduct";

describe("rate a product", () => {
  it("sends the rating and comment, then shows the ratings kept privately", async () => {
    const user = userEvent.setup();
    let list: FeedbackList = { product: "sales-orders", count: 0, average: null, feedback: [], upstream_votes: null, upstream_comments: null };
    const backend = recordedBackend({
      feedback_list: () => list,
      feedback: () => {
        list = listed;
        return given;
      },
    });
    render(<RateProduct backend={backend} id="sales-orders" generation={0} />);
    const section = within(await screen.findByRole("region", { name: "rate this product" }));
    expect(section.getByText("No ratings yet.")).toBeInTheDocument();
    expect(section.getByRole("button", { name: "Rate" })).toBeDisabled();
    await user.click(section.getByRole("radio", { name: "4 of 5" }));
    await user.type(section.getByLabelText("Comment (optional)"), "Fresh every morning");
    await user.click(section.getByRole("button", { name: "Rate" }));
    await waitFor(() => {
      expect(section.getByText("4.0/5 from 1 rating(s)")).toBeInTheDocument();
    });
    expect(section.getByText(/Kept on this machine only \(private\)/)).toBeInTheDocument();
    expect(section.getByLabelText("Comment (optional)")).toHaveValue("");
    expect(backend.calls.filter((c) => c.command === "feedback")).toEqual([
      { command: "feedback", args: { id: "sales-orders", rating: 4, comment: "Fresh every morning" } },
    ]);
  });

  it("says when a rating went to the product's catalog", async () => {
    const upstream = { ...given, target: "openmetadata", private: false, delivery: "submitted" as const };
    const backend = recordedBackend({ feedback_list: () => ({ ...listed, feedback: [upstream] }) });
    render(<RateProduct backend={backend} id="sales-orders" generation={0} />);
    expect(await screen.findByText("Sent to openmetadata (vote and comment thread): submitted.")).toBeInTheDocument();
  });

  it("shows the votes the product's catalog holds", async () => {
    const backend = recordedBackend({ feedback_list: () => ({ ...listed, upstream_votes: { up: 3, down: 1 } }) });
    render(<RateProduct backend={backend} id="sales-orders" generation={0} />);
    expect(await screen.findByText("In its catalog: 3 up-vote(s), 1 down-vote(s) (as of the last sync).")).toBeInTheDocument();
  });

  it("shows the conversations about the product in its catalog", async () => {
    const backend = recordedBackend({ feedback_list: () => ({ ...listed, upstream_votes: { up: 2, down: 0 }, upstream_comments: 4 }) });
    render(<RateProduct backend={backend} id="sales-orders" generation={0} />);
    expect(await screen.findByText("In its catalog: 2 up-vote(s), 0 down-vote(s), 4 conversation thread(s) (as of the last sync).")).toBeInTheDocument();
  });
});
