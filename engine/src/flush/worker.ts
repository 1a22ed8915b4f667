/**
 * Flush worker entry: encodes a frozen memtable (shared arena, no copy) into SSTable bytes.
 * CPU only: every byte goes back to the main thread, which does all file I/O through the FS
 * seam. Flow control: at most MAX_AHEAD chunks unwritten (flow[0] sent, flow[1] written).
 */
import { parentPort } from 'node:worker_threads';
import { TableEncoder } from '../sstable/encoder.ts';
import { LayoutCursor } from './cursor.ts';
import type { FlushJob, FlushReply } from './protocol.ts';

const CHUNK_BYTES = 1 << 20;
const MAX_AHEAD = 4;

function transfer(bufs: Uint8Array[]): ArrayBuffer[] {
  const s = new Set<ArrayBuffer>();
  for (const b of bufs) if (b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) s.add(b.buffer);
  return [...s];
}

function run(job: FlushJob): void {
  const post = (m: FlushReply, t: ArrayBuffer[] = []): void => parentPort?.postMessage(m, t);
  try {
    const enc = new TableEncoder(job.fileNum, job.opts);
    const cur = new LayoutCursor(job.layout);
    const flow = job.flow;
    for (let e = cur.next(); e !== undefined; e = cur.next()) {
      enc.add(e);
      if (enc.bufferedBytes() >= CHUNK_BYTES) {
        const bufs = enc.take();
        if (bufs.length === 0) continue;
        const sent = Atomics.add(flow, 0, 1) + 1;
        post({ id: job.id, type: 'blocks', bufs }, transfer(bufs));
        for (let w = Atomics.load(flow, 1); sent - w > MAX_AHEAD; w = Atomics.load(flow, 1)) Atomics.wait(flow, 1, w, 1000);
      }
    }
    for (const t of job.tombstones) enc.addRangeTombstone(t);
    const { tail, props, size } = enc.finish();
    post({ id: job.id, type: 'done', tail, props, size }, transfer(tail));
  } catch (e) {
    post({ id: job.id, type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

parentPort?.on('message', (job: FlushJob) => run(job));
