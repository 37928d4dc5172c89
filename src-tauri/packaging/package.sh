#!/usr/bin/env bash
# `make package`: release build of the desktop app and the CLI, then Tauri's bundler makes the packages.
# Each package carries the app, the `meshlens` CLI on the PATH, its man pages and shell completions (generated
# by the CLI itself), the bundled demo mesh, icons, a desktop entry and the copyright file.
#   MESHLENS_BUNDLES   which packages (default: deb,rpm). Add `appimage` where github.com is reachable: Tauri's
#                      bundler downloads linuxdeploy and the AppImage runtime from there (no registry has them).
# Packages land in $CARGO_TARGET_DIR/release/bundle/{deb,rpm,appimage}.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bundles="${MESHLENS_BUNDLES:-deb,rpm}"
release="$target/release"
stage="$release/package-files"

(cd "$root/ui" && npm run build)
# The custom protocol serves the embedded UI, as a shipped build must (`tauri build` turns it on the same way).
cargo build --release --locked -p meshlens-cli -p meshlens-desktop --features meshlens-desktop/custom-protocol

rm -rf "$stage"
mkdir -p "$stage/man" "$stage/completions"
cp "$release/meshlens" "$stage/meshlens"
"$release/meshlens" man --out "$stage/man" >/dev/null
cp "$root/src-tauri/packaging/meshlens-desktop.1" "$stage/man/"
gzip -9n "$stage"/man/*.1
"$release/meshlens" completions bash >"$stage/completions/meshlens"
"$release/meshlens" completions zsh >"$stage/completions/_meshlens"
"$release/meshlens" completions fish >"$stage/completions/meshlens.fish"

# Where each file goes: the same tree for every package, but zsh, whose vendor folder differs between
# Debian and Fedora-like systems; further `"target": "source"` entries as arguments.
files() {
  local zsh_dir="$1" extra="" entry
  shift
  for entry in "$@"; do extra+=$',\n  '"$entry"; done
  cat <<JSON
{
  "/usr/bin/meshlens": "$stage/meshlens",
  "/usr/share/man/man1": "$stage/man/",
  "/usr/share/bash-completion/completions/meshlens": "$stage/completions/meshlens",
  "$zsh_dir/_meshlens": "$stage/completions/_meshlens",
  "/usr/share/fish/vendor_completions.d/meshlens.fish": "$stage/completions/meshlens.fish",
  "/usr/share/meshlens/demo-mesh": "$root/assets/demo-mesh/",
  "/usr/share/doc/meshlens/copyright": "$root/src-tauri/packaging/copyright"$extra
}
JSON
}
cat >"$stage/bundle.json" <<JSON
{
  "bundle": {
    "linux": {
      "deb": { "files": $(files /usr/share/zsh/vendor-completions \
        "\"/usr/share/lintian/overrides/meshlens\": \"$root/src-tauri/packaging/lintian-overrides\"") },
      "rpm": { "files": $(files /usr/share/zsh/site-functions) },
      "appimage": { "files": $(files /usr/share/zsh/site-functions) }
    }
  }
}
JSON

"$root/ui/node_modules/.bin/tauri" bundle --ci --bundles "$bundles" --config "$stage/bundle.json"

# Tauri's bundler compresses the .deb's files with gzip; repacked with xz, Debian's own default, the package is
# under half the size (docs/benchmarks.md).
for deb in "$release"/bundle/deb/*.deb; do
  [ -e "$deb" ] || continue
  unpacked="$(mktemp -d)"
  dpkg-deb --raw-extract "$deb" "$unpacked/root"
  dpkg-deb -Zxz -z9 --root-owner-group --build "$unpacked/root" "$deb" >/dev/null
  rm -rf "$unpacked"
done
find "$release/bundle" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' \) -exec ls -l {} +
