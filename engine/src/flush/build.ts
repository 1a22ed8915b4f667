/**
 * Writes a frozen memtable as an SSTable. Encoding runs in the flush worker (pool.ts) or,
 * when asked or when no worker can start, in this thread; every file operation happens here,
 * on the FS seam, in the same order either way: create, appends, sync, close.
 * On failure the file is closed and removed.
 */
import { ioError } from '../base/errors.ts';
import type { Memtable } from '../memtable/memtable.ts';
import { type EncodedTail, TableEncoder, type TableWriterOptions } from '../sstable/encoder.ts';
import { type TableMeta, propsToMeta } from '../sstable/writer.ts';
import type { FS, WritableFile } from '../vfs/fs.ts';
import { LayoutCursor } from './cursor.ts';
import { WorkerUnavailable, flushPool } from './pool.ts';

export { flushPool };

const CHUNK_BYTES = 1 << 20;
/** Smaller memtables are encoded in-thread: a few ms of work, less than a worker round trip. */
export const WORKER_MIN_BYTES = 1 << 20;

export async function writeMemtable(
  fs: FS, path: string, fileNum: number, opts: TableWriterOptions, mt: Memtable, useWorker: boolean,
): Promise<TableMeta> {
  const worker = useWorker && flushPool.available && mt.bytes >= WORKER_MIN_BYTES;
  let file: WritableFile;
  try {
    file = await fs.create(path);
  } catch (err) {
    throw ioError(`create ${path}`, err);
  }
  try {
    const t = worker ? await viaWorker(file, path, fileNum, opts, mt) : await inThread(file, path, fileNum, opts, mt);
    await append(file, path, t.tail);
    try {
      await file.sync();
      await file.close();
    } catch (err) {
      throw ioError(`finish ${path}`, err);
    }
    return propsToMeta(t.props, t.size);
  } catch (e) {
    await file.close().catch(() => undefined);
    await fs.remove(path).catch(() => undefined);
    if (e instanceof WorkerUnavailable) return writeMemtable(fs, path, fileNum, opts, mt, false);
    throw e;
  }
}

async function append(file: WritableFile, path: string, bufs: Uint8Array[]): Promise<void> {
  if (bufs.length === 0) return;
  try {
    await file.append(bufs.length === 1 ? (bufs[0] as Uint8Array) : Buffer.concat(bufs));
  } catch (err) {
    throw ioError(`append ${path}`, err);
  }
}

async function inThread(file: WritableFile, path: string, fileNum: number, opts: TableWriterOptions, mt: Memtable): Promise<EncodedTail> {
  const enc = new TableEncoder(fileNum, opts);
  const cur = new LayoutCursor(mt.list.layout());
  for (let e = cur.next(); e !== undefined; e = cur.next()) {
    enc.add(e);
    if (enc.bufferedBytes() >= CHUNK_BYTES) await append(file, path, enc.take());
  }
  for (const t of mt.rangeTombstones) enc.addRangeTombstone(t);
  return enc.finish();
}

async function viaWorker(file: WritableFile, path: string, fileNum: number, opts: TableWriterOptions, mt: Memtable): Promise<EncodedTail> {
  const flow = new Int32Array(new SharedArrayBuffer(8));
  let chain = Promise.resolve();
  let failed: unknown;
  const onBlocks = (bufs: Uint8Array[]): void => {
    chain = chain.then(async () => {
      try {
        if (failed === undefined) await append(file, path, bufs);
      } catch (e) {
        failed = e;
      }
      // Written (or given up on): let the worker go on.
      Atomics.add(flow, 1, 1);
      Atomics.notify(flow, 1);
    });
  };
  let t: EncodedTail;
  try {
    const job = { kind: 'flush' as const, fileNum, opts: { ...opts }, layout: mt.list.layout(), tombstones: mt.rangeTombstones, flow };
    const done = await flushPool.run(job, (m) => {
      if (m.type === 'blocks') onBlocks(m.bufs);
    });
    if (done.type !== 'flushed') throw new Error(`flush worker answered ${done.type}`);
    t = done;
  } finally {
    await chain;
  }
  if (failed !== undefined) throw failed;
  return t;
}
