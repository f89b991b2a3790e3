#!/usr/bin/env bash
# Runs every PlayGenie check, in the order a failure is cheapest to find:
# formatting, UI typecheck and unit tests, clippy, the Rust tests (core, CLI,
# models incl. wgpu-vs-CPU on lavapipe, app), the real window under Xvfb
# driven through WebDriver, then the .deb: built, installed, opened.
#
# Installs what it needs first (scripts/setup.sh --test).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PLAYGENIE_ROOT"
started=$(date +%s)
step() { say "$* ($(( $(date +%s) - started ))s)"; }

bash scripts/setup.sh --test

step "cargo fmt --check"
cargo fmt --all --check

step "UI: build, typecheck, unit tests"
(cd ui && npm run --silent build -- --logLevel warn && npm run --silent check && npm test --silent)

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# One build of the whole workspace, all targets: the same feature set as
# `cargo test --workspace`, so the app binary and the tests share every
# compiled dependency (building `-p playgenie-app` alone resolves features
# differently and recompiles Burn).
step "cargo build (workspace, all targets)"
cargo build --workspace --all-targets --locked

step "fetching the real test library (Debian soundtrack packages, cached)"
PLAYGENIE_TEST_MUSIC=$(bash scripts/fetch-test-music.sh)
export PLAYGENIE_TEST_MUSIC

step "cargo test"
cargo test --workspace --locked

step "WebDriver: the real window under Xvfb"
export PLAYGENIE_APP_BINARY=$CARGO_TARGET_DIR/debug/playgenie-app
export PLAYGENIE_CLI_BINARY=$CARGO_TARGET_DIR/debug/playgenie
mkdir -p "$PLAYGENIE_ARTIFACTS"
# A private D-Bus session bus, so the app's MPRIS media controls are tested.
(cd ui && xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- node --test e2e/)

step "the .deb: bundle this build, install it, open the installed app"
# Tauri's bundler over the debug build just tested (a release build of
# everything would add about 35 min on a fresh machine; scripts/package.sh
# without --debug makes the optimised package).
deb=$(bash scripts/package.sh --debug)
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --reinstall "$deb" >/dev/null
desktop-file-validate /usr/share/applications/PlayGenie.desktop
/usr/bin/playgenie --version
# The installed binaries, not the build's: the window opens, shows the demo
# library and runs the backend self-test.
(cd ui && PLAYGENIE_APP_BINARY=/usr/bin/playgenie-app PLAYGENIE_CLI_BINARY=/usr/bin/playgenie \
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- node --test e2e/window.test.mjs)

step "all checks passed; window screenshot in $PLAYGENIE_ARTIFACTS"
