"""Start a flowdb sidecar for tests.

FLOWDB_TARGET=process (default for local runs): spawn ``<repo>/node_modules/.bin/node
server/src/main.ts`` on 127.0.0.1:0. FLOWDB_TARGET=container: run the image FLOWDB_IMAGE
[flowdb:test] with testcontainers-python (TESTCONTAINERS_RYUK_DISABLED=true and
TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 are set when unset; nothing is pulled), data dir
bind-mounted at /var/lib/flowdb, ready on the log line "flowdb listening on".
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Optional

IMAGE_UID = 65532
_LISTEN = re.compile(r"flowdb listening on ([^\s,]+)")


def target_kind() -> str:
    return os.environ.get("FLOWDB_TARGET") or "process"


def image() -> str:
    return os.environ.get("FLOWDB_IMAGE") or "flowdb:test"


def repo_root() -> Path:
    if os.environ.get("FLOWDB_REPO"):
        return Path(os.environ["FLOWDB_REPO"])
    for d in [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parent, *Path(__file__).resolve().parents]:
        if (d / "server/src/main.ts").exists():
            return d
    raise RuntimeError("flowdb repository root not found (set FLOWDB_REPO)")


def new_data_dir(owner: Optional[int] = None) -> str:
    d = tempfile.mkdtemp(prefix="flowdb-py-")
    if owner is not None:
        try:
            os.chown(d, owner, owner)
        except PermissionError:
            os.chmod(d, 0o777)
    return d


class Server:
    """A running sidecar: ``target`` ("127.0.0.1:port"), ``data_dir``, stop(), kill(), logs()."""

    target: str
    data_dir: str

    def stop(self, timeout: float = 20) -> int:  # graceful (SIGTERM); exit code
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def logs(self) -> str:
        raise NotImplementedError


class ProcessServer(Server):
    def __init__(self, data_dir: Optional[str] = None, env: Optional[dict[str, str]] = None) -> None:
        repo = repo_root()
        node = repo / "node_modules/.bin/node"
        if not node.exists():
            raise RuntimeError(f"{node} missing (npm install)")
        self.data_dir = data_dir or new_data_dir()
        self._out: list[str] = []
        self._proc = subprocess.Popen(
            [str(node), str(repo / "server/src/main.ts"), "--listen=127.0.0.1:0", f"--data-dir={self.data_dir}"],
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        found = threading.Event()
        addr: list[str] = []

        def pump() -> None:
            assert self._proc.stdout is not None
            for line in self._proc.stdout:
                self._out.append(line)
                m = _LISTEN.search(line)
                if m and not found.is_set():
                    addr.append(m.group(1))
                    found.set()
            found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(30) or not addr:
            self.kill()
            raise RuntimeError(f"server did not start:\n{self.logs()}")
        self.target = addr[0]

    def stop(self, timeout: float = 20) -> int:
        self._proc.send_signal(signal.SIGTERM)
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -1

    def kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(10)

    def logs(self) -> str:
        return "".join(self._out)


class ContainerServer(Server):
    def __init__(self, data_dir: Optional[str] = None, env: Optional[dict[str, str]] = None) -> None:
        os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
        os.environ.setdefault("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
        from testcontainers.core.container import DockerContainer  # env must be set before import
        from testcontainers.core.wait_strategies import LogMessageWaitStrategy

        self.data_dir = data_dir or new_data_dir(IMAGE_UID)
        c: Any = DockerContainer(image()).with_exposed_ports(50051).with_env("FLOWDB_LOG_LEVEL", "info")
        for k, v in (env or {}).items():
            c = c.with_env(k, v)
        c = c.with_volume_mapping(self.data_dir, "/var/lib/flowdb", "rw")
        c = c.waiting_for(LogMessageWaitStrategy("flowdb listening on").with_startup_timeout(30))
        self._c = c.start()
        self.target = f"{self._c.get_container_host_ip()}:{self._c.get_exposed_port(50051)}"

    def stop(self, timeout: float = 20) -> int:
        w = self._c.get_wrapped_container()
        w.stop(timeout=15)
        w.reload()
        code = int(w.attrs["State"]["ExitCode"])
        self.kill()
        return code

    def kill(self) -> None:
        try:
            self._c.get_wrapped_container().remove(force=True, v=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def logs(self) -> str:
        try:
            out, err = self._c.get_logs()
            return (out + err).decode(errors="replace")
        except Exception:  # noqa: BLE001
            return ""


def start_server(data_dir: Optional[str] = None, env: Optional[dict[str, str]] = None) -> Server:
    kind = target_kind()
    if kind == "process":
        return ProcessServer(data_dir, env)
    if kind == "container":
        return ContainerServer(data_dir, env)
    raise ValueError(f"FLOWDB_TARGET={kind!r} (want process or container)")


def remove_data_dir(d: str) -> None:
    import shutil

    if Path(d).name.startswith("flowdb-py-"):
        shutil.rmtree(d, ignore_errors=True)


def wait_until(pred: Any, timeout: float = 5.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return False
