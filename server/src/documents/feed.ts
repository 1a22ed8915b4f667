/**
 * DocumentFeed: a bounded in-memory log of the document changes committed
 * through this server (all databases), for WatchDocuments. Seqs start at the
 * server's clock in µs, so they exceed every seq of an earlier run; nothing
 * from before the start is resumable.
 */
import { Waiters } from '../waiters.ts';

export type DocChangeKind = 'put' | 'delete' | 'clear';

export interface DocChange {
  kind: DocChangeKind;
  seq: number;
  /** Seq of the last change of the same transaction. */
  commitSeq: number;
  database: string;
  store: string;
  /** IndexedDB primary key (put, delete). */
  key: unknown;
  /** The stored document (put). */
  doc: unknown;
  /** Approximate retained size. */
  bytes: number;
}
export type NewChange = Omit<DocChange, 'seq' | 'commitSeq'>;

export class DocumentFeed {
  #entries: DocChange[] = [];
  #head = 0;
  #bytes = 0;
  #floor: number;
  #last: number;
  readonly #retention: number;
  readonly #retentionBytes: number;
  readonly #waiters = new Waiters();

  constructor(retention: number, retentionBytes = 64 * 1024 * 1024, startSeq = Math.floor(Date.now() * 1000)) {
    this.#last = startSeq;
    this.#floor = startSeq + 1;
    this.#retention = retention;
    this.#retentionBytes = retentionBytes;
  }

  /** Oldest seq a watcher may resume from. */
  get floor(): number {
    return this.#floor;
  }
  /** Highest seq assigned. */
  get lastSeq(): number {
    return this.#last;
  }

  /** Appends one committed transaction's changes; returns its last seq (lastSeq when empty). */
  append(changes: NewChange[]): number {
    if (changes.length === 0) return this.#last;
    const first = this.#last + 1;
    const commitSeq = first + changes.length - 1;
    changes.forEach((c, i) => {
      this.#entries.push({ ...c, seq: first + i, commitSeq });
      this.#bytes += c.bytes + 64;
    });
    this.#last = commitSeq;
    while (this.#entries.length - this.#head > this.#retention || (this.#bytes > this.#retentionBytes && this.#entries.length - this.#head > 1)) {
      const old = this.#entries[this.#head] as DocChange;
      this.#bytes -= old.bytes + 64;
      this.#entries[this.#head] = undefined as never; // release the document
      this.#head++;
      this.#floor = old.seq + 1;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    this.#waiters.notify();
    return commitSeq;
  }

  /** Entries with seq >= from, at most max, in seq order. */
  readFrom(from: number, max: number): DocChange[] {
    const start = this.#head + Math.max(0, from - this.#floor);
    return this.#entries.slice(start, Math.min(this.#entries.length, start + max));
  }

  /** Resolves at the next recorded change, or when the signal aborts / ms pass. */
  wait(signal: AbortSignal, ms: number): Promise<void> {
    return this.#waiters.wait(signal, ms);
  }
}
