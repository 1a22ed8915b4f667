#!/usr/bin/env bash
# Bundle the sidecar (server/src/main.ts, all dependencies inlined) and the container
# healthcheck probe with esbuild into dist/image/ (the only Docker build context content,
# see .dockerignore). Usage: scripts/bundle-server.sh [outdir]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-dist/image}
ESBUILD=node_modules/.bin/esbuild
NODE=node_modules/.bin/node
[ -x "$ESBUILD" ] || { echo "bundle-server: $ESBUILD missing (run npm ci)" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT/data"
printf '*\n' > "$(dirname "$OUT")/.gitignore" 2>/dev/null || true
common=(--bundle --platform=node --format=esm --target=node24 --legal-comments=none --log-level=warning
  "--banner:js=import { createRequire as __flowdbCreateRequire } from 'node:module'; const require = __flowdbCreateRequire(import.meta.url);")
"$ESBUILD" server/src/main.ts "${common[@]}" --outfile="$OUT/server.mjs"
"$ESBUILD" deploy/docker/healthcheck.ts "${common[@]}" --minify --outfile="$OUT/healthcheck.mjs"
# Placeholder for the data volume mount point (COPY --chown'd in the Dockerfile: no RUN steps).
: > "$OUT/data/.keep"
"$NODE" "$OUT/server.mjs" --help >/dev/null || { echo "bundle-server: bundle does not run" >&2; exit 1; }
echo "$OUT"
