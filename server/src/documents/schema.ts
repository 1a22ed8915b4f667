/** Schema plumbing: proto StoreSchema ↔ IndexedDB stores, diffing, and the versionchange upgrade. */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { DatabaseSchemaSchema, IndexSchema, StoreSchema, StoreSchemaSchema } from '../gen/flowdb/v1/document_pb.ts';
import { invalid } from '../errors.ts';
import { checkName } from './values.ts';
import { schemaConflict } from './errors.ts';
import { listNames, type IdbDatabase, type IdbStore, type KeyPath } from './idb.ts';

type StoreInit = MessageInitShape<typeof StoreSchemaSchema>;
export type DatabaseSchemaInit = MessageInitShape<typeof DatabaseSchemaSchema>;

/** proto key_path (repeated string) → IndexedDB keyPath. */
export const toKeyPath = (p: readonly string[]): KeyPath => (p.length === 0 ? null : p.length === 1 ? (p[0] as string) : [...p]);
/** IndexedDB keyPath → proto key_path. */
export const fromKeyPath = (p: KeyPath): string[] => (p === null ? [] : typeof p === 'string' ? [p] : [...p]);
const sameKeyPath = (a: KeyPath, b: KeyPath) => JSON.stringify(a) === JSON.stringify(b);

function describeStore(s: IdbStore): StoreInit {
  return {
    name: s.name,
    keyPath: fromKeyPath(s.keyPath),
    autoIncrement: s.autoIncrement,
    indexes: listNames(s.indexNames).map((n) => {
      const i = s.index(n);
      return { name: i.name, keyPath: fromKeyPath(i.keyPath), unique: i.unique, multiEntry: i.multiEntry };
    }),
  };
}

/** The schema of an open database (reads store metadata in a readonly transaction). */
export function describe(db: IdbDatabase): DatabaseSchemaInit {
  const names = listNames(db.objectStoreNames);
  if (names.length === 0) return { name: db.name, version: BigInt(db.version), stores: [] };
  const tx = db.transaction(names, 'readonly');
  return { name: db.name, version: BigInt(db.version), stores: names.map((n) => describeStore(tx.objectStore(n))) };
}

export interface SchemaPlan {
  /** Stores to create, with all their indexes. */
  newStores: StoreSchema[];
  /** Indexes to add to existing stores. */
  newIndexes: { store: string; index: IndexSchema }[];
  deleteStores: string[];
}

/** Validates names and shapes of an ApplySchema request (before any IndexedDB call). */
export function validateSchema(stores: StoreSchema[], deleteStores: string[]): void {
  const seen = new Set<string>();
  stores.forEach((s, i) => {
    checkName(s.name, `stores[${i}].name`);
    if (seen.has(s.name)) throw invalid(`stores[${i}].name`, `store "${s.name}" is listed twice`);
    seen.add(s.name);
    const idx = new Set<string>();
    s.indexes.forEach((x, j) => {
      const f = `stores[${i}].indexes[${j}]`;
      checkName(x.name, `${f}.name`);
      if (idx.has(x.name)) throw invalid(`${f}.name`, `index "${x.name}" is listed twice`);
      idx.add(x.name);
      if (x.keyPath.length === 0) throw invalid(`${f}.key_path`, 'an index needs a key path');
    });
  });
  deleteStores.forEach((n, i) => {
    checkName(n, `delete_stores[${i}]`);
    if (seen.has(n)) throw invalid(`delete_stores[${i}]`, `store "${n}" is both listed and deleted`);
  });
}

/** What must change to reach the requested schema; SCHEMA_CONFLICT when an existing definition differs. */
export function plan(db: IdbDatabase | undefined, stores: StoreSchema[], deleteStores: string[]): SchemaPlan {
  const current = new Map<string, StoreInit>();
  if (db !== undefined) for (const s of describe(db).stores ?? []) current.set(s.name as string, s);
  const out: SchemaPlan = { newStores: [], newIndexes: [], deleteStores: deleteStores.filter((n) => current.has(n)) };
  for (const s of stores) {
    const cur = current.get(s.name);
    if (cur === undefined) {
      out.newStores.push(s);
      continue;
    }
    if (!sameKeyPath(toKeyPath(cur.keyPath ?? []), toKeyPath(s.keyPath)) || cur.autoIncrement !== s.autoIncrement) {
      throw schemaConflict(`store "${s.name}" exists with key_path ${JSON.stringify(cur.keyPath)} auto_increment=${String(cur.autoIncrement)}`, { store: s.name });
    }
    for (const x of s.indexes) {
      const ci = cur.indexes?.find((c) => c.name === x.name);
      if (ci === undefined) out.newIndexes.push({ store: s.name, index: x });
      else if (!sameKeyPath(toKeyPath(ci.keyPath ?? []), toKeyPath(x.keyPath)) || ci.unique !== x.unique || ci.multiEntry !== x.multiEntry) {
        throw schemaConflict(`index "${x.name}" of store "${s.name}" exists with another definition`, { store: s.name, index: x.name });
      }
    }
  }
  return out;
}

export const planIsEmpty = (p: SchemaPlan): boolean => p.newStores.length === 0 && p.newIndexes.length === 0 && p.deleteStores.length === 0;

/** Applies a plan inside a versionchange transaction (throws IndexedDB errors: SyntaxError, InvalidAccessError, ...). */
export function applyPlan(db: IdbDatabase, tx: { objectStore(n: string): IdbStore }, p: SchemaPlan): void {
  for (const n of p.deleteStores) db.deleteObjectStore(n);
  for (const s of p.newStores) {
    const store = db.createObjectStore(s.name, { keyPath: toKeyPath(s.keyPath), autoIncrement: s.autoIncrement });
    for (const x of s.indexes) store.createIndex(x.name, toKeyPath(x.keyPath) as string | string[], { unique: x.unique, multiEntry: x.multiEntry });
  }
  for (const { store, index: x } of p.newIndexes) {
    tx.objectStore(store).createIndex(x.name, toKeyPath(x.keyPath) as string | string[], { unique: x.unique, multiEntry: x.multiEntry });
  }
}
