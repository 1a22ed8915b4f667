"""Database: the DocumentService (IndexedDB-style stores of JSON documents) on a sync Client."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Optional, Union

from flowdb import documents_codec as V
from flowdb import documents_requests as Q
from flowdb._gen.flowdb.v1 import document_pb2 as pb
from flowdb._gen.flowdb.v1 import document_pb2_grpc as pb_grpc
from flowdb.client import Client
from flowdb.documents_codec import KeyRange, Page, Record, Records, Transacted, WatchEvent, Written, Deleted


def list_databases(client: Client, *, timeout: Optional[float] = None) -> list[tuple[str, int]]:
    """(name, version) of every document database, by name."""
    res = client._unary(pb_grpc.DocumentServiceStub(client._channel).ListDatabases, pb.ListDatabasesRequest(), timeout)
    return [(d.name, d.version) for d in res.databases]


class Database:
    """One document database over a Client; holds no server state (ApplySchema creates it).

    >>> users = Database(client, "app")
    >>> users.apply_schema([store_schema("users", "id", indexes=[index_schema("by_email", "email", unique=True)])])
    >>> users.put("users", {"id": 1, "email": "a@x"})
    >>> for rec in users.query("users", key_range=KeyRange.lower_bound(1)): ...

    Keys are Python values (int/float, str, datetime, bytes, lists: see to_key), documents
    JSON-shaped values. Every failure raises FlowError (.code, .reason, .metadata).
    """

    def __init__(self, client: Client, name: str) -> None:
        self._c = client
        self.name = name
        self._svc = pb_grpc.DocumentServiceStub(client._channel)

    def _call(self, method: str, req: Any, timeout: Optional[float]) -> Any:
        return self._c._unary(getattr(self._svc, method), req, timeout)

    # ---- schema ----
    def apply_schema(self, stores: Iterable[Any], *, delete_stores: Iterable[str] = (), timeout: Optional[float] = None) -> tuple[dict[str, Any], bool]:
        """Make stores (store_schema(...) or dicts of its arguments) exist and delete
        delete_stores, in one versionchange. Returns (schema dict, changed). A different
        existing definition raises FlowError REASON_SCHEMA_CONFLICT."""
        res = self._call("ApplySchema", Q.apply_schema_request(self.name, stores, delete_stores), timeout)
        return Q.schema_dict(res.schema), res.changed

    def schema(self, *, timeout: Optional[float] = None) -> dict[str, Any]:
        """The schema as a dict (REASON_NOT_FOUND when the database does not exist)."""
        return Q.schema_dict(self._call("GetSchema", pb.GetSchemaRequest(database=self.name), timeout).schema)

    def drop(self, *, timeout: Optional[float] = None) -> None:
        """Delete the database and its documents (missing: no error)."""
        self._call("DeleteDatabase", pb.DeleteDatabaseRequest(database=self.name), timeout)

    # ---- writes ----
    def put(self, store: str, doc: Any, key: Any = None, *, timeout: Optional[float] = None) -> Written:
        """Insert or replace doc; key only for out-of-line stores without auto_increment."""
        res = self._call("PutDocument", Q.put_request(self.name, store, doc, key, add=False), timeout)
        return Written(V.from_key(res.key), res.seq)

    def add(self, store: str, doc: Any, key: Any = None, *, timeout: Optional[float] = None) -> Written:
        """Insert doc; REASON_ALREADY_EXISTS when the key or a unique index key is taken."""
        res = self._call("AddDocument", Q.put_request(self.name, store, doc, key, add=True), timeout)
        return Written(V.from_key(res.key), res.seq)

    def delete(self, store: str, key: Any, *, timeout: Optional[float] = None) -> Deleted:
        res = self._call("DeleteDocuments", Q.delete_request(self.name, store, key), timeout)
        return Deleted(res.deleted, res.seq)

    def delete_range(self, store: str, key_range: KeyRange, *, timeout: Optional[float] = None) -> Deleted:
        res = self._call("DeleteDocuments", Q.delete_request(self.name, store, key_range=key_range), timeout)
        return Deleted(res.deleted, res.seq)

    def transact(self, ops: Iterable[pb.TransactOp], *, timeout: Optional[float] = None) -> Transacted:
        """Apply tx_put/tx_add/tx_delete/tx_delete_range/tx_clear ops in order, all or nothing;
        on failure the FlowError's metadata["op_index"] names the failing op."""
        return Q.transacted(self._call("Transact", pb.TransactRequest(database=self.name, ops=list(ops)), timeout))

    # ---- reads ----
    def get(self, store: str, key: Any, *, index: str = "", timeout: Optional[float] = None) -> Optional[Record]:
        """The record with key (an index key when index is set: the first in index order), or None."""
        res = self._call("GetDocument", pb.GetDocumentRequest(database=self.name, store=store, index=index, key=V.to_key(key)), timeout)
        if not res.found:
            return None
        pk = V.from_key(res.primary_key)
        return Record(V.from_key(V.to_key(key)) if index else pk, pk, V.from_value(res.document))

    def get_all(self, store: str, *, index: str = "", key_range: Optional[KeyRange] = None, limit: int = 0,
                keys_only: bool = False, timeout: Optional[float] = None) -> Records:
        """Up to limit (default 1000) records in key order in one call; ``.more`` on the result
        is True when the limit cut it."""
        res = self._call("GetAllDocuments", Q.get_all_request(self.name, store, index, key_range, limit, keys_only), timeout)
        out = Records(Q.records(res.records))
        out.more = res.more
        return out

    def query_pages(self, store: str, *, index: str = "", key_range: Optional[KeyRange] = None,
                    direction: Union[int, str] = "next", page_size: int = 0, keys_only: bool = False,
                    page_token: str = "", timeout: Optional[float] = None) -> Iterator[Page]:
        """The pages of a cursor, following next_page_token until it is exhausted."""
        req = Q.query_request(self.name, store, index, key_range, direction, page_size, keys_only, page_token)
        while True:
            res = self._call("QueryDocuments", req, timeout)
            yield Page(Q.records(res.records), res.next_page_token)
            if not res.next_page_token:
                return
            req.page_token = res.next_page_token

    def query(self, store: str, **kw: Any) -> Iterator[Record]:
        """The records of a cursor (keywords as query_pages), fetched page by page."""
        for page in self.query_pages(store, **kw):
            yield from page.records

    def count(self, store: str, *, index: str = "", key_range: Optional[KeyRange] = None, timeout: Optional[float] = None) -> int:
        req = pb.CountDocumentsRequest(database=self.name, store=store, index=index, range=V.range_proto(key_range))
        return self._call("CountDocuments", req, timeout).count

    # ---- watch ----
    def watch(self, *, stores: Iterable[str] = (), start_seq: int = 0, progress_interval_ms: int = 0,
              keys_only: bool = False, timeout: Optional[float] = None) -> Iterator[WatchEvent]:
        """Committed changes (start_seq 0: only new ones); closing the generator ends the stream.
        A start_seq no longer retained raises REASON_SEQ_COMPACTED."""
        req = Q.watch_request(self.name, stores, start_seq, progress_interval_ms, keys_only)
        it = self._c._stream(self._svc.WatchDocuments, req, timeout)
        try:
            for m in it:
                yield WatchEvent.from_proto(m)
        finally:
            it.close()
