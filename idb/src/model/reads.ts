/** Reads shared by object stores and indexes: get, getKey, getAll, getAllKeys, count. */
import { compareKeys } from '../keys/compare.ts';
import { skipKey } from '../keys/encode.ts';
import type { Key } from '../keys/key.ts';
import { deserializeValue } from '../values/clone.ts';
import type { IndexSchema } from './catalog.ts';
import {
  type KeyBounds, type StoreRef, decodeRecordKey, entryBounds, indexPrefix, recordBounds, recordKey, recordPrefix, splitEntry,
} from './records.ts';
import { concat } from './keyspace.ts';
import type { TxStorage } from './tx-storage.ts';

export interface ReadSource {
  ref: StoreRef;
  /** Reading through an index; undefined reads the store. */
  index: IndexSchema | undefined;
}

export interface Hit {
  /** The store's key, or the index key. */
  key: Key;
  primaryKey: Key;
}

export function sourceBounds(src: ReadSource, range: KeyBounds | null): ReturnType<typeof recordBounds> {
  return src.index ? entryBounds(indexPrefix(src.ref.dbId, src.index), range) : recordBounds(recordPrefix(src.ref), range);
}

export function prefixOf(src: ReadSource): Uint8Array {
  return src.index ? indexPrefix(src.ref.dbId, src.index) : recordPrefix(src.ref);
}

/** Decodes a scanned engine key into the source's key and primary key. */
export function hitOf(src: ReadSource, engineKey: Uint8Array): Hit {
  const n = prefixOf(src).length;
  if (src.index) {
    const e = splitEntry(n, engineKey);
    return { key: e.indexKey, primaryKey: e.primaryKey };
  }
  const k = decodeRecordKey(n, engineKey);
  return { key: k, primaryKey: k };
}

export async function valueOf(s: TxStorage, src: ReadSource, hit: Hit, scanned: Uint8Array): Promise<unknown> {
  if (!src.index) return deserializeValue(scanned);
  const b = await s.get(recordKey(src.ref, hit.primaryKey));
  return b === undefined ? undefined : deserializeValue(b);
}

/** The one key a range holds when it is [k, k] (IDBKeyRange.only, or a plain key). */
function onlyKey(range: KeyBounds): Key | undefined {
  const { lower, upper } = range;
  if (lower === undefined || upper === undefined || range.lowerOpen || range.upperOpen) return undefined;
  return lower === upper || compareKeys(lower, upper) === 0 ? lower : undefined;
}

/** get / getKey (index: the primary key) of the first match. */
export async function readFirst(s: TxStorage, src: ReadSource, range: KeyBounds, want: 'value' | 'primaryKey'): Promise<unknown> {
  const only = src.index ? undefined : onlyKey(range);
  if (only !== undefined) {
    // A store's point read: one engine get, no range scan.
    const b = await s.get(recordKey(src.ref, only));
    if (b === undefined) return undefined;
    return want === 'primaryKey' ? only : deserializeValue(b);
  }
  const [lo, hi] = sourceBounds(src, range);
  const e = await s.first(lo, hi, false, want === 'primaryKey' && !src.index);
  if (!e) return undefined;
  if (src.index && want === 'value') {
    // The entry ends with the encoded primary key: the record's key without a decode and re-encode.
    const pk = e.key.subarray(skipKey(e.key, prefixOf(src).length));
    const b = await s.get(concat(recordPrefix(src.ref), pk));
    return b === undefined ? undefined : deserializeValue(b);
  }
  const hit = hitOf(src, e.key);
  return want === 'primaryKey' ? hit.primaryKey : valueOf(s, src, hit, e.value);
}

/** What getAll (value), getAllKeys (primaryKey) and getAllRecords (record) return per match. */
export type ReadKind = 'value' | 'primaryKey' | 'record';

/** #record-snapshot: what getAllRecords yields per match, before it becomes an IDBRecord. */
export interface RecordSnapshot {
  key: Key;
  primaryKey: Key;
  value: unknown;
}

/** Index entries' index-key bytes (prefix excluded) are equal. */
function sameIndexKey(a: Uint8Array, aEnd: number, b: Uint8Array, bEnd: number, from: number): boolean {
  if (aEnd !== bEnd) return false;
  for (let i = from; i < aEnd; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * #retrieve-multiple-items-from-an-object-store / -from-an-index: getAll, getAllKeys and
 * getAllRecords; count 0 means no limit. One scan in the direction's order, stopped at count.
 * nextunique/prevunique keep the first (lowest primary key) entry of each index key, as the
 * cursor directions do; on a store, or an index whose keys are unique, they are next/prev.
 */
export async function readAll(s: TxStorage, src: ReadSource, range: KeyBounds | null, count: number, want: ReadKind, direction: IDBCursorDirection = 'next'): Promise<unknown[]> {
  const [lo, hi] = sourceBounds(src, range);
  const keysOnly = want === 'primaryKey' && !src.index;
  const reverse = direction === 'prev' || direction === 'prevunique';
  const unique = src.index !== undefined && !src.index.unique && (direction === 'nextunique' || direction === 'prevunique');
  const item = async (e: { key: Uint8Array; value: Uint8Array }): Promise<unknown> => {
    const hit = hitOf(src, e.key);
    if (want === 'primaryKey') return hit.primaryKey;
    const value = await valueOf(s, src, hit, e.value);
    return want === 'value' ? value : { key: hit.key, primaryKey: hit.primaryKey, value } satisfies RecordSnapshot;
  };
  if (count === 1 && !(unique && reverse)) {
    // One record: the first match in scan order, without a scan.
    const e = await s.first(lo, hi, reverse, keysOnly);
    return e ? [await item(e)] : [];
  }
  const out: unknown[] = [];
  if (!unique) {
    for await (const e of s.scan(lo, hi, reverse, keysOnly)) {
      out.push(await item(e));
      if (count > 0 && out.length >= count) break;
    }
    return out;
  }
  // Unique directions over an index: entries of one index key are adjacent, in primary key order.
  const n = prefixOf(src).length;
  let last: { key: Uint8Array; value: Uint8Array } | undefined;
  let lastEnd = 0;
  for await (const e of s.scan(lo, hi, reverse, keysOnly)) {
    const end = skipKey(e.key, n);
    const same = last !== undefined && sameIndexKey(e.key, end, last.key, lastEnd, n);
    if (!reverse) {
      // nextunique: the first entry of each key in ascending order.
      if (same) continue;
      out.push(await item(e));
      if (count > 0 && out.length >= count) break;
      last = e;
      lastEnd = end;
      continue;
    }
    // prevunique: descending, so a key's lowest primary key is the last of its run.
    if (last !== undefined && !same) {
      out.push(await item(last));
      if (count > 0 && out.length >= count) { last = undefined; break; }
    }
    last = e;
    lastEnd = end;
  }
  if (reverse && last !== undefined) out.push(await item(last));
  return out;
}

export async function countIn(s: TxStorage, src: ReadSource, range: KeyBounds | null): Promise<number> {
  const [lo, hi] = sourceBounds(src, range);
  return s.count(lo, hi);
}
