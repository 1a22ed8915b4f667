/**
 * When transactions may start (https://w3c.github.io/IndexedDB/#transaction-scheduling): a
 * transaction waits for every earlier-created unfinished transaction whose scope overlaps its own,
 * unless both are readonly. A versionchange transaction's scope is every store.
 * Commit pipelining: once a readwrite transaction has fixed its batch (applied()), later
 * readwrite transactions no longer wait for it to finish (its write and fsync may be pending;
 * see commit-pipeline.ts). Readonly and versionchange transactions still wait for it to finish,
 * so they never read writes that are not durable yet.
 */
export interface Schedulable {
  readonly mode: IDBTransactionMode;
  /** Store ids; undefined means every store. */
  readonly scopeIds: ReadonlySet<number> | undefined;
  start(): void;
}

function overlaps(a: Schedulable, b: Schedulable): boolean {
  if (!a.scopeIds || !b.scopeIds) return true;
  for (const id of a.scopeIds) if (b.scopeIds.has(id)) return true;
  return false;
}

export class TxScheduler {
  #live: Schedulable[] = [];
  #started = new Set<Schedulable>();
  #applied = new Set<Schedulable>();

  get size(): number {
    return this.#live.length;
  }

  add(tx: Schedulable): void {
    this.#live.push(tx);
    this.#pump();
  }

  finished(tx: Schedulable): void {
    const i = this.#live.indexOf(tx);
    if (i >= 0) this.#live.splice(i, 1);
    this.#started.delete(tx);
    this.#applied.delete(tx);
    this.#pump();
  }

  /** tx (readwrite) has fixed its batch: later readwrite transactions may start. */
  applied(tx: Schedulable): void {
    if (tx.mode !== 'readwrite' || !this.#started.has(tx)) return;
    this.#applied.add(tx);
    this.#pump();
  }

  #pump(): void {
    for (let i = 0; i < this.#live.length; i++) {
      const tx = this.#live[i] as Schedulable;
      if (this.#started.has(tx)) continue;
      let blocked = false;
      // Nearest first: a blocker, when there is one, is usually the transaction just before.
      for (let j = i - 1; j >= 0 && !blocked; j--) {
        const earlier = this.#live[j] as Schedulable;
        if (!overlaps(tx, earlier)) continue;
        if (tx.mode === 'readonly' && earlier.mode === 'readonly') continue;
        if (tx.mode === 'readwrite' && this.#applied.has(earlier)) continue;
        blocked = true;
      }
      if (blocked) continue;
      this.#started.add(tx);
      tx.start();
    }
  }
}
