#!/usr/bin/env bash
# The one test command (README, CI): installs what is missing, then runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"
echo "== node $(node --version)"
echo "== typecheck"
tsc -p engine
echo "== engine tests"
node --test --test-concurrency=2 --test-reporter=spec 'engine/src/**/*.test.ts' 'engine/test/**/*.test.ts'
