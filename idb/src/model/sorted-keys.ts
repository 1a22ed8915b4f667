/**
 * A sorted set of byte strings in blocks of at most BLOCK keys: insertion costs O(log n + BLOCK)
 * instead of shifting one big array (a transaction writing index entries inserts everywhere).
 */
import { compareBytes } from '../keys/compare.ts';

const BLOCK = 512;

export class SortedKeys {
  #blocks: Uint8Array[][] = [];
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
      const b = this.#blocks[mid] as Uint8Array[];
      if (compareBytes(b[b.length - 1] as Uint8Array, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  static #lowerIndex(block: Uint8Array[], key: Uint8Array): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareBytes(block[mid] as Uint8Array, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds a key the caller knows is absent. */
  insert(key: Uint8Array): void {
    this.#size++;
    if (this.#blocks.length === 0) { this.#blocks.push([key]); return; }
    const bi = this.#blockFor(key);
    const block = this.#blocks[bi] as Uint8Array[];
    block.splice(SortedKeys.#lowerIndex(block, key), 0, key);
    if (block.length > BLOCK * 2) this.#blocks.splice(bi, 1, block.slice(0, BLOCK), block.slice(BLOCK));
  }

  /** The first key >= from (> from when open), without a generator. */
  first(from: Uint8Array, open: boolean): Uint8Array | undefined {
    if (this.#blocks.length === 0) return undefined;
    let bi = this.#blockFor(from);
    let block = this.#blocks[bi] as Uint8Array[];
    let i = SortedKeys.#lowerIndex(block, from);
    if (open && i < block.length && compareBytes(block[i] as Uint8Array, from) === 0) i++;
    if (i === block.length) {
      if (++bi === this.#blocks.length) return undefined;
      block = this.#blocks[bi] as Uint8Array[];
      i = 0;
    }
    return block[i];
  }

  /** Removes and returns every key in [start, end). */
  removeRange(start: Uint8Array, end: Uint8Array): Uint8Array[] {
    const removed: Uint8Array[] = [];
    const kept: Uint8Array[][] = [];
    for (const block of this.#blocks) {
      const first = block[0] as Uint8Array;
      const last = block[block.length - 1] as Uint8Array;
      if (compareBytes(last, start) < 0 || compareBytes(first, end) >= 0) { kept.push(block); continue; }
      const rest = block.filter((k) => {
        const inside = compareBytes(k, start) >= 0 && compareBytes(k, end) < 0;
        if (inside) removed.push(k);
        return !inside;
      });
      if (rest.length > 0) kept.push(rest);
    }
    this.#blocks = kept;
    this.#size -= removed.length;
    return removed;
  }

  /** Keys >= from (all keys when from is undefined), in order. */
  *from(from: Uint8Array | undefined): Generator<Uint8Array> {
    if (this.#blocks.length === 0) return;
    let bi = from ? this.#blockFor(from) : 0;
    let i = from ? SortedKeys.#lowerIndex(this.#blocks[bi] as Uint8Array[], from) : 0;
    for (; bi < this.#blocks.length; bi++, i = 0) {
      const block = this.#blocks[bi] as Uint8Array[];
      for (; i < block.length; i++) yield block[i] as Uint8Array;
    }
  }
}
