/**
 * The schema of each database (https://w3c.github.io/IndexedDB/#database-construct), its JSON
 * form in the catalog, and reading it from the engine.
 */
import type { KV, Snapshot } from '@flowdb/engine';
import { domError } from '../errors.ts';
import { decodeKey, encodeKey } from '../keys/encode.ts';
import type { KeyPath } from '../keys/key-path.ts';
import { CAT_STORE, KEYSPACE_VERSION, catalogKey, databaseKey, databasesPrefix, nextDbIdKey, prefixEnd, TS, versionKey } from './keyspace.ts';

export interface IndexSchema {
  readonly id: number;
  name: string;
  readonly keyPath: KeyPath;
  readonly unique: boolean;
  readonly multiEntry: boolean;
  deleted: boolean;
}

export interface StoreSchema {
  readonly id: number;
  name: string;
  readonly keyPath: KeyPath | null;
  readonly autoIncrement: boolean;
  indexes: Map<string, IndexSchema>;
  deleted: boolean;
}

export interface DatabaseSchema {
  readonly id: number;
  readonly name: string;
  version: number;
  nextObjectId: number;
  stores: Map<string, StoreSchema>;
}

interface DatabaseJson { id: number; version: number; nextObjectId: number }
interface IndexJson { id: number; name: string; keyPath: KeyPath; unique: boolean; multiEntry: boolean }
interface StoreJson { id: number; name: string; keyPath: KeyPath | null; autoIncrement: boolean; indexes: IndexJson[] }

const enc = new TextEncoder();
const dec = new TextDecoder();

export function jsonBytes(v: unknown): Uint8Array {
  return enc.encode(JSON.stringify(v));
}
export function parseJson<T>(b: Uint8Array): T {
  return JSON.parse(dec.decode(b)) as T;
}

export function databaseRecord(db: DatabaseSchema): Uint8Array {
  const j: DatabaseJson = { id: db.id, version: db.version, nextObjectId: db.nextObjectId };
  return jsonBytes(j);
}

export function storeRecord(s: StoreSchema): Uint8Array {
  const indexes: IndexJson[] = [...s.indexes.values()].map((i) => ({
    id: i.id, name: i.name, keyPath: i.keyPath, unique: i.unique, multiEntry: i.multiEntry,
  }));
  const j: StoreJson = { id: s.id, name: s.name, keyPath: s.keyPath, autoIncrement: s.autoIncrement, indexes };
  return jsonBytes(j);
}

function storeFromJson(j: StoreJson): StoreSchema {
  const indexes = new Map<string, IndexSchema>();
  for (const i of j.indexes) indexes.set(i.name, { ...i, deleted: false });
  return { id: j.id, name: j.name, keyPath: j.keyPath, autoIncrement: j.autoIncrement, indexes, deleted: false };
}

export async function loadDatabase(kv: KV, name: string, snapshot?: Snapshot): Promise<DatabaseSchema | undefined> {
  const opts = snapshot ? { snapshot } : {};
  const rec = await kv.get(databaseKey(encodeKey(name)), opts);
  if (!rec) return undefined;
  const j = parseJson<DatabaseJson>(rec.value);
  const stores = new Map<string, StoreSchema>();
  const prefix = catalogKey(CAT_STORE, j.id);
  for await (const r of kv.scan({ gte: prefix, lt: prefixEnd(prefix), tsFrom: TS, tsTo: TS, ...opts })) {
    const s = storeFromJson(parseJson<StoreJson>(r.value));
    stores.set(s.name, s);
  }
  return { id: j.id, name, version: j.version, nextObjectId: j.nextObjectId, stores };
}

export async function listDatabases(kv: KV): Promise<{ name: string; version: number }[]> {
  const prefix = databasesPrefix();
  const out: { name: string; version: number }[] = [];
  for await (const r of kv.scan({ gte: prefix, lt: prefixEnd(prefix), tsFrom: TS, tsTo: TS })) {
    const name = decodeKey(r.key.subarray(prefix.length));
    if (typeof name === 'string') out.push({ name, version: parseJson<DatabaseJson>(r.value).version });
  }
  return out;
}

/** Fails when the keyspace was written by a newer format version. */
export async function checkKeyspaceVersion(kv: KV): Promise<void> {
  const rec = await kv.get(versionKey());
  const v = rec ? parseJson<number>(rec.value) : KEYSPACE_VERSION;
  if (v > KEYSPACE_VERSION) throw domError('VersionError', `the keyspace has format version ${v}; this build reads up to ${KEYSPACE_VERSION}`);
}

export async function readNextDbId(kv: KV): Promise<number> {
  const rec = await kv.get(nextDbIdKey());
  return rec ? parseJson<number>(rec.value) : 1;
}

/** A copy of the names and membership, to restore when an upgrade aborts. */
export interface SchemaSnapshot {
  version: number;
  nextObjectId: number;
  stores: { store: StoreSchema; name: string; indexes: { index: IndexSchema; name: string }[] }[];
}

export function snapshotSchema(db: DatabaseSchema): SchemaSnapshot {
  return {
    version: db.version,
    nextObjectId: db.nextObjectId,
    stores: [...db.stores.values()].map((s) => ({
      store: s, name: s.name, indexes: [...s.indexes.values()].map((i) => ({ index: i, name: i.name })),
    })),
  };
}

/** #abort-an-upgrade-transaction: names, membership and version as they were. */
export function restoreSchema(db: DatabaseSchema, snap: SchemaSnapshot): void {
  for (const s of db.stores.values()) {
    s.deleted = true;
    for (const i of s.indexes.values()) i.deleted = true;
  }
  db.version = snap.version;
  db.nextObjectId = snap.nextObjectId;
  db.stores = new Map();
  for (const s of snap.stores) {
    s.store.name = s.name;
    s.store.deleted = false;
    s.store.indexes = new Map();
    for (const i of s.indexes) {
      i.index.name = i.name;
      i.index.deleted = false;
      s.store.indexes.set(i.name, i.index);
    }
    db.stores.set(s.name, s.store);
  }
}
