/**
 * FlushPool: one process-wide worker thread (worker.ts) that encodes frozen memtables.
 * Jobs run one at a time in the worker. The worker is ref'd only while a job is pending.
 * If the worker cannot start (e.g. a bundle without worker.ts), the pool is marked
 * unavailable and callers encode in-thread.
 */
import { Worker } from 'node:worker_threads';
import type { TableProps } from '../sstable/props.ts';
import type { FlushJob, FlushReply } from './protocol.ts';

export class WorkerUnavailable extends Error {}

export interface EncodedTable {
  tail: Uint8Array[];
  props: TableProps;
  size: number;
}

interface Pending {
  onBlocks(bufs: Uint8Array[]): void;
  resolve(t: EncodedTable): void;
  reject(e: unknown): void;
}

class FlushPool {
  #worker: Worker | undefined;
  #started = false;
  #broken = false;
  #jobs = new Map<number, Pending>();
  #nextId = 1;

  get available(): boolean {
    return !this.#broken;
  }

  run(job: Omit<FlushJob, 'id'>, onBlocks: (bufs: Uint8Array[]) => void): Promise<EncodedTable> {
    return new Promise<EncodedTable>((resolve, reject) => {
      if (this.#broken) return reject(new WorkerUnavailable('flush worker unavailable'));
      let w: Worker;
      try {
        w = this.#spawn();
      } catch (e) {
        this.#broken = true;
        return reject(new WorkerUnavailable(`flush worker failed to start: ${String(e)}`));
      }
      const id = this.#nextId++;
      this.#jobs.set(id, { onBlocks, resolve, reject });
      w.ref();
      w.postMessage({ ...job, id } satisfies FlushJob);
    });
  }

  /** Starts the worker ahead of the first flush (module loading takes a while). */
  warm(): void {
    if (this.#broken) return;
    try {
      this.#spawn();
    } catch {
      this.#broken = true;
    }
  }

  #spawn(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const w = new Worker(new URL('./worker.ts', import.meta.url));
    this.#worker = w;
    this.#started = false;
    w.on('online', () => {
      this.#started = true;
    });
    w.on('message', (m: FlushReply) => {
      const p = this.#jobs.get(m.id);
      if (p === undefined) return;
      if (m.type === 'blocks') return p.onBlocks(m.bufs);
      this.#jobs.delete(m.id);
      if (this.#jobs.size === 0) w.unref();
      if (m.type === 'done') p.resolve({ tail: m.tail, props: m.props, size: m.size });
      else p.reject(new Error(`flush worker: ${m.message}`));
    });
    const fail = (e: unknown): void => {
      if (this.#worker !== w) return;
      this.#worker = undefined;
      if (!this.#started) this.#broken = true;
      const err = this.#broken ? new WorkerUnavailable(`flush worker failed to start: ${String(e)}`) : e;
      for (const p of this.#jobs.values()) p.reject(err);
      this.#jobs.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`flush worker exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    w.unref();
    return w;
  }
}

export const flushPool = new FlushPool();
