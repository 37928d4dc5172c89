import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { UpdateCheck, UpdateSettings } from "../ipc/commands";
import { BackendError } from "../ipc/errors";
import { recordedBackend } from "../test/recordedBackend";
import { StartupUpdateBanner, UpdatesSettings } from "./Updates";

const MANUAL: UpdateSettings = {
  mode: "manual",
  url: "https://meshlens.dev/releases/latest.json",
  modeFixed: false,
  urlFixed: false,
  policyError: null,
};
const NEWER: UpdateCheck = { currentVersion: "0.1.0", available: { version: "9.9.9", notes: "Faster search.", date: null } };

function setup(settings: UpdateSettings, checkUpdate?: () => UpdateCheck | Promise<UpdateCheck>) {
  const saved: unknown[] = [];
  const backend = recordedBackend(
    {
      update_settings: () => settings,
      set_update_preferences: (preferences) => {
        saved.push(preferences);
        return { ...settings, ...preferences, url: preferences.url ?? settings.url };
      },
    },
    { checkUpdate },
  );
  return { backend, saved };
}

describe("updates", () => {
  it("offers a newer signed version and installs it on request", async () => {
    const { backend } = setup(MANUAL, () => NEWER);
    render(<UpdatesSettings backend={backend} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Check for updates" }));
    expect(await screen.findByText(/is available \(you have 0\.1\.0\)/)).toHaveTextContent("meshlens 9.9.9");
    expect(screen.getByText("Faster search.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Restart and update" }));
    expect(backend.installedUpdates).toHaveLength(1);
  });

  it("says so when this is the newest version", async () => {
    const { backend } = setup(MANUAL, () => ({ currentVersion: "0.1.0", available: null }));
    render(<UpdatesSettings backend={backend} />);
    await userEvent.setup().click(await screen.findByRole("button", { name: "Check for updates" }));
    expect(await screen.findByText("meshlens 0.1.0 is the newest version.")).toBeInTheDocument();
  });

  it("shows a refused signature with its code and offers nothing to install", async () => {
    const { backend } = setup(MANUAL, () => {
      throw new BackendError("E_UPDATE_SIGNATURE", "the update to 9.9.9 is not signed with meshlens's release key; it was not installed");
    });
    render(<UpdatesSettings backend={backend} />);
    await userEvent.setup().click(await screen.findByRole("button", { name: "Check for updates" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("E_UPDATE_SIGNATURE");
    expect(alert).toHaveTextContent("not signed with meshlens's release key");
    expect(screen.queryByRole("button", { name: "Restart and update" })).not.toBeInTheDocument();
  });

  it("hides the action when the machine's policy switches updates off", async () => {
    const { backend } = setup({ ...MANUAL, mode: "off", modeFixed: true });
    render(<UpdatesSettings backend={backend} />);
    expect(await screen.findByText(/Updates are switched off on this machine by its administrator/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Check for updates" })).not.toBeInTheDocument();
  });

  it("shows what the policy fixes as the administrator's and lets the user change the rest", async () => {
    const fixed = { ...MANUAL, url: "https://mirror.corp.example/meshlens.json", urlFixed: true };
    const { backend, saved } = setup(fixed);
    render(<UpdatesSettings backend={backend} />);
    expect(await screen.findByRole("textbox", { name: "update manifest URL" })).toBeDisabled();
    expect(screen.getByText("(set by your administrator)")).toBeInTheDocument();
    await userEvent.setup().selectOptions(screen.getByRole("combobox", { name: "update checks" }), "auto");
    expect(saved).toEqual([{ mode: "auto", url: fixed.url }]);
  });

  it("checks at start in auto mode and offers the update in a banner", async () => {
    const { backend } = setup({ ...MANUAL, mode: "auto" }, () => NEWER);
    render(<StartupUpdateBanner backend={backend} />);
    expect(await screen.findByRole("button", { name: "Restart and update" })).toBeInTheDocument();
  });

  it("does not check at start in manual mode", async () => {
    let checks = 0;
    const { backend } = setup(MANUAL, () => {
      checks += 1;
      return NEWER;
    });
    render(<StartupUpdateBanner backend={backend} />);
    await waitFor(() => {
      expect(backend.calls.map((c) => c.command)).toEqual(["update_settings"]);
    });
    // The settings answer has been rendered: an effect that would check has run by now.
    await act(async () => {
      await Promise.resolve();
    });
    expect(checks).toBe(0);
    expect(screen.queryByRole("button", { name: "Restart and update" })).not.toBeInTheDocument();
  });
});
