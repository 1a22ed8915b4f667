"""Request builders shared by Client and AsyncClient."""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

from flowdb._gen.flowdb.v1 import kv_service_pb2 as kv
from flowdb._gen.flowdb.v1 import events_service_pb2 as ev

Bytes = Union[bytes, bytearray, memoryview, str]


def b(x: Optional[Bytes]) -> bytes:
    if x is None:
        return b""
    return x.encode() if isinstance(x, str) else bytes(x)


def put_request(
    key: Bytes,
    value: Bytes,
    *,
    ttl_ms: int = 0,
    expire_at_us: int = 0,
    ts: Optional[int] = None,
    prev_kv: bool = False,
    expected_version: Optional[int] = None,
    if_absent: bool = False,
    durability: int = 0,
) -> kv.PutRequest:
    r = kv.PutRequest(key=b(key), value=b(value), ttl_ms=ttl_ms, expire_at_us=expire_at_us,
                      prev_kv=prev_kv, if_absent=if_absent, durability=durability)  # type: ignore[arg-type]
    if ts is not None:
        r.ts = ts
    if expected_version is not None:
        r.expected_version = expected_version
    return r


def get_request(key: Bytes, *, ts: Optional[int] = None, keys_only: bool = False) -> kv.GetRequest:
    r = kv.GetRequest(key=b(key), keys_only=keys_only)
    if ts is not None:
        r.ts = ts
    return r


def batch_get_request(keys: Iterable[Bytes], *, ts: Optional[int] = None, keys_only: bool = False) -> kv.BatchGetRequest:
    r = kv.BatchGetRequest(keys=[b(k) for k in keys], keys_only=keys_only)
    if ts is not None:
        r.ts = ts
    return r


def delete_request(
    key: Bytes,
    *,
    ts: Optional[int] = None,
    prev_kv: bool = False,
    expected_version: Optional[int] = None,
    durability: int = 0,
) -> kv.DeleteRequest:
    r = kv.DeleteRequest(key=b(key), prev_kv=prev_kv, durability=durability)  # type: ignore[arg-type]
    if ts is not None:
        r.ts = ts
    if expected_version is not None:
        r.expected_version = expected_version
    return r


def delete_range_request(
    start: Optional[Bytes] = None,
    end: Optional[Bytes] = None,
    *,
    prefix: Optional[Bytes] = None,
    return_count: bool = False,
    durability: int = 0,
) -> kv.DeleteRangeRequest:
    return kv.DeleteRangeRequest(start=b(start), end=b(end), prefix=b(prefix), return_count=return_count,
                                 durability=durability)  # type: ignore[arg-type]


def scan_request(
    *,
    prefix: Optional[Bytes] = None,
    start: Optional[Bytes] = None,
    end: Optional[Bytes] = None,
    ts_from: Optional[int] = None,
    ts_to: Optional[int] = None,
    reverse: bool = False,
    limit: int = 0,
    keys_only: bool = False,
    count_only: bool = False,
    continuation_token: str = "",
) -> kv.ScanRequest:
    r = kv.ScanRequest(prefix=b(prefix), start=b(start), end=b(end), reverse=reverse, limit=limit,
                       keys_only=keys_only, count_only=count_only, continuation_token=continuation_token)
    if ts_from is not None:
        r.ts_from = ts_from
    if ts_to is not None:
        r.ts_to = ts_to
    return r


def watch_changes_request(
    *, prefix: Optional[Bytes] = None, start_seq: int = 0, progress_interval_ms: int = 0, keys_only: bool = False
) -> ev.WatchChangesRequest:
    return ev.WatchChangesRequest(prefix=b(prefix), start_seq=start_seq, progress_interval_ms=progress_interval_ms,
                                  keys_only=keys_only)


def op_put(key: Bytes, value: Bytes, **kw: object) -> kv.BatchOp:
    """A Batch put operation (same keywords as Client.put)."""
    return kv.BatchOp(put=put_request(key, value, **kw))  # type: ignore[arg-type]


def op_delete(key: Bytes, **kw: object) -> kv.BatchOp:
    return kv.BatchOp(delete=delete_request(key, **kw))  # type: ignore[arg-type]


def op_delete_range(start: Optional[Bytes] = None, end: Optional[Bytes] = None, *, prefix: Optional[Bytes] = None) -> kv.BatchOp:
    return kv.BatchOp(delete_range=delete_range_request(start, end, prefix=prefix))


def point(key: Bytes, value: Bytes, *, ts: int = 0, ttl_ms: int = 0) -> kv.Point:
    return kv.Point(key=b(key), value=b(value), ts=ts, ttl_ms=ttl_ms)


def points(pts: Sequence[object]) -> list[kv.Point]:
    """Points from kv.Point messages or (key, value) tuples."""
    out = []
    for p in pts:
        if isinstance(p, kv.Point):
            out.append(p)
        else:
            k, v = p  # type: ignore[misc]
            out.append(point(k, v))
    return out
