#!/usr/bin/env bash
# Sidecar benchmark (issue 4): flowdb sidecar vs etcd vs Redis, same run,
# loopback only. Installs what is missing (apt: etcd-server, redis-server,
# redis-tools; Go load generator built from bench/server/load), starts all
# three on 127.0.0.1 with data in a temp dir, runs everything, stops them,
# prints one table.
#
#   bench/server/run.sh            # 5 s per measurement
#   DUR=2s bench/server/run.sh     # quicker
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DUR=${DUR:-5s}
CONCS=${CONCS:-1,16,64}

need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-benchmark >/dev/null || need+=(redis-tools)
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  apt-get install -y "${need[@]}" >/dev/null
fi

T=$(mktemp -d /tmp/flowdb-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT

(cd bench/server/load && go build -o "$T/load" .)

freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# flowdb sidecar: run Node 24 directly (not through npx) so $! is the server.
NODE=$(npx -q node -e 'process.stdout.write(process.execPath)' 2>/dev/null)
"$NODE" server/src/main.ts --data-dir="$T/flowdb" --listen=127.0.0.1:0 --sync=always --log-level=warn >"$T/flowdb.log" 2>&1 &
PIDS+=($!)
FLOWDB_PID=$!
# etcd: single member, default durability (fsync per commit).
EP=$(freeport); PP=$(freeport)
etcd --name bench --data-dir "$T/etcd" \
  --listen-client-urls "http://127.0.0.1:$EP" --advertise-client-urls "http://127.0.0.1:$EP" \
  --listen-peer-urls "http://127.0.0.1:$PP" --initial-advertise-peer-urls "http://127.0.0.1:$PP" \
  --initial-cluster "bench=http://127.0.0.1:$PP" --log-level error >"$T/etcd.log" 2>&1 &
PIDS+=($!)
ETCD_PID=$!
# Redis: AOF with appendfsync always, so SET is durable like the other two.
RP=$(freeport)
mkdir -p "$T/redis"
redis-server --bind 127.0.0.1 --port "$RP" --dir "$T/redis" --save '' \
  --appendonly yes --appendfsync always --daemonize no >"$T/redis.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 100); do
  FP=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$T/flowdb.log" | sed 's/.*on //' || true)
  [[ -n $FP ]] && redis-cli -p "$RP" ping >/dev/null 2>&1 && \
    (exec 3<>"/dev/tcp/127.0.0.1/$EP") 2>/dev/null && break
  sleep 0.2
done
[[ -n ${FP:-} ]] || { echo "flowdb did not start:"; cat "$T/flowdb.log"; exit 1; } >&2

echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- server engine || echo ' + uncommitted changes in server/ or engine/')"
echo "machine: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
OUT=$T/results.tsv
# Last column: server CPU (user+sys, all threads, from /proc) per call or per record, µs.
printf 'system\top\tin flight\tthroughput\tp50 ms\tp99 ms\tcpu µs/op\n' >"$OUT"
# flowdb and etcd alternate per operation, so both see about the same machine load.
for op in put get; do
  "$T/load" -flowdb "$FP" -pid "$FLOWDB_PID" -ops "$op" -d "$DUR" -c "$CONCS" >>"$OUT"
  "$T/load" -etcd "127.0.0.1:$EP" -pid "$ETCD_PID" -ops "$op" -d "$DUR" -c "$CONCS" >>"$OUT"
done
"$T/load" -flowdb "$FP" -pid "$FLOWDB_PID" -ops ingest,batch -d "$DUR" >>"$OUT"
for c in ${CONCS//,/ }; do
  n=$((c == 1 ? 5000 : 50000))
  redis-benchmark -h 127.0.0.1 -p "$RP" -t set,get -c "$c" -n "$n" -d 100 -r 10000 --csv 2>/dev/null |
    tail -n +2 | tr -d '"' | while IFS=, read -r test rps avg min p50 p95 p99 max; do
      printf 'redis(aof always)\t%s\t%s\t%.0f calls/s\t%s\t%s\t-\n' "${test,,}" "$c" "$rps" "$p50" "$p99"
    done >>"$OUT"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
column -t -s $'\t' "$OUT"
