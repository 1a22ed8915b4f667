#!/usr/bin/env bash
# Bundle the sidecar (server/src/main.ts, all dependencies inlined), the engine worker thread
# entry (engine/src/flush/worker.ts -> engine-worker.mjs next to server.mjs: the pool loads it
# from there when it runs bundled) and the container healthcheck probe with esbuild into
# dist/image/ (the only Docker build context content, see .dockerignore).
# Usage: scripts/bundle-server.sh [outdir]
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
"$ESBUILD" engine/src/flush/worker.ts "${common[@]}" --outfile="$OUT/engine-worker.mjs"
"$ESBUILD" deploy/docker/healthcheck.ts "${common[@]}" --minify --outfile="$OUT/healthcheck.mjs"
# Placeholder for the data volume mount point (COPY --chown'd in the Dockerfile: no RUN steps).
: > "$OUT/data/.keep"
"$NODE" "$OUT/server.mjs" --help >/dev/null || { echo "bundle-server: bundle does not run" >&2; exit 1; }
"$NODE" --input-type=module -e "import { Worker } from 'node:worker_threads';
  const w = new Worker(process.argv[1]); w.on('error', (e) => { console.error(e); process.exit(1); }); w.on('online', () => w.terminate());" \
  "$(realpath "$OUT/engine-worker.mjs")" || { echo "bundle-server: engine worker bundle does not start" >&2; exit 1; }
echo "$OUT"
