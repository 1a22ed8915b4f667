#!/usr/bin/env bash
# Python client + Python scenario runner: pytest clients/python and integration/python in a venv
# (clients/python/.venv; pip install -e clients/python[test]).
# FLOWDB_TARGET=process (default here) | container (FLOWDB_IMAGE [flowdb:test], testcontainers-python,
# offline settings below; the image must already exist). Missing python3/venv is a failure, never a
# skip; pytest exit 5 (no tests collected) is a failure too.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLOWDB_TARGET="${FLOWDB_TARGET:-process}"
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"
PY="${PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
[ -n "$PY" ] || { echo "test-python: python3 is required and missing" >&2; exit 1; }
"$PY" -c 'import sys; assert sys.version_info >= (3, 10), sys.version' || { echo "test-python: Python >= 3.10 required" >&2; exit 1; }
if [ ! -x node_modules/.bin/node ]; then npm ci --no-audit --no-fund; fi
VENV="$PWD/clients/python/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" || { echo "test-python: python venv failed (apt-get install python3-venv)" >&2; exit 1; }
fi
if ! "$VENV/bin/python" -c 'import flowdb, grpc, google.protobuf, google.rpc, pytest, pytest_asyncio, testcontainers' 2>/dev/null \
   || [ clients/python/pyproject.toml -nt "$VENV/.flowdb-installed" ]; then
  "$VENV/bin/pip" install -q -e 'clients/python[test]'
  touch "$VENV/.flowdb-installed"
fi
if [ "$FLOWDB_TARGET" = container ]; then
  command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "test-python: FLOWDB_TARGET=container needs a running docker (scripts/docker-up.sh)" >&2; exit 1; }
  docker image inspect "${FLOWDB_IMAGE:-flowdb:test}" >/dev/null 2>&1 || { echo "test-python: image ${FLOWDB_IMAGE:-flowdb:test} missing (scripts/build-image.sh)" >&2; exit 1; }
fi
echo "== $("$VENV/bin/python" --version), target $FLOWDB_TARGET"
run() {
  local rc=0
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then echo "test-python: no tests collected in $*" >&2; exit 1; fi
  [ "$rc" -eq 0 ] || exit "$rc"
}
(cd clients/python && run tests)
(cd integration/python && run .)
