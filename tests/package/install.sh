#!/usr/bin/env bash
# The packages as a user gets them: reads the .deb and .rpm metadata, checks the .deb with lintian, installs
# the .deb with the system package manager, runs the CLI from the PATH and the desktop app under Xvfb (with a
# screenshot), removes the package and checks nothing is left outside the user's data directory. Then starts
# the AppImage once, when one was built. Needs root (or sudo) to install; `make package` first.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bundle="${CARGO_TARGET_DIR:-$root/target}/release/bundle"
shots="$root/tests/package/screenshots"
work="$(mktemp -d)"
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
trap 'rm -rf "$work"' EXIT
mkdir -p "$shots"

say() { printf 'package: %s\n' "$*"; }
fail() { printf 'package: FAILED: %s\n' "$*" >&2; exit 1; }
only() { # the one file matching a glob
  local found=("$@"); [ "${#found[@]}" = 1 ] && [ -e "${found[0]}" ] || fail "expected one file, found: ${found[*]}"
  echo "${found[0]}"
}

deb="$(only "$bundle"/deb/*.deb)"
rpm="$(only "$bundle"/rpm/*.rpm)"

# --- metadata a user or an administrator reads before installing
check_metadata() {
  dpkg-deb --info "$deb" >"$work/deb-info"
  for field in Package Version Architecture Maintainer Depends Section Homepage Description; do
    grep -q "^ $field: ." "$work/deb-info" || fail "the .deb has no $field"
  done
  rpm -qip "$rpm" >"$work/rpm-info" 2>/dev/null
  for field in Name Version Release License URL Summary; do
    grep -q "^$field *: *." "$work/rpm-info" || fail "the .rpm has no $field"
  done
  grep -A1 "^Description *:" "$work/rpm-info" | tail -1 | grep -q . || fail "the .rpm has no Description"
  dpkg-deb --contents "$deb" | awk '{print "/" $6}' | sed 's|^/\./|/|' >"$work/deb-files"
  rpm -qlp "$rpm" >"$work/rpm-files" 2>/dev/null
  for path in /usr/bin/meshlens /usr/bin/meshlens-desktop /usr/share/man/man1/meshlens.1.gz \
    /usr/share/applications/meshlens.desktop /usr/share/meshlens/demo-mesh/README.md \
    /usr/share/bash-completion/completions/meshlens /usr/share/fish/vendor_completions.d/meshlens.fish; do
    grep -qx "$path" "$work/deb-files" || fail "the .deb does not install $path"
    grep -qx "$path" "$work/rpm-files" || fail "the .rpm does not install $path"
  done
  # Errors fail the test; warnings are listed for whoever reads the log.
  lintian --fail-on error --no-tag-display-limit "$deb" | tee "$work/lintian" || fail "lintian reports errors"
  say "metadata ok: $(grep -c '' "$work/lintian") lintian notes, no errors"
}

# Files on the system outside the places that change by themselves (caches, logs, homes, /tmp).
system_files() {
  find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /var/tmp \
    -o -path /home -o -path /root -o -path /var/log -o -path /var/cache -o -path /var/lib/apt -o -path /var/lib/dpkg \
    -o -path "$root" -o -path /work \) -prune -o -print 2>/dev/null | grep -v -e '/icon-theme.cache$' -e '/mimeinfo.cache$' | sort
}

# The desktop app from the PATH under a virtual display: its window appears and paints the welcome screen.
desktop_screenshot() { # name command...
  local name="$1"; shift
  xvfb-run -a --server-args="-screen 0 1280x800x24" bash -c '
    "$@" >"'"$work"'/desktop.log" 2>&1 & app=$!
    for _ in $(seq 120); do
      xwininfo -root -tree | grep -q "\"meshlens\"" && break; sleep 0.5
    done
    xwininfo -root -tree | grep -q "\"meshlens\"" || { echo "no meshlens window"; cat "'"$work"'/desktop.log"; kill $app; exit 1; }
    # Screenshots until the page has painted (more than a blank window'"'"'s few colours), for up to 60 s.
    for _ in $(seq 120); do
      import -window root "'"$shots/$name"'.png"
      [ "$(convert "'"$shots/$name"'.png" -format %k info:)" -gt 16 ] && break; sleep 0.5
    done
    kill $app; wait $app 2>/dev/null || true' _ "$@"
  colours="$(convert "$shots/$name.png" -format %k info:)"
  [ "$colours" -gt 16 ] || fail "the $name screenshot is blank ($colours colours)"
  say "desktop window seen: $shots/$name.png ($colours colours)"
}

install_use_remove() {
  system_files >"$work/before"
  $sudo apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get cannot install $deb"; }
  [ "$(command -v meshlens)" = /usr/bin/meshlens ] || fail "meshlens is not on the PATH"
  # Output is captured before grep reads it: `cmd | grep -q` under pipefail fails at random when grep stops reading
  # at its first match while cmd still writes (EPIPE), which once failed this test with the demo correctly read.
  [[ "$(meshlens --version)" == "meshlens "* ]] || fail "meshlens --version printed nothing useful"
  local data="$work/data"
  HOME="$work" meshlens --data-dir "$data" demo >/dev/null
  local sources
  sources="$(HOME="$work" meshlens --data-dir "$data" source list --json)"
  grep -q '"/usr/share/meshlens/demo-mesh"' <<<"$sources" \
    || fail "meshlens demo did not read the installed demo mesh"
  [ "$(HOME="$work" meshlens --data-dir "$data" products --json | grep -c '"id"')" -gt 0 ] || fail "the demo has no products"
  man -w meshlens >/dev/null || fail "man meshlens finds no page"
  say "installed: $(meshlens --version), demo synced from /usr/share/meshlens/demo-mesh"
  HOME="$work" MESHLENS_DATA_DIR="$work/desktop-data" desktop_screenshot installed-desktop meshlens-desktop
  $sudo apt-get purge -y -qq meshlens >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get cannot remove meshlens"; }
  system_files >"$work/after"
  if ! diff "$work/before" "$work/after" >"$work/left"; then
    cat "$work/left"; fail "files changed outside the data directory after removing the package"
  fi
  say "removed: nothing left outside the user's data directory"
}

appimage_once() {
  local image
  if ! compgen -G "$bundle/appimage/*.AppImage" >/dev/null; then
    say "NOT CHECKED: no AppImage was built (MESHLENS_BUNDLES=deb,rpm,appimage needs github.com for linuxdeploy)"
    return
  fi
  image="$(only "$bundle"/appimage/*.AppImage)"
  HOME="$work" MESHLENS_DATA_DIR="$work/appimage-data" desktop_screenshot appimage "$image" --appimage-extract-and-run
}

check_metadata
install_use_remove
appimage_once
say "all package checks passed"
