/**
 * Memtable: the in-memory write buffer. Point tombstones and puts live in a SkipList;
 * range tombstones in a list. A memtable is "active" until frozen, then immutable
 * until its flush is installed. `firstLogNum` is the oldest WAL file holding its data.
 */
import { type Entry, Kind, type RangeTombstone, compareBytes } from '../base/entry.ts';
import { SkipList } from './skiplist.ts';

/** Approximate per-entry overhead in bytes (node, arrays, object headers). */
const ENTRY_OVERHEAD = 96;

export class Memtable {
  readonly list = new SkipList();
  readonly rangeTombstones: RangeTombstone[] = [];
  readonly firstLogNum: number;
  bytes = 0;
  minTs = Number.POSITIVE_INFINITY;
  maxTs = Number.NEGATIVE_INFINITY;
  minSeq = Number.POSITIVE_INFINITY;
  maxSeq = 0;

  constructor(firstLogNum: number) {
    this.firstLogNum = firstLogNum;
  }

  get records(): number {
    return this.list.length + this.rangeTombstones.length;
  }

  add(e: Entry): void {
    this.bytes += ENTRY_OVERHEAD + e.key.length + e.value.length;
    if (e.seq > this.maxSeq) this.maxSeq = e.seq;
    if (e.seq < this.minSeq) this.minSeq = e.seq;
    if (e.kind === Kind.RANGE_DELETE) {
      this.rangeTombstones.push({ start: e.key, end: e.value, seq: e.seq });
      return;
    }
    if (e.ts < this.minTs) this.minTs = e.ts;
    if (e.ts > this.maxTs) this.maxTs = e.ts;
    this.list.insert(e);
  }

  /** Newest entry for exactly (key, ts) with seq <= maxSeq. */
  get(key: Uint8Array, ts: number, maxSeq: number): Entry | undefined {
    const probe: Entry = { key, ts, seq: maxSeq, kind: Kind.PUT, expireAt: 0, value: EMPTY };
    for (const e of this.list.ascending(probe)) {
      if (e.ts !== ts || compareBytes(e.key, key) !== 0) return undefined;
      return e; // first >= probe is the highest seq <= maxSeq
    }
    return undefined;
  }

  isEmpty(): boolean {
    return this.records === 0;
  }
}

export const EMPTY = new Uint8Array(0);
