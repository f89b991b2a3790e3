# Shared environment for PlayGenie's scripts (sourced, not run).
#
# Build outputs and caches live outside the clone, under ~/.cache/playgenie,
# so a fresh clone (as CI makes) reuses earlier builds instead of compiling
# Burn and Tauri again.

PLAYGENIE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PLAYGENIE_ROOT
export PLAYGENIE_CACHE=${PLAYGENIE_CACHE:-$HOME/.cache/playgenie}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PLAYGENIE_CACHE/target}
export npm_config_cache=${npm_config_cache:-$PLAYGENIE_CACHE/npm}
export PLAYGENIE_ARTIFACTS=${PLAYGENIE_ARTIFACTS:-$PLAYGENIE_CACHE/artifacts}
# wgpu and WebKit warn once per process without a runtime dir.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -w "${XDG_RUNTIME_DIR:-/nonexistent}" ]; then
  export XDG_RUNTIME_DIR=$PLAYGENIE_CACHE/runtime
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
fi
export PATH=$HOME/.cargo/bin:$PATH

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
