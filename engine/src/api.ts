/**
 * The public contract of @flowdb/engine. `Engine` (db.ts) implements it.
 * Keys and values are bytes; ts is integer µs since the epoch (a safe integer).
 */
import type { EventEmitter } from 'node:events';
import type { FS } from './vfs/fs.ts';

export type SyncMode =
  | { mode: 'always' }
  | { mode: 'interval'; intervalMs: number }
  | { mode: 'none' };

export type Compression = 'none' | 'zstd';

export interface Clock {
  /** µs since the epoch. */
  nowMicros(): number;
}

export interface OpenOptions {
  /** Filesystem; default NodeFS. */
  fs?: FS;
  sync?: SyncMode;
  /** Active memtable size that triggers a freeze, bytes (memory held, see engine/README.md "Memory"). Default 16 MiB. */
  memtableBytes?: number;
  /** Frozen memtables allowed before writers are stalled. Default 2. */
  maxFrozenMemtables?: number;
  /** Target uncompressed data-block size, bytes. Default 4096. */
  blockBytes?: number;
  /** Bloom filter bits per distinct key; 0 disables. Default 10. */
  bloomBitsPerKey?: number;
  compression?: Compression;
  /** TTL applied to puts that give no expireAt/ttl, µs. Default none. */
  defaultTtlMicros?: number;
  /** Block cache capacity, bytes. Default 32 MiB. */
  blockCacheBytes?: number;
  /** Most table files kept open; the least recently read are closed and reopened on demand. Default 1000. */
  maxOpenFiles?: number;
  /** Create the directory if missing. Default true. */
  createIfMissing?: boolean;
  /** Salvage a WAL with mid-log corruption by dropping everything from the bad record on. */
  walSalvage?: boolean;
  clock?: Clock;
  /** Target size of L1, bytes (x10 per deeper level). Default 64 MiB. */
  levelBaseBytes?: number;
  /** Compaction output tables are cut at this size, bytes. Default 32 MiB. */
  targetFileBytes?: number;
  /** Compact in the background after flushes. Default true (write stalls still force compaction). */
  autoCompaction?: boolean;
  /** L0 table count that slows writers (a short delay per commit group). Default 12. */
  l0SlowdownTables?: number;
  /** L0 table count that stops writers until compaction catches up. Default 20. */
  l0StopTables?: number;
  /** Encode flushed tables in a worker thread (default true); file I/O stays on the calling thread. */
  workerThreads?: boolean;
}

export interface CompactRange {
  /** Inclusive. */
  start?: Uint8Array;
  /** Exclusive. */
  end?: Uint8Array;
}

export interface CompactionEvent {
  /** Source level. */
  level: number;
  outputLevel: number;
  kind: 'merge' | 'move' | 'drop';
  /** Input file numbers. */
  inputs: number[];
  /** Output file numbers (moves: the moved tables). */
  outputs: number[];
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
}

export interface TableProblem {
  file: string;
  problems: string[];
}

export interface PutOp {
  type: 'put';
  key: Uint8Array;
  /** Default: the clock's now. */
  ts?: number;
  value: Uint8Array;
  /** Absolute µs; overrides ttlMicros and the default TTL. */
  expireAt?: number;
  /** Relative to now, µs. */
  ttlMicros?: number;
}
/** Deletes exactly (key, ts), or every ts of the key when ts is omitted. */
export interface DelOp {
  type: 'del';
  key: Uint8Array;
  ts?: number;
}
/** Deletes every key in [start, end), every ts. */
export interface DelRangeOp {
  type: 'delRange';
  start: Uint8Array;
  end: Uint8Array;
}
export type BatchOp = PutOp | DelOp | DelRangeOp;

export interface Record {
  key: Uint8Array;
  ts: number;
  value: Uint8Array;
  /** undefined when the record never expires. */
  expireAt: number | undefined;
  seq: number;
}

export interface ScanOptions {
  prefix?: Uint8Array;
  gt?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  /** Inclusive lower ts bound. */
  tsFrom?: number;
  /** Inclusive upper ts bound. */
  tsTo?: number;
  reverse?: boolean;
  limit?: number;
  /** Records come with an empty value. */
  keysOnly?: boolean;
  /** Read as of this snapshot. */
  snapshot?: Snapshot;
}

/** first(): a scan's options without limit (it reads one record). */
export type FirstOptions = Omit<ScanOptions, 'limit'>;

export interface GetOptions {
  /** Exact version; omitted: the latest live version. */
  ts?: number;
  snapshot?: Snapshot;
}

export interface Snapshot {
  readonly seq: number;
  release(): void;
}

