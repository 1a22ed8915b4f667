#!/usr/bin/env bash
# Regenerates all protobuf code (TS, Go, Python) from proto/ with local plugins.
# Idempotent: installs the pinned Go plugins into .tools/bin and protoc (for
# the Python builtins) only when missing. Usage: bash scripts/gen.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_CONNECT_GO_VERSION=v1.21.1
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

export GOBIN="$PWD/.tools/bin"
mkdir -p "$GOBIN"
[[ -f .tools/.gitignore ]] || echo "*" >.tools/.gitignore  # project-local tools, never committed
install_go_plugin() { # name module version
  local bin="$GOBIN/$1"
  if [[ -x "$bin" ]] && go version -m "$bin" 2>/dev/null | grep -q "$3"; then return; fi
  echo "gen.sh: installing $2@$3" >&2
  go install "$2@$3"
}
install_go_plugin protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION"
install_go_plugin protoc-gen-connect-go connectrpc.com/connect/cmd/protoc-gen-connect-go "$PROTOC_GEN_CONNECT_GO_VERSION"
install_go_plugin protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION"

if ! command -v protoc >/dev/null || ! command -v grpc_python_plugin >/dev/null; then
  echo "gen.sh: installing protobuf-compiler protobuf-compiler-grpc (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q protobuf-compiler protobuf-compiler-grpc >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q protobuf-compiler protobuf-compiler-grpc >/dev/null; }
fi

if [[ ! -x node_modules/.bin/protoc-gen-es ]]; then
  echo "gen.sh: node_modules missing; run npm install first" >&2
  exit 1
fi

npx --no-install buf lint
npx --no-install buf generate                                # flowdb.v1: TS, Go, Python (cleans out dirs)
npx --no-install buf generate --template buf.gen.vendor.yaml # health, reflection, google.rpc: TS only

# Python: protoc emits absolute imports ("from flowdb.v1 import x_pb2") that
# would resolve against the wrapper package; point them at flowdb._gen.
py=clients/python/src/flowdb/_gen
sed -i 's/^from flowdb\.v1 import /from flowdb._gen.flowdb.v1 import /' "$py"/flowdb/v1/*.py "$py"/flowdb/v1/*.pyi
for d in "$py" "$py/flowdb" "$py/flowdb/v1"; do
  [[ -f "$d/__init__.py" ]] || : >"$d/__init__.py"
done
echo "gen.sh: ok" >&2
