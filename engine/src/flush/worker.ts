/**
 * Engine worker entry (pool.ts). CPU only: every file operation happens on the main thread,
 * on the FS seam.
 * - flush: encodes a frozen memtable (shared arena, no copy) into SSTable bytes. Flow
 *   control: at most MAX_AHEAD chunks unwritten (flow[0] sent, flow[1] written).
 * - compact: runs the compaction merge (compaction/merge.ts) with RemoteIO: input bytes come
 *   in as replies, encoded output goes back as appends.
 */
import { parentPort } from 'node:worker_threads';
import { mergeTables } from '../compaction/merge.ts';
import { RemoteIO } from '../compaction/remote.ts';
import { TableEncoder } from '../sstable/encoder.ts';
import { LayoutCursor } from './cursor.ts';
import type { CompactJob, FlushJob, FromWorker, ToWorker } from './protocol.ts';
import { toWire, transferList } from './wire.ts';

const CHUNK_BYTES = 1 << 20;
const MAX_AHEAD = 4;

const post = (m: FromWorker, t: ArrayBuffer[] = []): void => parentPort?.postMessage(m, t);
const remotes = new Map<number, RemoteIO>();

function flush(job: FlushJob): void {
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
        post({ id: job.id, type: 'blocks', bufs }, transferList(bufs));
        for (let w = Atomics.load(flow, 1); sent - w > MAX_AHEAD; w = Atomics.load(flow, 1)) Atomics.wait(flow, 1, w, 1000);
      }
    }
    for (const t of job.tombstones) enc.addRangeTombstone(t);
    const { tail, props, size } = enc.finish();
    post({ id: job.id, type: 'flushed', tail, props, size }, transferList(tail));
  } catch (e) {
    post({ id: job.id, type: 'error', error: toWire(e) });
  }
}

async function compact(job: CompactJob): Promise<void> {
  const io = new RemoteIO(job.id, post);
  remotes.set(job.id, io);
  try {
    const stats = await mergeTables(job.spec, io, { shouldStop: () => Atomics.load(job.stop, 0) !== 0, slice: false });
    post({ id: job.id, type: 'merged', stats });
  } catch (e) {
    post({ id: job.id, type: 'error', error: toWire(e) });
  } finally {
    remotes.delete(job.id);
  }
}

parentPort?.on('message', (m: ToWorker) => {
  if (m.kind === 'reply') remotes.get(m.id)?.reply(m);
  else if (m.kind === 'flush') flush(m);
  else void compact(m);
});
post({ id: 0, type: 'ready' });
