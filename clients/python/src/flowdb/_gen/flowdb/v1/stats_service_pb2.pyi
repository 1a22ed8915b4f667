from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EngineStats(_message.Message):
    __slots__ = ["background_error", "block_cache_bytes", "block_cache_hit_rate", "block_cache_hits", "block_cache_misses", "block_index_entries", "bytes_per_level", "compaction_bytes_in", "compaction_bytes_out", "compaction_micros", "compression_ratio", "expired_tables_dropped", "flush_bytes", "flush_latency", "frozen_memtable_count", "get_latency", "last_compaction_at_us", "last_flush_at_us", "last_gc_at_us", "last_seq", "memtable_bytes", "memtable_pool_bytes", "memtable_records", "pending_compaction_bytes", "read_amplification", "read_only", "records_purged_by_gc", "space_amplification", "sstable_bytes", "sstable_count", "table_file_reopens", "table_files_open", "table_meta_bytes", "tables_per_level", "total_batches", "total_bytes_written", "total_compaction_runs", "total_flushes", "total_gc_runs", "total_records_expired", "total_records_read", "total_records_written", "total_syncs", "trivial_moves", "uptime_secs", "wal_bytes", "wal_files", "write_amplification", "write_latency", "write_stall_micros", "write_stalls"]
    BACKGROUND_ERROR_FIELD_NUMBER: _ClassVar[int]
    BLOCK_CACHE_BYTES_FIELD_NUMBER: _ClassVar[int]
    BLOCK_CACHE_HITS_FIELD_NUMBER: _ClassVar[int]
    BLOCK_CACHE_HIT_RATE_FIELD_NUMBER: _ClassVar[int]
    BLOCK_CACHE_MISSES_FIELD_NUMBER: _ClassVar[int]
    BLOCK_INDEX_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    BYTES_PER_LEVEL_FIELD_NUMBER: _ClassVar[int]
    COMPACTION_BYTES_IN_FIELD_NUMBER: _ClassVar[int]
    COMPACTION_BYTES_OUT_FIELD_NUMBER: _ClassVar[int]
    COMPACTION_MICROS_FIELD_NUMBER: _ClassVar[int]
    COMPRESSION_RATIO_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_TABLES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    FLUSH_BYTES_FIELD_NUMBER: _ClassVar[int]
    FLUSH_LATENCY_FIELD_NUMBER: _ClassVar[int]
    FROZEN_MEMTABLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    GET_LATENCY_FIELD_NUMBER: _ClassVar[int]
    LAST_COMPACTION_AT_US_FIELD_NUMBER: _ClassVar[int]
    LAST_FLUSH_AT_US_FIELD_NUMBER: _ClassVar[int]
    LAST_GC_AT_US_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    MEMTABLE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEMTABLE_POOL_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEMTABLE_RECORDS_FIELD_NUMBER: _ClassVar[int]
    PENDING_COMPACTION_BYTES_FIELD_NUMBER: _ClassVar[int]
    READ_AMPLIFICATION_FIELD_NUMBER: _ClassVar[int]
    READ_ONLY_FIELD_NUMBER: _ClassVar[int]
    RECORDS_PURGED_BY_GC_FIELD_NUMBER: _ClassVar[int]
    SPACE_AMPLIFICATION_FIELD_NUMBER: _ClassVar[int]
    SSTABLE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SSTABLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TABLES_PER_LEVEL_FIELD_NUMBER: _ClassVar[int]
    TABLE_FILES_OPEN_FIELD_NUMBER: _ClassVar[int]
    TABLE_FILE_REOPENS_FIELD_NUMBER: _ClassVar[int]
    TABLE_META_BYTES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BATCHES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COMPACTION_RUNS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FLUSHES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_GC_RUNS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_RECORDS_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_RECORDS_READ_FIELD_NUMBER: _ClassVar[int]
    TOTAL_RECORDS_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SYNCS_FIELD_NUMBER: _ClassVar[int]
    TRIVIAL_MOVES_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECS_FIELD_NUMBER: _ClassVar[int]
    WAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    WAL_FILES_FIELD_NUMBER: _ClassVar[int]
    WRITE_AMPLIFICATION_FIELD_NUMBER: _ClassVar[int]
    WRITE_LATENCY_FIELD_NUMBER: _ClassVar[int]
    WRITE_STALLS_FIELD_NUMBER: _ClassVar[int]
    WRITE_STALL_MICROS_FIELD_NUMBER: _ClassVar[int]
    background_error: str
    block_cache_bytes: int
    block_cache_hit_rate: float
    block_cache_hits: int
    block_cache_misses: int
    block_index_entries: int
    bytes_per_level: _containers.RepeatedScalarFieldContainer[int]
    compaction_bytes_in: int
    compaction_bytes_out: int
    compaction_micros: int
    compression_ratio: float
    expired_tables_dropped: int
    flush_bytes: int
    flush_latency: LatencySummary
    frozen_memtable_count: int
    get_latency: LatencySummary
    last_compaction_at_us: int
    last_flush_at_us: int
    last_gc_at_us: int
    last_seq: int
    memtable_bytes: int
    memtable_pool_bytes: int
    memtable_records: int
    pending_compaction_bytes: int
    read_amplification: float
    read_only: bool
    records_purged_by_gc: int
    space_amplification: float
    sstable_bytes: int
    sstable_count: int
    table_file_reopens: int
    table_files_open: int
    table_meta_bytes: int
    tables_per_level: _containers.RepeatedScalarFieldContainer[int]
    total_batches: int
    total_bytes_written: int
    total_compaction_runs: int
    total_flushes: int
    total_gc_runs: int
    total_records_expired: int
    total_records_read: int
    total_records_written: int
    total_syncs: int
    trivial_moves: int
    uptime_secs: float
    wal_bytes: int
    wal_files: int
    write_amplification: float
    write_latency: LatencySummary
    write_stall_micros: int
    write_stalls: int
    def __init__(self, total_records_written: _Optional[int] = ..., total_bytes_written: _Optional[int] = ..., total_records_read: _Optional[int] = ..., total_records_expired: _Optional[int] = ..., total_flushes: _Optional[int] = ..., total_gc_runs: _Optional[int] = ..., total_compaction_runs: _Optional[int] = ..., records_purged_by_gc: _Optional[int] = ..., total_batches: _Optional[int] = ..., total_syncs: _Optional[int] = ..., memtable_records: _Optional[int] = ..., memtable_bytes: _Optional[int] = ..., frozen_memtable_count: _Optional[int] = ..., sstable_count: _Optional[int] = ..., sstable_bytes: _Optional[int] = ..., wal_bytes: _Optional[int] = ..., wal_files: _Optional[int] = ..., block_index_entries: _Optional[int] = ..., block_cache_bytes: _Optional[int] = ..., block_cache_hits: _Optional[int] = ..., block_cache_misses: _Optional[int] = ..., block_cache_hit_rate: _Optional[float] = ..., compression_ratio: _Optional[float] = ..., last_seq: _Optional[int] = ..., write_stalls: _Optional[int] = ..., write_stall_micros: _Optional[int] = ..., uptime_secs: _Optional[float] = ..., last_flush_at_us: _Optional[int] = ..., last_compaction_at_us: _Optional[int] = ..., last_gc_at_us: _Optional[int] = ..., write_latency: _Optional[_Union[LatencySummary, _Mapping]] = ..., get_latency: _Optional[_Union[LatencySummary, _Mapping]] = ..., flush_latency: _Optional[_Union[LatencySummary, _Mapping]] = ..., read_only: bool = ..., background_error: _Optional[str] = ..., compaction_bytes_in: _Optional[int] = ..., compaction_bytes_out: _Optional[int] = ..., compaction_micros: _Optional[int] = ..., flush_bytes: _Optional[int] = ..., write_amplification: _Optional[float] = ..., space_amplification: _Optional[float] = ..., read_amplification: _Optional[float] = ..., pending_compaction_bytes: _Optional[int] = ..., tables_per_level: _Optional[_Iterable[int]] = ..., bytes_per_level: _Optional[_Iterable[int]] = ..., expired_tables_dropped: _Optional[int] = ..., trivial_moves: _Optional[int] = ..., table_meta_bytes: _Optional[int] = ..., memtable_pool_bytes: _Optional[int] = ..., table_files_open: _Optional[int] = ..., table_file_reopens: _Optional[int] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ["stats"]
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: EngineStats
    def __init__(self, stats: _Optional[_Union[EngineStats, _Mapping]] = ...) -> None: ...

class LatencySummary(_message.Message):
    __slots__ = ["count", "max", "p50", "p90", "p99"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    P50_FIELD_NUMBER: _ClassVar[int]
    P90_FIELD_NUMBER: _ClassVar[int]
    P99_FIELD_NUMBER: _ClassVar[int]
    count: int
    max: float
    p50: float
    p90: float
    p99: float
    def __init__(self, p50: _Optional[float] = ..., p90: _Optional[float] = ..., p99: _Optional[float] = ..., max: _Optional[float] = ..., count: _Optional[int] = ...) -> None: ...

class WatchStatsRequest(_message.Message):
    __slots__ = ["interval_ms"]
    INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    interval_ms: int
    def __init__(self, interval_ms: _Optional[int] = ...) -> None: ...

class WatchStatsResponse(_message.Message):
    __slots__ = ["stats", "time_us"]
    STATS_FIELD_NUMBER: _ClassVar[int]
    TIME_US_FIELD_NUMBER: _ClassVar[int]
    stats: EngineStats
    time_us: int
    def __init__(self, stats: _Optional[_Union[EngineStats, _Mapping]] = ..., time_us: _Optional[int] = ...) -> None: ...