export interface WriteResult {
  /** Seq of the batch's last entry. */
  seq: number;
  firstSeq: number;
}

export interface EngineEvents {
  batchCommitted: [{ firstSeq: number; lastSeq: number; records: number; bytes: number; synced: boolean; groupSize: number }];
  memtableFrozen: [{ records: number; bytes: number; walFileNum: number }];
  flushStarted: [{ fileNum: number; records: number; bytes: number }];
  flushFinished: [{ fileNum: number; records: number; bytes: number; durationMs: number; minTs: number; maxTs: number }];
  walTruncated: [{ removedFileNums: number[] }];
  writeStallBegan: [{ frozenMemtables: number; l0Tables?: number }];
  compactionStarted: [Omit<CompactionEvent, 'outputs' | 'bytesOut' | 'durationMs'>];
  compactionFinished: [CompactionEvent];
  writeStallEnded: [{ durationMs: number }];
  backgroundError: [{ error: Error }];
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  count: number;
}

export interface EngineStats {
  totalRecordsWritten: number;
  totalBytesWritten: number;
  totalRecordsRead: number;
  totalRecordsExpired: number;
  totalFlushes: number;
  totalGcRuns: number;
  totalCompactionRuns: number;
  recordsPurgedByGc: number;
  totalBatches: number;
  totalSyncs: number;
  memtableRecords: number;
  memtableBytes: number;
  frozenMemtableCount: number;
  sstableCount: number;
  sstableBytes: number;
  walBytes: number;
  walFiles: number;
  blockIndexEntries: number;
  /** Memory of open tables' block indexes and bloom filters, bytes. */
  tableMetaBytes: number;
  /** Buffers of flushed memtables kept for reuse by the next memtable, bytes. */
  memtablePoolBytes: number;
  blockCacheBytes: number;
  /** Table file handles open now (bounded by maxOpenFiles plus reads in flight). */
  tableFilesOpen: number;
  /** Table files reopened after being closed for the maxOpenFiles bound. */
  tableFileReopens: number;
  blockCacheHits: number;
  blockCacheMisses: number;
  blockCacheHitRate: number;
  compressionRatio: number;
  lastSeq: number;
  writeStalls: number;
  writeStallMicros: number;
  uptimeSecs: number;
  lastFlushAt: number | undefined;
  lastCompactionAt: number | undefined;
  lastGcAt: number | undefined;
  /** µs. */
  writeLatency: LatencySummary;
  getLatency: LatencySummary;
  flushLatency: LatencySummary;
  readOnly: boolean;
  backgroundError: string | undefined;
  /** Bytes read by compactions (input tables). */
  compactionBytesIn: number;
  /** Bytes written by compactions (output tables; moves and drops write nothing). */
  compactionBytesOut: number;
  compactionMicros: number;
  /** Bytes of tables written by flushes. */
  flushBytes: number;
  /** (flush bytes + compaction bytes out) / user bytes written. */
  writeAmplification: number;
  /** Total table bytes / bytes of the deepest non-empty level (1 when every table is there). */
  spaceAmplification: number;
  /** Mean tables probed per exact get (ts given) that reached the tables. */
  readAmplification: number;
  /** Estimated compaction debt, bytes. */
  pendingCompactionBytes: number;
  tablesPerLevel: number[];
  bytesPerLevel: number[];
  /** Whole tables deleted because every record had expired (no rewrite). */
  expiredTablesDropped: number;
  trivialMoves: number;
}

export interface KV {
  write(ops: BatchOp[]): Promise<WriteResult>;
  get(key: Uint8Array, opts?: GetOptions): Promise<Record | undefined>;
  getMany(keys: Uint8Array[], opts?: GetOptions): Promise<(Record | undefined)[]>;
  scan(opts?: ScanOptions): AsyncIterableIterator<Record>;
  /** The first record scan(opts) would yield, or undefined; no iterator pipeline (point lookups, existence checks). */
  first(opts?: FirstOptions): Promise<Record | undefined>;
  count(opts?: ScanOptions): Promise<number>;
  deleteRange(start: Uint8Array, end: Uint8Array): Promise<WriteResult>;
  snapshot(): Snapshot;
  flush(): Promise<void>;
  /** fsync the WAL now (for sync modes interval/none). */
  syncWal(): Promise<void>;
  stats(): EngineStats;
  checkpoint(dir: string): Promise<void>;
  /** Manual compaction of [start, end) down to the bottom level. */
  compact?(range?: CompactRange): Promise<void>;
  /** Reads every table and checks checksums, order and properties. */
  verify?(): Promise<TableProblem[]>;
  close(): Promise<void>;
  readonly events: EventEmitter<EngineEvents>;
}
