from flowdb._gen.flowdb.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BatchGetRequest(_message.Message):
    __slots__ = ["keys", "keys_only", "ts"]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    KEYS_ONLY_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[bytes]
    keys_only: bool
    ts: int
    def __init__(self, keys: _Optional[_Iterable[bytes]] = ..., ts: _Optional[int] = ..., keys_only: bool = ...) -> None: ...

class BatchGetResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchGetResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchGetResult, _Mapping]]] = ...) -> None: ...

class BatchGetResult(_message.Message):
    __slots__ = ["error", "found", "key", "record"]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    error: ItemError
    found: bool
    key: bytes
    record: _types_pb2.Record
    def __init__(self, key: _Optional[bytes] = ..., found: bool = ..., record: _Optional[_Union[_types_pb2.Record, _Mapping]] = ..., error: _Optional[_Union[ItemError, _Mapping]] = ...) -> None: ...

class BatchOp(_message.Message):
    __slots__ = ["delete", "delete_range", "put"]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    DELETE_RANGE_FIELD_NUMBER: _ClassVar[int]
    PUT_FIELD_NUMBER: _ClassVar[int]
    delete: DeleteRequest
    delete_range: DeleteRangeRequest
    put: PutRequest
    def __init__(self, put: _Optional[_Union[PutRequest, _Mapping]] = ..., delete: _Optional[_Union[DeleteRequest, _Mapping]] = ..., delete_range: _Optional[_Union[DeleteRangeRequest, _Mapping]] = ...) -> None: ...

class BatchRequest(_message.Message):
    __slots__ = ["durability", "ops"]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    OPS_FIELD_NUMBER: _ClassVar[int]
    durability: _types_pb2.Durability
    ops: _containers.RepeatedCompositeFieldContainer[BatchOp]
    def __init__(self, ops: _Optional[_Iterable[_Union[BatchOp, _Mapping]]] = ..., durability: _Optional[_Union[_types_pb2.Durability, str]] = ...) -> None: ...

class BatchResponse(_message.Message):
    __slots__ = ["header", "prevs"]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    PREVS_FIELD_NUMBER: _ClassVar[int]
    header: _types_pb2.WriteHeader
    prevs: _containers.RepeatedCompositeFieldContainer[_types_pb2.Record]
    def __init__(self, header: _Optional[_Union[_types_pb2.WriteHeader, _Mapping]] = ..., prevs: _Optional[_Iterable[_Union[_types_pb2.Record, _Mapping]]] = ...) -> None: ...

class DeleteRangeRequest(_message.Message):
    __slots__ = ["durability", "end", "prefix", "return_count", "start"]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    RETURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    durability: _types_pb2.Durability
    end: bytes
    prefix: bytes
    return_count: bool
    start: bytes
    def __init__(self, start: _Optional[bytes] = ..., end: _Optional[bytes] = ..., prefix: _Optional[bytes] = ..., return_count: bool = ..., durability: _Optional[_Union[_types_pb2.Durability, str]] = ...) -> None: ...

