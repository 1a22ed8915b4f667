"""asyncio flowdb client (grpc.aio)."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterable, AsyncIterator, Iterable, Optional, Sequence, Union

import grpc
import grpc.aio

from flowdb._errors import REASON_OVERLOADED, FlowError
from flowdb._gen.flowdb.v1 import events_service_pb2 as ev
from flowdb._gen.flowdb.v1 import kv_service_pb2 as kv
from flowdb._gen.flowdb.v1 import stats_service_pb2 as st
from flowdb._gen.flowdb.v1 import types_pb2
from flowdb import _requests as R
from flowdb._requests import Bytes
from flowdb.client import _channel, _wire


class AsyncClient:
    """asyncio twin of Client: same methods, awaitable; streams are async iterators.

    >>> async with AsyncClient("127.0.0.1:50051") as db:
    ...     await db.put("k", "v")
    ...     async for rec in db.scan(prefix="k"): ...
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
        self._channel = _channel(target, tls, options, aio=True)
        _wire(self, token, timeout)

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _unary(self, fn: Any, req: Any, timeout: Optional[float]) -> Any:
        try:
            return await fn(req, metadata=self._md, timeout=timeout if timeout is not None else self._timeout)
        except grpc.aio.AioRpcError as e:
            raise FlowError.from_rpc_error(e) from None

    async def _stream(self, fn: Any, req: Any, timeout: Optional[float]) -> AsyncIterator[Any]:
        call = fn(req, metadata=self._md, timeout=timeout)
        try:
            async for m in call:
                yield m
        except grpc.aio.AioRpcError as e:
            raise FlowError.from_rpc_error(e) from None
        finally:
            call.cancel()

    async def put(self, key: Bytes, value: Bytes, *, timeout: Optional[float] = None, **kw: Any) -> kv.PutResponse:
        return await self._unary(self._kv.Put, R.put_request(key, value, **kw), timeout)

    async def get(self, key: Bytes, *, timeout: Optional[float] = None, **kw: Any) -> kv.GetResponse:
        return await self._unary(self._kv.Get, R.get_request(key, **kw), timeout)

    async def get_value(self, key: Bytes, *, timeout: Optional[float] = None) -> Optional[bytes]:
        r = await self.get(key, timeout=timeout)
        return r.record.value if r.found else None

    async def batch_get(self, keys: Iterable[Bytes], *, timeout: Optional[float] = None, **kw: Any) -> list[kv.BatchGetResult]:
        return list((await self._unary(self._kv.BatchGet, R.batch_get_request(keys, **kw), timeout)).results)

    async def delete(self, key: Bytes, *, timeout: Optional[float] = None, **kw: Any) -> kv.DeleteResponse:
        return await self._unary(self._kv.Delete, R.delete_request(key, **kw), timeout)

    async def delete_range(self, start: Optional[Bytes] = None, end: Optional[Bytes] = None, *, timeout: Optional[float] = None, **kw: Any) -> kv.DeleteRangeResponse:
        return await self._unary(self._kv.DeleteRange, R.delete_range_request(start, end, **kw), timeout)

    async def batch(self, ops: Iterable[kv.BatchOp], *, durability: int = 0, timeout: Optional[float] = None) -> kv.BatchResponse:
        return await self._unary(self._kv.Batch, kv.BatchRequest(ops=list(ops), durability=durability), timeout)  # type: ignore[arg-type]

    async def stats(self, *, timeout: Optional[float] = None) -> st.EngineStats:
        return (await self._unary(self._stats.GetStats, st.GetStatsRequest(), timeout)).stats

    async def health(self, service: str = "", *, timeout: Optional[float] = None) -> int:
        return await self._unary(self._health, service, timeout)

    def scan_pages(self, *, timeout: Optional[float] = None, **kw: Any) -> AsyncIterator[kv.ScanResponse]:
        return self._stream(self._kv.Scan, R.scan_request(**kw), timeout)

    async def scan(self, *, timeout: Optional[float] = None, **kw: Any) -> AsyncIterator[types_pb2.Record]:
        async for page in self.scan_pages(timeout=timeout, **kw):
            for r in page.records:
                yield r

    async def count(self, *, timeout: Optional[float] = None, **kw: Any) -> int:
        n = 0
        async for page in self.scan_pages(timeout=timeout, count_only=True, **kw):
            if page.done:
                n = page.count
        return n

    def watch(self, types: Iterable[int] = (), *, timeout: Optional[float] = None) -> AsyncIterator[ev.WatchResponse]:
        return self._stream(self._events.Watch, ev.WatchRequest(types=list(types)), timeout)  # type: ignore[arg-type]

    def watch_changes(self, *, timeout: Optional[float] = None, **kw: Any) -> AsyncIterator[ev.WatchChangesResponse]:
        return self._stream(self._events.WatchChanges, R.watch_changes_request(**kw), timeout)

    def watch_stats(self, interval_ms: int = 1000, *, timeout: Optional[float] = None) -> AsyncIterator[st.WatchStatsResponse]:
        return self._stream(self._stats.WatchStats, st.WatchStatsRequest(interval_ms=interval_ms), timeout)

    async def ingest_stream(self, requests: Union[Iterable[kv.IngestRequest], AsyncIterable[kv.IngestRequest]], *, timeout: Optional[float] = None) -> AsyncIterator[kv.IngestResponse]:
        """The raw bidi Ingest stream."""
        async for m in self._stream(self._kv.Ingest, requests, timeout):
            yield m

    async def ingest(
        self,
        batches: Union[Iterable[Sequence[Any]], AsyncIterable[Sequence[Any]]],
        *,
        window: int = 16,
        durability: int = 0,
        max_retries: int = 100,
        timeout: Optional[float] = None,
    ) -> AsyncIterator[kv.IngestResponse]:
        """Windowed ingest with overload resends; see Client.ingest."""
        q: "asyncio.Queue[Optional[kv.IngestRequest]]" = asyncio.Queue()
        slots = asyncio.Semaphore(max(1, window))
        pending: dict[int, kv.IngestRequest] = {}
        tries: dict[int, int] = {}
        source_done = False

        async def source() -> AsyncIterator[Sequence[Any]]:
            if hasattr(batches, "__aiter__"):
                async for x in batches:  # type: ignore[union-attr]
                    yield x
            else:
                for x in batches:  # type: ignore[union-attr]
                    yield x

        async def feeder() -> None:
            nonlocal source_done
            i = 0
            async for pts in source():
                await slots.acquire()
                i += 1
                req = kv.IngestRequest(batch_id=i, points=R.points(pts), durability=durability)  # type: ignore[arg-type]
                pending[i] = req
                q.put_nowait(req)
            source_done = True
            if not pending:
                q.put_nowait(None)

        async def requests() -> AsyncIterator[kv.IngestRequest]:
            while True:
                r = await q.get()
                if r is None:
                    return
                yield r

        call = self._kv.Ingest(requests(), metadata=self._md, timeout=timeout)
        task = asyncio.ensure_future(feeder())
        try:
            async for ack in call:
                if ack.status == 0:
                    pending.pop(ack.batch_id, None)
                    tries.pop(ack.batch_id, None)
                    if source_done and not pending:
                        q.put_nowait(None)
                    slots.release()
                    yield ack
                elif ack.status == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0] and ack.reason == REASON_OVERLOADED and ack.batch_id in pending:
                    tries[ack.batch_id] = tries.get(ack.batch_id, 0) + 1
                    if tries[ack.batch_id] > max_retries:
                        raise FlowError.from_ack(ack)
                    await asyncio.sleep(ack.retry_delay_ms / 1000)
                    q.put_nowait(pending[ack.batch_id])
                else:
                    raise FlowError.from_ack(ack)
            if task.done() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        except grpc.aio.AioRpcError as e:
            raise FlowError.from_rpc_error(e) from None
        finally:
            task.cancel()
            q.put_nowait(None)
            call.cancel()
