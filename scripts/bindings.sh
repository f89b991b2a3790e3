#!/usr/bin/env bash
# Rewrites ui/src/lib/generated/bindings.ts from the Rust types (ts-rs).
# `cargo test` fails while the checked-in file is stale.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PLAYGENIE_ROOT"
PLAYGENIE_BLESS=1 cargo test --workspace --all-targets --locked bindings_are_current -- --quiet
echo "wrote ui/src/lib/generated/bindings.ts"
