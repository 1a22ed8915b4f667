"""DocumentService values: Python keys and JSON documents to and from protobuf, and the result
types of Database and AsyncDatabase (request builders: documents_requests)."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Union

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
