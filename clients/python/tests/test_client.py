import threading
import time

import grpc
import pytest

import flowdb
from flowdb import Client, FlowError, kv_pb2
from flowdb.testing import remove_data_dir, start_server, target_kind


@pytest.fixture()
def db(server):
    with Client(server.target, timeout=10) as c:
        yield c


def test_unary(db):
    p = db.put("u/a", "1")
    assert p.header.seq > 0
    g = db.get("u/a")
    assert g.found and g.record.value == b"1"
    assert db.get_value("u/missing") is None
    db.put(b"u/b", b"2")
    res = db.batch_get(["u/a", "u/zz", "u/b"])
    assert [r.found for r in res] == [True, False, True]
    assert db.delete("u/a", prev_kv=True).prev.value == b"1"
    for i in range(5):
        db.put(f"r/{i}", "x")
    assert db.delete_range("r/1", "r/4", return_count=True).deleted == 3
    assert db.delete_range(prefix="r/", return_count=True).deleted == 2
    b = db.batch([flowdb.op_put("b/1", "x"), flowdb.op_put("b/2", "y"), flowdb.op_delete("u/b")])
    assert b.header.seq > 0
    assert db.stats().total_records_written >= 10
    assert db.health() == 1


def test_cas_and_ttl(db):
    db.put("cas", "v1", if_absent=True)
    with pytest.raises(FlowError) as ei:
        db.put("cas", "v2", if_absent=True)
    assert ei.value.code == grpc.StatusCode.ABORTED
    assert ei.value.reason == flowdb.REASON_CONDITION_FAILED
    assert ei.value.metadata["actual_version"] != "0" and not ei.value.retryable
    ver = db.get("cas").record.seq
    with pytest.raises(FlowError) as ei:
        db.put("cas", "v3", expected_version=ver + 1000)
    assert ei.value.reason == flowdb.REASON_CONDITION_FAILED
    db.put("cas", "v3", expected_version=ver)
    db.put("ttl", "x", ttl_ms=300)
    g = db.get("ttl")
    assert g.found and g.ttl_remaining_ms > 0
    time.sleep(0.5)
    assert not db.get("ttl").found


def test_errors(db):
    with pytest.raises(FlowError) as ei:
        db.put("", "x")
    assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.INVALID_ARGUMENT, flowdb.REASON_EMPTY_KEY)
    assert ei.value.field
    with pytest.raises(FlowError) as ei:
        db.delete_range("b", "a")
    assert ei.value.reason == flowdb.REASON_INVALID_RANGE
    with pytest.raises(FlowError) as ei:
        list(db.scan(continuation_token="not-a-token!"))
    assert ei.value.reason == flowdb.REASON_INVALID_TOKEN
    with pytest.raises(FlowError) as ei:
        db.put(b"k" * 70000, "x")
    assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, flowdb.REASON_KEY_TOO_LARGE)
    with pytest.raises(FlowError) as ei:
        db.put("k", "x", ttl_ms=-1)
    assert ei.value.reason == flowdb.REASON_INVALID_ARGUMENT
    # A Watch never ends by itself, so its deadline must end it (a tiny unary deadline races the reply).
    with pytest.raises(FlowError) as ei:
        list(db.watch(timeout=0.3))
    assert ei.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_scan(db):
    n = 25
    db.batch([flowdb.op_put(f"s/{i:02d}", f"v{i}") for i in range(n)])
    keys = [r.key for r in db.scan(prefix="s/")]
    assert len(keys) == n and keys[0] == b"s/00" and keys[-1] == b"s/24"
    token, pages, total = "", 0, 0
    for _ in range(10):
        last = None
        for page in db.scan_pages(prefix="s/", limit=10, continuation_token=token):
            total += len(page.records)
            last = page
        pages += 1
        assert last is not None and last.done
        if not last.more:
            break
        token = last.continuation_token
    assert (total, pages) == (n, 3)
    assert db.count(prefix="s/") == n
    it = db.scan(prefix="s/", reverse=True)
    assert next(it).key == b"s/24"
    it.close()  # early stop cancels the stream


def test_ingest(db):
    batches = ([(f"i/{b * 50 + i:04d}", "p") for i in range(50)] for b in range(20))
    acks = list(db.ingest(batches, window=4))
    assert len(acks) == 20 and sum(a.records for a in acks) == 1000
    assert db.count(prefix="i/") == 1000
    with pytest.raises(FlowError) as ei:
        list(db.ingest([[("", "x")]]))
    assert ei.value.code == grpc.StatusCode.INVALID_ARGUMENT
    reqs = [kv_pb2.IngestRequest(batch_id=i, points=[flowdb.point(f"raw/{i}", "v")]) for i in (1, 2, 3)]
    acks = list(db.ingest_stream(reqs))
    assert sorted(a.batch_id for a in acks) == [1, 2, 3] and all(a.status == 0 for a in acks)


def test_watch(db):
    start = db.stats().last_seq
    got: dict = {}

    def watch_events():
        for ev in db.watch([flowdb.EventType.EVENT_TYPE_BATCH_COMMITTED], timeout=10):
            got["event"] = ev
            return

    def watch_changes():
        for ch in db.watch_changes(prefix="w/", start_seq=start + 1, timeout=10):
            if ch.changes:
                got["change"] = ch.changes[0]
                return

    ts = [threading.Thread(target=watch_events), threading.Thread(target=watch_changes)]
    for t in ts:
        t.start()
    time.sleep(0.3)
    db.put("w/1", "hello")
    for t in ts:
        t.join(10)
    assert got["event"].batch_committed.records >= 1
    c = got["change"]
    assert (c.key, c.value, c.type) == (b"w/1", b"hello", flowdb.ChangeType.CHANGE_TYPE_PUT)
    n = 0
    for s in db.watch_stats(100):
        assert s.stats.last_seq > 0
        n += 1
        if n == 2:
            break


def test_token():
    s = start_server(env={"FLOWDB_TOKEN": "sekret"})
    try:
        with Client(s.target) as bad, pytest.raises(FlowError) as ei:
            bad.get("k")
        assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.UNAUTHENTICATED, flowdb.REASON_UNAUTHENTICATED)
        with Client(s.target, token="sekret") as good:
            good.put("k", "v")
            assert list(good.scan())
    finally:
        s.kill()
        remove_data_dir(s.data_dir)
