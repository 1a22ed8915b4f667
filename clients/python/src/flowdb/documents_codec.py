"""DocumentService values: Python keys and JSON documents to and from protobuf, result types
and request builders shared by Database and AsyncDatabase."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import grpc
from google.protobuf import struct_pb2

from flowdb._errors import REASON_INVALID_ARGUMENT, FlowError
from flowdb._gen.flowdb.v1 import document_pb2 as pb

REASON_INVALID_KEY = "ERROR_REASON_INVALID_KEY"
REASON_NOT_FOUND = "ERROR_REASON_NOT_FOUND"
REASON_ALREADY_EXISTS = "ERROR_REASON_ALREADY_EXISTS"
REASON_SCHEMA_CONFLICT = "ERROR_REASON_SCHEMA_CONFLICT"

Key = Union[int, float, str, bytes, _dt.datetime, Sequence[Any]]
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_DIRECTIONS = {"next": 1, "nextunique": 2, "prev": 3, "prevunique": 4}


def _invalid(reason: str, field_name: str, msg: str) -> FlowError:
    return FlowError(grpc.StatusCode.INVALID_ARGUMENT, reason, msg, {"field": field_name})


def to_key(k: Any) -> pb.DocumentKey:
    """A Python value as a DocumentKey: int/float (exact) -> number, str -> string,
    datetime -> date (ms; naive means UTC), bytes-like -> binary, list/tuple -> array.
    Anything else raises FlowError (INVALID_ARGUMENT, REASON_INVALID_KEY)."""
    if isinstance(k, pb.DocumentKey):
        return k
    if isinstance(k, bool) or k is None:
        raise _invalid(REASON_INVALID_KEY, "key", f"{k!r} is not a document key")
    if isinstance(k, int):
        if abs(k) > 2**53:
            raise _invalid(REASON_INVALID_KEY, "key", f"{k} is not exact as a double")
        return pb.DocumentKey(number_value=float(k))
    if isinstance(k, float):
        return pb.DocumentKey(number_value=k)
    if isinstance(k, str):
        return pb.DocumentKey(string_value=k)
    if isinstance(k, (bytes, bytearray, memoryview)):
        return pb.DocumentKey(binary_value=bytes(k))
    if isinstance(k, _dt.datetime):
        t = k if k.tzinfo else k.replace(tzinfo=_dt.timezone.utc)
        return pb.DocumentKey(date_value=(t - _EPOCH) // _dt.timedelta(milliseconds=1))
    if isinstance(k, (list, tuple)):
        return pb.DocumentKey(array_value=pb.DocumentKeyArray(values=[to_key(e) for e in k]))
    raise _invalid(REASON_INVALID_KEY, "key", f"{type(k).__name__} is not a document key type")


def _num(x: float) -> Union[int, float]:
    return int(x) if math.isfinite(x) and x.is_integer() and abs(x) <= 2**53 else x


def from_key(k: Optional[pb.DocumentKey]) -> Any:
    """A DocumentKey as Python: int (integral numbers) or float, str, datetime (UTC),
    bytes, list; None when unset."""
    kind = k.WhichOneof("kind") if k is not None else None
    if kind == "number_value":
        return _num(k.number_value)  # type: ignore[union-attr]
    if kind == "string_value":
        return k.string_value  # type: ignore[union-attr]
    if kind == "date_value":
        return _EPOCH + _dt.timedelta(milliseconds=k.date_value)  # type: ignore[union-attr]
    if kind == "binary_value":
        return k.binary_value  # type: ignore[union-attr]
    if kind == "array_value":
        return [from_key(e) for e in k.array_value.values]  # type: ignore[union-attr]
    return None


def to_value(x: Any) -> struct_pb2.Value:
    """A JSON-shaped Python value (dict with str keys, list/tuple, str, int, float, bool,
    None) as a google.protobuf.Value; anything else raises FlowError (INVALID_ARGUMENT)."""
    if isinstance(x, struct_pb2.Value):
        return x
    v = struct_pb2.Value()
    if x is None:
        v.null_value = struct_pb2.NULL_VALUE
    elif isinstance(x, bool):
        v.bool_value = x
    elif isinstance(x, (int, float)):
        v.number_value = x
    elif isinstance(x, str):
        v.string_value = x
    elif isinstance(x, Mapping):
        fields = v.struct_value.fields
        for name, e in x.items():
            if not isinstance(name, str):
                raise _invalid(REASON_INVALID_ARGUMENT, "document", f"object key {name!r} is not a string")
            fields[name].CopyFrom(to_value(e))
    elif isinstance(x, (list, tuple)):
        v.list_value.values.extend(to_value(e) for e in x)
    else:
        raise _invalid(REASON_INVALID_ARGUMENT, "document", f"{type(x).__name__} is not a JSON value")
    return v


def from_value(v: Optional[struct_pb2.Value]) -> Any:
    """A google.protobuf.Value as dict/list/str/int/float/bool/None (integral numbers as int)."""
    kind = v.WhichOneof("kind") if v is not None else None
    if kind == "number_value":
        return _num(v.number_value)  # type: ignore[union-attr]
    if kind == "string_value":
        return v.string_value  # type: ignore[union-attr]
    if kind == "bool_value":
        return v.bool_value  # type: ignore[union-attr]
    if kind == "struct_value":
        return {k: from_value(e) for k, e in v.struct_value.fields.items()}  # type: ignore[union-attr]
    if kind == "list_value":
        return [from_value(e) for e in v.list_value.values]  # type: ignore[union-attr]
    return None


@dataclass(frozen=True)
class KeyRange:
    """Keys between two bounds, like IDBKeyRange; a None bound is unbounded."""

    lower: Any = None
    upper: Any = None
    lower_open: bool = False
    upper_open: bool = False

    @classmethod
    def only(cls, k: Any) -> "KeyRange":
        return cls(k, k)

    @classmethod
    def bound(cls, lower: Any, upper: Any, lower_open: bool = False, upper_open: bool = False) -> "KeyRange":
        return cls(lower, upper, lower_open, upper_open)

    @classmethod
    def lower_bound(cls, k: Any, open: bool = False) -> "KeyRange":
        return cls(lower=k, lower_open=open)

    @classmethod
    def upper_bound(cls, k: Any, open: bool = False) -> "KeyRange":
        return cls(upper=k, upper_open=open)

    def to_proto(self) -> pb.KeyRange:
        r = pb.KeyRange(lower_open=self.lower_open, upper_open=self.upper_open)
        if self.lower is not None:
            r.lower.CopyFrom(to_key(self.lower))
        if self.upper is not None:
            r.upper.CopyFrom(to_key(self.upper))
        return r

    @classmethod
    def from_proto(cls, r: pb.KeyRange) -> "KeyRange":
        lo = from_key(r.lower) if r.HasField("lower") else None
        hi = from_key(r.upper) if r.HasField("upper") else None
        return cls(lo, hi, r.lower_open, r.upper_open)


def range_proto(r: Optional[KeyRange]) -> Optional[pb.KeyRange]:
    return r.to_proto() if r is not None else None


@dataclass(frozen=True)
class Record:
    """One record: key (index key for index reads, else primary key), primary key, document
    (None when read keys-only)."""

    key: Any
    primary_key: Any
    document: Any = None

    @classmethod
    def from_proto(cls, r: pb.DocumentRecord) -> "Record":
        return cls(from_key(r.key), from_key(r.primary_key), from_value(r.document) if r.HasField("document") else None)


class Records(list):  # type: ignore[type-arg]
    """The records of get_all; ``more`` is True when the limit cut the result."""

    more: bool = False


@dataclass(frozen=True)
class Page:
    records: list[Record]
    next_page_token: str


@dataclass(frozen=True)
class Written:
    """A written document's primary key (generated ones included) and change seq."""

    key: Any
    seq: int


