/**
 * WorkerPool: the process-wide engine worker threads (worker.ts), shared by flush and
 * compaction jobs. Up to MAX_WORKERS threads, started on demand; a job goes to an idle thread
 * (else the least busy one). Jobs of one thread interleave only at its awaits. A thread is
 * ref'd only while it has a job. If a thread fails before its entry module loaded (it posts
 * 'ready'; e.g. a bundle without the worker file), the pool is marked unavailable and callers
 * do the work in-thread. A thread dying later fails its jobs with a typed IO_ERROR.
 * From source (this module is a .ts file) the entry is ./worker.ts; in the server bundle it
 * is engine-worker.mjs next to the bundle (scripts/bundle-server.sh builds it).
 */
import { Worker } from 'node:worker_threads';
import { ErrorCode, FlowError } from '../base/errors.ts';
import type { CompactJob, FlushJob, FromWorker, JobDone, ToWorker } from './protocol.ts';
import { fromWire } from './wire.ts';

export class WorkerUnavailable extends Error {}

export type JobInit = Omit<FlushJob, 'id'> | Omit<CompactJob, 'id'>;

/** Sends replies to one job's worker. */
export interface JobPort {
  post(m: ToWorker, transfer?: ArrayBuffer[]): void;
}

interface Pending {
  onMessage(m: FromWorker, port: JobPort): void;
  resolve(d: JobDone): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  started: boolean;
  jobs: Map<number, Pending>;
}

const MAX_WORKERS = 2;
const WORKER_YOUNG_MB = 12;
/** How long heapBytes() waits for a thread to report its heap. */
const HEAP_QUERY_MS = 2000;

export const WORKER_BUNDLE_FILE = 'engine-worker.mjs';

export function workerEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./worker.ts', import.meta.url) : new URL(`./${WORKER_BUNDLE_FILE}`, import.meta.url);
}

class WorkerPool {
  #slots: Slot[] = [];
  #broken = false;
  #nextId = 1;
  /** Jobs handed to a worker so far, per kind. */
  readonly jobs = { flush: 0, compact: 0 };

  get available(): boolean {
    return !this.#broken;
  }

  /** Live worker threads (for tests and stats). */
  get threads(): number {
    return this.#slots.length;
  }

  /** Runs a job; `onMessage` gets its intermediate messages. Rejects with WorkerUnavailable when no thread can start. */
  run(job: JobInit, onMessage: (m: FromWorker, port: JobPort) => void, transfer: ArrayBuffer[] = []): Promise<JobDone> {
    return new Promise<JobDone>((resolve, reject) => {
      if (this.#broken) return reject(new WorkerUnavailable('engine worker unavailable'));
      let s: Slot;
      try {
        s = this.#pick();
      } catch (e) {
        this.#broken = true;
        return reject(new WorkerUnavailable(`engine worker failed to start: ${String(e)}`));
      }
      const id = this.#nextId++;
      this.jobs[job.kind]++;
      s.jobs.set(id, { onMessage, resolve, reject });
      s.worker.ref();
      s.worker.postMessage({ ...job, id } as ToWorker, transfer);
    });
  }

  /** V8 heap of the live threads (used, total), bytes; for probes. */
  async heapBytes(): Promise<{ used: number; total: number; threads: number }> {
    // The threads are unref'd: keep the loop alive while they answer, and give up on one that
    // does not answer within HEAP_QUERY_MS (counted as 0).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => { timer = setTimeout(r, HEAP_QUERY_MS, undefined); });
    const all = await Promise.all(this.#slots.map((s) => Promise.race([s.worker.getHeapStatistics().catch(() => undefined), late])))
      .finally(() => clearTimeout(timer));
    let used = 0;
    let total = 0;
    for (const h of all) {
      used += h?.used_heap_size ?? 0;
      total += h?.total_heap_size ?? 0;
    }
    return { used, total, threads: all.length };
  }

  /** Starts threads ahead of the first jobs (module loading takes a while), up to `threads`. */
  warm(threads = 1): void {
    try {
      while (!this.#broken && this.#slots.length < Math.min(threads, MAX_WORKERS)) this.#spawn();
    } catch {
      this.#broken = true;
    }
  }

  /** Terminates every thread (tests: a worker dying mid-job). Pending jobs reject at once. */
  async terminateAll(): Promise<void> {
    const slots = [...this.#slots];
    for (const s of slots) {
      // Killed on purpose: not a start failure, the pool stays available.
      s.started = true;
      this.#fail(s, new Error('terminated'));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Forgets a dead thread and rejects its jobs: WorkerUnavailable if it never loaded, else a typed IO_ERROR. */
  #fail(s: Slot, e: unknown): void {
    const i = this.#slots.indexOf(s);
    if (i < 0) return;
    this.#slots.splice(i, 1);
    if (!s.started) this.#broken = true;
    const err = !s.started
      ? new WorkerUnavailable(`engine worker failed to start: ${String(e)}`)
      : new FlowError(ErrorCode.IO_ERROR, `engine worker died: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    for (const p of s.jobs.values()) p.reject(err);
    s.jobs.clear();
  }

  #pick(): Slot {
    const idle = this.#slots.find((s) => s.jobs.size === 0);
    if (idle !== undefined) return idle;
    if (this.#slots.length < MAX_WORKERS) return this.#spawn();
    return this.#slots.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  #spawn(): Slot {
    // A small young generation: the default (up to 3 x 16 MiB semi-spaces per isolate) cost ~65 MB
    // of RSS per thread in the long ingest, and young garbage here is block/entry churn.
    const w = new Worker(workerEntry(), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    const s: Slot = { worker: w, started: false, jobs: new Map() };
    this.#slots.push(s);
    const port: JobPort = { post: (m, t = []) => w.postMessage(m, t) };
    w.on('message', (m: FromWorker) => {
      // The entry module loaded ('online' comes before that, even when the file is missing).
      if (m.type === 'ready') return void (s.started = true);
      const p = s.jobs.get(m.id);
      if (p === undefined) return;
      if (m.type !== 'flushed' && m.type !== 'merged' && m.type !== 'error') return p.onMessage(m, port);
      s.jobs.delete(m.id);
      if (s.jobs.size === 0) w.unref();
      if (m.type === 'error') p.reject(fromWire(m.error, 'engine worker'));
      else p.resolve(m);
    });
    w.on('error', (e) => this.#fail(s, e));
    w.on('exit', (code) => this.#fail(s, new Error(`exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    w.unref();
    return s;
  }
}

export const workerPool = new WorkerPool();

/**
 * Starts every engine worker thread now rather than at the first flush or compaction that needs
 * one: a long-lived process (the sidecar) then has its steady memory from the start.
 */
export function warmEngineWorkers(): void {
  workerPool.warm(MAX_WORKERS);
}

/** V8 heap of the process's engine worker threads (every engine shares them), bytes. */
export function engineWorkerHeap(): Promise<{ used: number; total: number; threads: number }> {
  return workerPool.heapBytes();
}
/** The flush side's name for the one pool. */
export const flushPool = workerPool;
