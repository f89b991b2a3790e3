#!/usr/bin/env bash
# Builds PlayGenie and opens it on the bundled demo library.
# Installs what it needs first (scripts/setup.sh). Extra arguments go to the
# app, e.g. `scripts/run.sh --library ~/Music`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PLAYGENIE_ROOT"

bash scripts/setup.sh

say "building the UI"
(cd ui && npm run --silent build -- --logLevel warn)

say "building the app (the first build compiles Burn and Tauri: 30+ minutes on 2 cores)"
# The whole workspace, as the test command builds it, so both share one cache
# (building the app package alone resolves features differently).
cargo build --workspace --all-targets --locked

app=$CARGO_TARGET_DIR/debug/playgenie-app
args=(--library "$PLAYGENIE_ROOT/assets/demo-library" "$@")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  if ! command -v xvfb-run >/dev/null; then
    echo "error: no display (DISPLAY/WAYLAND_DISPLAY unset) and no xvfb-run; run this from a desktop session" >&2
    exit 1
  fi
  say "no display found: starting the app under Xvfb (invisible)"
  exec xvfb-run -a "$app" "${args[@]}"
fi
say "opening PlayGenie"
exec "$app" "${args[@]}"
