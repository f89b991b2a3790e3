#!/usr/bin/env bash
# Installs everything PlayGenie needs to build, run and test, and says what it
# does. Safe to run again: it only installs what is missing.
#
#   scripts/setup.sh            # build + run needs
#   scripts/setup.sh --test     # also the test tools (Xvfb, WebDriver, ...)
set -euo pipefail
source "$(dirname "$0")/env.sh"

with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

# Debian/Ubuntu packages. Tauri's WebKitGTK stack, ALSA for audio output, D-Bus
# for the media keys (MPRIS),
# Mesa's Vulkan drivers so wgpu has an adapter (lavapipe) even without a GPU.
packages=(
  build-essential pkg-config file libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libxdo-dev
  libasound2-dev libdbus-1-dev
  mesa-vulkan-drivers libvulkan1 vulkan-tools
)
if $with_tests; then
  # The window under Xvfb driven by WebDriver (with a private D-Bus session
  # for the media-key test), screenshots, real audio tools and clients, and
  # the checker for the package's desktop entry.
  packages+=(xvfb xauth dbus webkit2gtk-driver imagemagick sox libsox-fmt-all ffmpeg mpv sqlite3
    desktop-file-utils)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages: all ${#packages[@]} present"
fi

for tool in cargo rustc node npm; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed; install Rust (rustup) and Node.js 20+ first" >&2; exit 1; }
done
if $with_tests; then
  for component in rustfmt clippy; do
    cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1 || {
      echo "error: cargo $component is missing: rustup component add $component" >&2; exit 1; }
  done
  if ! command -v tauri-driver >/dev/null || ! tauri-driver --help >/dev/null 2>&1; then
    say "installing tauri-driver 2.1.0 (cargo install, about a minute)"
    cargo install tauri-driver --version 2.1.0 --locked --quiet
  fi
fi

# Front-end dependencies, exactly as locked. Skipped when node_modules already
# matches package-lock.json.
stamp=$PLAYGENIE_ROOT/ui/node_modules/.playgenie-lock
if ! cmp -s "$PLAYGENIE_ROOT/ui/package-lock.json" "$stamp" 2>/dev/null; then
  say "installing UI packages (npm ci)"
  (cd "$PLAYGENIE_ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$PLAYGENIE_ROOT/ui/package-lock.json" "$stamp"
else
  say "UI packages: up to date"
fi
