from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CHANGE_TYPE_DELETE: ChangeType
CHANGE_TYPE_DELETE_RANGE: ChangeType
CHANGE_TYPE_PUT: ChangeType
CHANGE_TYPE_UNSPECIFIED: ChangeType
DESCRIPTOR: _descriptor.FileDescriptor
EVENT_TYPE_BACKGROUND_ERROR: EventType
EVENT_TYPE_BATCH_COMMITTED: EventType
EVENT_TYPE_COMPACTION_FINISHED: EventType
EVENT_TYPE_COMPACTION_STARTED: EventType
EVENT_TYPE_FLUSH_FINISHED: EventType
EVENT_TYPE_FLUSH_STARTED: EventType
EVENT_TYPE_MEMTABLE_FROZEN: EventType
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_WAL_TRUNCATED: EventType
EVENT_TYPE_WRITE_STALL_BEGAN: EventType
EVENT_TYPE_WRITE_STALL_ENDED: EventType

class BackgroundError(_message.Message):
    __slots__ = ["code", "message"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, message: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class BatchCommitted(_message.Message):
    __slots__ = ["bytes", "first_seq", "group_size", "last_seq", "records", "synced"]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEQ_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    SYNCED_FIELD_NUMBER: _ClassVar[int]
    bytes: int
    first_seq: int
    group_size: int
    last_seq: int
    records: int
    synced: bool
    def __init__(self, first_seq: _Optional[int] = ..., last_seq: _Optional[int] = ..., records: _Optional[int] = ..., bytes: _Optional[int] = ..., synced: bool = ..., group_size: _Optional[int] = ...) -> None: ...

class Change(_message.Message):
    __slots__ = ["expire_at_us", "key", "range_end", "seq", "ts", "type", "value"]
    EXPIRE_AT_US_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    RANGE_END_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    expire_at_us: int
    key: bytes
    range_end: bytes
    seq: int
    ts: int
    type: ChangeType
    value: bytes
    def __init__(self, type: _Optional[_Union[ChangeType, str]] = ..., seq: _Optional[int] = ..., key: _Optional[bytes] = ..., ts: _Optional[int] = ..., value: _Optional[bytes] = ..., expire_at_us: _Optional[int] = ..., range_end: _Optional[bytes] = ...) -> None: ...

class Compaction(_message.Message):
    __slots__ = ["bytes_in", "bytes_out", "duration_ms", "input_file_nums", "kind", "level", "output_file_nums", "output_level"]
    BYTES_IN_FIELD_NUMBER: _ClassVar[int]
    BYTES_OUT_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    INPUT_FILE_NUMS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FILE_NUMS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    bytes_in: int
    bytes_out: int
    duration_ms: float
    input_file_nums: _containers.RepeatedScalarFieldContainer[int]
    kind: str
    level: int
    output_file_nums: _containers.RepeatedScalarFieldContainer[int]
    output_level: int
    def __init__(self, level: _Optional[int] = ..., output_level: _Optional[int] = ..., kind: _Optional[str] = ..., input_file_nums: _Optional[_Iterable[int]] = ..., output_file_nums: _Optional[_Iterable[int]] = ..., bytes_in: _Optional[int] = ..., bytes_out: _Optional[int] = ..., duration_ms: _Optional[float] = ...) -> None: ...

class FlushFinished(_message.Message):
    __slots__ = ["bytes", "duration_ms", "file_num", "max_ts", "min_ts", "records"]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    FILE_NUM_FIELD_NUMBER: _ClassVar[int]
    MAX_TS_FIELD_NUMBER: _ClassVar[int]
    MIN_TS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    bytes: int
    duration_ms: float
    file_num: int
    max_ts: int
    min_ts: int
    records: int
    def __init__(self, file_num: _Optional[int] = ..., records: _Optional[int] = ..., bytes: _Optional[int] = ..., duration_ms: _Optional[float] = ..., min_ts: _Optional[int] = ..., max_ts: _Optional[int] = ...) -> None: ...

class FlushStarted(_message.Message):
    __slots__ = ["bytes", "file_num", "records"]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    FILE_NUM_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    bytes: int
    file_num: int
    records: int
    def __init__(self, file_num: _Optional[int] = ..., records: _Optional[int] = ..., bytes: _Optional[int] = ...) -> None: ...

class MemtableFrozen(_message.Message):
    __slots__ = ["bytes", "records", "wal_file_num"]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    WAL_FILE_NUM_FIELD_NUMBER: _ClassVar[int]
    bytes: int
    records: int
    wal_file_num: int
    def __init__(self, records: _Optional[int] = ..., bytes: _Optional[int] = ..., wal_file_num: _Optional[int] = ...) -> None: ...

class WalTruncated(_message.Message):
    __slots__ = ["removed_file_nums"]
    REMOVED_FILE_NUMS_FIELD_NUMBER: _ClassVar[int]
    removed_file_nums: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, removed_file_nums: _Optional[_Iterable[int]] = ...) -> None: ...