class DeleteRangeResponse(_message.Message):
    __slots__ = ["deleted", "header"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    header: _types_pb2.WriteHeader
    def __init__(self, header: _Optional[_Union[_types_pb2.WriteHeader, _Mapping]] = ..., deleted: _Optional[int] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ["durability", "expected_version", "key", "prev_kv", "ts"]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PREV_KV_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    durability: _types_pb2.Durability
    expected_version: int
    key: bytes
    prev_kv: bool
    ts: int
    def __init__(self, key: _Optional[bytes] = ..., ts: _Optional[int] = ..., prev_kv: bool = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[_types_pb2.Durability, str]] = ...) -> None: ...

class DeleteResponse(_message.Message):
    __slots__ = ["header", "prev"]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    PREV_FIELD_NUMBER: _ClassVar[int]
    header: _types_pb2.WriteHeader
    prev: _types_pb2.Record
    def __init__(self, header: _Optional[_Union[_types_pb2.WriteHeader, _Mapping]] = ..., prev: _Optional[_Union[_types_pb2.Record, _Mapping]] = ...) -> None: ...

class GetRequest(_message.Message):
    __slots__ = ["key", "keys_only", "ts"]
    KEYS_ONLY_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    keys_only: bool
    ts: int
    def __init__(self, key: _Optional[bytes] = ..., ts: _Optional[int] = ..., keys_only: bool = ...) -> None: ...

class GetResponse(_message.Message):
    __slots__ = ["found", "record", "ttl_remaining_ms"]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    TTL_REMAINING_MS_FIELD_NUMBER: _ClassVar[int]
    found: bool
    record: _types_pb2.Record
    ttl_remaining_ms: int
    def __init__(self, found: bool = ..., record: _Optional[_Union[_types_pb2.Record, _Mapping]] = ..., ttl_remaining_ms: _Optional[int] = ...) -> None: ...

class IngestRequest(_message.Message):
    __slots__ = ["batch_id", "durability", "points"]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    batch_id: int
    durability: _types_pb2.Durability
    points: _containers.RepeatedCompositeFieldContainer[Point]
    def __init__(self, batch_id: _Optional[int] = ..., points: _Optional[_Iterable[_Union[Point, _Mapping]]] = ..., durability: _Optional[_Union[_types_pb2.Durability, str]] = ...) -> None: ...

class IngestResponse(_message.Message):
    __slots__ = ["batch_id", "header", "message", "reason", "records", "retry_delay_ms", "status"]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    RETRY_DELAY_MS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    batch_id: int
    header: _types_pb2.WriteHeader
    message: str
    reason: str
    records: int
    retry_delay_ms: int
    status: int
    def __init__(self, batch_id: _Optional[int] = ..., status: _Optional[int] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., header: _Optional[_Union[_types_pb2.WriteHeader, _Mapping]] = ..., records: _Optional[int] = ..., retry_delay_ms: _Optional[int] = ...) -> None: ...

class ItemError(_message.Message):
    __slots__ = ["code", "message", "reason"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    reason: str
    def __init__(self, code: _Optional[int] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Point(_message.Message):
    __slots__ = ["key", "ts", "ttl_ms", "value"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    ts: int
    ttl_ms: int
    value: bytes
    def __init__(self, key: _Optional[bytes] = ..., ts: _Optional[int] = ..., value: _Optional[bytes] = ..., ttl_ms: _Optional[int] = ...) -> None: ...

class PutRequest(_message.Message):
    __slots__ = ["durability", "expected_version", "expire_at_us", "if_absent", "key", "prev_kv", "ts", "ttl_ms", "value"]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_US_FIELD_NUMBER: _ClassVar[int]
    IF_ABSENT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PREV_KV_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    durability: _types_pb2.Durability
    expected_version: int
    expire_at_us: int
    if_absent: bool
    key: bytes
    prev_kv: bool
    ts: int
    ttl_ms: int
    value: bytes
    def __init__(self, key: _Optional[bytes] = ..., value: _Optional[bytes] = ..., ts: _Optional[int] = ..., ttl_ms: _Optional[int] = ..., expire_at_us: _Optional[int] = ..., prev_kv: bool = ..., expected_version: _Optional[int] = ..., if_absent: bool = ..., durability: _Optional[_Union[_types_pb2.Durability, str]] = ...) -> None: ...

class PutResponse(_message.Message):
    __slots__ = ["header", "prev"]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    PREV_FIELD_NUMBER: _ClassVar[int]
    header: _types_pb2.WriteHeader
    prev: _types_pb2.Record
    def __init__(self, header: _Optional[_Union[_types_pb2.WriteHeader, _Mapping]] = ..., prev: _Optional[_Union[_types_pb2.Record, _Mapping]] = ...) -> None: ...

class ScanRequest(_message.Message):
    __slots__ = ["continuation_token", "count_only", "end", "keys_only", "limit", "prefix", "reverse", "start", "ts_from", "ts_to"]
    CONTINUATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    COUNT_ONLY_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    KEYS_ONLY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    REVERSE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    TS_FROM_FIELD_NUMBER: _ClassVar[int]
    TS_TO_FIELD_NUMBER: _ClassVar[int]
    continuation_token: str
    count_only: bool
    end: bytes
    keys_only: bool
    limit: int
    prefix: bytes
    reverse: bool
    start: bytes
    ts_from: int
    ts_to: int
    def __init__(self, prefix: _Optional[bytes] = ..., start: _Optional[bytes] = ..., end: _Optional[bytes] = ..., ts_from: _Optional[int] = ..., ts_to: _Optional[int] = ..., reverse: bool = ..., limit: _Optional[int] = ..., keys_only: bool = ..., count_only: bool = ..., continuation_token: _Optional[str] = ...) -> None: ...

class ScanResponse(_message.Message):
    __slots__ = ["continuation_token", "count", "done", "more", "records"]
    CONTINUATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    continuation_token: str
    count: int
    done: bool
    more: bool
    records: _containers.RepeatedCompositeFieldContainer[_types_pb2.Record]
    def __init__(self, records: _Optional[_Iterable[_Union[_types_pb2.Record, _Mapping]]] = ..., continuation_token: _Optional[str] = ..., count: _Optional[int] = ..., more: bool = ..., done: bool = ...) -> None: ...
