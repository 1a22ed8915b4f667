#!/usr/bin/env bash
# CI entry for the container target: start dockerd, build the image from the repo's Dockerfile on
# the offline base, run the TS, Go and Python suites against it and the deploy/ manifest test,
# then remove the containers and the image it built. Non-zero exit on any failure.
#   FLOWDB_KEEP_IMAGE=1     keep flowdb:test afterwards (local iteration)
#   FLOWDB_REMOVE_BASE=1    also remove the base image (default: kept as a cache; ~114 MB,
#                           rebuilt in ~4 s by scripts/base-image.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export FLOWDB_IMAGE=${FLOWDB_IMAGE:-flowdb:ci-$$}
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export FLOWDB_TARGET=container
start=$(date +%s)

cleanup() {
  local rc=$?
  # containers of this image still around (a crashed test run): remove them
  ids=$(docker ps -aq --filter "ancestor=$FLOWDB_IMAGE" 2>/dev/null || true)
  [ -n "$ids" ] && docker rm -f -v $ids >/dev/null 2>&1 || true
  if [ "${FLOWDB_KEEP_IMAGE:-0}" != 1 ]; then docker rmi -f "$FLOWDB_IMAGE" >/dev/null 2>&1 || true; fi
  if [ "${FLOWDB_REMOVE_BASE:-0}" = 1 ]; then docker rmi -f "${FLOWDB_BASE_TAG:-flowdb-base:node24}" >/dev/null 2>&1 || true; fi
  echo "test-container: $([ $rc = 0 ] && echo ok || echo FAILED rc=$rc) in $(( $(date +%s) - start ))s" >&2
  exit $rc
}
trap cleanup EXIT

bash scripts/docker-up.sh
bash scripts/build-image.sh >/dev/null
node_modules/.bin/node --test --test-concurrency=1 --test-timeout=180000 \
  integration/ts/container.test.ts deploy/kubernetes/manifest.test.ts
# The same image, the same scenarios, from the Go and Python clients.
bash scripts/test-go.sh
bash scripts/test-python.sh
