/**
 * Record and index-entry operations over a TxStorage
 * (https://w3c.github.io/IndexedDB/#store-a-record-into-an-object-store and friends).
 */
import { domError } from '../errors.ts';
import { compareKeys } from '../keys/compare.ts';
import { decodeKeyAt, encodeKey, encodeKeyBetween } from '../keys/encode.ts';
import type { Key } from '../keys/key.ts';
import { NOT_A_KEY, NO_VALUE, canInjectKey, extractKey, extractMultiEntryKeys, injectKey } from '../keys/key-path.ts';
import { type StoredValue, deserializeValue, serializeValue } from '../values/clone.ts';
import type { IndexSchema, StoreSchema } from './catalog.ts';
import { jsonBytes, parseJson } from './catalog.ts';
import { AFTER_KEY, CAT_KEYGEN, catalogKey, concat, dataPrefix, prefixEnd } from './keyspace.ts';
import { type Bound, type TxStorage, checkEntry } from './tx-storage.ts';

/** A range over keys, as IDBKeyRange holds it (undefined bound: unbounded). */
export interface KeyBounds {
  lower: Key | undefined;
  upper: Key | undefined;
  lowerOpen: boolean;
  upperOpen: boolean;
}

export interface StoreRef {
  dbId: number;
  store: StoreSchema;
  /**
   * The store's indexes when the request was made: a request queued before createIndex (or
   * deleteIndex) runs without (with) that index, as the spec's ordered operations do. Absent:
   * the store's current indexes.
   */
  indexes?: readonly IndexSchema[];
}

const indexesOf = (r: StoreRef): readonly IndexSchema[] => r.indexes ?? [...r.store.indexes.values()];

const EMPTY = new Uint8Array(0);
/** Appended to index key bytes: after every entry with that index key. */
const AFTER = new Uint8Array([AFTER_KEY]);
const DELETE_BATCH = 256;
/** 2^53: past it the key generator is exhausted. */
const MAX_GENERATED = 2 ** 53;
/** A current number above 2^53, stored exactly (2^53 + 1 is not a double). */
const EXHAUSTED = MAX_GENERATED + 2;

export const recordPrefix = (r: StoreRef): Uint8Array => dataPrefix(r.dbId, r.store.id);
export const indexPrefix = (dbId: number, index: IndexSchema): Uint8Array => dataPrefix(dbId, index.id);
export const recordKey = (r: StoreRef, key: Key): Uint8Array => encodeKeyBetween(recordPrefix(r), key);

/** Byte bounds of records whose primary key is in range. */
export function recordBounds(prefix: Uint8Array, range: KeyBounds | null): [Bound, Bound] {
  const lower = range?.lower !== undefined ? { key: encodeKeyBetween(prefix, range.lower), open: range.lowerOpen } : { key: prefix, open: false };
  const upper = range?.upper !== undefined ? { key: encodeKeyBetween(prefix, range.upper), open: range.upperOpen } : { key: prefixEnd(prefix), open: true };
  return [lower, upper];
}

/** Byte bounds of index entries (index key + primary key) whose index key is in range. */
export function entryBounds(prefix: Uint8Array, range: KeyBounds | null): [Bound, Bound] {
  let lower: Bound = { key: prefix, open: false };
  let upper: Bound = { key: prefixEnd(prefix), open: true };
  if (range?.lower !== undefined) {
    lower = { key: encodeKeyBetween(prefix, range.lower, range.lowerOpen ? AFTER : undefined), open: false };
  }
  if (range?.upper !== undefined) {
    upper = { key: encodeKeyBetween(prefix, range.upper, range.upperOpen ? undefined : AFTER), open: true };
  }
  return [lower, upper];
}

/** Splits an index entry's engine key into (index key, primary key). */
export function splitEntry(prefixLen: number, key: Uint8Array): { indexKey: Key; primaryKey: Key } {
  const a = decodeKeyAt(key, prefixLen);
  const b = decodeKeyAt(key, a.end);
  return { indexKey: a.key, primaryKey: b.key };
}

export function decodeRecordKey(prefixLen: number, key: Uint8Array): Key {
  return decodeKeyAt(key, prefixLen).key;
}

