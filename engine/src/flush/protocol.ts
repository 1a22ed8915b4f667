/**
 * Messages between the engine and its worker threads (worker.ts). Two job kinds: 'flush'
 * (encode a frozen memtable) and 'compact' (merge tables, compaction/merge.ts). Workers do
 * CPU work only; a compaction job asks the main thread for every file operation with a
 * 'call' message and gets a 'reply' back.
 */
import type { ErrorCode } from '../base/errors.ts';
import type { RangeTombstone } from '../base/entry.ts';
import type { MergeSpec, MergeStats } from '../compaction/merge.ts';
import type { ListLayout } from '../memtable/skiplist.ts';
import type { TableWriterOptions } from '../sstable/encoder.ts';
import type { TableProps } from '../sstable/props.ts';

export interface FlushJob {
  kind: 'flush';
  id: number;
  fileNum: number;
  opts: TableWriterOptions;
  layout: ListLayout;
  tombstones: RangeTombstone[];
  /** Shared [chunks sent, chunks written]. */
  flow: Int32Array;
}

export interface CompactJob {
  kind: 'compact';
  id: number;
  spec: MergeSpec;
  /** Shared [stop]: the main thread sets 1 to abort the merge. */
  stop: Int32Array;
}

export type Job = FlushJob | CompactJob;

/** File operations a compaction job asks the main thread for (compaction/io.ts MergeIO). */
export type IoCall =
  | { op: 'read'; input: number; offset: number; length: number }
  | { op: 'open' }
  | { op: 'append'; bufs: Uint8Array[] }
  | { op: 'finish'; tail: Uint8Array[] };

/** An error crossing the thread boundary. */
export interface WireError {
  message: string;
  code?: ErrorCode;
  file?: string;
  offset?: number;
  /** The merge stopped because the engine is closing. */
  aborted?: boolean;
}

export type ToWorker = Job | { kind: 'reply'; id: number; req: number; value?: Uint8Array | number; error?: WireError };

export type FromWorker =
  | { id: 0; type: 'ready' }
  | { id: number; type: 'blocks'; bufs: Uint8Array[] }
  | { id: number; type: 'call'; req: number; call: IoCall }
  | { id: number; type: 'flushed'; tail: Uint8Array[]; props: TableProps; size: number }
  | { id: number; type: 'merged'; stats: MergeStats }
  | { id: number; type: 'error'; error: WireError };

export type JobDone = Extract<FromWorker, { type: 'flushed' | 'merged' }>;
