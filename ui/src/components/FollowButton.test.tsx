import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { Followed } from "../ipc/bindings/Followed";
import followedJson from "../test/fixtures/follow-customer-360.json";
import { recordedBackend } from "../test/recordedBackend";
import { FollowButton } from "./FollowButton";

describe("follow button", () => {
  it("follows a product and stops following it", async () => {
    const user = userEvent.setup();
    let follows: Followed[] = [];
    const backend = recordedBackend({
      following: () => follows,
      follow: () => {
        follows = [followedJson];
        return followedJson;
      },
      unfollow: ({ id }) => {
        follows = [];
        return { id, removed: true };
      },
    });
    render(<FollowButton backend={backend} id="customer-360" generation={0} />);
    await user.click(await screen.findByRole("button", { name: "Follow", pressed: false }));
    await user.click(await screen.findByRole("button", { name: "Following", pressed: true }));
    await waitFor(() => {
      expect(screen.getByRole("button", { name: "Follow", pressed: false })).toBeInTheDocument();
    });
    const writes = backend.calls.filter((c) => c.command !== "following");
    expect(writes).toEqual([
      { command: "follow", args: { id: "customer-360" } },
      { command: "unfollow", args: { id: "customer-360" } },
    ]);
  });
});
