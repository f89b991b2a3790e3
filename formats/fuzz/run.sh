#!/usr/bin/env bash
# Fuzzes every parser for SECONDS each (default 150) with libFuzzer and
# keeps new interesting inputs in corpus/<target> (minimised afterwards).
# Needs a nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz
# A crash or a hang (an input taking over 5 s) stops with the input saved
# under artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-150}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/playgenie/fuzz-target}
for target in playlist_m3u playlist_pls playlist_xspf history; do
  mkdir -p "corpus/$target"
  echo "== $target: ${seconds} s"
  cargo +nightly fuzz run -s none "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss|==|.*(ERROR|panicked|crash|timeout))" || true
  cargo +nightly fuzz cmin -s none "$target" "corpus/$target" >/dev/null 2>&1 || true
done
