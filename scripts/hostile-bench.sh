#!/usr/bin/env bash
# The hostile-input benchmark of issue 13: time and peak memory (medians of REPS runs) of
#   - `extract` on one-line text articles of 1, 2, 4 and 8 MB (a URL every ~100 bytes), and
#   - `check` and `show --text` of each hostile page of the loopback test web
#     (examples/testweb.rs, /hostile/...): 50,000 nested divs, 19 MiB of NULs, a gzip bomb of
#     64 MiB of NULs, 300,000 tags.
#
#   scripts/hostile-bench.sh [REPS]        (default 3)
#
# Never touches the network. Needs /usr/bin/time (GNU time) for peak memory. See BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
PORT=${BENCH_PORT:-18490}
export PROVCHECK_OFFLINE=1

cargo build --release --locked --quiet --bin provcheck --example testweb
BIN=$PWD/target/release/provcheck
WORK=$(mktemp -d)
target/release/examples/testweb --hosts 1 --port "$PORT" > "$WORK/testweb.log" 2>&1 &
WEB=$!
trap 'kill $WEB 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do grep -q listening "$WORK/testweb.log" && break; sleep 0.1; done

# Median of REPS runs of a command: "seconds peak_MB".
measure() {
    local runs=()
    for _ in $(seq "$REPS"); do
        rm -rf "$WORK/archive"
        /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > /dev/null 2>&1 || true
        runs+=("$(cat "$WORK/time")")
    done
    printf '%s\n' "${runs[@]}" | sort -n | awk -v n="$REPS" 'NR == int((n + 1) / 2) { printf "%.2f s  %.0f MB", $1, $2 / 1024 }'
}

cd "$WORK"
echo "extract, one-line text article (a URL every ~100 bytes):"
for mb in 1 2 4 8; do
    awk -v mb="$mb" 'BEGIN { n = 0; while (len < mb * 1048576) { s = "Prose of the article runs on and on, and here it cites https://wire.test/story/" n " as a source. "; printf "%s", s; len += length(s); n++ } }' > "line-$mb.txt"
    printf '  %s MB  %s\n' "$mb" "$(measure "$BIN" extract "line-$mb.txt" --format json)"
done

echo "check of one hostile page (archived), then show --text of it:"
for page in nested nul bomb tags; do
    echo "http://127.0.0.1:$PORT/hostile/$page" > "$page.txt"
    check=$(measure "$BIN" check "$page.txt" --archive "$WORK/archive" --allow-net 127.0.0.0/8)
    rm -rf "$WORK/kept" && "$BIN" check "$page.txt" --archive "$WORK/kept" --allow-net 127.0.0.0/8 > /dev/null 2>&1 || true
    show=$(REPS=$REPS measure "$BIN" show "http://127.0.0.1:$PORT/hostile/$page" --text --archive "$WORK/kept")
    printf '  %-7s check %s   show --text %s\n' "$page" "$check" "$show"
done
