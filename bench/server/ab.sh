#!/usr/bin/env bash
# A/B of the sidecar's own code: server/ at <base commit> against the working
# tree, both on the working tree's engine, alternating (REPS rounds), with the
# Go load generator. Prints one TSV block per run, labelled before/after; the
# last column is the server's CPU per call (or per record), µs.
#
#   bench/server/ab.sh a208e3b            # DUR=4s REPS=2 CONCS=1,16,64
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BASE=${1:?usage: ab.sh <base commit>}
DUR=${DUR:-4s}
REPS=${REPS:-2}
CONCS=${CONCS:-1,16,64}

T=$(mktemp -d /tmp/flowdb-ab.XXXXXX)
PID=
cleanup() {
  [[ -n $PID ]] && kill "$PID" 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT

git archive "$BASE" server | tar -x -C "$T"
ln -s "$ROOT/node_modules" "$T/node_modules" # @flowdb/engine resolves to this tree's engine
(cd bench/server/load && go build -o "$T/load" .)
NODE=$(npx -q node -e 'process.stdout.write(process.execPath)' 2>/dev/null)

run() { # label root
  local dir=$T/data-$1 log=$T/$1.log port=
  rm -rf "$dir"
  (cd "$2" && exec "$NODE" server/src/main.ts --data-dir="$dir" --listen=127.0.0.1:0 --sync=always --log-level=warn >"$log" 2>&1) &
  PID=$!
  for _ in $(seq 100); do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$log" | sed 's/.*on //' || true)
    [[ -n $port ]] && break
    sleep 0.1
  done
  echo "# $1 (load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$T/load" -flowdb "$port" -pid "$PID" -d "$DUR" -c "$CONCS" | sed "s/^flowdb/$1/"
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=
}

echo "base $BASE vs working tree at $(git rev-parse --short HEAD); $(nproc) cores"
for _ in $(seq "$REPS"); do
  run before "$T"
  run after "$ROOT"
done
