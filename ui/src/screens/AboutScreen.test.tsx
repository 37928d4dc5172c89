import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import { about, appInfo, products, sources } from "../test/fixtures";
import { recordedBackend } from "../test/recordedBackend";
import { formatBytes } from "./AboutScreen";

describe("about meshlens", () => {
  it("shows the build, the data directory with its size, and filters the bundled licences", async () => {
    const backend = recordedBackend({
      app_info: () => appInfo,
      list_products: () => products,
      list_sources: () => sources,
      about: () => about,
    });
    render(<App backend={backend} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Sources & settings" }));
    await user.click(await screen.findByRole("button", { name: "About meshlens" }));
    const page = await screen.findByRole("generic", { name: "about" });
    expect(await within(page).findByText(about.version)).toBeInTheDocument();
    expect(within(page).getByText(about.commit)).toBeInTheDocument();
    expect(within(page).getByText(about.dataDir)).toBeInTheDocument();
    expect(within(page).getByText(formatBytes(about.dataBytes))).toBeInTheDocument();
    const table = within(page).getByRole("table", { name: "licences" });
    expect(within(table).getAllByRole("row")).toHaveLength(about.licenses.length + 1);
    await user.type(within(page).getByRole("searchbox", { name: "filter licences" }), "react");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent("react");
    expect(rows[0]).toHaveTextContent("UI (npm)");
  });

  it("formats sizes in binary units", () => {
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(680042)).toBe("664.1 KiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
  });
});
