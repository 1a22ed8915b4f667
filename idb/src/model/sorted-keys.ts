/**
 * A sorted map from byte strings to values, in blocks of at most BLOCK slots: insertion costs
 * O(log n + BLOCK) instead of shifting one big array (a transaction writing index entries
 * inserts everywhere), and lookups are binary searches (no string form of each key).
 */
import { compareBytes } from '../keys/compare.ts';

const BLOCK = 512;

export interface Slot<V> {
  readonly key: Uint8Array;
  value: V;
}

export class SortedKeys<V = null> {
  #blocks: Slot<V>[][] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The first block whose last key is >= key (or the last block). */
  #blockFor(key: Uint8Array): number {
    let lo = 0;
    let hi = this.#blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const b = this.#blocks[mid] as Slot<V>[];
      if (compareBytes((b[b.length - 1] as Slot<V>).key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  static #lowerIndex<V>(block: Slot<V>[], key: Uint8Array): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareBytes((block[mid] as Slot<V>).key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The value at key, or undefined. */
  get(key: Uint8Array): V | undefined {
    if (this.#blocks.length === 0) return undefined;
    const block = this.#blocks[this.#blockFor(key)] as Slot<V>[];
    const s = block[SortedKeys.#lowerIndex(block, key)];
    return s !== undefined && compareBytes(s.key, key) === 0 ? s.value : undefined;
  }

  /** Sets key's value; a new key is kept as given (the caller does not change it afterwards). */
  set(key: Uint8Array, value: V): void {
    if (this.#blocks.length === 0) { this.#blocks.push([{ key, value }]); this.#size++; return; }
    const bi = this.#blockFor(key);
    const block = this.#blocks[bi] as Slot<V>[];
    const i = SortedKeys.#lowerIndex(block, key);
    const s = block[i];
    if (s !== undefined && compareBytes(s.key, key) === 0) { s.value = value; return; }
    this.#size++;
    block.splice(i, 0, { key, value });
    if (block.length > BLOCK * 2) this.#blocks.splice(bi, 1, block.slice(0, BLOCK), block.slice(BLOCK));
  }

  /** Removes every key in [start, end); returns how many. */
  removeRange(start: Uint8Array, end: Uint8Array): number {
    let removed = 0;
    const kept: Slot<V>[][] = [];
    for (const block of this.#blocks) {
      const first = (block[0] as Slot<V>).key;
      const last = (block[block.length - 1] as Slot<V>).key;
      if (compareBytes(last, start) < 0 || compareBytes(first, end) >= 0) { kept.push(block); continue; }
      const rest = block.filter((s) => compareBytes(s.key, start) < 0 || compareBytes(s.key, end) >= 0);
      removed += block.length - rest.length;
      if (rest.length > 0) kept.push(rest);
    }
    this.#blocks = kept;
    this.#size -= removed;
    return removed;
  }

  /** The first key >= from (> from when open), without a generator. */
  first(from: Uint8Array, open: boolean): Uint8Array | undefined {
    if (this.#blocks.length === 0) return undefined;
    let bi = this.#blockFor(from);
    let block = this.#blocks[bi] as Slot<V>[];
    let i = SortedKeys.#lowerIndex(block, from);
    if (open && i < block.length && compareBytes((block[i] as Slot<V>).key, from) === 0) i++;
    if (i === block.length) {
      if (++bi === this.#blocks.length) return undefined;
      block = this.#blocks[bi] as Slot<V>[];
      i = 0;
    }
    return block[i]?.key;
  }

  /** Slots with key >= from (all when from is undefined), in key order. */
  *slotsFrom(from: Uint8Array | undefined): Generator<Slot<V>> {
    if (this.#blocks.length === 0) return;
    let bi = from ? this.#blockFor(from) : 0;
    let i = from ? SortedKeys.#lowerIndex(this.#blocks[bi] as Slot<V>[], from) : 0;
    for (; bi < this.#blocks.length; bi++, i = 0) {
      const block = this.#blocks[bi] as Slot<V>[];
      for (; i < block.length; i++) yield block[i] as Slot<V>;
    }
  }

  /** Keys >= from (all keys when from is undefined), in order. */
  *from(from: Uint8Array | undefined): Generator<Uint8Array> {
    for (const s of this.slotsFrom(from)) yield s.key;
  }
}
