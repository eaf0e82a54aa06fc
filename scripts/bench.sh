#!/usr/bin/env bash
# Benchmarks provcheck against the loopback test web (examples/testweb.rs) and, when a `lychee`
# binary is on PATH, against lychee on the same URL lists. Prints medians of REPS runs.
#
#   scripts/bench.sh [REPS]        (default 3)
#
# Never touches the network: every URL is on 127.0.0.1 … 127.0.0.100. See BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
PORT=${BENCH_PORT:-18480}
HOSTS=100
CONC=128

cargo build --release --locked --quiet --bin provcheck --example testweb
BIN=target/release/provcheck
WORK=$(mktemp -d)
target/release/examples/testweb --hosts $HOSTS --port "$PORT" > "$WORK/testweb.log" 2>&1 &
WEB=$!
trap 'kill $WEB 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do grep -q listening "$WORK/testweb.log" && break; sleep 0.1; done

# URL lists: N pages on one host, and on 100 hosts.
for n in 1000 10000; do
    seq 0 $((n - 1)) | sed "s|^|http://127.0.0.1:$PORT/ok/|" > "$WORK/one-$n.txt"
    seq 0 $((n - 1)) | awk -v p="$PORT" -v h=$HOSTS '{printf "http://127.0.0.%d:%s/ok/%d\n", ($1 % h) + 1, p, $1}' > "$WORK/hundred-$n.txt"
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# run NAME ARCHIVE_DIR CMD... : runs REPS times; records wall seconds and peak RSS (KB).
run() {
    local name=$1 archive=$2; shift 2
    : > "$WORK/$name.wall"; : > "$WORK/$name.rss"; : > "$WORK/$name.bytes"
    for _ in $(seq "$REPS"); do
        [ "$archive" != - ] && rm -rf "$archive"
        /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > /dev/null 2>&1 || true
        read -r wall rss < "$WORK/time"
        echo "$wall" >> "$WORK/$name.wall"; echo "$rss" >> "$WORK/$name.rss"
        if [ "$archive" != - ]; then du -sb "$archive" | cut -f1 >> "$WORK/$name.bytes"; else echo 0 >> "$WORK/$name.bytes"; fi
    done
}

report() {
    local name=$1 n=$2
    local wall rss bytes
    wall=$(median < "$WORK/$name.wall"); rss=$(median < "$WORK/$name.rss"); bytes=$(median < "$WORK/$name.bytes")
    awk -v name="$name" -v n="$n" -v w="$wall" -v r="$rss" -v b="$bytes" 'BEGIN {
        printf "%-28s %7d %8.2f %9.0f %9.1f %9.1f %10.1f\n", name, n, w, n / w, b / 1e6 / w, r / 1024, b / 1e6 }'
}

printf "%-28s %7s %8s %9s %9s %9s %10s\n" case urls wall_s urls_per_s MB_s_arch peak_MiB archive_MB
for hosts in one hundred; do
    for n in 1000 10000; do
        list="$WORK/$hosts-$n.txt"
        common=(check "$list" --allow-net 127.0.0.0/8 --concurrency $CONC --host-concurrency $CONC --host-interval 0s -q --format json -o /dev/null)
        run "check-only-$hosts-$n" - "$BIN" "${common[@]}" --no-archive
        report "check-only-$hosts-$n" "$n"
        run "archive-$hosts-$n" "$WORK/arch" "$BIN" "${common[@]}" --archive "$WORK/arch"
        report "archive-$hosts-$n" "$n"
        if command -v lychee > /dev/null; then
            run "lychee-$hosts-$n" - lychee --no-progress --max-concurrency $CONC --host-concurrency $CONC --host-request-interval 0s "$list"
            report "lychee-$hosts-$n" "$n"
        fi
    done
done

# Archive size per capture and verify throughput, on a fresh 10,000-URL archive.
rm -rf "$WORK/arch"
"$BIN" check "$WORK/hundred-10000.txt" --allow-net 127.0.0.0/8 --concurrency $CONC --host-concurrency $CONC --host-interval 0s -q --format json -o /dev/null --archive "$WORK/arch" || true
bytes=$(du -sb "$WORK/arch/warc" | cut -f1)
echo
echo "archive: $(du -sb "$WORK/arch" | cut -f1) bytes for 10000 captures; WARC $((bytes / 10000)) bytes per capture"
for _ in $(seq "$REPS"); do
    sync; "$BIN" verify --archive "$WORK/arch" | sed -n 's/.*(\([0-9.]*\) MB\/s).*/\1/p'
done | median | sed 's/^/verify MB\/s (compressed bytes, median): /'

if command -v lychee > /dev/null; then
    echo
    for hosts in one hundred; do
        for n in 1000 10000; do
            ours=$(median < "$WORK/check-only-$hosts-$n.wall"); arch=$(median < "$WORK/archive-$hosts-$n.wall")
            theirs=$(median < "$WORK/lychee-$hosts-$n.wall")
            awk -v c="$hosts-$n" -v o="$ours" -v a="$arch" -v t="$theirs" 'BEGIN {
                printf "%-14s check-only vs lychee: %.2fx   archiving vs lychee: %.2fx\n", c, t / o, t / a }'
        done
    done
else
    echo "lychee not on PATH: no comparison"
fi
