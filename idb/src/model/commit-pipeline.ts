/**
 * Commits over one engine.
 * - Commit pipelining (opt-in; the spec starts an overlapping readwrite transaction only once the
 *   earlier one has finished): once a readwrite transaction has fixed its batch (apply()), later
 *   overlapping readwrite transactions may start (TxScheduler.applied). They read the batches not
 *   yet applied through their overlays (inherit()), and depend on them: their batches are
 *   written after, and a failed one fails every commit that depends on it. Batches that queue up
 *   while one write is in flight go to the engine as one atomic write (one WAL record, one fsync).
 * - sync() resolves after an engine.syncWal() that began after the call: concurrent callers
 *   join the round queued behind the running one (one fsync per round, not per transaction).
 *   A failed fsync is sticky: every later round fails too (after a failed fsync the page cache
 *   state is unknown and a retry could falsely succeed).
 * - complete events go out in commit order: each commit waits for the previous one (its ticket).
 *   Once a sync has failed, every later commit fails, since it may have read the lost writes.
 * - A memtable freeze between a write and its fsync needs nothing here: the engine syncs a dirty
 *   WAL when it rotates it, in every sync mode, so syncWal() covers every earlier write.
 */
import type { BatchOp, KV } from '@flowdb/engine';
import type { Overlay } from './overlay.ts';

/** Batches combined into one engine write stop growing past this size. */
const GROUP_BYTES = 8 << 20;

function opBytes(ops: readonly BatchOp[]): number {
  let n = 0;
  for (const op of ops) n += op.type === 'delRange' ? op.start.length + op.end.length : op.key.length + (op.type === 'put' ? op.value.length : 0);
  return n;
}

/** A batch fixed and queued, not yet applied to the engine. */
export interface PendingBatch {
  readonly overlay: Overlay;
  /** Set when its write failed (or a batch it depends on did). */
  error: unknown;
}

interface Queued {
  ops: BatchOp[];
  batch: PendingBatch;
  deps: readonly PendingBatch[];
  resolve(): void;
  reject(err: unknown): void;
}

export interface CommitTicket {
  /** Resolves (never rejects) when the previous commit has finished. */
  readonly previous: Promise<void>;
  /** Marks this commit finished (successfully or not): the next one may complete. */
  done(): void;
}

export class CommitPipeline {
  readonly #kv: KV;
  #error: unknown = undefined;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();
  /** Later overlapping readwrite transactions may start once a batch is fixed. */
  pipelining = false;
  /** Batches fixed and not yet applied, in commit order. */
  #pending: PendingBatch[] = [];
  #queue: Queued[] = [];
  #writing = false;

  constructor(kv: KV) {
    this.#kv = kv;
  }

  /** The sticky durability failure, if any. */
  get error(): unknown {
    return this.#error;
  }

  /** Enters the commit order; call synchronously right before the engine write. */
  enter(): CommitTicket {
    const previous = this.#tail;
    let done!: () => void;
    this.#tail = new Promise<void>((resolve) => { done = resolve; });
    return { previous, done };
  }

  /** For a transaction starting now: the batches not yet applied (oldest first); it depends on them. */
  inherit(): readonly PendingBatch[] {
    return this.#pending.length === 0 ? [] : [...this.#pending];
  }

  /**
   * Writes a commit's batch after every earlier one; resolves once applied. Without pipelining
   * it is one engine write. With it, the batch is pending (inherited by transactions starting
   * from now on) until written; it fails when a batch in deps failed.
   */
  apply(ops: BatchOp[], overlay: Overlay, deps: readonly PendingBatch[]): Promise<void> {
    if (!this.pipelining && this.#pending.length === 0 && deps.length === 0) {
      return ops.length === 0 ? Promise.resolve() : this.#kv.write(ops).then(() => undefined);
    }
    const batch: PendingBatch = { overlay, error: undefined };
    this.#pending.push(batch);
    return new Promise((resolve, reject) => {
      this.#queue.push({ ops, batch, deps, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  /**
   * Writes queued batches in order, those queued meanwhile as one engine write (up to
   * GROUP_BYTES; the rest follows once it is applied, so its dependencies are known by then).
   */
  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        let n = 0;
        let bytes = 0;
        while (n < this.#queue.length && (n === 0 || bytes < GROUP_BYTES)) bytes += opBytes((this.#queue[n++] as Queued).ops);
        const group = this.#queue.splice(0, n);
        const ops: BatchOp[] = [];
        const written: Queued[] = [];
        for (const q of group) {
          const failed = q.deps.find((d) => d.error !== undefined);
          if (failed) { q.batch.error = failed.error; continue; }
          for (const op of q.ops) ops.push(op);
          written.push(q);
        }
        if (ops.length > 0) {
          try {
            await this.#kv.write(ops);
          } catch (err) {
            for (const q of written) q.batch.error = err;
          }
        }
        const done = new Set(group.map((q) => q.batch));
        this.#pending = this.#pending.filter((p) => !done.has(p));
        for (const q of group) {
          if (q.batch.error === undefined) q.resolve();
          else q.reject(q.batch.error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  /** Makes every write applied before this call durable. */
  sync(): Promise<void> {
    return this.#round();
  }

  #round(): Promise<void> {
    if (this.#running === undefined) return this.#run();
    this.#queued ??= this.#running.then(
      () => { this.#queued = undefined; return this.#run(); },
      () => { this.#queued = undefined; return this.#run(); },
    );
    return this.#queued;
  }

  #run(): Promise<void> {
    const p = (async (): Promise<void> => {
      if (this.#error !== undefined) throw this.#error;
      try {
        await this.#kv.syncWal();
      } catch (err) {
        this.#error ??= err;
        throw err;
      }
    })();
    this.#running = p;
    const clear = (): void => { if (this.#running === p) this.#running = undefined; };
    p.then(clear, clear);
    return p;
  }
}

const pipelines = new WeakMap<KV, CommitPipeline>();

/** The pipeline of an engine, shared by every factory over it. */
export function pipelineFor(kv: KV): CommitPipeline {
  let p = pipelines.get(kv);
  if (p === undefined) {
    p = new CommitPipeline(kv);
    pipelines.set(kv, p);
  }
  return p;
}
