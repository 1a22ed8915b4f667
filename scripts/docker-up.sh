#!/usr/bin/env bash
# Start a Docker daemon in the background if none answers (no systemd on these machines).
# Idempotent and safe when run several times at once (flock). Installs docker.io if dockerd
# is missing. Fails loudly (non-zero exit, daemon log tail on stderr) if docker cannot start.
set -euo pipefail

LOCK=${FLOWDB_DOCKER_LOCK:-/tmp/flowdb-docker-up.lock}
LOG=${FLOWDB_DOCKERD_LOG:-/tmp/flowdb-dockerd.log}
WAIT_S=${FLOWDB_DOCKER_WAIT_S:-60}

answers() { docker info >/dev/null 2>&1; }
die() {
  echo "docker-up: FAILED: $*" >&2
  [ -f "$LOG" ] && { echo "--- last lines of $LOG ---" >&2; tail -n 30 "$LOG" >&2; }
  exit 1
}

if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
  need_install=1
else
  need_install=0
fi

# Fast path: a daemon already answers.
if [ "$need_install" = 0 ] && answers; then exit 0; fi

exec 9>"$LOCK"
flock -w 300 9 || die "timed out waiting for $LOCK"

# Re-check under the lock: another caller may have done the work.
if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker-up: installing docker.io" >&2
  command -v apt-get >/dev/null 2>&1 || die "dockerd missing and no apt-get to install docker.io"
  DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io >/tmp/flowdb-apt-docker.log 2>&1 \
    || { tail -n 20 /tmp/flowdb-apt-docker.log >&2; die "apt-get install docker.io failed"; }
fi
command -v docker >/dev/null 2>&1 || die "docker CLI missing after install"
if answers; then exit 0; fi

# A dockerd may be starting (started by someone else, not yet answering): never start a second one.
if pgrep -x dockerd >/dev/null 2>&1; then
  echo "docker-up: a dockerd process exists; waiting for it to answer" >&2
else
  echo "docker-up: starting dockerd (log: $LOG)" >&2
  # 9>&- : the daemon must not inherit the lock fd (it would hold the lock forever).
  setsid nohup dockerd >"$LOG" 2>&1 </dev/null 9>&- &
fi

for _ in $(seq 1 $((WAIT_S * 10))); do
  if answers; then
    echo "docker-up: docker is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null))" >&2
    exit 0
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then die "dockerd exited during startup"; fi
  sleep 0.1
done
die "dockerd did not answer within ${WAIT_S}s"
