"""AsyncDatabase: the DocumentService on an AsyncClient (same methods as Database, awaitable;
query, query_pages and watch are async generators)."""

from __future__ import annotations

from typing import Any, AsyncIterator, Iterable, Optional, Union

from flowdb import documents_codec as V
from flowdb import documents_requests as Q
from flowdb._gen.flowdb.v1 import document_pb2 as pb
from flowdb._gen.flowdb.v1 import document_pb2_grpc as pb_grpc
from flowdb.aio import AsyncClient
from flowdb.documents_codec import Deleted, KeyRange, Page, Record, Records, Transacted, WatchEvent, Written


async def alist_databases(client: AsyncClient, *, timeout: Optional[float] = None) -> list[tuple[str, int]]:
    """(name, version) of every document database, by name."""
    res = await client._unary(pb_grpc.DocumentServiceStub(client._channel).ListDatabases, pb.ListDatabasesRequest(), timeout)
    return [(d.name, d.version) for d in res.databases]


class AsyncDatabase:
    """asyncio twin of Database.

    >>> db = AsyncDatabase(aclient, "app")
    >>> await db.put("users", {"id": 1})
    >>> async for rec in db.query("users"): ...
    """

    def __init__(self, client: AsyncClient, name: str) -> None:
        self._c = client
        self.name = name
        self._svc = pb_grpc.DocumentServiceStub(client._channel)

    async def _call(self, method: str, req: Any, timeout: Optional[float]) -> Any:
        return await self._c._unary(getattr(self._svc, method), req, timeout)

    async def apply_schema(self, stores: Iterable[Any], *, delete_stores: Iterable[str] = (), timeout: Optional[float] = None) -> tuple[dict[str, Any], bool]:
        res = await self._call("ApplySchema", Q.apply_schema_request(self.name, stores, delete_stores), timeout)
        return Q.schema_dict(res.schema), res.changed

    async def schema(self, *, timeout: Optional[float] = None) -> dict[str, Any]:
        return Q.schema_dict((await self._call("GetSchema", pb.GetSchemaRequest(database=self.name), timeout)).schema)

    async def drop(self, *, timeout: Optional[float] = None) -> None:
        await self._call("DeleteDatabase", pb.DeleteDatabaseRequest(database=self.name), timeout)

    async def put(self, store: str, doc: Any, key: Any = None, *, timeout: Optional[float] = None) -> Written:
        res = await self._call("PutDocument", Q.put_request(self.name, store, doc, key, add=False), timeout)
        return Written(V.from_key(res.key), res.seq)

    async def add(self, store: str, doc: Any, key: Any = None, *, timeout: Optional[float] = None) -> Written:
        res = await self._call("AddDocument", Q.put_request(self.name, store, doc, key, add=True), timeout)
        return Written(V.from_key(res.key), res.seq)

    async def delete(self, store: str, key: Any, *, timeout: Optional[float] = None) -> Deleted:
        res = await self._call("DeleteDocuments", Q.delete_request(self.name, store, key), timeout)
        return Deleted(res.deleted, res.seq)

    async def delete_range(self, store: str, key_range: KeyRange, *, timeout: Optional[float] = None) -> Deleted:
        res = await self._call("DeleteDocuments", Q.delete_request(self.name, store, key_range=key_range), timeout)
        return Deleted(res.deleted, res.seq)

    async def transact(self, ops: Iterable[pb.TransactOp], *, timeout: Optional[float] = None) -> Transacted:
        return Q.transacted(await self._call("Transact", pb.TransactRequest(database=self.name, ops=list(ops)), timeout))

    async def get(self, store: str, key: Any, *, index: str = "", timeout: Optional[float] = None) -> Optional[Record]:
        res = await self._call("GetDocument", pb.GetDocumentRequest(database=self.name, store=store, index=index, key=V.to_key(key)), timeout)
        if not res.found:
            return None
        pk = V.from_key(res.primary_key)
        return Record(V.from_key(V.to_key(key)) if index else pk, pk, V.from_value(res.document))

    async def get_all(self, store: str, *, index: str = "", key_range: Optional[KeyRange] = None, limit: int = 0,
                      keys_only: bool = False, timeout: Optional[float] = None) -> Records:
        res = await self._call("GetAllDocuments", Q.get_all_request(self.name, store, index, key_range, limit, keys_only), timeout)
        out = Records(Q.records(res.records))
        out.more = res.more
        return out

    async def query_pages(self, store: str, *, index: str = "", key_range: Optional[KeyRange] = None,
                          direction: Union[int, str] = "next", page_size: int = 0, keys_only: bool = False,
                          page_token: str = "", timeout: Optional[float] = None) -> AsyncIterator[Page]:
        req = Q.query_request(self.name, store, index, key_range, direction, page_size, keys_only, page_token)
        while True:
            res = await self._call("QueryDocuments", req, timeout)
            yield Page(Q.records(res.records), res.next_page_token)
            if not res.next_page_token:
                return
            req.page_token = res.next_page_token

    async def query(self, store: str, **kw: Any) -> AsyncIterator[Record]:
        async for page in self.query_pages(store, **kw):
            for r in page.records:
                yield r

    async def count(self, store: str, *, index: str = "", key_range: Optional[KeyRange] = None, timeout: Optional[float] = None) -> int:
        req = pb.CountDocumentsRequest(database=self.name, store=store, index=index, range=V.range_proto(key_range))
        return (await self._call("CountDocuments", req, timeout)).count

    async def watch(self, *, stores: Iterable[str] = (), start_seq: int = 0, progress_interval_ms: int = 0,
                    keys_only: bool = False, timeout: Optional[float] = None) -> AsyncIterator[WatchEvent]:
        req = Q.watch_request(self.name, stores, start_seq, progress_interval_ms, keys_only)
        it = self._c._stream(self._svc.WatchDocuments, req, timeout)
        try:
            async for m in it:
                yield WatchEvent.from_proto(m)
        finally:
            await it.aclose()
