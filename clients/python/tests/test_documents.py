import datetime as dt
import math
import threading
import time

import grpc
import pytest

import flowdb
from flowdb import Client, Database, FlowError, KeyRange, from_key, from_value, index_schema, store_schema, to_key, to_value


def test_key_and_value_codec():
    date = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.timezone.utc)
    for k in [1, -7, 2.5, "1", "", b"\x00\x01", date, [1, "a", []], [[b"x"], date]]:
        assert from_key(to_key(k)) == k
    assert to_key(1).WhichOneof("kind") == "number_value" and to_key("1").WhichOneof("kind") == "string_value"
    assert to_key((1, 2)) == to_key([1, 2])
    assert to_key(dt.datetime(1970, 1, 1, 0, 0, 1)).date_value == 1000  # naive = UTC
    for bad in [None, True, {}, 2**53 + 1, [1, object()]]:
        with pytest.raises(FlowError) as ei:
            to_key(bad)
        assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.INVALID_ARGUMENT, flowdb.REASON_INVALID_KEY)
    doc = {"a": [1, 2.5, None, True, {"b": "c"}], "n": -3}
    assert from_value(to_value(doc)) == doc
    assert isinstance(from_value(to_value(1)), int) and isinstance(from_value(to_value(1.5)), float)
    for bad in [{1: "x"}, {"d": date}, {"s": {1, 2}}]:
        with pytest.raises(FlowError) as ei:
            to_value(bad)
        assert ei.value.reason == flowdb.REASON_INVALID_ARGUMENT


@pytest.fixture()
def db(server):
    with Client(server.target, timeout=10) as c:
        yield c


def users_db(c: Client, name: str) -> Database:
    d = Database(c, name)
    schema, changed = d.apply_schema([
        store_schema("users", "id", indexes=[index_schema("by_age", "age"), index_schema("by_email", "email", unique=True)]),
        {"name": "kv"},
    ])
    assert changed and schema["version"] == 1
    assert [s["name"] for s in schema["stores"]] == ["kv", "users"]
    assert schema["stores"][1]["indexes"][1] == {"name": "by_email", "key_path": ["email"], "unique": True, "multi_entry": False}
    return d


def test_crud_keys_ranges(db):
    d = users_db(db, "py_crud")
    assert d.apply_schema([{"name": "kv"}])[1] is False
    with pytest.raises(FlowError) as ei:
        d.apply_schema([{"name": "kv", "key_path": "k"}])
    assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.FAILED_PRECONDITION, flowdb.REASON_SCHEMA_CONFLICT)

    w = d.add("users", {"id": 1, "email": "a@x", "age": 30})
    assert w.key == 1 and w.seq > 0
    d.put("users", {"id": 2, "email": "b@x", "age": 25})
    with pytest.raises(FlowError) as ei:
        d.add("users", {"id": 1, "email": "z@x"})
    assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.ALREADY_EXISTS, flowdb.REASON_ALREADY_EXISTS)
    with pytest.raises(FlowError) as ei:
        d.put("users", {"id": 3, "email": "a@x"})
    assert ei.value.reason == flowdb.REASON_ALREADY_EXISTS
    rec = d.get("users", "b@x", index="by_email")
    assert rec is not None and rec.key == "b@x" and rec.primary_key == 2 and rec.document["age"] == 25
    assert d.get("users", 3) is None
    with pytest.raises(FlowError) as ei:
        d.get("nope", 1)
    assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.NOT_FOUND, flowdb.REASON_NOT_FOUND)

    date = dt.datetime.fromtimestamp(1_700_000_000, dt.timezone.utc)
    for k in [[1, "x"], b"b", "1", date, 1]:
        d.put("kv", type(k).__name__, key=k)
    recs = d.get_all("kv")
    assert [r.key for r in recs] == [1, date, "1", b"b", [1, "x"]] and recs.more is False
    assert d.get("kv", "1").document == "str" and d.get("kv", 1).document == "int"
    assert d.count("kv", key_range=KeyRange.bound(0, "zzz", lower_open=True)) == 3
    assert [r.key for r in d.get_all("kv", key_range=KeyRange.bound(1, "1", True, True), keys_only=True)] == [date]
    page = d.get_all("kv", limit=2)
    assert len(page) == 2 and page.more is True
    with pytest.raises(FlowError) as ei:
        d.count("kv", key_range=KeyRange.bound(5, 1))
    assert ei.value.reason == flowdb.REASON_INVALID_RANGE
    with pytest.raises(FlowError) as ei:
        d.put("kv", 1, key=math.nan)
    assert ei.value.reason == flowdb.REASON_INVALID_KEY
    deleted = d.delete_range("kv", KeyRange.upper_bound("1"))
    assert deleted.count == 3 and deleted.seq > 0
    assert d.delete("kv", 1) == flowdb.documents_codec.Deleted(0, 0)
    assert ("py_crud", 1) in flowdb.list_databases(db)
    d.drop()
    assert "py_crud" not in [n for n, _ in flowdb.list_databases(db)]
    with pytest.raises(FlowError) as ei:
        d.schema()
    assert ei.value.reason == flowdb.REASON_NOT_FOUND


