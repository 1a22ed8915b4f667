/**
 * runMerge: one compaction merge, end to end. The merge itself (merge.ts mergeTables) runs in
 * an engine worker thread when allowed and available, else in this thread (time-sliced);
 * either way every file operation is FilesIO's (io.ts) on this thread, in the same order.
 * Then: directory synced, outputs opened as Tables. On failure every output is removed.
 */
import { tableFileName } from '../base/file-names.ts';
import { workerPool, WorkerUnavailable } from '../flush/pool.ts';
import type { FromWorker } from '../flush/protocol.ts';
import { toWire, transferList } from '../flush/wire.ts';
import type { BlockCache } from '../sstable/block-cache.ts';
import type { TableWriterOptions } from '../sstable/encoder.ts';
import { Table } from '../sstable/reader.ts';
import type { TableFiles } from '../sstable/table-files.ts';
import { type FS, joinPath } from '../vfs/fs.ts';
import { FilesIO } from './io.ts';
import { CompactionAborted, type MergeSpec, type MergeStats, mergeTables } from './merge.ts';

export interface MergeEnv {
  fs: FS;
  dir: string;
  cache: BlockCache;
  files: TableFiles;
  writer: TableWriterOptions;
  targetFileBytes: number;
  newFileNum(): number;
  /** Live snapshot seqs, ascending. */
  snapshots: readonly number[];
  now: number;
  bottommost: boolean;
  /** True aborts the merge (outputs removed). */
  shouldStop(): boolean;
  /** Merge in a worker thread when one is available. */
  useWorker: boolean;
}

export interface MergeResult {
  outputs: Table[];
  entriesIn: number;
  entriesOut: number;
  tombstonesIn: number;
  tombstonesOut: number;
}

/** Input bytes read ahead per merge, split over the inputs (each read: whole blocks). */
const READ_BUDGET = 4 << 20;
const STOP_POLL_MS = 20;

export async function runMerge(env: MergeEnv, inputs: readonly Table[]): Promise<MergeResult> {
  const paths = inputs.map((t) => joinPath(env.dir, tableFileName(t.fileNum)));
  const spec: MergeSpec = {
    inputs: inputs.map((t, i) => ({ path: paths[i] as string, size: t.meta.size, tombstones: [...t.rangeTombstones] })),
    writer: { ...env.writer },
    targetFileBytes: env.targetFileBytes,
    snapshots: [...env.snapshots],
    now: env.now,
    bottommost: env.bottommost,
    readBytes: Math.min(1 << 20, Math.max(64 << 10, Math.floor(READ_BUDGET / Math.max(1, inputs.length)))),
  };
  let io = new FilesIO(env.fs, env.dir, inputs, () => env.newFileNum());
  const outputs: Table[] = [];
  try {
    let stats: MergeStats;
    try {
      stats = env.useWorker && workerPool.available
        ? await inWorker(spec, io, env.shouldStop)
        : await mergeTables(spec, io, { shouldStop: env.shouldStop, slice: true });
    } catch (e) {
      if (!(e instanceof WorkerUnavailable)) throw e;
      await io.abort();
      io = new FilesIO(env.fs, env.dir, inputs, () => env.newFileNum());
      stats = await mergeTables(spec, io, { shouldStop: env.shouldStop, slice: true });
    }
    if (io.created.length > 0) await env.fs.syncDir(env.dir);
    for (const c of io.created) outputs.push(await Table.open(env.fs, c.path, c.fileNum, env.cache, env.files));
    return { outputs, entriesIn: stats.entriesIn, entriesOut: stats.entriesOut, tombstonesIn: stats.tombstonesIn, tombstonesOut: stats.tombstonesOut };
  } catch (e) {
    for (const t of outputs) await t.close().catch(() => undefined);
    await io.abort();
    throw e;
  }
}

/** The merge in a worker; this thread serves its file operations. A failed operation's own error wins. */
async function inWorker(spec: MergeSpec, io: FilesIO, shouldStop: () => boolean): Promise<MergeStats> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  let ioFailure: unknown;
  const check = (): void => {
    if (shouldStop()) Atomics.store(stop, 0, 1);
  };
  const poll = setInterval(check, STOP_POLL_MS).unref();
  const serve = (m: FromWorker): Promise<Uint8Array | number | undefined> => {
    if (m.type !== 'call') return Promise.resolve(undefined);
    const c = m.call;
    switch (c.op) {
      case 'read': return io.read(c.input, c.offset, c.length).then(movable);
      case 'open': return io.open();
      case 'append': return released(io.append(c.bufs), c.bufs);
      case 'finish': return released(io.finish(c.tail), c.tail);
    }
  };
  try {
    const done = await workerPool.run({ kind: 'compact', spec, stop }, (m, port) => {
      if (m.type !== 'call') return;
      check();
      serve(m).then(
        (value) => port.post(value === undefined ? { kind: 'reply', id: m.id, req: m.req } : { kind: 'reply', id: m.id, req: m.req, value },
          value instanceof Uint8Array ? transferList([value]) : []),
        (e: unknown) => {
          ioFailure ??= e;
          port.post({ kind: 'reply', id: m.id, req: m.req, error: toWire(e) });
        },
      );
    });
    if (done.type !== 'merged') throw new Error(`compaction worker answered ${done.type}`);
    return done.stats;
  } catch (e) {
    if (ioFailure !== undefined && !(e instanceof CompactionAborted)) throw ioFailure;
    throw e;
  } finally {
    clearInterval(poll);
  }
}

/**
 * Frees the worker's output buffers once written (the FS keeps no reference: fs.ts). Left to
 * GC they pile up: this thread allocates little during a merge, so ~50 MB of written 1 MiB
 * buffers built up between its collections.
 */
async function released(op: Promise<void>, bufs: readonly Uint8Array[]): Promise<undefined> {
  try {
    await op;
  } finally {
    for (const b of bufs) if (b.buffer instanceof ArrayBuffer && !b.buffer.detached) b.buffer.transfer(0);
  }
  return undefined;
}

/** A view the worker may take over: the whole of its buffer (copied if not). */
function movable(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b : b.slice();
}
