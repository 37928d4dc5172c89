#!/usr/bin/env bash
# End-to-end test of the desktop app under a virtual X display. Builds nothing: it expects
# target/debug/meshlens-desktop (or $MESHLENS_DESKTOP_BIN) and ui/dist to exist (`make build-desktop`).
# Needs: tauri-driver (cargo install tauri-driver --locked), WebKitWebDriver (webkit2gtk-driver), xvfb-run (xvfb).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

for tool in tauri-driver WebKitWebDriver xvfb-run node; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is not installed (see tests/e2e/run.sh)" >&2; exit 1; }
done

# A private session bus keeps WebKitGTK from looking for the user's; xvfb-run kills Xvfb when the test exits.
run=(xvfb-run -a --server-args="-screen 0 1280x800x24" node "$here/app.e2e.mjs")
if command -v dbus-run-session >/dev/null; then
  run=(dbus-run-session -- "${run[@]}")
fi
exec "${run[@]}"
