/** https://w3c.github.io/IndexedDB/#keyrange */
import { requireArgs } from './args.ts';
import { domError } from '../errors.ts';
import { compareKeys } from '../keys/compare.ts';
import { type Key, toKey, toKeyOrInvalid } from '../keys/key.ts';
import type { KeyBounds } from '../model/records.ts';

export class IDBKeyRange implements KeyBounds {
  readonly #lower: Key | undefined;
  readonly #upper: Key | undefined;
  readonly #lowerOpen: boolean;
  readonly #upperOpen: boolean;

  private constructor(lower: Key | undefined, upper: Key | undefined, lowerOpen: boolean, upperOpen: boolean) {
    this.#lower = lower;
    this.#upper = upper;
    this.#lowerOpen = lowerOpen;
    this.#upperOpen = upperOpen;
  }

  get lower(): Key | undefined { return this.#lower; }
  get upper(): Key | undefined { return this.#upper; }
  get lowerOpen(): boolean { return this.#lowerOpen; }
  get upperOpen(): boolean { return this.#upperOpen; }

  static only(value: unknown): IDBKeyRange {
    requireArgs(arguments.length, 1, 'only()');
    const k = toKey(value);
    return new IDBKeyRange(k, k, false, false);
  }

  static lowerBound(lower: unknown, open = false): IDBKeyRange {
    requireArgs(arguments.length, 1, 'lowerBound()');
    return new IDBKeyRange(toKey(lower), undefined, Boolean(open), true);
  }

  static upperBound(upper: unknown, open = false): IDBKeyRange {
    requireArgs(arguments.length, 1, 'upperBound()');
    return new IDBKeyRange(undefined, toKey(upper), true, Boolean(open));
  }

  static bound(lower: unknown, upper: unknown, lowerOpen = false, upperOpen = false): IDBKeyRange {
    requireArgs(arguments.length, 2, 'bound()');
    const lo = toKey(lower);
    const hi = toKey(upper);
    const c = compareKeys(lo, hi);
    if (c > 0 || (c === 0 && (lowerOpen || upperOpen))) throw domError('DataError', 'the lower bound is above the upper bound');
    return new IDBKeyRange(lo, hi, Boolean(lowerOpen), Boolean(upperOpen));
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbkeyrange-includes */
  includes(key: unknown): boolean {
    requireArgs(arguments.length, 1, 'includes()');
    return inRange(this, toKey(key));
  }

  get [Symbol.toStringTag](): string {
    return 'IDBKeyRange';
  }
}

export function inRange(r: KeyBounds, k: Key): boolean {
  if (r.lower !== undefined) {
    const c = compareKeys(r.lower, k);
    if (r.lowerOpen ? c >= 0 : c > 0) return false;
  }
  if (r.upper !== undefined) {
    const c = compareKeys(r.upper, k);
    if (r.upperOpen ? c <= 0 : c < 0) return false;
  }
  return true;
}

/** #convert-a-value-to-a-key-range with "null disallowed": a key or range is required. */
export function toRequiredKeyRange(value: unknown): IDBKeyRange {
  const r = toKeyRange(value, true);
  if (r === null) throw domError('DataError', 'a key or key range is required');
  return r;
}

/** #convert-a-value-to-a-key-range; null means unbounded. */
export function toKeyRange(value: unknown, nullDisallowed = false): IDBKeyRange | null {
  if (value instanceof IDBKeyRange) return value;
  if (value === null || value === undefined) {
    if (nullDisallowed) throw domError('DataError', 'a key or key range is required');
    return null;
  }
  const k = toKeyOrInvalid(value);
  if (k === undefined) throw domError('DataError', 'the query is not a valid key or key range');
  return IDBKeyRange.only(k);
}
