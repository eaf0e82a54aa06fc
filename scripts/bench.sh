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
# Benchmarks never touch the Internet: no Wayback lookup for the problems of the mix.
export PROVCHECK_OFFLINE=1

cargo build --release --locked --quiet --bin provcheck --example testweb
BIN=target/release/provcheck
WORK=$(mktemp -d)
target/release/examples/testweb --hosts $HOSTS --port "$PORT" > "$WORK/testweb.log" 2>&1 &
WEB=$!
trap 'kill $WEB 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do grep -q listening "$WORK/testweb.log" && break; sleep 0.1; done

# The realistic mix on one host: mostly pages, then redirects, 404s, 410s, soft-404s, slow pages,
# 500s, 403s, loops, and a few URLs that always answer 429 with Retry-After: 2.
mix() {
    seq 0 $(($1 - 1)) | awk -v port="$PORT" '{
        i = $1; r = i % 100
        if (i % 500 == 7) k = "throttled"
        else if (r < 70) k = "ok";      else if (r < 75) k = "moved";   else if (r < 78) k = "found"
        else if (r < 80) k = "chain";   else if (r < 84) k = "missing"; else if (r < 86) k = "gone"
        else if (r < 89) k = "soft404"; else if (r < 92) k = "slow";    else if (r < 94) k = "error"
        else if (r < 96) k = "forbidden"; else if (r < 97) k = "loop";  else k = "ok"
        printf "http://127.0.0.1:%s/%s/%d\n", port, k, i }'
}

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
        # (time puts "Command exited with non-zero status N" first when the command fails.)
        read -r wall rss < <(tail -n 1 "$WORK/time")
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

# The realistic mix: time, and whether the 429s and soft-404s are judged right.
mix 10000 > "$WORK/mix.txt"
judged() { # FILE.json: "rate-limited R/20 soft-404 S/300" from provcheck's JSON
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); c = d["citations"]
kind = lambda x: x["url"].split("/")[3]
rl = sum(1 for x in c if kind(x) == "throttled" and x["outcome"] == "rate-limited")
sp = sum(1 for x in c if kind(x) == "soft404" and x["outcome"] == "soft-404")
nt = sum(1 for x in c if kind(x) == "throttled"); ns = sum(1 for x in c if kind(x) == "soft404")
print("rate-limited %d/%d, soft-404 %d/%d" % (rl, nt, sp, ns))' "$1"
}
run mix-provcheck - "$BIN" check "$WORK/mix.txt" --allow-net 127.0.0.0/8 --concurrency $CONC --host-concurrency $CONC --host-interval 0s -q --format json -o "$WORK/mix.json" --no-archive
echo
report mix-provcheck 10000
echo "  judged right: $(judged "$WORK/mix.json")"
if command -v lychee > /dev/null; then
    run mix-lychee - lychee --no-progress --max-concurrency $CONC --host-concurrency $CONC --host-request-interval 0s --format json -o "$WORK/mix-lychee.json" "$WORK/mix.txt"
    report mix-lychee 10000
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); errs = [e for v in (d.get("error_map") or {}).values() for e in v]
soft = sum(1 for e in errs if "/soft404/" in e["url"])
print("  lychee: %d errors; soft-404s flagged %d/300; its 429s are errors like any other" % (d["errors"], soft))' "$WORK/mix-lychee.json" || true
    awk -v o="$(median < "$WORK/mix-provcheck.wall")" -v t="$(median < "$WORK/mix-lychee.wall")" 'BEGIN { printf "  mix: provcheck %.1fx faster than lychee\n", t / o }'
fi

# The nightly sweep, polite (100 ms between requests to a host, 4 at once), over 10,000
# citations on 100 hosts: its wall time against the lower bound (the busiest host's requests x
# the interval), then an unchanged second sweep's network bytes and archive growth.
stats() { curl -s "http://127.0.0.1:$PORT/_stats" | awk '{print $4}'; }
echo
printf "%-26s %8s %9s %7s %15s %13s\n" sweep wall_s bound_s ratio payload_bytes archive_MB
for rep in $(seq "$REPS"); do
    desk="$WORK/desk-$rep"; mkdir -p "$desk/articles"
    cp "$WORK/hundred-10000.txt" "$desk/articles/a.txt"
    printf 'allow_net = ["127.0.0.0/8"]\nhost_interval = "100ms"\nhost_concurrency = 4\nconcurrency = %s\n' $CONC > "$desk/provcheck.toml"
    for night in first second; do
        before=$(stats)
        size0=$( [ -d "$desk/archive" ] && du -sb "$desk/archive" | cut -f1 || echo 0)
        start=$(date +%s.%N)
        (cd "$desk" && "$OLDPWD/$BIN" -q sweep articles --max-age 0s --format json > /dev/null) || true
        end=$(date +%s.%N)
        size1=$(du -sb "$desk/archive" | cut -f1)
        awk -v n="$night" -v s="$start" -v e="$end" -v b0="$before" -v b1="$(stats)" -v a0="$size0" -v a1="$size1" 'BEGIN {
            printf "%-26s %8.2f %9.1f %7.2f %15d %13.1f\n", n, e - s, 10.0, (e - s) / 10.0, b1 - b0, (a1 - a0) / 1e6 }' | tee -a "$WORK/sweep-$night"
    done
    rm -rf "$desk"
done
for night in first second; do
    printf "median %-19s wall %s s, ratio to bound %s\n" "$night" "$(awk '{print $2}' "$WORK/sweep-$night" | median)" "$(awk '{print $4}' "$WORK/sweep-$night" | median)"
done
growth=$(paste "$WORK/sweep-first" "$WORK/sweep-second" | awk '{print $12 / $6 * 100}' | median)
netshare=$(paste "$WORK/sweep-first" "$WORK/sweep-second" | awk '{print $11 / $5 * 100}' | median)
echo "unchanged second sweep: ${netshare}% of the first's payload bytes, archive growth ${growth}%"

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
