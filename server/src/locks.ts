/** Per-key async locks: conditional writes are atomic w.r.t. other locked writes of the same key. */
export class KeyLocks {
  #tails = new Map<string, Promise<void>>();

  /** Runs fn holding the locks of every key (deduplicated, taken in sorted order). */
  async with<T>(keys: Uint8Array[], fn: () => Promise<T>): Promise<T> {
    const names = [...new Set(keys.map((k) => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('latin1')))].sort();
    const releases: (() => void)[] = [];
    try {
      for (const n of names) releases.push(await this.#acquire(n));
      return await fn();
    } finally {
      for (const r of releases.reverse()) r();
    }
  }

  async #acquire(name: string): Promise<() => void> {
    const prev = this.#tails.get(name);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev === undefined ? mine : prev.then(() => mine);
    this.#tails.set(name, tail);
    if (prev !== undefined) await prev;
    return () => {
      release();
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    };
  }
}
