/**
 * Per-key locks. Conditional writes (CAS, prev_kv) take a key exclusively;
 * plain writes take it shared, so they never wait for each other (and keep
 * landing in one commit group) but are ordered against conditional writes.
 * Uncontended acquisition is synchronous: no promise, no microtask.
 */
export type Release = () => void;

interface Waiter {
  exclusive: boolean;
  grant: () => void;
}

interface Slot {
  shared: number;
  exclusive: boolean;
  waiters: Waiter[];
}

export interface LockRequest {
  key: Uint8Array;
  exclusive: boolean;
}

const name = (k: Uint8Array): string => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('latin1');

export class KeyLocks {
  #slots = new Map<string, Slot>();
  /** Exclusive holders plus exclusive waiters, over all keys. */
  #exclusive = 0;

  /** Keys currently locked or waited for (tests, metrics). */
  get size(): number {
    return this.#slots.size;
  }

  /**
   * Runs fn holding every key's lock; keys are deduplicated (exclusive wins)
   * and taken in sorted order. A bare key is taken exclusively.
   */
  with<T>(keys: (Uint8Array | LockRequest)[], fn: () => Promise<T>): Promise<T> {
    const reqs = keys.map((k) => (k instanceof Uint8Array ? { key: k, exclusive: true } : k));
    const got = this.acquire(reqs);
    if (typeof got === 'function') return run(fn, got);
    return got.then((release) => run(fn, release));
  }

  /** A release function when every lock was free, else a promise of one. */
  acquire(reqs: LockRequest[]): Release | Promise<Release> {
    if (reqs.length === 1) {
      const r = reqs[0] as LockRequest;
      const n = name(r.key);
      const got = this.#take(n, r.exclusive);
      const release = () => this.#release(n, r.exclusive);
      return got === undefined ? release : got.then(() => release);
    }
    if (this.#exclusive === 0 && reqs.every((r) => !r.exclusive)) {
      // Only shared locks anywhere: all are granted now, so order is moot (no sort, no dedupe).
      const names = reqs.map((r) => name(r.key));
      for (const n of names) this.#take(n, false);
      return () => {
        for (const n of names) this.#release(n, false);
      };
    }
    const modes = new Map<string, boolean>();
    for (const r of reqs) {
      const n = name(r.key);
      modes.set(n, r.exclusive || modes.get(n) === true);
    }
    const names = [...modes.keys()].sort();
    const release = () => {
      for (let i = names.length - 1; i >= 0; i--) {
        const n = names[i] as string;
        this.#release(n, modes.get(n) === true);
      }
    };
    for (let i = 0; i < names.length; i++) {
      const got = this.#take(names[i] as string, modes.get(names[i] as string) === true);
      if (got !== undefined) return got.then(() => this.#takeRest(names, modes, i + 1)).then(() => release);
    }
    return release;
  }

  async #takeRest(names: string[], modes: Map<string, boolean>, from: number): Promise<void> {
    for (let i = from; i < names.length; i++) {
      const n = names[i] as string;
      await this.#take(n, modes.get(n) === true);
    }
  }

  /** Takes the lock now (undefined) or queues and resolves when granted. */
  #take(n: string, exclusive: boolean): Promise<void> | undefined {
    if (exclusive) this.#exclusive++;
    const s = this.#slots.get(n);
    if (s === undefined) {
      this.#slots.set(n, { shared: exclusive ? 0 : 1, exclusive, waiters: [] });
      return undefined;
    }
    if (s.waiters.length === 0 && !s.exclusive && (!exclusive || s.shared === 0)) {
      if (exclusive) s.exclusive = true;
      else s.shared++;
      return undefined;
    }
    return new Promise<void>((grant) => s.waiters.push({ exclusive, grant }));
  }

  #release(n: string, exclusive: boolean): void {
    const s = this.#slots.get(n);
    if (s === undefined) return;
    if (exclusive) {
      s.exclusive = false;
      this.#exclusive--;
    } else s.shared--;
    // Grant waiters in FIFO order while compatible.
    while (s.waiters.length > 0 && !s.exclusive) {
      const w = s.waiters[0] as Waiter;
      if (w.exclusive && s.shared > 0) break;
      s.waiters.shift();
      if (w.exclusive) s.exclusive = true;
      else s.shared++;
      w.grant();
    }
    if (s.shared === 0 && !s.exclusive && s.waiters.length === 0) this.#slots.delete(n);
  }
}

async function run<T>(fn: () => Promise<T>, release: Release): Promise<T> {
  try {
    return await fn();
  } finally {
    release();
  }
}
