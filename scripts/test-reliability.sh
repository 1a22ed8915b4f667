#!/usr/bin/env bash
# Quick settings of the process-level reliability harnesses (docs/reliability.md): crash loop
# (SIGKILL), SIGTERM restarts, soak. The engine-level ones (power loss: engine/test/crash.test.ts,
# fault injection: engine/test/faults*.test.ts) run with the node tests. Long settings:
# FLOWDB_RELIABILITY_LONG=1 npm run reliability:<name>.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
echo "== reliability: harness self-checks"
node --test --test-reporter=spec integration/reliability/checks.test.ts
echo "== reliability: crash loop (SIGKILL)"
node integration/reliability/crash-loop.ts
echo "== reliability: SIGTERM restarts"
node integration/reliability/sigterm.ts
echo "== reliability: soak"
node integration/reliability/soak.ts
echo "== reliability: RPC fuzz (quick)"
tsc -p integration/reliability/rpc-fuzz
node --test --test-reporter=spec --test-timeout=300000 integration/reliability/rpc-fuzz/rpc-fuzz.test.ts
