/**
 * ChangeFeed: a bounded in-memory log of the key changes committed through
 * this server, in seq order, for EventsService.WatchChanges. It starts empty
 * at the engine's last seq when the server starts: nothing older is resumable.
 */
export type ChangeKind = 'put' | 'del' | 'delRange';

export interface ChangeEntry {
  kind: ChangeKind;
  seq: number;
  key: Uint8Array;
  ts: number | undefined;
  value: Uint8Array;
  expireAt: number;
  rangeEnd: Uint8Array | undefined;
}

export class ChangeFeed {
  #entries: ChangeEntry[] = [];
  #head = 0; // index of the oldest retained entry in #entries
  #bytes = 0;
  #floor: number; // oldest resumable seq
  #last: number; // highest seq recorded (or the start seq)
  #retention: number;
  #retentionBytes: number;
  #waiters = new Set<() => void>();

  constructor(startSeq: number, retention: number, retentionBytes = 64 * 1024 * 1024) {
    this.#floor = startSeq + 1;
    this.#last = startSeq;
    this.#retention = retention;
    this.#retentionBytes = retentionBytes;
  }

  /** Oldest seq a watcher may resume from. */
  get floor(): number {
    return this.#floor;
  }
  /** Highest seq recorded. */
  get lastSeq(): number {
    return this.#last;
  }

  record(batch: ChangeEntry[]): void {
    for (const e of batch) {
      // Writes normally complete in seq order; keep the log sorted regardless.
      let i = this.#entries.length;
      while (i > this.#head && (this.#entries[i - 1] as ChangeEntry).seq > e.seq) i--;
      this.#entries.splice(i, 0, e);
      this.#bytes += e.key.length + e.value.length + 64;
      if (e.seq > this.#last) this.#last = e.seq;
    }
    while (this.#entries.length - this.#head > this.#retention || (this.#bytes > this.#retentionBytes && this.#entries.length - this.#head > 1)) {
      const old = this.#entries[this.#head] as ChangeEntry;
      this.#bytes -= old.key.length + old.value.length + 64;
      this.#head++;
      this.#floor = old.seq + 1;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    for (const w of this.#waiters) w();
    this.#waiters.clear();
  }

  /** Entries with seq >= from, at most max, in seq order. */
  readFrom(from: number, max: number): ChangeEntry[] {
    let lo = this.#head;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#entries[mid] as ChangeEntry).seq < from) lo = mid + 1;
      else hi = mid;
    }
    return this.#entries.slice(lo, Math.min(this.#entries.length, lo + max));
  }

  /** Resolves at the next record() call, or when the signal aborts / ms pass. */
  wait(signal: AbortSignal, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }
}
