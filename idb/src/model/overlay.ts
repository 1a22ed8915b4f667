/**
 * Uncommitted writes over the engine: a sorted set of keys with their values (null: deleted)
 * and the ranges [start, end) cleared before them. A transaction's own writes are one; the
 * batches of earlier transactions that are committing but not yet applied (commit pipelining)
 * are flattened into another, read-only one.
 */
import { compareBytes } from '../keys/compare.ts';
import { type Slot, SortedKeys } from './sorted-keys.ts';

export interface Bound {
  key: Uint8Array;
  open: boolean;
}

export interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

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
  /** Keys, sorted, with their values; null is a delete. */
  readonly keys = new SortedKeys<Uint8Array | null>();
  /** Ranges [start, end) deleted before the later writes in keys. */
  readonly cleared: [Uint8Array, Uint8Array][] = [];

  get empty(): boolean {
    return this.keys.size === 0 && this.cleared.length === 0;
  }

  isCleared(key: Uint8Array): boolean {
    return this.cleared.some(([s, e]) => compareBytes(key, s) >= 0 && compareBytes(key, e) < 0);
  }

  /** key is kept as given: callers pass keys they do not change afterwards. */
  set(key: Uint8Array, value: Uint8Array | null): void {
    this.keys.set(key, value);
  }

  clear(start: Uint8Array, end: Uint8Array): void {
    this.keys.removeRange(start, end);
    this.cleared.push([start.slice(), end.slice()]);
  }

  /** What this overlay says about key: a value, null (deleted or cleared), or undefined (nothing). */
  lookup(key: Uint8Array): Uint8Array | null | undefined {
    const v = this.keys.get(key);
    if (v !== undefined) return v;
    return this.cleared.length > 0 && this.isCleared(key) ? null : undefined;
  }

  /** Slots with keys in [lower, upper], ascending. */
  slotsIn(lower: Bound | undefined, upper: Bound | undefined): Slot<Uint8Array | null>[] {
    const out: Slot<Uint8Array | null>[] = [];
    for (const s of this.keys.slotsFrom(lower?.key)) {
      if (!below(s.key, upper)) break;
      if (above(s.key, lower)) out.push(s);
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
    for (const s of later.keys.slotsFrom(undefined)) this.set(s.key, s.value);
  }

  /** The entries of `source` (engine order, descending when reverse) with this overlay on top. */
  async *over(source: AsyncIterator<Entry>, lower: Bound | undefined, upper: Bound | undefined, reverse: boolean): AsyncGenerator<Entry> {
    const mine = this.slotsIn(lower, upper);
    if (reverse) mine.reverse();
    const cmp = (a: Uint8Array, b: Uint8Array): number => (reverse ? -compareBytes(a, b) : compareBytes(a, b));
    let m = 0;
    let e = await source.next();
    for (;;) {
      const ek = e.done ? undefined : e.value.key;
      const slot = mine[m];
      if (ek === undefined && slot === undefined) return;
      if (slot !== undefined && (ek === undefined || cmp(slot.key, ek) <= 0)) {
        m++;
        if (ek !== undefined && cmp(slot.key, ek) === 0) e = await source.next();
        if (slot.value) yield { key: slot.key, value: slot.value };
        continue;
      }
      const rec = (e as IteratorYieldResult<Entry>).value;
      e = await source.next();
      if (!this.isCleared(rec.key)) yield rec;
    }
  }
}
