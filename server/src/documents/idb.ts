/**
 * The subset of the W3C IndexedDB API the document service uses, typed
 * structurally so that any implementation fits (@flowdb/idb in the server,
 * fake-indexeddb in tests) without the DOM lib.
 */

/** A valid IndexedDB key as stored: binary keys read back as ArrayBuffer. */
export type IdbKey = number | string | Date | ArrayBuffer | ArrayBufferView | IdbKey[];
export type KeyPath = string | string[] | null;
export type Direction = 'next' | 'nextunique' | 'prev' | 'prevunique';

export interface IdbKeyRange {
  readonly lower: unknown;
  readonly upper: unknown;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
}
export interface IdbKeyRangeStatic {
  only(k: unknown): IdbKeyRange;
  lowerBound(k: unknown, open?: boolean): IdbKeyRange;
  upperBound(k: unknown, open?: boolean): IdbKeyRange;
  bound(l: unknown, u: unknown, lowerOpen?: boolean, upperOpen?: boolean): IdbKeyRange;
}
export type Query = IdbKey | IdbKeyRange;

interface Handlers {
  onsuccess: ((ev: unknown) => void) | null;
  onerror: ((ev: { preventDefault(): void; stopPropagation?(): void }) => void) | null;
}
export interface IdbRequest<T> extends Handlers {
  readonly result: T;
  readonly error: { name: string; message: string } | null;
}
export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: ((ev: { oldVersion: number; newVersion: number | null }) => void) | null;
  onblocked: ((ev: unknown) => void) | null;
  readonly transaction: IdbTransaction | null;
}

export interface IdbStringList {
  readonly length: number;
  item(i: number): string | null;
  contains(s: string): boolean;
}

export interface IdbCursor {
  readonly key: unknown;
  readonly primaryKey: unknown;
  readonly value?: unknown;
  continue(key?: unknown): void;
}

export interface IdbIndex {
  readonly name: string;
  readonly keyPath: KeyPath;
  readonly unique: boolean;
  readonly multiEntry: boolean;
  get(q: Query): IdbRequest<unknown>;
  getKey(q: Query): IdbRequest<unknown>;
  count(q?: Query | null): IdbRequest<number>;
  openCursor(q?: Query | null, dir?: Direction): IdbRequest<IdbCursor | null>;
  openKeyCursor(q?: Query | null, dir?: Direction): IdbRequest<IdbCursor | null>;
}

export interface IdbStore {
  readonly name: string;
  readonly keyPath: KeyPath;
  readonly autoIncrement: boolean;
  readonly indexNames: IdbStringList;
  index(name: string): IdbIndex;
  createIndex(name: string, keyPath: string | string[], o: { unique: boolean; multiEntry: boolean }): IdbIndex;
  deleteIndex(name: string): void;
  put(value: unknown, key?: unknown): IdbRequest<unknown>;
  add(value: unknown, key?: unknown): IdbRequest<unknown>;
  get(q: Query): IdbRequest<unknown>;
  delete(q: Query): IdbRequest<undefined>;
  clear(): IdbRequest<undefined>;
  count(q?: Query | null): IdbRequest<number>;
  getAllKeys(q?: Query | null, count?: number): IdbRequest<unknown[]>;
  openCursor(q?: Query | null, dir?: Direction): IdbRequest<IdbCursor | null>;
  openKeyCursor?(q?: Query | null, dir?: Direction): IdbRequest<IdbCursor | null>;
}

export interface IdbTransaction {
  objectStore(name: string): IdbStore;
  abort(): void;
  readonly error: { name: string; message: string } | null;
  oncomplete: ((ev: unknown) => void) | null;
  onabort: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface IdbDatabase {
  readonly name: string;
  readonly version: number;
  readonly objectStoreNames: IdbStringList;
  transaction(stores: string | string[], mode?: 'readonly' | 'readwrite', o?: { durability?: 'default' | 'strict' | 'relaxed' }): IdbTransaction;
  createObjectStore(name: string, o: { keyPath?: string | string[] | null; autoIncrement?: boolean }): IdbStore;
  deleteObjectStore(name: string): void;
  close(): void;
  onversionchange: ((ev: unknown) => void) | null;
  onclose?: ((ev: unknown) => void) | null;
}

export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
  deleteDatabase(name: string): IdbRequest<undefined> & { onblocked: ((ev: unknown) => void) | null };
  databases(): Promise<{ name?: string; version?: number }[]>;
  cmp(a: unknown, b: unknown): number;
}

/** What the document service runs on: a factory and its IDBKeyRange. */
export interface IdbBackend {
  readonly factory: IdbFactory;
  readonly keyRange: IdbKeyRangeStatic;
}

export const listNames = (l: IdbStringList): string[] => {
  const out: string[] = [];
  for (let i = 0; i < l.length; i++) out.push(l.item(i) as string);
  return out;
};

/** Resolves with the request's result; rejects with its error. */
export function done<T>(req: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Resolves when the transaction commits; rejects with its error (or AbortError). */
export function committed(tx: IdbTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? Object.assign(new Error('the transaction was aborted'), { name: 'AbortError' }));
  });
}
