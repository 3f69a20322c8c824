#!/usr/bin/env bash
# Runs every fuzz target of the wire crate briefly (default 30 s each). Not part of CI.
#
#   wire/fuzz/run.sh [seconds-per-target]
#
# cargo-fuzz needs a nightly compiler for its sanitizer flags. On a stable toolchain this
# script sets RUSTC_BOOTSTRAP=1, which unlocks those flags on stable.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"

if ! cargo fuzz --help >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: run 'cargo install cargo-fuzz' and try again." >&2
    exit 2
fi

if ! rustc --version | grep -q nightly; then
    echo "stable toolchain detected: using RUSTC_BOOTSTRAP=1 for the sanitizer flags" >&2
    export RUSTC_BOOTSTRAP=1
fi

targets=$(cargo fuzz list)
failed=0
for target in $targets; do
    echo "== $target (${seconds}s)"
    mkdir -p "corpus/$target"
    if ! cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=4096; then
        echo "!! $target found a failure; the reproducer is under artifacts/$target" >&2
        failed=1
    fi
done
exit "$failed"
