/** Read paths: point get, count, and cursor reads (GetAllDocuments, QueryDocuments pages). */
import { DocumentStore } from './store.ts';
import { toDocError } from './errors.ts';
import { done, type Direction, type IdbIndex, type IdbKey, type IdbKeyRange, type IdbStore } from './idb.ts';

export interface ReadRecord {
  key: unknown;
  primaryKey: unknown;
  /** undefined for keys-only reads. */
  doc: unknown;
}

export interface CursorRead {
  database: string;
  store: string;
  /** '' reads the store. */
  index: string;
  range: IdbKeyRange | undefined;
  direction: Direction;
  limit: number;
  /** Stop a page once this many JSON bytes were read (Infinity: no budget). */
  maxBytes: number;
  keysOnly: boolean;
  /** Resume strictly after this position. */
  after?: { key: unknown; primaryKey: unknown } | undefined;
}

async function source(ds: DocumentStore, database: string, store: string, index: string): Promise<IdbStore | IdbIndex> {
  const tx = await ds.transaction(database, [store], 'readonly');
  const os = tx.objectStore(store);
  return index === '' ? os : DocumentStore.index(database, os, index);
}

export async function getOne(ds: DocumentStore, database: string, store: string, index: string, key: IdbKey) {
  const src = await source(ds, database, store, index);
  const value = done(src.get(key));
  const pk = 'getKey' in src && index !== '' ? done((src as IdbIndex).getKey(key)) : Promise.resolve<unknown>(key);
  const [doc, primaryKey] = await Promise.all([value, pk]);
  return doc === undefined ? undefined : { doc, primaryKey };
}

export async function count(ds: DocumentStore, database: string, store: string, index: string, range: IdbKeyRange | undefined): Promise<number> {
  const src = await source(ds, database, store, index);
  return done(src.count(range ?? null));
}

/** The range left after `after` in cursor order; undefined when nothing can remain. */
function resumeRange(ds: DocumentStore, r: CursorRead, exclusive: boolean): IdbKeyRange | null | undefined {
  const kr = ds.backend.keyRange;
  const after = r.after as { key: unknown };
  const orig = r.range;
  const forward = r.direction === 'next' || r.direction === 'nextunique';
  try {
    if (forward) {
      return orig?.upper === undefined ? kr.lowerBound(after.key, exclusive) : kr.bound(after.key, orig.upper, exclusive, orig.upperOpen);
    }
    return orig?.lower === undefined ? kr.upperBound(after.key, exclusive) : kr.bound(orig.lower, after.key, orig.lowerOpen, exclusive);
  } catch (e) {
    if ((e as { name?: unknown }).name === 'DataError') return undefined; // empty remainder
    throw e;
  }
}

/** Reads up to limit records in cursor order; more=true when at least one further record exists. */
export async function readCursor(ds: DocumentStore, r: CursorRead): Promise<{ records: ReadRecord[]; more: boolean }> {
  const unique = r.direction === 'nextunique' || r.direction === 'prevunique';
  const forward = r.direction === 'next' || r.direction === 'nextunique';
  // Store keys are unique, so are index keys under a unique direction: resume with an open bound.
  // Otherwise resume at the same index key and skip primary keys already returned.
  const skip = r.after !== undefined && r.index !== '' && !unique ? r.after : undefined;
  let range: IdbKeyRange | null | undefined = r.range ?? null;
  if (r.after !== undefined) {
    range = resumeRange(ds, r, skip === undefined);
    if (range === undefined) return { records: [], more: false };
  }
  const src = await source(ds, r.database, r.store, r.index);
  return new Promise((resolve, reject) => {
    const out: ReadRecord[] = [];
    let bytes = 0;
    const req = src.openCursor(range, r.direction);
    req.onsuccess = () => {
      const c = req.result;
      if (c === null) return resolve({ records: out, more: false });
      if (skip !== undefined && ds.cmp(c.key, skip.key) === 0) {
        const d = ds.cmp(c.primaryKey, skip.primaryKey);
        if (forward ? d <= 0 : d >= 0) return c.continue();
      }
      if (out.length >= r.limit || (out.length > 0 && bytes >= r.maxBytes)) return resolve({ records: out, more: true });
      const doc = r.keysOnly ? undefined : c.value;
      if (doc !== undefined && r.maxBytes !== Infinity) bytes += JSON.stringify(doc).length;
      out.push({ key: c.key, primaryKey: c.primaryKey, doc });
      c.continue();
    };
    req.onerror = (ev) => {
      ev.preventDefault();
      reject(toDocError(req.error));
    };
  });
}