@dataclass(frozen=True)
class Deleted:
    """Records deleted and the seq of the last change (0: nothing deleted)."""

    count: int
    seq: int


@dataclass(frozen=True)
class TxResult:
    """One answer of transact: the key written (put/add) or records deleted (delete/clear)."""

    key: Any = None
    deleted: int = 0


@dataclass(frozen=True)
class Transacted:
    results: list[TxResult]
    seq: int


@dataclass(frozen=True)
class Change:
    """A committed change: type (flowdb.DocumentChangeType), seq, store, primary key (None for
    CLEAR), document (PUT, unless keys_only), commit_seq (equal within one transaction)."""

    type: int
    seq: int
    store: str
    key: Any
    document: Any
    commit_seq: int


@dataclass(frozen=True)
class WatchEvent:
    """Changes in seq order, or a progress notification; every change up to seq was
    delivered (resume with start_seq=seq + 1)."""

    changes: list[Change] = field(default_factory=list)
    progress: bool = False
    seq: int = 0

    @classmethod
    def from_proto(cls, m: pb.WatchDocumentsResponse) -> "WatchEvent":
        chs = [Change(c.type, c.seq, c.store, from_key(c.key) if c.HasField("key") else None,
                      from_value(c.document) if c.HasField("document") else None, c.commit_seq) for c in m.changes]
        return cls(chs, m.progress, m.seq)


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
