/**
 * A cursor's read-ahead: one engine scan serves many continue() steps while the transaction has
 * written nothing since (TxStorage.version). Steps that jump (continue(key), unique directions)
 * reuse it too when their target lies inside the prefetched stretch.
 */
import { compareBytes } from '../keys/compare.ts';
import type { Bound, Entry, TxStorage } from './tx-storage.ts';

const BATCH = 64;

function sameBound(a: Bound, b: Bound): boolean {
  return a.open === b.open && compareBytes(a.key, b.key) === 0;
}

/** a starts at or after b, as a lower bound (at or before, for upper bounds when !lower). */
function within(a: Bound, b: Bound, lower: boolean): boolean {
  const c = compareBytes(a.key, b.key);
  if (c !== 0) return lower ? c > 0 : c < 0;
  return a.open || !b.open;
}

function inside(k: Uint8Array, b: Bound, lower: boolean): boolean {
  const c = compareBytes(k, b.key);
  if (lower) return b.open ? c > 0 : c >= 0;
  return b.open ? c < 0 : c <= 0;
}

export class Prefetch {
  #version = -1;
  #reverse = false;
  #keysOnly = false;
  /** The moving bound the scan started from, and the fixed one it ran to. */
  #from: Bound | undefined;
  #to: Bound | undefined;
  #entries: Entry[] = [];
  #complete = false;

  /** The first entry within [lower, upper] in scan direction. */
  async first(s: TxStorage, lower: Bound, upper: Bound, reverse: boolean, keysOnly: boolean): Promise<Entry | undefined> {
    const moving = reverse ? upper : lower;
    const fixed = reverse ? lower : upper;
    if (this.#version === s.version && this.#reverse === reverse && this.#keysOnly === keysOnly &&
      this.#from && this.#to && sameBound(this.#to, fixed) && within(moving, this.#from, !reverse)) {
      for (const e of this.#entries) if (inside(e.key, moving, !reverse)) return e;
      if (this.#complete) return undefined;
    }
    const entries: Entry[] = [];
    for await (const e of s.scan(lower, upper, reverse, keysOnly)) {
      entries.push(e);
      if (entries.length >= BATCH) break;
    }
    this.#version = s.version;
    this.#reverse = reverse;
    this.#keysOnly = keysOnly;
    this.#from = moving;
    this.#to = fixed;
    this.#entries = entries;
    this.#complete = entries.length < BATCH;
    return entries[0];
  }
}
