/**
 * ChangeFeed: a bounded in-memory log of the key changes committed through
 * this server, in seq order, for EventsService.WatchChanges. It starts empty
 * at the engine's last seq when the server starts: nothing older is resumable.
 * Each commit is kept as one segment holding the batch's own ops (no object
 * per record on the write path); entries are built only when read.
 */
import type { BatchOp } from '@flowdb/engine';
import { Waiters } from './waiters.ts';

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

interface Segment {
  /** Seq of ops[0]; op i has seq first + i. */
  first: number;
  ops: BatchOp[];
  bytes: number;
}

const EMPTY = new Uint8Array(0);
const OVERHEAD = 64;

function opBytes(op: BatchOp): number {
  return op.type === 'delRange' ? op.start.length + op.end.length + OVERHEAD : op.key.length + (op.type === 'put' ? op.value.length : 0) + OVERHEAD;
}

function entryOf(op: BatchOp, seq: number): ChangeEntry {
  if (op.type === 'put') return { kind: 'put', seq, key: op.key, ts: op.ts, value: op.value, expireAt: op.expireAt ?? 0, rangeEnd: undefined };
  if (op.type === 'del') return { kind: 'del', seq, key: op.key, ts: op.ts, value: EMPTY, expireAt: 0, rangeEnd: undefined };
  return { kind: 'delRange', seq, key: op.start, ts: undefined, value: EMPTY, expireAt: 0, rangeEnd: op.end };
}

/**
 * Copies the ops' keys and values into one buffer of `payload` bytes and points the ops at it.
 * Views into request buffers would keep whole socket reads alive (not counted in the byte bound).
 */
function packBytes(ops: BatchOp[], payload: number): void {
  const buf = new Uint8Array(payload);
  let at = 0;
  const take = (b: Uint8Array): Uint8Array => {
    if (b.length === 0) return EMPTY;
    buf.set(b, at);
    at += b.length;
    return buf.subarray(at - b.length, at);
  };
  for (const op of ops) {
    if (op.type === 'delRange') {
      op.start = take(op.start);
      op.end = take(op.end);
    } else {
      op.key = take(op.key);
      if (op.type === 'put') op.value = take(op.value);
    }
  }
}

export class ChangeFeed {
  #segs: Segment[] = [];
  #head = 0; // index of the oldest retained segment
  #skip = 0; // ops of the head segment already dropped
  #count = 0; // retained entries
  #bytes = 0; // retained bytes (whole segments)
  #floor: number; // oldest resumable seq
  #last: number; // highest seq recorded (or the start seq)
  #retention: number;
  #retentionBytes: number;
  readonly #waiters = new Waiters();

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

  /**
   * Records one committed batch: ops[i] got seq firstSeq + i. The ops must not be mutated
   * afterwards; their byte fields are repointed at one copy (same bytes) made here.
   */
  recordOps(firstSeq: number, ops: BatchOp[]): void {
    if (ops.length === 0) return;
    let bytes = 0;
    for (const op of ops) bytes += opBytes(op);
    packBytes(ops, bytes - OVERHEAD * ops.length);
    const seg: Segment = { first: firstSeq, ops, bytes };
    // Writes normally complete in seq order; keep the log sorted regardless.
    let i = this.#segs.length;
    while (i > this.#head && (this.#segs[i - 1] as Segment).first > firstSeq) i--;
    if (i === this.#segs.length) this.#segs.push(seg);
    else this.#segs.splice(i, 0, seg);
    this.#count += ops.length;
    this.#bytes += bytes;
    const last = firstSeq + ops.length - 1;
    if (last > this.#last) this.#last = last;
    this.#trim();
    this.#waiters.notify();
  }

  #trim(): void {
    while (this.#count > this.#retention || (this.#bytes > this.#retentionBytes && this.#segs.length - this.#head > 1)) {
      const seg = this.#segs[this.#head] as Segment;
      const left = seg.ops.length - this.#skip;
      const excess = this.#count - this.#retention;
      if (this.#bytes > this.#retentionBytes || excess >= left) {
        this.#count -= left;
        this.#bytes -= seg.bytes;
        this.#head++;
        this.#skip = 0;
        this.#floor = seg.first + seg.ops.length;
      } else {
        this.#skip += excess;
        this.#count -= excess;
        this.#floor = seg.first + this.#skip;
      }
    }
    if (this.#head > 4096 && this.#head * 2 > this.#segs.length) {
      this.#segs = this.#segs.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Entries with seq >= from, at most max, in seq order. */
  readFrom(from: number, max: number): ChangeEntry[] {
    let lo = this.#head;
    let hi = this.#segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.#segs[mid] as Segment;
      if (s.first + s.ops.length <= from) lo = mid + 1;
      else hi = mid;
    }
    const out: ChangeEntry[] = [];
    for (let i = lo; i < this.#segs.length && out.length < max; i++) {
      const s = this.#segs[i] as Segment;
      let j = Math.max(0, from - s.first, i === this.#head ? this.#skip : 0);
      for (; j < s.ops.length && out.length < max; j++) out.push(entryOf(s.ops[j] as BatchOp, s.first + j));
    }
    return out;
  }

  /** Resolves at the next recorded change, or when the signal aborts / ms pass. */
  wait(signal: AbortSignal, ms: number): Promise<void> {
    return this.#waiters.wait(signal, ms);
  }
}
