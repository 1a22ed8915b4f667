#!/usr/bin/env bash
# The one test command (README, CI). Installs what is missing, then runs every gate and suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"
for tool in go curl openssl; do
  command -v "$tool" >/dev/null || { echo "test: '$tool' is required and missing" >&2; exit 1; }
done
echo "== node $(node --version)"
echo "== typecheck"
tsc -p engine
tsc -p idb
tsc -p server
tsc -p clients/ts
for p in bench integration/ts integration/reliability deploy; do if [ -f "$p/tsconfig.json" ]; then tsc -p "$p"; fi; done
echo "== proto: lint, breaking, generated code"
buf lint
bash scripts/check-breaking.sh
bash scripts/check-generated.sh
echo "== tests"
node --test --test-concurrency=2 --test-timeout=600000 --test-reporter=spec \
  'engine/src/**/*.test.ts' 'engine/test/**/*.test.ts' 'idb/test/**/*.test.ts' 'server/test/*.test.ts'
bash scripts/test-reliability.sh
echo "== container: image from the Dockerfile, integration suite, deploy manifest"
bash scripts/test-container.sh