class WatchChangesRequest(_message.Message):
    __slots__ = ["keys_only", "prefix", "progress_interval_ms", "start_seq"]
    KEYS_ONLY_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    START_SEQ_FIELD_NUMBER: _ClassVar[int]
    keys_only: bool
    prefix: bytes
    progress_interval_ms: int
    start_seq: int
    def __init__(self, prefix: _Optional[bytes] = ..., start_seq: _Optional[int] = ..., progress_interval_ms: _Optional[int] = ..., keys_only: bool = ...) -> None: ...

class WatchChangesResponse(_message.Message):
    __slots__ = ["changes", "progress", "seq"]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[Change]
    progress: bool
    seq: int
    def __init__(self, changes: _Optional[_Iterable[_Union[Change, _Mapping]]] = ..., progress: bool = ..., seq: _Optional[int] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ["types"]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    types: _containers.RepeatedScalarFieldContainer[EventType]
    def __init__(self, types: _Optional[_Iterable[_Union[EventType, str]]] = ...) -> None: ...

class WatchResponse(_message.Message):
    __slots__ = ["background_error", "batch_committed", "compaction", "dropped", "flush_finished", "flush_started", "memtable_frozen", "time_us", "type", "wal_truncated", "write_stall_began", "write_stall_ended"]
    BACKGROUND_ERROR_FIELD_NUMBER: _ClassVar[int]
    BATCH_COMMITTED_FIELD_NUMBER: _ClassVar[int]
    COMPACTION_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    FLUSH_FINISHED_FIELD_NUMBER: _ClassVar[int]
    FLUSH_STARTED_FIELD_NUMBER: _ClassVar[int]
    MEMTABLE_FROZEN_FIELD_NUMBER: _ClassVar[int]
    TIME_US_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WAL_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    WRITE_STALL_BEGAN_FIELD_NUMBER: _ClassVar[int]
    WRITE_STALL_ENDED_FIELD_NUMBER: _ClassVar[int]
    background_error: BackgroundError
    batch_committed: BatchCommitted
    compaction: Compaction
    dropped: int
    flush_finished: FlushFinished
    flush_started: FlushStarted
    memtable_frozen: MemtableFrozen
    time_us: int
    type: EventType
    wal_truncated: WalTruncated
    write_stall_began: WriteStallBegan
    write_stall_ended: WriteStallEnded
    def __init__(self, type: _Optional[_Union[EventType, str]] = ..., time_us: _Optional[int] = ..., dropped: _Optional[int] = ..., batch_committed: _Optional[_Union[BatchCommitted, _Mapping]] = ..., memtable_frozen: _Optional[_Union[MemtableFrozen, _Mapping]] = ..., flush_started: _Optional[_Union[FlushStarted, _Mapping]] = ..., flush_finished: _Optional[_Union[FlushFinished, _Mapping]] = ..., wal_truncated: _Optional[_Union[WalTruncated, _Mapping]] = ..., write_stall_began: _Optional[_Union[WriteStallBegan, _Mapping]] = ..., write_stall_ended: _Optional[_Union[WriteStallEnded, _Mapping]] = ..., compaction: _Optional[_Union[Compaction, _Mapping]] = ..., background_error: _Optional[_Union[BackgroundError, _Mapping]] = ...) -> None: ...

class WriteStallBegan(_message.Message):
    __slots__ = ["frozen_memtables", "l0_tables"]
    FROZEN_MEMTABLES_FIELD_NUMBER: _ClassVar[int]
    L0_TABLES_FIELD_NUMBER: _ClassVar[int]
    frozen_memtables: int
    l0_tables: int
    def __init__(self, frozen_memtables: _Optional[int] = ..., l0_tables: _Optional[int] = ...) -> None: ...

class WriteStallEnded(_message.Message):
    __slots__ = ["duration_ms"]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    duration_ms: float
    def __init__(self, duration_ms: _Optional[float] = ...) -> None: ...

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
