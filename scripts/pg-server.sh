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
# TLS for the test of sslmode=require: a CA of the cluster's own and a certificate for
# 127.0.0.1 it signed; the role `tlsonly` may connect over TLS only.
tls=""
if command -v openssl > /dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/CN=provcheck test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" > /dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" > /dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 3 -extfile "$dir/server.ext" -out "$dir/server.pem" > /dev/null 2>&1
    chmod 600 "$dir/server.key"
    { printf 'hostssl all tlsonly 127.0.0.1/32 trust\nhost all tlsonly 127.0.0.1/32 reject\n'
      cat "$dir/data/pg_hba.conf"; } > "$dir/pg_hba.conf"
    mv "$dir/pg_hba.conf" "$dir/data/pg_hba.conf"
    tls="-c ssl=on -c ssl_cert_file='$dir/server.pem' -c ssl_key_file='$dir/server.key'"
fi
run "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
    -o \"-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c fsync=off -c max_connections=200 $tls\" start" > /dev/null
run "'$bin/createdb' -h 127.0.0.1 -p $port -U provcheck provcheck"
echo "export PROVCHECK_TEST_PG=postgres://provcheck@127.0.0.1:$port/provcheck"
if [ -n "$tls" ]; then
    run "'$bin/psql' -q -h 127.0.0.1 -p $port -U provcheck -d provcheck -c 'CREATE ROLE tlsonly LOGIN'"
    echo "export PROVCHECK_TEST_PG_TLS=postgres://tlsonly@127.0.0.1:$port/ PROVCHECK_TEST_PG_CA=$dir/ca.pem"
fi
