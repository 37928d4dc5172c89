import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";

import type { Mesh } from "../ipc/commands";
import type { Route } from "../route";
import meshJson from "../test/fixtures/mesh.json";
import { recordedBackend } from "../test/recordedBackend";
import { MeshScreen } from "./MeshScreen";

const mesh = meshJson as Mesh;

/** The screen with the focus kept in a route, as App keeps it; product routes go to `opened`. */
function Harness({ opened }: { opened: (route: Route) => void }) {
  const [focus, setFocus] = useState<string | null>(null);
  const backend = recordedBackend({ mesh: () => mesh });
  return (
    <MeshScreen
      backend={backend}
      generation={0}
      focus={focus}
      navigate={(route) => {
        if (route.screen === "mesh") setFocus(route.focus);
        else opened(route);
      }}
    />
  );
}

describe("mesh map", () => {
  it("draws every domain, focuses one on its neighbours with its page, and opens a product from it", async () => {
    const user = userEvent.setup();
    const opened = vi.fn();
    render(<Harness opened={opened} />);
    const map = await screen.findByRole("img", { name: /^mesh map: 6 domains/ });
    expect(within(map).getAllByRole("button")).toHaveLength(mesh.domains.length);
    expect(map).toHaveTextContent("agreement 1");

    await user.click(within(map).getByRole("button", { name: "domain finance" }));
    await waitFor(() => {
      expect(screen.getByRole("img", { name: /^mesh map: 2 domains/ })).toBeInTheDocument();
    });
    const page = within(screen.getByRole("region", { name: "domain finance" }));
    expect(page.getByText("Finance Data")).toBeInTheDocument();
    const links = page.getAllByText(/product link\(s\)/);
    expect(links.length).toBeGreaterThan(0);
    await user.click(links[0] as HTMLElement);
    await user.click(page.getAllByRole("button", { name: "finance-fx-rates" })[0] as HTMLElement);
    expect(opened).toHaveBeenCalledWith({ screen: "product", id: "finance-fx-rates" });

    await user.click(screen.getByRole("button", { name: "Whole mesh" }));
    expect(await screen.findByRole("img", { name: /^mesh map: 6 domains/ })).toBeInTheDocument();

    // A domain is focused from the keyboard too.
    (await screen.findByRole("button", { name: "domain sales" })).focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("region", { name: "domain sales" })).toBeInTheDocument();
  });
});
