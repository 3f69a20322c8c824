#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded time (FUZZ_SECONDS each, default 20),
# starting from the corpus each target keeps in $CARGO_TARGET_DIR, and prints the executions
# per target. A crash or panic fails the script with the input that caused it. Installs cargo-fuzz when it is missing. libFuzzer's instrumentation
# needs unstable compiler flags; RUSTC_BOOTSTRAP lets the stable toolchain pass them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/enmeshed-connector/target}/fuzz"
export RUSTC_BOOTSTRAP=1
SECONDS_EACH="${FUZZ_SECONDS:-20}"

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet

for target in $(cargo fuzz list); do
  corpus="$CARGO_TARGET_DIR/corpus/$target"
  mkdir -p "$corpus"
  # Hand-made starting inputs, where a target has them, are read but never written to.
  seeds=()
  [ -d "seeds/$target" ] && seeds=("seeds/$target")
  log="$CARGO_TARGET_DIR/$target.log"
  if ! cargo fuzz run --sanitizer none "$target" "$corpus" "${seeds[@]}" -- -max_total_time="$SECONDS_EACH" -max_len=4096 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz target $target failed; the input is in fuzz/artifacts/$target" >&2
    exit 1
  fi
  echo "   $target: $(grep -o 'Done [0-9]* runs' "$log" | tail -1 | tr -dc 0-9) executions, $(ls "$corpus" | wc -l) corpus entries"
done
