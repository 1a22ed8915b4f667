/**
 * Engine keys (docs/formats/idb-keyspace.md). Every record has ts 0.
 *   00 00                      -> keyspace format version (JSON)
 *   00 01                      -> next database id (JSON)
 *   00 02 <encodeKey(name)>    -> database record (JSON: id, version, nextObjectId)
 *   00 03 <db u32> <store u32> -> object store definition with its indexes (JSON)
 *   00 04 <db u32> <store u32> -> key generator current number (JSON)
 *   01 <db u32> <store u32> <encodeKey(primary key)>             -> structured-clone bytes
 *   01 <db u32> <index u32> <encodeKey(index key)> <encodeKey(pk)> -> empty
 * Stores and indexes share one id space per database, so a store, an index or a whole database
 * is one key range.
 */
export const KEYSPACE_VERSION = 1;
export const TS = 0;
/** The engine's "never expires": set explicitly so an engine-wide defaultTtlMicros cannot expire records. */
export const NEVER = Number.MAX_SAFE_INTEGER;

const CATALOG = 0x00;
const DATA = 0x01;
export const CAT_VERSION = 0x00;
export const CAT_NEXT_DB = 0x01;
export const CAT_DATABASE = 0x02;
export const CAT_STORE = 0x03;
export const CAT_KEYGEN = 0x04;
/** Sorts after any encoded key's first byte; closes "every entry with this index key". */
export const AFTER_KEY = 0xff;

function u32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = (n >>> 16) & 0xff;
  out[at + 2] = (n >>> 8) & 0xff;
  out[at + 3] = n & 0xff;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export const versionKey = (): Uint8Array => new Uint8Array([CATALOG, CAT_VERSION]);
export const nextDbIdKey = (): Uint8Array => new Uint8Array([CATALOG, CAT_NEXT_DB]);
export const databaseKey = (encodedName: Uint8Array): Uint8Array => concat(new Uint8Array([CATALOG, CAT_DATABASE]), encodedName);
export const databasesPrefix = (): Uint8Array => new Uint8Array([CATALOG, CAT_DATABASE]);

/** 00 <kind> <db> [<obj>] */
export function catalogKey(kind: number, db: number, obj?: number): Uint8Array {
  const out = new Uint8Array(obj === undefined ? 6 : 10);
  out[0] = CATALOG;
  out[1] = kind;
  u32(out, 2, db);
  if (obj !== undefined) u32(out, 6, obj);
  return out;
}

/** 01 <db> [<obj>]: the prefix of an object's (store or index) entries, or of a database's. */
export function dataPrefix(db: number, obj?: number): Uint8Array {
  const out = new Uint8Array(obj === undefined ? 5 : 9);
  out[0] = DATA;
  u32(out, 1, db);
  if (obj !== undefined) u32(out, 5, obj);
  return out;
}

/** The smallest byte string greater than every string with this prefix (ids never reach 2^32-1). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = prefix.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if ((out[i] as number) < 0xff) { out[i] = (out[i] as number) + 1; return out.subarray(0, i + 1); }
  }
  throw new RangeError('prefix has no successor');
}