/** The index's keys for a value (#extract-a-key-from-a-value-using-a-key-path, multiEntry rules). */
export function indexKeysOf(index: IndexSchema, value: unknown): Key[] {
  if (index.multiEntry) {
    const ks = extractMultiEntryKeys(value, index.keyPath);
    if (ks === NO_VALUE || ks === NOT_A_KEY) return [];
    const out: Key[] = [];
    for (const k of ks) if (!out.some((o) => compareKeys(o, k) === 0)) out.push(k);
    return out;
  }
  const k = extractKey(value, index.keyPath);
  return k === NO_VALUE || k === NOT_A_KEY ? [] : [k];
}

const entryKey = (dbId: number, index: IndexSchema, ik: Key, pk: Uint8Array): Uint8Array => encodeKeyBetween(indexPrefix(dbId, index), ik, pk);

/** Some entry of the index has this index key (p = index prefix + encoded index key). */
async function takenAt(s: TxStorage, p: Uint8Array): Promise<boolean> {
  return (await s.first({ key: p, open: false }, { key: concat(p, AFTER), open: true }, false, true)) !== undefined;
}

async function uniqueTaken(s: TxStorage, dbId: number, index: IndexSchema, ik: Key): Promise<boolean> {
  return takenAt(s, encodeKeyBetween(indexPrefix(dbId, index), ik));
}

/** Adds a record's entries to one index; ConstraintError when a unique index already has the key. */
export async function addIndexEntries(s: TxStorage, dbId: number, index: IndexSchema, pk: Key, value: unknown): Promise<void> {
  const encPk = encodeKey(pk);
  const keys = indexKeysOf(index, value);
  if (index.unique) {
    for (const ik of keys) {
      if (await uniqueTaken(s, dbId, index, ik)) throw domError('ConstraintError', `index "${index.name}" is unique and already has this key`);
    }
  }
  for (const ik of keys) s.put(entryKey(dbId, index, ik, encPk), EMPTY);
}

async function removeRecord(s: TxStorage, r: StoreRef, pk: Key, bytes: Uint8Array): Promise<void> {
  const encPk = encodeKey(pk);
  const indexes = indexesOf(r);
  if (indexes.length > 0) {
    const old = deserializeValue(bytes);
    for (const index of indexes) {
      for (const ik of indexKeysOf(index, old)) s.del(entryKey(r.dbId, index, ik, encPk));
    }
  }
  s.del(concat(recordPrefix(r), encPk));
}

export async function readKeyGenerator(s: TxStorage, r: StoreRef): Promise<number> {
  const b = await s.get(catalogKey(CAT_KEYGEN, r.dbId, r.store.id));
  return b ? parseJson<number>(b) : 1;
}

function writeKeyGenerator(s: TxStorage, r: StoreRef, n: number): void {
  s.put(catalogKey(CAT_KEYGEN, r.dbId, r.store.id), jsonBytes(n));
}

/** #store-a-record-into-an-object-store; returns the key. */
export async function storeRecord(s: TxStorage, r: StoreRef, value: StoredValue, given: Key | undefined, noOverwrite: boolean): Promise<Key> {
  const clone = value.clone;
  let bytes = value.bytes;
  let key = given;
  let nextGen: number | undefined;
  if (r.store.autoIncrement) {
    const current = await readKeyGenerator(s, r);
    if (key === undefined) {
      if (current > MAX_GENERATED) throw domError('ConstraintError', 'the key generator is exhausted');
      key = current;
      nextGen = current >= MAX_GENERATED ? EXHAUSTED : current + 1;
      if (typeof r.store.keyPath === 'string') {
        if (!canInjectKey(clone, r.store.keyPath)) throw domError('DataError', 'cannot inject the key into the value');
        injectKey(clone, key, r.store.keyPath);
        bytes = serializeValue(clone);
      }
    } else if (typeof key === 'number' && key >= current) {
      const v = Math.floor(Math.min(key, MAX_GENERATED));
      nextGen = v >= MAX_GENERATED ? EXHAUSTED : v + 1;
    }
  }
  const encPk = encodeKey(key as Key);
  const rk = concat(recordPrefix(r), encPk);
  const old = await s.get(rk);
  if (old && noOverwrite) throw domError('ConstraintError', 'a record with this key already exists');
  // Check unique indexes before changing anything: a failed store leaves no trace.
  const indexes = indexesOf(r);
  const oldValue = old && indexes.length > 0 ? deserializeValue(old) : undefined;
  const writes: [Uint8Array, Uint8Array][] = [[rk, bytes]];
  for (const index of indexes) {
    const ip = indexPrefix(r.dbId, index);
    const mine = index.unique && old ? indexKeysOf(index, oldValue) : [];
    for (const ik of indexKeysOf(index, clone)) {
      const p = encodeKeyBetween(ip, ik);
      if (index.unique && !mine.some((m) => compareKeys(m, ik) === 0) && await takenAt(s, p)) {
        throw domError('ConstraintError', `index "${index.name}" is unique and already has this key`);
      }
      writes.push([concat(p, encPk), EMPTY]);
    }
  }
  for (const [k, v] of writes) checkEntry(k, v);
  if (old) await removeRecord(s, r, key as Key, old);
  for (const [k, v] of writes) s.put(k, v);
  // Written last: a failed store is reverted with the generator (#key-generator-construct).
  if (nextGen !== undefined) writeKeyGenerator(s, r, nextGen);
  return key as Key;
}

