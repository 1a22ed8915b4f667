/**
 * Internal entries: what the memtable, WAL and SSTables store.
 * Ordering (the "internal order"): key asc (bytewise), ts asc, seq desc.
 */

/** Entry kinds. Part of the on-disk format: never renumber. */
export const Kind = {
  /** A point tombstone for exactly (key, ts). */
  DELETE: 0,
  PUT: 1,
  /** A range tombstone over keys [key, rangeEnd), every ts. Whole-key deletes use [key, key+0x00). */
  RANGE_DELETE: 2,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** expireAt value meaning "never". */
export const NO_EXPIRY = Number.MAX_SAFE_INTEGER;

export interface Entry {
  key: Uint8Array;
  /** µs since the epoch, a safe integer (may be negative). */
  ts: number;
  /** Sequence number, 1..2^53-1. */
  seq: number;
  kind: Kind;
  /** µs since epoch after which the entry is invisible; NO_EXPIRY for never. */
  expireAt: number;
  /** PUT: the value; RANGE_DELETE: the exclusive end key; DELETE: empty. */
  value: Uint8Array;
}

export interface RangeTombstone {
  start: Uint8Array;
  /** Exclusive. */
  end: Uint8Array;
  seq: number;
}

/**
 * 1 MiB: every format stores key lengths as varints, so this is a policy bound, generous enough
 * for IndexedDB's array and string keys (an index entry holds an index key and a primary key).
 * The server's own default limit (--max-key-bytes) stays 64 KiB.
 */
export const MAX_KEY_BYTES = 1 << 20;
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

/**
 * Bytewise order. NB: a JS loop beats Buffer.compare (a native call, ~75 ns) for the short
 * keys of the hot paths; long keys fall back to the native compare.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  if (n > 64) return Buffer.compare(a, b);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Internal order: key asc, ts asc, seq desc. */
export function compareEntries(a: Entry, b: Entry): number {
  const c = compareBytes(a.key, b.key);
  if (c !== 0) return c;
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return b.seq - a.seq;
}

/** Order of (key, ts) only. */
export function compareKeyTs(ak: Uint8Array, ats: number, bk: Uint8Array, bts: number): number {
  const c = compareBytes(ak, bk);
  if (c !== 0) return c;
  return ats < bts ? -1 : ats > bts ? 1 : 0;
}

/** The smallest key greater than every key that starts with `prefix`, or undefined (no bound). */
export function prefixSuccessor(prefix: Uint8Array): Uint8Array | undefined {
  let i = prefix.length - 1;
  while (i >= 0 && prefix[i] === 0xff) i--;
  if (i < 0) return undefined;
  const out = Uint8Array.prototype.slice.call(prefix, 0, i + 1) as Uint8Array;
  out[i] = (out[i] as number) + 1;
  return out;
}

/** The smallest key greater than `key`: key + 0x00. */
export function keySuccessor(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}
