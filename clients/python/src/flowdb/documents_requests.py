"""DocumentService request builders (schema, reads, writes, transact ops) shared by Database and
AsyncDatabase."""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence, Union

from flowdb._errors import REASON_INVALID_ARGUMENT
from flowdb._gen.flowdb.v1 import document_pb2 as pb
from flowdb.documents_codec import KeyRange, Record, Transacted, TxResult, _invalid, from_key, range_proto, to_key, to_value

_DIRECTIONS = {"next": 1, "nextunique": 2, "prev": 3, "prevunique": 4}


# ---- schema ----

def _key_path(p: Any) -> list[str]:
    if p is None:
        return []
    return [p] if isinstance(p, str) else list(p)


def index_schema(name: str, key_path: Union[str, Sequence[str]], *, unique: bool = False, multi_entry: bool = False) -> pb.IndexSchema:
    return pb.IndexSchema(name=name, key_path=_key_path(key_path), unique=unique, multi_entry=multi_entry)


def store_schema(name: str, key_path: Union[None, str, Sequence[str]] = None, *, auto_increment: bool = False,
                 indexes: Iterable[Any] = ()) -> pb.StoreSchema:
    """A store definition. key_path None: out-of-line keys; "": the document itself; a
    dotted path; or a list of paths (compound key). indexes: index_schema(...) or dicts."""
    ix = [i if isinstance(i, pb.IndexSchema) else index_schema(**i) for i in indexes]
    return pb.StoreSchema(name=name, key_path=_key_path(key_path), auto_increment=auto_increment, indexes=ix)


def _store(s: Any) -> pb.StoreSchema:
    return s if isinstance(s, pb.StoreSchema) else store_schema(**s)


def schema_dict(s: pb.DatabaseSchema) -> dict[str, Any]:
    """A DatabaseSchema as a dict shaped like store_schema's arguments (key paths as lists)."""
    return {"name": s.name, "version": s.version, "stores": [
        {"name": st.name, "key_path": list(st.key_path), "auto_increment": st.auto_increment, "indexes": [
            {"name": i.name, "key_path": list(i.key_path), "unique": i.unique, "multi_entry": i.multi_entry}
            for i in st.indexes]} for st in s.stores]}


def apply_schema_request(db: str, stores: Iterable[Any], delete_stores: Iterable[str]) -> pb.ApplySchemaRequest:
    return pb.ApplySchemaRequest(database=db, stores=[_store(s) for s in stores], delete_stores=list(delete_stores))


# ---- requests ----

def _opt_key(k: Any) -> Optional[pb.DocumentKey]:
    return None if k is None else to_key(k)


def direction(d: Union[int, str]) -> int:
    """'next', 'nextunique', 'prev', 'prevunique' (IndexedDB names) or a CursorDirection."""
    if isinstance(d, str):
        try:
            return _DIRECTIONS[d.lower().replace("_", "")]
        except KeyError:
            raise _invalid(REASON_INVALID_ARGUMENT, "direction", f"unknown direction {d!r}") from None
    return int(d)


def put_request(db: str, store: str, doc: Any, key: Any, add: bool) -> Any:
    cls = pb.AddDocumentRequest if add else pb.PutDocumentRequest
    return cls(database=db, store=store, document=to_value(doc), key=_opt_key(key))


def get_all_request(db: str, store: str, index: str, key_range: Optional[KeyRange], limit: int, keys_only: bool) -> pb.GetAllDocumentsRequest:
    return pb.GetAllDocumentsRequest(database=db, store=store, index=index, range=range_proto(key_range), limit=limit, keys_only=keys_only)


def query_request(db: str, store: str, index: str, key_range: Optional[KeyRange], dir: Union[int, str], page_size: int,
                  keys_only: bool, page_token: str) -> pb.QueryDocumentsRequest:
    return pb.QueryDocumentsRequest(database=db, store=store, index=index, range=range_proto(key_range), direction=direction(dir),  # type: ignore[arg-type]
                                    page_size=page_size, keys_only=keys_only, page_token=page_token)


def records(rs: Iterable[pb.DocumentRecord]) -> list[Record]:
    return [Record.from_proto(r) for r in rs]


# ---- transact ops ----

def tx_put(store: str, doc: Any, key: Any = None) -> pb.TransactOp:
    """Insert or replace (key: out-of-line key, None for in-line/auto-increment stores)."""
    return pb.TransactOp(put=pb.TransactPut(store=store, document=to_value(doc), key=_opt_key(key)))


def tx_add(store: str, doc: Any, key: Any = None) -> pb.TransactOp:
    """Insert; the transaction fails with ALREADY_EXISTS if the key is taken."""
    return pb.TransactOp(add=pb.TransactPut(store=store, document=to_value(doc), key=_opt_key(key)))


def tx_delete(store: str, key: Any) -> pb.TransactOp:
    return pb.TransactOp(delete=pb.TransactDelete(store=store, key=to_key(key)))


def tx_delete_range(store: str, key_range: KeyRange) -> pb.TransactOp:
    return pb.TransactOp(delete=pb.TransactDelete(store=store, range=key_range.to_proto()))


def tx_clear(store: str) -> pb.TransactOp:
    return pb.TransactOp(clear=pb.TransactClear(store=store))


def transacted(res: pb.TransactResponse) -> Transacted:
    return Transacted([TxResult(from_key(r.key) if r.HasField("key") else None, r.deleted) for r in res.results], res.seq)


def delete_request(db: str, store: str, key: Any = None, key_range: Optional[KeyRange] = None) -> pb.DeleteDocumentsRequest:
    if key_range is not None:
        return pb.DeleteDocumentsRequest(database=db, store=store, range=key_range.to_proto())
    return pb.DeleteDocumentsRequest(database=db, store=store, key=to_key(key))


def watch_request(db: str, stores: Iterable[str], start_seq: int, progress_interval_ms: int, keys_only: bool) -> pb.WatchDocumentsRequest:
    return pb.WatchDocumentsRequest(database=db, stores=list(stores), start_seq=start_seq,
                                    progress_interval_ms=progress_interval_ms, keys_only=keys_only)
