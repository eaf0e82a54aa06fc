#!/usr/bin/env bash
# The polite first sweep of 10,000 citations on 100 hosts of the loopback test web
# (host_interval 100 ms, host_concurrency 4: the busiest host's 100 requests bound it at 10 s),
# run as a plain sweep, as 1, 2 and 3 workers sharing the queue and the hosts' budget through
# the index, and (when PROVCHECK_TEST_S3 names an S3 server, see scripts/s3-server.sh) as a
# plain sweep writing its WARC files to a bucket. Prints wall seconds (medians of REPS) and
# the checks, WARC files and bytes each left. With PROVCHECK_TEST_PG set (scripts/pg-server.sh)
# every case runs again with the index in a new PostgreSQL database of that server.
#   REPS=3 scripts/workers-bench.sh
#   ONLY=PostgreSQL scripts/workers-bench.sh     (only the cases whose name holds the text)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
N=${N:-10000}
WORK=$(mktemp -d /tmp/provcheck-workers.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
cargo build --release --locked --quiet --bin provcheck --example testweb
BIN=$PWD/target/release/provcheck
target/release/examples/testweb --hosts 100 --port "$PORT" > "$WORK/testweb.log" 2>&1 &
TESTWEB=$!
trap 'kill $TESTWEB; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do grep -q listening "$WORK/testweb.log" && break; sleep 0.1; done
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# case NAME WORKERS [EXTRA ARGS]: a fresh desk per repetition.
case_() {
    local name=$1 workers=$2; shift 2
    case "$name" in *"${ONLY:-}"*) ;; *) return ;; esac
    : > "$WORK/$name.wall"
    for rep in $(seq "$REPS"); do
        desk="$WORK/$name-$rep"; mkdir -p "$desk/articles"
        { echo "Story"; echo; seq 0 $((N - 1)) | awk -v p="$PORT" '{printf "- http://127.0.0.%d:%s/ok/%d\n", ($1 % 100) + 1, p, $1}'; } > "$desk/articles/a.txt"
        printf 'allow_net = ["127.0.0.0/8"]\nhost_interval = "100ms"\nhost_concurrency = 4\nconcurrency = 128\nsoft404_probe = false\n' > "$desk/provcheck.toml"
        local sql=(sqlite3 "$desk/archive/index.sqlite")
        if [ -n "${PG_INDEX:-}" ]; then
            db="workers_$RANDOM$RANDOM"
            psql -q "$PROVCHECK_TEST_PG" -c "CREATE DATABASE $db"
            echo "index_url = \"${PROVCHECK_TEST_PG%/*}/$db\"" >> "$desk/provcheck.toml"
            sql=(psql -qtA "${PROVCHECK_TEST_PG%/*}/$db" -c)
        fi
        start=$(date +%s.%N)
        if [ "$workers" = 0 ]; then
            (cd "$desk" && "$BIN" -q sweep articles --format json "$@" > /dev/null) || true
        else
            pids=()
            for _ in $(seq "$workers"); do
                (cd "$desk" && "$BIN" -q sweep articles --worker --format json "$@" > /dev/null) &
                pids+=($!)
            done
            wait "${pids[@]}" || true
        fi
        end=$(date +%s.%N)
        echo "$end - $start" | bc >> "$WORK/$name.wall"
        checks=$("${sql[@]}" "SELECT COUNT(*) FROM checks c JOIN urls u ON u.id = c.url_id WHERE u.url LIKE '%/ok/%'")
        files=$("${sql[@]}" "SELECT COUNT(*) || ' files, ' || SUM(size) || ' bytes' FROM warc_files")
        printf "%-24s rep %d: %6.2f s, %d page checks, %s\n" "$name" "$rep" "$(tail -1 "$WORK/$name.wall")" "$checks" "$files"
    done
    printf "median %-17s %6.2f s (bound %s s)\n" "$name" "$(median < "$WORK/$name.wall")" "$((N / 1000))"
}

case_ sweep 0
case_ "1 worker" 1
case_ "2 workers" 2
case_ "3 workers" 3
if [ -n "${PROVCHECK_TEST_S3:-}" ]; then
    export AWS_ENDPOINT_URL=$PROVCHECK_TEST_S3
    case_ "sweep to a bucket" 0 --warc-url "s3://provcheck-bench/run-$RANDOM/"
fi
if [ -n "${PROVCHECK_TEST_PG:-}" ]; then
    export PG_INDEX=1
    case_ "sweep, PostgreSQL" 0
    case_ "2 workers, PostgreSQL" 2
    case_ "3 workers, PostgreSQL" 3
fi
