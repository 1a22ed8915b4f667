/**
 * Commits over one engine. A readwrite transaction's batch is applied to the engine (write()
 * resolved, visible to later snapshots) before it is durable. With pipelining enabled (an opt-in:
 * the spec starts an overlapping readwrite transaction only once the earlier one has finished),
 * later overlapping readwrite transactions may start at that point (TxScheduler.applied) while
 * the fsync is still pending, so transactions in flight share fsyncs. Always:
 * - sync() resolves after an engine.syncWal() that began after the call: concurrent callers
 *   join the round queued behind the running one (one fsync per round, not per transaction).
 * - A failed fsync is sticky: every later round fails too (after a failed fsync the page cache
 *   state is unknown and a retry could falsely succeed).
 * - complete events go out in commit order: each commit waits for the previous one (finish()).
 *   Once a sync has failed, every later commit fails, since it may have read the lost writes.
 * - A memtable freeze between a write and its fsync moves the write to a WAL file syncWal() no
 *   longer covers (an engine in sync mode 'none' does not sync it when rotating): then the
 *   frozen memtables are flushed to tables before the commit counts as durable.
 */
import type { KV } from '@flowdb/engine';

export interface CommitTicket {
  /** Freezes seen before the write: a change by the time of the fsync needs a flush. */
  readonly freezesBefore: number;
  /** Resolves (never rejects) when the previous commit has finished. */
  readonly previous: Promise<void>;
  /** Marks this commit finished (successfully or not): the next one may complete. */
  done(): void;
}

export class CommitPipeline {
  readonly #kv: KV;
  #freezes = 0;
  #error: unknown = undefined;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();
  /** Later overlapping readwrite transactions may start once a batch is applied. */
  pipelining = false;

  constructor(kv: KV) {
    this.#kv = kv;
    kv.events.on('memtableFrozen', () => { this.#freezes++; });
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
    return { freezesBefore: this.#freezes, previous, done };
  }

  /** Makes every write applied before this call durable. */
  async sync(ticket: CommitTicket): Promise<void> {
    await this.#round();
    if (this.#freezes !== ticket.freezesBefore) {
      try {
        await this.#kv.flush();
      } catch (err) {
        this.#error ??= err;
        throw err;
      }
    }
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
