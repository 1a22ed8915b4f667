/**
 * Memtable: the in-memory write buffer. Point tombstones and puts live in a SkipList (arena
 * backed, so `bytes` is the memory really held); range tombstones in a list. A memtable is
 * "active" until frozen, then immutable until its flush is installed. `firstLogNum` is the
 * oldest WAL file holding its data.
 * Lifetime: scans retain() the memtables they read; once flushed, retire() hands the list's
 * buffers to the ArenaPool as soon as no scan holds it (the next memtable reuses them).
 */
import { type Entry, Kind, type RangeTombstone } from '../base/entry.ts';
import { type ArenaPool, SkipList } from './skiplist.ts';

/** Charge per range tombstone on top of its keys (object, array slot). */
const TOMBSTONE_OVERHEAD = 96;

export class Memtable {
  readonly list: SkipList;
  readonly rangeTombstones: RangeTombstone[] = [];
  readonly firstLogNum: number;
  #tombBytes = 0;
  minTs = Number.POSITIVE_INFINITY;
  maxTs = Number.NEGATIVE_INFINITY;
  minSeq = Number.POSITIVE_INFINITY;
  maxSeq = 0;
  #refs = 0;
  #pool: ArenaPool | undefined;

  constructor(firstLogNum: number, pool?: ArenaPool) {
    this.firstLogNum = firstLogNum;
    this.list = new SkipList(pool);
  }

  /** A reader holds the list (a scan in progress). */
  retain(): void {
    this.#refs++;
  }

  release(): void {
    if (--this.#refs === 0 && this.#pool !== undefined) this.list.release(this.#pool);
  }

  /** Flushed and unlinked: the list's buffers go to `pool` once no reader holds them. */
  retire(pool: ArenaPool): void {
    this.#pool = pool;
    if (this.#refs === 0) this.list.release(pool);
  }

  get records(): number {
    return this.list.length + this.rangeTombstones.length;
  }

  /** Memory held: the list's columns and arena plus range tombstones. */
  get bytes(): number {
    return this.list.memoryBytes() + this.#tombBytes;
  }

  add(e: Entry): void {
    if (e.seq > this.maxSeq) this.maxSeq = e.seq;
    if (e.seq < this.minSeq) this.minSeq = e.seq;
    if (e.kind === Kind.RANGE_DELETE) {
      this.rangeTombstones.push({ start: e.key.slice(), end: e.value.slice(), seq: e.seq });
      this.#tombBytes += TOMBSTONE_OVERHEAD + e.key.length + e.value.length;
      return;
    }
    if (e.ts < this.minTs) this.minTs = e.ts;
    if (e.ts > this.maxTs) this.maxTs = e.ts;
    this.list.insert(e);
  }

  /** Newest entry for exactly (key, ts) with seq <= maxSeq. */
  get(key: Uint8Array, ts: number, maxSeq: number): Entry | undefined {
    const l = this.list;
    const n = l.seekGE(key, ts, maxSeq);
    if (n === 0 || l.ts(n) !== ts || !l.keyEquals(n, key)) return undefined;
    return l.entry(n); // first >= probe is the highest seq <= maxSeq
  }

  /** Newest entry with seq <= maxSeq at the highest ts of `key` that has one; any kind. */
  latest(key: Uint8Array, maxSeq: number): Entry | undefined {
    const l = this.list;
    // Last node of `key`: last node < (key, +inf ts).
    let n = l.seekLT(key, Number.MAX_SAFE_INTEGER, -1);
    while (n !== 0 && l.keyEquals(n, key)) {
      if (l.seq(n) <= maxSeq) return this.get(key, l.ts(n), maxSeq);
      n = l.prev(n);
    }
    return undefined;
  }

  isEmpty(): boolean {
    return this.records === 0;
  }
}

export const EMPTY = new Uint8Array(0);
