"""Runs the shared scenario suite (integration/scenarios/*.json, format in integration/README.md)
with the Python client against FLOWDB_TARGET (process | container). A fresh server per scenario."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Optional

import grpc
import pytest
from google.protobuf import json_format

from flowdb import Client, FlowError
from flowdb._gen.flowdb.v1 import events_service_pb2 as ev
from flowdb._gen.flowdb.v1 import kv_service_pb2 as kv
from flowdb._gen.flowdb.v1 import stats_service_pb2 as st
from flowdb.testing import remove_data_dir, start_server
from scenario_docs import METHODS as DOCUMENT_METHODS
from scenario_docs import doc_call

DIR = Path(os.environ.get("FLOWDB_SCENARIOS") or Path(__file__).resolve().parent.parent / "scenarios")
FILES = sorted(DIR.glob("*.json"))
assert FILES, f"no scenario files in {DIR}"

METHODS = {
    "KVService": ["Put", "Get", "BatchGet", "Delete", "DeleteRange", "Scan", "Batch", "Ingest"],
    "StatsService": ["GetStats", "WatchStats"],
    "EventsService": ["Watch", "WatchChanges"],
    "Health": ["Check"],
    "DocumentService": DOCUMENT_METHODS,
}
HEALTH = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def method_name(m: str) -> str:
    svc, _, name = m.rpartition("/")
    svc = svc.rsplit(".", 1)[-1]
    for s, ms in METHODS.items():
        if svc and svc != s:
            continue
        for x in ms:
            if x.lower() == name.lower():
                return f"{s}/{x}"
    raise ValueError(f"unknown method {m!r}")


def fields(msg: Any) -> dict[str, Any]:
    """The set fields of a request, as keywords for the client (proto field names)."""
    return {f.name: v for f, v in msg.ListFields()}


def to_json(m: Any) -> Any:
    return json_format.MessageToDict(m, always_print_fields_with_no_presence=True)


def subset(actual: Any, expected: Any, path: str = "$") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for k, v in expected.items():
            subset(actual.get(k), v, f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected an array, got {actual!r}"
        assert len(actual) == len(expected), f"{path}: length {len(actual)}, want {len(expected)}: {str(actual)[:400]}"
        for i, e in enumerate(expected):
            subset(actual[i], e, f"{path}[{i}]")
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, str):
        assert actual == str(expected), f"{path}: got {actual!r}, want {expected!r}"
    else:
        assert actual == expected, f"{path}: got {actual!r}, want {expected!r}"


def norm(s: Any) -> str:
    return str(s).lower().replace("_", "").replace(" ", "")


def check_error(e: FlowError, want: dict[str, Any], where: str) -> None:
    code = want.get("code")
    if isinstance(code, int):
        assert e.code.value[0] == code, f"{where}: code {e.code} ({e}), want {code}"
    elif code is not None:
        assert norm(e.code.name) == norm(code), f"{where}: code {e.code.name} ({e}), want {code}"
    if want.get("reason") is not None:
        assert e.reason == want["reason"], f"{where}: ErrorInfo reason {e.reason!r} ({e}), want {want['reason']}"
    if want.get("message_contains") is not None:
        assert want["message_contains"] in e.message, f"{where}: message {e.message!r}"
    for k, v in (want.get("metadata") or {}).items():
        assert e.metadata.get(k) == v, f"{where}: ErrorInfo metadata {k}={e.metadata.get(k)!r} ({e}), want {v!r}"


def run_call(c: Client, step: dict[str, Any], where: str) -> None:
    name = method_name(step.get("call") or step.get("rpc") or step["method"])
    raw = step.get("request", step.get("req", {}))
    take: Optional[int] = step.get("take")
    timeout = step.get("timeout_ms", 10_000) / 1000
    want_err = step.get("error", step.get("expect_error"))
    unary: Any = None
    stream: Optional[list[Any]] = None

    def parse(cls: Any, r: Any = None) -> Any:
        return json_format.ParseDict(raw if r is None else r, cls())

    def collect(it: Any) -> list[Any]:
        out = []
        try:
            for m in it:
                out.append(m)
                if take is not None and len(out) >= take:
                    break
        finally:
            close = getattr(it, "close", None)
            if close:
                close()
        return out

    try:
        if name == "KVService/Put":
            r = fields(parse(kv.PutRequest))
            unary = c.put(r.pop("key", b""), r.pop("value", b""), timeout=timeout, **r)
        elif name == "KVService/Get":
            r = fields(parse(kv.GetRequest))
            unary = c.get(r.pop("key", b""), timeout=timeout, **r)
        elif name == "KVService/BatchGet":
            r = fields(parse(kv.BatchGetRequest))
            unary = kv.BatchGetResponse(results=c.batch_get(list(r.pop("keys", [])), timeout=timeout, **r))
        elif name == "KVService/Delete":
            r = fields(parse(kv.DeleteRequest))
            unary = c.delete(r.pop("key", b""), timeout=timeout, **r)
        elif name == "KVService/DeleteRange":
            r = fields(parse(kv.DeleteRangeRequest))
            unary = c.delete_range(r.pop("start", None), r.pop("end", None), timeout=timeout, **r)
        elif name == "KVService/Batch":
            r = parse(kv.BatchRequest)
            unary = c.batch(r.ops, durability=r.durability, timeout=timeout)
        elif name == "StatsService/GetStats":
            unary = st.GetStatsResponse(stats=c.stats(timeout=timeout))
        elif name == "Health/Check":
            unary = {"status": HEALTH.get(c.health(raw.get("service", ""), timeout=timeout), "UNKNOWN")}
        elif name == "KVService/Scan":
            stream = collect(c.scan_pages(timeout=timeout, **fields(parse(kv.ScanRequest))))
        elif name == "EventsService/Watch":
            stream = collect(c.watch(list(parse(ev.WatchRequest).types), timeout=timeout))
        elif name == "EventsService/WatchChanges":
            stream = collect(c.watch_changes(timeout=timeout, **fields(parse(ev.WatchChangesRequest))))
        elif name == "StatsService/WatchStats":
            stream = collect(c.watch_stats(parse(st.WatchStatsRequest).interval_ms, timeout=timeout))
        elif name == "KVService/Ingest":
            reqs = [parse(kv.IngestRequest, r) for r in step.get("requests", [raw])]
            stream = collect(c.ingest_stream(reqs, timeout=timeout))
        elif name.startswith("DocumentService/"):
            unary, stream = doc_call(c, name, raw, step, timeout, collect)
        else:
            raise AssertionError(f"{where}: {name} not supported by the Python runner")
    except FlowError as e:
        if want_err is None:
            raise AssertionError(f"{where}: {name}: {e}") from e
        check_error(e, want_err, where)
        return
    assert want_err is None, f"{where}: {name}: expected error {want_err}, got success"
    if stream is None:
        exp = step.get("expect", step.get("response"))
        if exp is not None:
            subset(unary if isinstance(unary, dict) else to_json(unary), exp, where)
        return
    exp = step.get("expect_responses")
    if exp is None and "expect" in step:
        exp = step["expect"] if isinstance(step["expect"], list) else [step["expect"]]
    if exp is not None:
        subset([to_json(m) for m in stream], exp, where)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario(path: Path) -> None:
    doc = json.loads(path.read_text())
    steps = doc if isinstance(doc, list) else doc.get("steps", [])
    srv = start_server()
    data_dir = srv.data_dir
    c = Client(srv.target)
    bg: dict[str, tuple[threading.Thread, list[BaseException]]] = {}
    try:
        for i, step in enumerate(steps):
            where = f"{path.name} step {i}" + (f" ({step['name']})" if step.get("name") else "")
            if step.get("sleep_ms"):
                time.sleep(step["sleep_ms"] / 1000)
            if step.get("await") is not None:
                t, errs = bg.pop(step["await"])
                t.join(60)
                assert not t.is_alive(), f"{where}: background call still running"
                if errs:
                    raise errs[0]
            if step.get("restart"):
                code = srv.stop()
                assert code == 0, f"{where}: graceful stop exit {code}:\n{srv.logs()}"
                c.close()
                srv = start_server(data_dir=data_dir)
                c = Client(srv.target)
            if not (step.get("call") or step.get("rpc") or step.get("method")):
                continue
            if step.get("background") is not None:
                errs: list[BaseException] = []

                def go(step: dict[str, Any] = step, where: str = where, errs: list[BaseException] = errs, c: Client = c) -> None:
                    try:
                        run_call(c, step, where)
                    except BaseException as e:  # noqa: BLE001 - surfaced by the await step
                        errs.append(e)

                t = threading.Thread(target=go, daemon=True)
                t.start()
                bg[step["background"]] = (t, errs)
            else:
                run_call(c, step, where)
        for t, errs in bg.values():
            t.join(60)
            if errs:
                raise errs[0]
    except BaseException:
        print(f"--- server logs ---\n{srv.logs()}")
        raise
    finally:
        c.close()
        srv.kill()
        remove_data_dir(data_dir)
