"""Synchronous flowdb client (grpcio)."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, TypeVar

import grpc

from flowdb._errors import REASON_OVERLOADED, FlowError
from flowdb._gen.flowdb.v1 import events_service_pb2 as ev
from flowdb._gen.flowdb.v1 import events_service_pb2_grpc as ev_grpc
from flowdb._gen.flowdb.v1 import kv_service_pb2 as kv
from flowdb._gen.flowdb.v1 import kv_service_pb2_grpc as kv_grpc
from flowdb._gen.flowdb.v1 import stats_service_pb2 as st
from flowdb._gen.flowdb.v1 import stats_service_pb2_grpc as st_grpc
from flowdb._gen.flowdb.v1 import types_pb2
from flowdb import _requests as R
from flowdb._requests import Bytes

T = TypeVar("T")

_HEALTH_CHECK = "/grpc.health.v1.Health/Check"


def _channel(target: str, tls: Any, options: Sequence[tuple[str, Any]], aio: bool) -> Any:
    mod: Any = grpc.aio if aio else grpc
    opts = [("grpc.max_receive_message_length", 4 << 20), ("grpc.max_send_message_length", 4 << 20), *options]
    if tls is None or tls is False:
        return mod.insecure_channel(target, options=opts)
    creds = grpc.ssl_channel_credentials() if tls is True else tls
    return mod.secure_channel(target, creds, options=opts)


class Client:
    """A connection to one flowdb sidecar. Thread-safe; use as a context manager.

    >>> with Client("127.0.0.1:50051") as db:
    ...     db.put("k", "v", ttl_ms=60_000)
    ...     for rec in db.scan(prefix="k"): ...

    Every RPC failure raises FlowError (.code, .reason, .metadata). ``timeout``
    (seconds) bounds each unary call; streams take their own ``timeout``.
    """

    def __init__(
        self,
        target: str,
        *,
        token: Optional[str] = None,
        tls: Any = None,
        timeout: Optional[float] = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self._channel = _channel(target, tls, options, aio=False)
        _wire(self, token, timeout)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- plumbing ----
    def _unary(self, fn: Callable[..., T], req: Any, timeout: Optional[float]) -> T:
        try:
            return fn(req, metadata=self._md, timeout=timeout if timeout is not None else self._timeout)
        except grpc.RpcError as e:
            raise FlowError.from_rpc_error(e) from None

    def _stream(self, fn: Callable[..., Any], req: Any, timeout: Optional[float]) -> Iterator[Any]:
        call = fn(req, metadata=self._md, timeout=timeout)
        try:
            yield from call
        except grpc.RpcError as e:
            raise FlowError.from_rpc_error(e) from None
        finally:
            call.cancel()

    # ---- unary ----
    def put(self, key: Bytes, value: Bytes, *, timeout: Optional[float] = None, **kw: Any) -> kv.PutResponse:
        """Write key=value. Keywords: ttl_ms, expire_at_us, ts, prev_kv, expected_version (CAS), if_absent, durability."""
        return self._unary(self._kv.Put, R.put_request(key, value, **kw), timeout)

    def get(self, key: Bytes, *, timeout: Optional[float] = None, **kw: Any) -> kv.GetResponse:
        """Read key (keywords: ts, keys_only); ``.found`` says whether it exists."""
        return self._unary(self._kv.Get, R.get_request(key, **kw), timeout)

    def get_value(self, key: Bytes, *, timeout: Optional[float] = None) -> Optional[bytes]:
        r = self.get(key, timeout=timeout)
        return r.record.value if r.found else None

    def batch_get(self, keys: Iterable[Bytes], *, timeout: Optional[float] = None, **kw: Any) -> list[kv.BatchGetResult]:
        return list(self._unary(self._kv.BatchGet, R.batch_get_request(keys, **kw), timeout).results)

    def delete(self, key: Bytes, *, timeout: Optional[float] = None, **kw: Any) -> kv.DeleteResponse:
        """Delete key. Keywords: ts, prev_kv, expected_version (CAS), durability."""
        return self._unary(self._kv.Delete, R.delete_request(key, **kw), timeout)

    def delete_range(self, start: Optional[Bytes] = None, end: Optional[Bytes] = None, *, timeout: Optional[float] = None, **kw: Any) -> kv.DeleteRangeResponse:
        """Delete start <= key < end, or every key with ``prefix=``. Keywords: prefix, return_count, durability."""
        return self._unary(self._kv.DeleteRange, R.delete_range_request(start, end, **kw), timeout)

    def batch(self, ops: Iterable[kv.BatchOp], *, durability: int = 0, timeout: Optional[float] = None) -> kv.BatchResponse:
        """Apply ops (flowdb.op_put / op_delete / op_delete_range) atomically."""
        return self._unary(self._kv.Batch, kv.BatchRequest(ops=list(ops), durability=durability), timeout)  # type: ignore[arg-type]

    def stats(self, *, timeout: Optional[float] = None) -> st.EngineStats:
        return self._unary(self._stats.GetStats, st.GetStatsRequest(), timeout).stats

    def health(self, service: str = "", *, timeout: Optional[float] = None) -> int:
        """grpc.health.v1 Check: 1 = SERVING, 2 = NOT_SERVING."""
        return self._unary(self._health, service, timeout)

    # ---- server streams ----
    def scan_pages(self, *, timeout: Optional[float] = None, **kw: Any) -> Iterator[kv.ScanResponse]:
        """Raw Scan responses. Keywords: prefix, start, end, ts_from, ts_to, reverse, limit, keys_only, count_only, continuation_token."""
        return self._stream(self._kv.Scan, R.scan_request(**kw), timeout)

    def scan(self, *, timeout: Optional[float] = None, **kw: Any) -> Iterator[types_pb2.Record]:
        """Matching records in key order (same keywords as scan_pages)."""
        for page in self.scan_pages(timeout=timeout, **kw):
            yield from page.records

    def count(self, *, timeout: Optional[float] = None, **kw: Any) -> int:
        n = 0
        for page in self.scan_pages(timeout=timeout, count_only=True, **kw):
            if page.done:
                n = page.count
        return n

    def watch(self, types: Iterable[int] = (), *, timeout: Optional[float] = None) -> Iterator[ev.WatchResponse]:
        """Engine events (flowdb.EventType values; none = all)."""
        return self._stream(self._events.Watch, ev.WatchRequest(types=list(types)), timeout)  # type: ignore[arg-type]

    def watch_changes(self, *, timeout: Optional[float] = None, **kw: Any) -> Iterator[ev.WatchChangesResponse]:
        """The change feed. Keywords: prefix, start_seq, progress_interval_ms, keys_only."""
        return self._stream(self._events.WatchChanges, R.watch_changes_request(**kw), timeout)

    def watch_stats(self, interval_ms: int = 1000, *, timeout: Optional[float] = None) -> Iterator[st.WatchStatsResponse]:
        return self._stream(self._stats.WatchStats, st.WatchStatsRequest(interval_ms=interval_ms), timeout)

    # ---- ingest ----
    def ingest_stream(self, requests: Iterable[kv.IngestRequest], *, timeout: Optional[float] = None) -> Iterator[kv.IngestResponse]:
        """The raw bidi Ingest stream: your IngestRequests in, the acks out."""
        return self._stream(self._kv.Ingest, iter(requests), timeout)

    def ingest(
        self,
        batches: Iterable[Sequence[Any]],
        *,
        window: int = 16,
        durability: int = 0,
        max_retries: int = 100,
        timeout: Optional[float] = None,
    ) -> Iterator[kv.IngestResponse]:
        """Ingest batches of points (kv.Point or (key, value)) over one stream with at
        most ``window`` unacknowledged batches; overloaded batches are resent after their
        retry delay. Yields one ack per batch (completion order, batch ids from 1);
        raises FlowError for a batch the server rejects as invalid."""
        q: "queue.Queue[Optional[kv.IngestRequest]]" = queue.Queue()
        slots = threading.Semaphore(max(1, window))
        lock = threading.Lock()
        pending: dict[int, kv.IngestRequest] = {}
        tries: dict[int, int] = {}
        state = {"source_done": False}
        stop = threading.Event()
        feeder_error: list[BaseException] = []

        def requests() -> Iterator[kv.IngestRequest]:
            while True:
                r = q.get()
                if r is None:
                    return
                yield r

        def feeder() -> None:
            try:
                for i, pts in enumerate(batches, 1):
                    while not slots.acquire(timeout=0.1):
                        if stop.is_set():
                            return
                    if stop.is_set():
                        return
                    req = kv.IngestRequest(batch_id=i, points=R.points(pts), durability=durability)  # type: ignore[arg-type]
                    with lock:
                        pending[i] = req
                    q.put(req)
            except BaseException as e:  # noqa: BLE001 - surfaced to the consumer
                feeder_error.append(e)
                stop.set()
            with lock:
                state["source_done"] = True
                if not pending:
                    q.put(None)

        call = self._kv.Ingest(requests(), metadata=self._md, timeout=timeout)
        t = threading.Thread(target=feeder, name="flowdb-ingest", daemon=True)
        t.start()
        try:
            for ack in call:
                if ack.status == 0:
                    with lock:
                        pending.pop(ack.batch_id, None)
                        tries.pop(ack.batch_id, None)
                        if state["source_done"] and not pending:
                            q.put(None)
                    slots.release()
                    yield ack
                elif ack.status == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0] and ack.reason == REASON_OVERLOADED and ack.batch_id in pending:
                    tries[ack.batch_id] = tries.get(ack.batch_id, 0) + 1
                    if tries[ack.batch_id] > max_retries:
                        raise FlowError.from_ack(ack)
                    time.sleep(ack.retry_delay_ms / 1000)
                    q.put(pending[ack.batch_id])
                else:
                    raise FlowError.from_ack(ack)
            if feeder_error:
                raise feeder_error[0]
        except grpc.RpcError as e:
            if feeder_error:
                raise feeder_error[0] from None
            raise FlowError.from_rpc_error(e) from None
        finally:
            stop.set()
            q.put(None)
            call.cancel()
            t.join(timeout=5)


def _health_req(service: str) -> bytes:
    # grpc.health.v1.HealthCheckRequest { string service = 1; }
    raw = service.encode()
    return (b"\x0a" + _varint(len(raw)) + raw) if raw else b""


def _health_status(data: bytes) -> int:
    # grpc.health.v1.HealthCheckResponse { ServingStatus status = 1; }
    if len(data) >= 2 and data[0] == 0x08:
        return data[1]
    return 0


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _wire(c: Any, token: Optional[str], timeout: Optional[float]) -> None:
    """Auth metadata, default timeout and the service stubs on c._channel (sync and async clients)."""
    c._md = (("authorization", f"Bearer {token}"),) if token else ()
    c._timeout = timeout
    c._kv = kv_grpc.KVServiceStub(c._channel)
    c._stats = st_grpc.StatsServiceStub(c._channel)
    c._events = ev_grpc.EventsServiceStub(c._channel)
    c._health = c._channel.unary_unary(_HEALTH_CHECK, request_serializer=_health_req, response_deserializer=_health_status)