/** #delete-records-from-an-object-store */
export async function deleteRecords(s: TxStorage, r: StoreRef, range: KeyBounds): Promise<void> {
  const prefix = recordPrefix(r);
  const [lower, upper] = recordBounds(prefix, range);
  if (indexesOf(r).length > 0) {
    // Index entries need each record's value: delete in batches, re-seeking after each.
    let from = lower;
    for (;;) {
      const victims: { key: Key; value: Uint8Array; raw: Uint8Array }[] = [];
      for await (const e of s.scan(from, upper)) {
        victims.push({ key: decodeRecordKey(prefix.length, e.key), value: e.value, raw: e.key });
        if (victims.length >= DELETE_BATCH) break;
      }
      for (const v of victims) await removeRecord(s, r, v.key, v.value);
      const last = victims[victims.length - 1];
      if (!last || victims.length < DELETE_BATCH) return;
      from = { key: last.raw, open: true };
    }
  }
  const zero = new Uint8Array([0]);
  s.delRange(lower.open ? concat(lower.key, zero) : lower.key, upper.open ? upper.key : concat(upper.key, zero));
}

/** #clear-an-object-store: the store's records and every index entry, as range deletes. */
export function clearStore(s: TxStorage, r: StoreRef): void {
  const p = recordPrefix(r);
  s.delRange(p, prefixEnd(p));
  for (const index of indexesOf(r)) {
    const ip = indexPrefix(r.dbId, index);
    s.delRange(ip, prefixEnd(ip));
  }
}

/** Builds a new index over the store's records (createIndex); ConstraintError on unique duplicates. */
export async function backfillIndex(s: TxStorage, r: StoreRef, index: IndexSchema): Promise<void> {
  const prefix = recordPrefix(r);
  const [lower, upper] = recordBounds(prefix, null);
  const batch: { pk: Key; value: unknown }[] = [];
  const flush = async (): Promise<void> => {
    for (const b of batch) await addIndexEntries(s, r.dbId, index, b.pk, b.value);
    batch.length = 0;
  };
  // Entries are added while scanning the records (a different key range), in small batches.
  for await (const e of s.scan(lower, upper)) {
    batch.push({ pk: decodeRecordKey(prefix.length, e.key), value: deserializeValue(e.value) });
    if (batch.length >= 256) await flush();
  }
  await flush();
}

/** Every range a deleted store occupies (records, index entries, key generator). */
export function dropStore(s: TxStorage, r: StoreRef, indexes: IndexSchema[]): void {
  const p = recordPrefix(r);
  s.delRange(p, prefixEnd(p));
  for (const index of indexes) dropIndex(s, r.dbId, index);
  const g = catalogKey(CAT_KEYGEN, r.dbId, r.store.id);
  s.delRange(g, prefixEnd(g));
}

export function dropIndex(s: TxStorage, dbId: number, index: IndexSchema): void {
  const p = indexPrefix(dbId, index);
  s.delRange(p, prefixEnd(p));
}
