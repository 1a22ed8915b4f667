/** Messages between the engine and the flush worker (worker.ts). */
import type { RangeTombstone } from '../base/entry.ts';
import type { ListLayout } from '../memtable/skiplist.ts';
import type { TableWriterOptions } from '../sstable/encoder.ts';
import type { TableProps } from '../sstable/props.ts';

export interface FlushJob {
  id: number;
  fileNum: number;
  opts: TableWriterOptions;
  layout: ListLayout;
  tombstones: RangeTombstone[];
  /** Shared [chunks sent, chunks written]. */
  flow: Int32Array;
}

export type FlushReply =
  | { id: number; type: 'blocks'; bufs: Uint8Array[] }
  | { id: number; type: 'done'; tail: Uint8Array[]; props: TableProps; size: number }
  | { id: number; type: 'error'; message: string };
