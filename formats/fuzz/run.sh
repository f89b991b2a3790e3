#!/usr/bin/env bash
# Fuzzes every parser for SECONDS each (default 150) with libFuzzer. The
# growing corpus lives outside the clone (PLAYGENIE_FUZZ_CORPUS, default
# ~/.cache/playgenie/fuzz-corpus/<target>), started from seeds/<target>: the
# hand-written examples plus the 200 smallest inputs of the corpus grown so
# far (kept in git, replayed by `cargo test`). Exits
# non-zero if any target crashes or hangs (an input taking over 5 s); the
# input is saved under artifacts/<target>/ — copy it to regressions/<target>/
# once fixed, so `cargo test` replays it forever.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). It uses a nightly
# toolchain when there is one, else the stable one with RUSTC_BOOTSTRAP=1
# (cargo-fuzz needs unstable flags; no sanitizer is used: `-s none`).
set -uo pipefail
cd "$(dirname "$0")"
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi
seconds=${1:-150}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/playgenie/fuzz-target}
corpus_root=${PLAYGENIE_FUZZ_CORPUS:-$HOME/.cache/playgenie/fuzz-corpus}
failed=()
for target in playlist_m3u playlist_pls playlist_xspf history; do
  corpus="$corpus_root/$target"
  mkdir -p "$corpus"
  log=$(mktemp)
  if cargo "${toolchain[@]}" fuzz run -s none "$target" "$corpus" "seeds/$target" -- \
      -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -o 'number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    rss=$(grep -o 'peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$')
    echo "$target: clean, ${seconds} s, ${runs:-?} inputs, peak ${rss:-?} MB"
    cargo "${toolchain[@]}" fuzz cmin -s none "$target" "$corpus" >/dev/null 2>&1 || true
  else
    echo "$target: FAILED"
    grep -E "panicked|ERROR|Test unit written" "$log" | head -5
    failed+=("$target")
  fi
  rm -f "$log"
done
[ ${#failed[@]} -eq 0 ] || { echo "failing targets: ${failed[*]}"; exit 1; }
