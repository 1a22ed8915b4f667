#!/usr/bin/env bash
# Go client + Go scenario runner: go vet, go test (clients/go and integration/go).
# FLOWDB_TARGET=process (default here: spawned server) | container (FLOWDB_IMAGE [flowdb:test],
# testcontainers-go, offline settings below; the image must already exist: scripts/build-image.sh).
# A missing toolchain is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLOWDB_TARGET="${FLOWDB_TARGET:-process}"
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"
command -v go >/dev/null || { echo "test-go: 'go' is required and missing" >&2; exit 1; }
if [ ! -x node_modules/.bin/node ]; then npm ci --no-audit --no-fund; fi
if [ "$FLOWDB_TARGET" = container ]; then
  command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "test-go: FLOWDB_TARGET=container needs a running docker (scripts/docker-up.sh)" >&2; exit 1; }
  docker image inspect "${FLOWDB_IMAGE:-flowdb:test}" >/dev/null 2>&1 || { echo "test-go: image ${FLOWDB_IMAGE:-flowdb:test} missing (scripts/build-image.sh)" >&2; exit 1; }
fi
echo "== go $(go env GOVERSION), target $FLOWDB_TARGET"
for m in clients/go integration/go; do
  echo "== $m"
  (cd "$m" && go mod download && go vet ./... && go test -count=1 -timeout 10m ./...)
done
