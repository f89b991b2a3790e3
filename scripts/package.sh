#!/usr/bin/env bash
# Builds PlayGenie's Debian package with Tauri's bundler: the app
# (/usr/bin/playgenie-app) and the CLI (/usr/bin/playgenie), a desktop entry,
# icons, and the packages they need declared as dependencies.
#
#   bash scripts/package.sh           the optimised release package (a
#                                     release build of everything: about
#                                     35 min on 2 fresh cores)
#   bash scripts/package.sh --debug   bundles the debug build the tests use
#                                     (seconds when it exists; what CI does)
#
# Prints the package's path: $PLAYGENIE_ARTIFACTS/playgenie_<version>_amd64.deb.
# Install it with `sudo apt-get install ./playgenie_<version>_amd64.deb`.
# AppImage is not built: its tools are downloaded at bundle time, and these
# machines reach only the package registries.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PLAYGENIE_ROOT"
# Everything but the package's path goes to stderr, so callers can write
# deb=$(bash scripts/package.sh --debug).
exec 3>&1 1>&2

profile=release
cargo_flags=(--release --bins)
bundle_flags=()
if [ "${1:-}" = "--debug" ]; then
  profile=debug
  # The same command as the test run's build: nothing is rebuilt.
  cargo_flags=(--all-targets)
  bundle_flags=(--debug)
fi

if [ ! -x ui/node_modules/.bin/tauri ]; then
  (cd ui && npm ci --no-audit --no-fund --silent)
fi
say "UI build"
(cd ui && npm run --silent build -- --logLevel warn)
say "cargo build ($profile)"
cargo build --workspace --locked "${cargo_flags[@]}"

cli="$CARGO_TARGET_DIR/$profile/playgenie"
# The CLI joins the package beside the app; the bundler reads the extra
# files from a config merged over tauri.conf.json.
extra=$(printf '{"bundle":{"active":true,"linux":{"deb":{"files":{"/usr/bin/playgenie":"%s"}}}}}' "$cli")
say "bundling the .deb"
(cd src-tauri && ../ui/node_modules/.bin/tauri bundle --ci --bundles deb "${bundle_flags[@]}" -c "$extra")

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
built="$CARGO_TARGET_DIR/$profile/bundle/deb/PlayGenie_${version}_amd64.deb"
mkdir -p "$PLAYGENIE_ARTIFACTS"
out="$PLAYGENIE_ARTIFACTS/playgenie_${version}_amd64.deb"
cp "$built" "$out"
echo "$out" >&3