def test_query_paging(db):
    d = users_db(db, "py_query")
    d.transact([flowdb.tx_put("users", {"id": i, "email": f"u{i:02d}@x", "age": 20 + (i - 1) % 3}) for i in range(1, 26)])
    pages = list(d.query_pages("users", page_size=10))
    assert [len(p.records) for p in pages] == [10, 10, 5] and pages[-1].next_page_token == ""
    assert [r.primary_key for r in d.query("users", page_size=7)] == list(range(1, 26))
    it = d.query("users", index="by_age", direction="prev", page_size=3, keys_only=True)
    got = [(r.key, r.primary_key, r.document) for _, r in zip(range(4), it)]
    it.close()
    assert got == [(22, 24, None), (22, 21, None), (22, 18, None), (22, 15, None)]
    unique = [r.key for r in d.query("users", index="by_age", direction=flowdb.CursorDirection.CURSOR_DIRECTION_NEXT_UNIQUE)]
    assert unique == [20, 21, 22]
    first = next(d.query_pages("users", key_range=KeyRange.lower_bound(20, open=True)))
    assert [r.primary_key for r in first.records] == [21, 22, 23, 24, 25] and first.next_page_token == ""
    assert d.count("users", index="by_age", key_range=KeyRange.only(21)) == 8
    with pytest.raises(FlowError) as ei:
        list(d.query("users", page_token="garbage"))
    assert ei.value.reason == flowdb.REASON_INVALID_TOKEN


def test_transact_atomic(db):
    d = users_db(db, "py_tx")
    d.put("kv", "v", key="keep")
    with pytest.raises(FlowError) as ei:
        d.transact([
            flowdb.tx_put("kv", 1, key="new"),
            flowdb.tx_delete("kv", "keep"),
            flowdb.tx_add("users", {"id": 1, "email": "a@x"}),
            flowdb.tx_add("users", {"id": 2, "email": "a@x"}),
        ])
    assert (ei.value.code, ei.value.reason, ei.value.metadata.get("op_index")) == (grpc.StatusCode.ALREADY_EXISTS, flowdb.REASON_ALREADY_EXISTS, "3")
    assert d.count("kv") == 1 and d.count("users") == 0 and d.get("kv", "new") is None
    t = d.transact([
        flowdb.tx_put("kv", 1, key="new"),
        flowdb.tx_delete_range("kv", KeyRange.only("keep")),
        flowdb.tx_add("users", {"id": 1, "email": "a@x"}),
        flowdb.tx_clear("kv"),
    ])
    assert [(r.key, r.deleted) for r in t.results] == [("new", 0), (None, 1), (1, 0), (None, 1)] and t.seq > 0


def test_watch(db):
    d = users_db(db, "py_watch")
    events: list = []
    ready = threading.Event()

    def follow():
        it = d.watch(stores=["kv"], timeout=10)
        ready.set()
        for ev in it:
            events.extend(ev.changes)
            if len(events) >= 2:
                it.close()
                return

    th = threading.Thread(target=follow, daemon=True)
    th.start()
    ready.wait(5)
    time.sleep(0.3)  # let the stream subscribe
    d.put("users", {"id": 1, "email": "a@x"})
    t = d.transact([flowdb.tx_put("kv", {"x": 1}, key="a"), flowdb.tx_put("kv", None, key=b"b")])
    th.join(10)
    assert not th.is_alive() and len(events) == 2
    a, b = events
    assert (a.type, a.store, a.key, a.document) == (flowdb.DocumentChangeType.DOCUMENT_CHANGE_TYPE_PUT, "kv", "a", {"x": 1})
    assert b.key == b"b" and a.commit_seq == b.commit_seq == b.seq == t.seq and a.seq < b.seq
    replay = d.watch(stores=["kv"], start_seq=a.seq, keys_only=True, timeout=10)
    first = next(ev for ev in replay if ev.changes)
    replay.close()
    assert first.changes[0].seq == a.seq and first.changes[0].key == "a" and first.changes[0].document is None
    idle = d.watch(stores=["none"], progress_interval_ms=100, timeout=10)
    ev = next(idle)
    idle.close()
    assert ev.progress and not ev.changes and ev.seq >= t.seq
    with pytest.raises(FlowError) as ei:
        next(d.watch(start_seq=2**52, timeout=10))
    assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.OUT_OF_RANGE, flowdb.REASON_SEQ_COMPACTED)
