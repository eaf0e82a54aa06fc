#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for SECONDS each (default 20), on stable Rust: cargo-fuzz
# with libFuzzer and no sanitizer (`-s none`; a sanitizer needs nightly). Each starts from the
# seeds in fuzz/corpus/TARGET, copied to a scratch corpus so the repository's stays small;
# inputs up to 64 KiB (main_text: 8 KiB), 10 s and 2 GB each. A crash leaves its input in fuzz/artifacts/TARGET/
# and fails the script: turn it into a regression test, then fix it.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-20}
command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked --version 0.13.2
cargo fuzz build -s none --release
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for target in $(cargo fuzz list); do
    mkdir -p "$WORK/$target"
    cp fuzz/corpus/"$target"/* "$WORK/$target"/
    # Main text runs Readability: ~27 inputs/s at 64 KiB, ten times more at 8 KiB.
    max_len=65536
    [ "$target" = main_text ] && max_len=8192
    echo "fuzz: $target for ${SECONDS_EACH}s"
    cargo fuzz run -s none --release "$target" "$WORK/$target" -- \
        -max_total_time="$SECONDS_EACH" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)" || true
    if [ -n "$(find fuzz/artifacts/"$target" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) 2>/dev/null | head -1)" ]; then
        echo "fuzz: $target found a failing input in fuzz/artifacts/$target" >&2
        exit 1
    fi
done
echo "fuzz: every target ran ${SECONDS_EACH}s without a crash, a timeout or running out of memory"
