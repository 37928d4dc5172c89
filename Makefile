# meshlens: two commands do everything on a fresh Debian 12 machine.
#   make run   installs what is missing, builds, and opens the app on the bundled demo mesh
#   make test  installs what is missing and runs every test, end-to-end included
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# CI may point this at a cache outside the clone to reuse builds.
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never
BIN := $(CARGO_TARGET_DIR)/debug

# Debian packages. The CLI alone needs a C toolchain, git for git sources and libdbus for the OS keyring
# (Secret Service) that holds catalog tokens; the desktop app adds Tauri's WebKitGTK stack; the tests add the
# WebDriver for end-to-end tests, Xvfb, and rpm and lintian to read and check the packages `make package` builds.
CLI_APT_PACKAGES := build-essential pkg-config git libdbus-1-dev
APT_PACKAGES := $(CLI_APT_PACKAGES) libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libxdo-dev \
	libssl-dev webkit2gtk-driver xvfb xauth dbus-x11 x11-utils imagemagick rpm lintian

.PHONY: help run test deps system-deps ui-deps tauri-driver build build-core build-ui build-desktop \
	lint test-core test-ui test-e2e test-package cli package bench bindings fmt build-test-bins

help:
	@echo "make run    build and open meshlens on the bundled demo mesh"
	@echo "make test   run every test (unit, scenario, UI, end-to-end, packages)"
	@echo "make cli    build the meshlens command line only (release), installing what it needs"
	@echo "make package  build the .deb, .rpm and .AppImage (release build)"
	@echo "make bench  run the benchmarks (release build; slow)"
	@echo "make torture  run every tests/torture/*.sh campaign (resource bombs, kill -9 during writes)"
	@echo "make fuzz   run every fuzz target for FUZZ_SECONDS (default 600) each"

run: deps build-desktop
	MESHLENS_OPEN_DEMO=1 $(BIN)/meshlens-desktop

# The UI bundle comes first: the desktop crate embeds ui/dist at compile time, and clippy/test cover it too.
test: deps build-ui lint test-core test-ui test-e2e test-package
	@echo "make test: all suites passed"

deps: system-deps ui-deps tauri-driver

# Installs the Debian packages in $(1) that are missing (with sudo unless root).
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v cargo >/dev/null || { echo "cargo is missing: install Rust from https://rustup.rs"; exit 1; }
endef

system-deps:
	$(call apt_install,$(APT_PACKAGES))
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer"; exit 1; }

# The command line alone, for scripts and CI: no WebKit, no Node.js.
cli:
	$(call apt_install,$(CLI_APT_PACKAGES))
	cargo build --release --locked -p meshlens-cli
	@echo "built $(CARGO_TARGET_DIR)/release/meshlens"

# Release .deb, .rpm and .AppImage in $(CARGO_TARGET_DIR)/release/bundle (src-tauri/packaging/package.sh).
package: deps
	src-tauri/packaging/package.sh

ui-deps:
	@if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then \
		cd ui && npm ci --no-audit --no-fund; fi

tauri-driver:
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --locked

build-core:
	cargo build -p meshlens-cli

build-ui: ui-deps
	cd ui && npm run build

build-desktop: build-ui
	cargo build -p meshlens-desktop

lint: build-ui
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cd ui && npm run lint

test-core: build-ui
	cargo test --workspace

test-ui:
	cd ui && npm test

# The binaries the end-to-end tests drive, built with every target of the workspace as `cargo test --workspace` builds
# them: dev-dependencies take part in feature resolution, so after test-core this only links the two binaries, where
# `cargo build -p meshlens-cli` and `-p meshlens-desktop` each built most dependencies again with other features.
build-test-bins: build-ui
	cargo build --workspace --all-targets

test-e2e: build-test-bins
	MESHLENS_BIN=$(BIN)/meshlens MESHLENS_DESKTOP_BIN=$(BIN)/meshlens-desktop tests/e2e/run.sh

# Installs the .deb with the system package manager, uses it, removes it (tests/package/install.sh).
test-package: package
	tests/package/install.sh

# Figures go to docs/benchmarks.md.
bench:
	cargo build --release -p meshlens-cli
	$(CARGO_TARGET_DIR)/release/meshlens bench sync --products 10000
	cargo bench -p meshlens-search
	cargo bench -p meshlens-lineage

bindings:
	MESHLENS_UPDATE_BINDINGS=1 cargo test -p meshlens-app --test bindings

fmt:
	cargo fmt --all

# The fuzzing campaign (tests/fuzz/README.md): each target in turn for FUZZ_SECONDS; its own build directory.
FUZZ_SECONDS ?= 600
.PHONY: fuzz
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGET_DIR=$(HOME)/.cache/meshlens/fuzz-target tests/fuzz/run.sh

# Long campaigns against the real binary: every script in tests/torture/.
.PHONY: torture
torture: build-core
	@for script in tests/torture/*.sh; do [ -e "$$script" ] || continue; echo "== $$script"; bash "$$script"; done
