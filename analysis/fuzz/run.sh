#!/usr/bin/env bash
# Fuzzes the audio path (decode -> resample -> features) for SECONDS
# (default 300) with libFuzzer. The corpus grows outside the clone
# (PLAYGENIE_FUZZ_CORPUS, default ~/.cache/playgenie/fuzz-corpus/audio),
# started from seeds/audio. Exits non-zero on a crash or a hang (an input
# taking over 10 s); the input is saved under artifacts/audio/ — copy it to
# regressions/audio/ once fixed, so `cargo test` replays it forever.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). It uses a nightly
# toolchain when there is one, else the stable one with RUSTC_BOOTSTRAP=1
# (cargo-fuzz needs unstable flags; no sanitizer is used: `-s none`).
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/playgenie/fuzz-target}
corpus=${PLAYGENIE_FUZZ_CORPUS:-$HOME/.cache/playgenie/fuzz-corpus}/audio
mkdir -p "$corpus"
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi
log=$(mktemp)
if cargo "${toolchain[@]}" fuzz run -s none audio "$corpus" seeds/audio -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 >"$log" 2>&1; then
  runs=$(grep -o 'number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  rss=$(grep -o 'peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  echo "audio: clean, ${seconds} s, ${runs:-?} inputs ($(( ${runs:-0} / seconds ))/s), coverage ${cov:-?} edges, corpus $(ls "$corpus" | wc -l) inputs, peak ${rss:-?} MB"
  # Panics inside dependencies that the boundary contained, one per place.
  grep -o "contained a panic in a dependency at [^:]*:[0-9]*" "$log" | sort -u
  rm -f "$log"
else
  echo "audio: FAILED (log: $log)"
  grep -E "panicked|ERROR|Test unit written" "$log" | head -5
  exit 1
fi
