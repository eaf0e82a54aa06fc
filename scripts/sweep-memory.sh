#!/usr/bin/env bash
# Peak memory of one nightly sweep by the number of citations it covers (issue 18, item 4):
# a desk of articles of 1,000 citations each (a year of stories), together citing N distinct
# pages of the loopback test web (10 hosts, distinct paths), swept once from scratch (every
# citation due, every page archived). Prints N, wall
# seconds, peak RSS (MiB, GNU time) and the archive's size.
#
#   scripts/sweep-memory.sh [N...]        (default 10000 100000)
#   TESTWEB_SMALL=1 scripts/sweep-memory.sh 1000000   (pages of 2–5 KB: 1M fit in ~3 GB)
#
# With PROVCHECK_TEST_PG set (a PostgreSQL server, see scripts/pg-server.sh) the index of each
# desk is a new database there; the peak is provcheck's own, not the server's.
#
# Never touches the network: every URL is on 127.0.0.1 … 127.0.0.10.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PORT:-18490}
export PROVCHECK_OFFLINE=1
cargo build --release --locked --quiet --bin provcheck --example testweb
BIN=${PROVCHECK_BIN:-$PWD/target/release/provcheck}
WORK=$(mktemp -d)
target/release/examples/testweb --hosts 10 --port "$PORT" ${TESTWEB_SMALL:+--small} > "$WORK/testweb.log" 2>&1 &
WEB=$!
trap 'kill $WEB 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do grep -q listening "$WORK/testweb.log" && break; sleep 0.1; done
printf "%-10s %8s %12s %12s\n" citations wall_s peak_MiB archive_MB
for n in "${@:-10000 100000}"; do
    for each in $n; do
        desk="$WORK/desk-$each"; mkdir -p "$desk/articles"
        seq 0 $((each - 1)) | awk -v p="$PORT" -v dir="$desk/articles" '{
            f = sprintf("%s/story-%05d.txt", dir, int($1 / 1000))
            if ($1 % 1000 == 0) { if (prev) close(prev); print "Sources" > f; prev = f }
            printf "- http://127.0.0.%d:%s/ok/%d\n", ($1 % 10) + 1, p, $1 > f }' 
        printf 'allow_net = ["127.0.0.0/8"]\nhost_interval = "0s"\nhost_concurrency = 16\nconcurrency = 64\nsoft404_probe = false\nrobots = false\nwitness = false\n' > "$desk/provcheck.toml"
        if [ -n "${PROVCHECK_TEST_PG:-}" ]; then
            db="memory_${each}_$RANDOM"
            psql -q "$PROVCHECK_TEST_PG" -c "CREATE DATABASE $db"
            echo "index_url = \"${PROVCHECK_TEST_PG%/*}/$db\"" >> "$desk/provcheck.toml"
        fi
        (cd "$desk" && /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" -q sweep articles --max-age 0s --format json > /dev/null 2>"$WORK/err") || true
        read -r wall rss < <(tail -n 1 "$WORK/time")
        printf "%-10s %8s %12.1f %12.1f\n" "$each" "$wall" "$(echo "$rss / 1024" | bc -l)" "$(du -sb "$desk/archive" | awk '{print $1 / 1e6}')"
        rm -rf "$desk"
    done
done
