#!/usr/bin/env bash
# Build the flowdb image offline from the repo's Dockerfile:
#   docker-up -> base-image (flowdb-base:node24) -> bundle -> docker build (legacy builder).
# Prints the tag (last stdout line). Image size goes to stderr.
#   FLOWDB_IMAGE        tag to build [flowdb:test]
#   FLOWDB_BASE_IMAGE   base passed as --build-arg BASE [built by scripts/base-image.sh]
#   FLOWDB_RECORD_SIZE  1: append the size to BENCHMARKS.md under "Container image"
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${FLOWDB_IMAGE:-flowdb:test}
bash scripts/docker-up.sh
BASE=${FLOWDB_BASE_IMAGE:-$(bash scripts/base-image.sh | tail -n 1)}
bash scripts/bundle-server.sh >/dev/null
# Several suites (TS, Go, Python) may build at once: serialize on the tag.
exec 9>/tmp/flowdb-build-image.lock
flock -w 300 9 || { echo "build-image: lock timeout" >&2; exit 1; }
old=$(docker image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$BASE" -t "$TAG" . >/dev/null 9>&- \
  || { echo "build-image: docker build failed" >&2; exit 1; }
new=$(docker image inspect --format '{{.Id}}' "$TAG")
# A rebuild leaves the previous image dangling: remove it (ignore if a container still uses it).
if [ -n "$old" ] && [ "$old" != "$new" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
bytes=$(docker image inspect --format '{{.Size}}' "$TAG")
mb=$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1e6}')
echo "build-image: $TAG on $BASE: $mb MB ($bytes bytes)" >&2
if [ "${FLOWDB_RECORD_SIZE:-0}" = 1 ]; then
  base_bytes=$(docker image inspect --format '{{.Size}}' "$BASE")
  bundle=$(stat -c %s dist/image/server.mjs)
  {
    [ -f BENCHMARKS.md ] && grep -q '^## Container image' BENCHMARKS.md || printf '\n## Container image\n\n'
    printf -- '- %s: `%s` on `%s` (offline base, Node %s, stripped): %s MB (%s bytes); base %s MB; server bundle %s KB. Measured by scripts/build-image.sh.\n' \
      "$(date -u +%F)" "$TAG" "$BASE" "$(docker image inspect --format '{{index .Config.Labels "org.flowdb.node-version"}}' "$BASE")" \
      "$mb" "$bytes" "$(awk -v b="$base_bytes" 'BEGIN{printf "%.1f", b/1e6}')" "$((bundle / 1024))"
  } >> BENCHMARKS.md
fi
echo "$TAG"
