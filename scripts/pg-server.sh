#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster (Debian's `postgresql` package) on a loopback port for the
# PostgreSQL tests, in DIR, run as an unprivileged user (`postgres` when started as root), and
# prints the variable the tests read (eval it). Stop it with: scripts/pg-server.sh --stop DIR
#   eval "$(scripts/pg-server.sh /tmp/pg)"
set -euo pipefail
if [ "${1:-}" = --stop ]; then
    dir=${2:?usage: pg-server.sh --stop DIR}
    bin=$(cat "$dir/bin" 2> /dev/null || true)
    if [ -n "$bin" ] && [ -d "$dir/data" ]; then
        if [ "$(id -u)" = 0 ]; then
            su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/data' -m immediate stop" > /dev/null 2>&1 || true
        else
            "$bin/pg_ctl" -D "$dir/data" -m immediate stop > /dev/null 2>&1 || true
        fi
    fi
    rm -rf "$dir"
    exit 0
fi
dir=${1:?usage: pg-server.sh DIR}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1)}
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "no PostgreSQL server binaries (Debian: apt-get install postgresql)" >&2
    exit 1
fi
port=$(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$dir"
echo "$bin" > "$dir/bin"
run() {
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres "$dir"
        su postgres -s /bin/sh -c "$*"
    else
        sh -c "$*"
    fi
}
# C collation: timestamps and URLs sort byte by byte, as SQLite sorts them.
run "'$bin/initdb' -D '$dir/data' -U provcheck --auth=trust --locale=C --encoding=UTF8" > "$dir/initdb.log" 2>&1
run "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
    -o \"-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c fsync=off -c max_connections=200\" start" > /dev/null
run "'$bin/createdb' -h 127.0.0.1 -p $port -U provcheck provcheck"
echo "export PROVCHECK_TEST_PG=postgres://provcheck@127.0.0.1:$port/provcheck"
