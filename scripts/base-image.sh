#!/usr/bin/env bash
# Build the local offline base image (no registry here: `FROM node:24-slim` cannot be pulled).
# A shell-less root filesystem with the Node 24 binary from the npm `node` package in
# node_modules, the shared libraries ldd lists (+ the dynamic loader), /etc/passwd and
# /etc/group entries for the non-root user 65532 ("flowdb"), /tmp. Imported with `docker import`.
# Idempotent: does nothing when the tag exists with the same Node version; safe to run
# concurrently (flock). Prints the tag.
#   FLOWDB_BASE_TAG   image tag [flowdb-base:node24]
#   FLOWDB_BASE_STRIP strip debug symbols from node (1|0) [1]; 126 MB -> 109 MB
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${FLOWDB_BASE_TAG:-flowdb-base:node24}
NODE_BIN=$(readlink -f node_modules/.bin/node)
[ -x "$NODE_BIN" ] || { echo "base-image: no Node binary at node_modules/.bin/node (npm ci)" >&2; exit 1; }
VERSION=$("$NODE_BIN" --version)
case "$VERSION" in v24.*) ;; *) echo "base-image: node_modules node is $VERSION, want v24" >&2; exit 1 ;; esac

current() { docker image inspect --format '{{ index .Config.Labels "org.flowdb.node-version" }}' "$TAG" 2>/dev/null || true; }
[ "$(current)" = "$VERSION" ] && { echo "$TAG"; exit 0; }

exec 9>/tmp/flowdb-base-image.lock
flock -w 300 9 || { echo "base-image: lock timeout" >&2; exit 1; }
[ "$(current)" = "$VERSION" ] && { echo "$TAG"; exit 0; }

ROOT=$(mktemp -d /tmp/flowdb-base-root.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/usr/local/bin" "$ROOT/etc" "$ROOT/tmp" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev"
chmod 1777 "$ROOT/tmp"
cp "$NODE_BIN" "$ROOT/usr/local/bin/node"
if [ "${FLOWDB_BASE_STRIP:-1}" = 1 ] && command -v strip >/dev/null 2>&1; then
  strip "$ROOT/usr/local/bin/node"   # drops .symtab + debug info; .dynsym (N-API for addons) stays
fi
# Shared libraries and the loader, at the paths ldd reports (symlinks dereferenced).
libs=$(ldd "$NODE_BIN" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}')
[ -n "$libs" ] || { echo "base-image: ldd found no libraries" >&2; exit 1; }
for l in $libs; do cp -L --parents "$l" "$ROOT/"; done
# Debian's /lib64 loader path is usually a symlink into /lib/x86_64-linux-gnu: copied as a file above.
cat > "$ROOT/etc/passwd" <<'P'
root:x:0:0:root:/root:/sbin/nologin
flowdb:x:65532:65532:flowdb:/nonexistent:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
P
cat > "$ROOT/etc/group" <<'G'
root:x:0:
flowdb:x:65532:
nogroup:x:65534:
G
printf 'hosts: files dns\n' > "$ROOT/etc/nsswitch.conf"

tar --numeric-owner --owner=0 --group=0 -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${VERSION#v}" \
  --change "LABEL org.flowdb.node-version=$VERSION" \
  --change 'CMD ["node"]' \
  - "$TAG" >/dev/null
docker run --rm --network none "$TAG" node -e 'process.exit(process.version.startsWith("v24.") ? 0 : 1)' \
  || { echo "base-image: node does not run in $TAG" >&2; docker rmi "$TAG" >/dev/null 2>&1 || true; exit 1; }
echo "$TAG"
