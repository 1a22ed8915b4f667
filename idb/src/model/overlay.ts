/**
 * Uncommitted writes over the engine: a sorted set of keys with their values (null: deleted)
 * and the ranges [start, end) cleared before them. A transaction's own writes are one; the
 * batches of earlier transactions that are committing but not yet applied (commit pipelining)
 * are flattened into another, read-only one.
 */
import { compareBytes } from '../keys/compare.ts';
import { SortedKeys } from './sorted-keys.ts';

export interface Bound {
  key: Uint8Array;
  open: boolean;
}

export interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;

/** A key as a Map key: its bytes as latin1 (Buffer's latin1Slice, without a Buffer per call). */
export const hex: (k: Uint8Array) => string = typeof latin1Slice === 'function'
  ? (k) => latin1Slice.call(k, 0, k.length)
  : (k) => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('latin1');

export function above(k: Uint8Array, b: Bound | undefined): boolean {
  if (!b) return true;
  const c = compareBytes(k, b.key);
  return b.open ? c > 0 : c >= 0;
}
export function below(k: Uint8Array, b: Bound | undefined): boolean {
  if (!b) return true;
  const c = compareBytes(k, b.key);
  return b.open ? c < 0 : c <= 0;
}

export class Overlay {
  /** Keys, sorted. */
  readonly keys = new SortedKeys();
  /** Values by hex(key); null is a delete. */
  readonly vals = new Map<string, Uint8Array | null>();
  /** Ranges [start, end) deleted before the later writes in keys. */
  readonly cleared: [Uint8Array, Uint8Array][] = [];

  get empty(): boolean {
    return this.keys.size === 0 && this.cleared.length === 0;
  }

  isCleared(key: Uint8Array): boolean {
    return this.cleared.some(([s, e]) => compareBytes(key, s) >= 0 && compareBytes(key, e) < 0);
  }

  set(key: Uint8Array, value: Uint8Array | null): void {
    const n = this.vals.size;
    this.vals.set(hex(key), value);
    if (this.vals.size !== n) this.keys.insert(key.slice());
  }

  clear(start: Uint8Array, end: Uint8Array): void {
    for (const k of this.keys.removeRange(start, end)) this.vals.delete(hex(k));
    this.cleared.push([start.slice(), end.slice()]);
  }

  /** What this overlay says about key: a value, null (deleted or cleared), or undefined (nothing). */
  lookup(key: Uint8Array): Uint8Array | null | undefined {
    if (this.vals.size > 0) {
      const v = this.vals.get(hex(key));
      if (v !== undefined) return v;
    }
    return this.isCleared(key) ? null : undefined;
  }

  /** Keys in [lower, upper], ascending. */
  keysIn(lower: Bound | undefined, upper: Bound | undefined): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const k of this.keys.from(lower?.key)) {
      if (!below(k, upper)) break;
      if (above(k, lower)) out.push(k);
    }
    return out;
  }

  /** Neither a key nor a cleared range of this overlay is in [lower, upper]. */
  untouched(lower: Bound | undefined, upper: Bound | undefined): boolean {
    if (this.empty) return true;
    const k = lower ? this.keys.first(lower.key, lower.open) : this.keys.first(new Uint8Array(0), false);
    if (k !== undefined && below(k, upper)) return false;
    return this.cleared.every(([s, e]) => (upper !== undefined && !below(s, upper)) || (lower !== undefined && compareBytes(e, lower.key) <= 0));
  }

  /** Applies `later` on top of this one (its cleared ranges first, then its writes). */
  apply(later: Overlay): void {
    for (const [s, e] of later.cleared) this.clear(s, e);
    for (const k of later.keys.from(undefined)) this.set(k, later.vals.get(hex(k)) ?? null);
  }

  /** The entries of `source` (engine order, descending when reverse) with this overlay on top. */
  async *over(source: AsyncIterator<Entry>, lower: Bound | undefined, upper: Bound | undefined, reverse: boolean): AsyncGenerator<Entry> {
    const mine = this.keysIn(lower, upper);
    if (reverse) mine.reverse();
    const cmp = (a: Uint8Array, b: Uint8Array): number => (reverse ? -compareBytes(a, b) : compareBytes(a, b));
    let m = 0;
    let e = await source.next();
    for (;;) {
      const ek = e.done ? undefined : e.value.key;
      const ok = mine[m];
      if (ek === undefined && ok === undefined) return;
      if (ok !== undefined && (ek === undefined || cmp(ok, ek) <= 0)) {
        m++;
        if (ek !== undefined && cmp(ok, ek) === 0) e = await source.next();
        const v = this.vals.get(hex(ok));
        if (v) yield { key: ok, value: v };
        continue;
      }
      const rec = (e as IteratorYieldResult<Entry>).value;
      e = await source.next();
      if (!this.isCleared(rec.key)) yield rec;
    }
  }
}
