/**
 * The slice of the W3C IndexedDB API the conformance suite uses, typed structurally so the
 * suite depends on no implementation (and on no DOM lib). Spec: https://w3c.github.io/IndexedDB/
 */

export type Key = number | string | Date | ArrayBuffer | ArrayBufferView | Key[];
export type KeyPath = string | string[] | null;
export type TxMode = 'readonly' | 'readwrite' | 'versionchange';
export type CursorDirection = 'next' | 'nextunique' | 'prev' | 'prevunique';
export type Query = Key | KeyRangeLike | null | undefined;

export interface EventLike {
  readonly type: string;
  readonly target: unknown;
  readonly defaultPrevented: boolean;
  preventDefault(): void;
  stopPropagation(): void;
}
export interface VersionChangeEventLike extends EventLike {
  readonly oldVersion: number;
  readonly newVersion: number | null;
}
type Handler<E = EventLike> = ((ev: E) => unknown) | null;

export interface EventTargetLike {
  addEventListener(type: string, listener: (ev: EventLike) => unknown): void;
  removeEventListener(type: string, listener: (ev: EventLike) => unknown): void;
}

export interface DOMStringListLike {
  readonly length: number;
  contains(s: string): boolean;
  item(i: number): string | null;
  [Symbol.iterator](): Iterator<string>;
}

export interface KeyRangeLike {
  readonly lower: unknown;
  readonly upper: unknown;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  includes(key: unknown): boolean;
}
export interface KeyRangeStatic {
  only(value: unknown): KeyRangeLike;
  lowerBound(lower: unknown, open?: boolean): KeyRangeLike;
  upperBound(upper: unknown, open?: boolean): KeyRangeLike;
  bound(lower: unknown, upper: unknown, lowerOpen?: boolean, upperOpen?: boolean): KeyRangeLike;
}

export interface RequestLike<T = unknown> extends EventTargetLike {
  readonly result: T;
  readonly error: DOMException | null;
  readonly readyState: 'pending' | 'done';
  readonly source: unknown;
  readonly transaction: TransactionLike | null;
  onsuccess: Handler;
  onerror: Handler;
}
export interface OpenRequestLike extends RequestLike<DatabaseLike> {
  onupgradeneeded: Handler<VersionChangeEventLike>;
  onblocked: Handler<VersionChangeEventLike>;
}

export interface FactoryLike {
  open(name: string, version?: number): OpenRequestLike;
  deleteDatabase(name: string): OpenRequestLike;
  cmp(a: unknown, b: unknown): number;
  databases(): Promise<Array<{ name: string; version: number }>>;
}

export interface ObjectStoreParams {
  keyPath?: string | string[] | null;
  autoIncrement?: boolean;
}
export interface IndexParams {
  unique?: boolean;
  multiEntry?: boolean;
}

export interface DatabaseLike extends EventTargetLike {
  readonly name: string;
  readonly version: number;
  readonly objectStoreNames: DOMStringListLike;
  createObjectStore(name: string, params?: ObjectStoreParams): ObjectStoreLike;
  deleteObjectStore(name: string): void;
  transaction(stores: string | string[], mode?: 'readonly' | 'readwrite', opts?: { durability?: 'default' | 'strict' | 'relaxed' }): TransactionLike;
  close(): void;
  onversionchange: Handler<VersionChangeEventLike>;
  onabort: Handler;
  onerror: Handler;
}

export interface TransactionLike extends EventTargetLike {
  readonly mode: TxMode;
  readonly db: DatabaseLike;
  readonly error: DOMException | null;
  readonly objectStoreNames: DOMStringListLike;
  objectStore(name: string): ObjectStoreLike;
  abort(): void;
  commit(): void;
  oncomplete: Handler;
  onerror: Handler;
  onabort: Handler;
}

/** What object stores and indexes share. */
export interface SourceLike {
  name: string;
  readonly keyPath: KeyPath;
  get(query: Query): RequestLike<unknown>;
  getKey(query: Query): RequestLike<Key | undefined>;
  getAll(query?: Query, count?: number): RequestLike<unknown[]>;
  getAllKeys(query?: Query, count?: number): RequestLike<Key[]>;
  count(query?: Query): RequestLike<number>;
  openCursor(query?: Query, direction?: CursorDirection): RequestLike<CursorWithValueLike | null>;
  openKeyCursor(query?: Query, direction?: CursorDirection): RequestLike<CursorLike | null>;
}

export interface ObjectStoreLike extends SourceLike {
  readonly autoIncrement: boolean;
  readonly indexNames: DOMStringListLike;
  readonly transaction: TransactionLike;
  add(value: unknown, key?: Key): RequestLike<Key>;
  put(value: unknown, key?: Key): RequestLike<Key>;
  delete(query: Query): RequestLike<undefined>;
  clear(): RequestLike<undefined>;
  createIndex(name: string, keyPath: string | string[], params?: IndexParams): IndexLike;
  deleteIndex(name: string): void;
  index(name: string): IndexLike;
}

export interface IndexLike extends SourceLike {
  readonly unique: boolean;
  readonly multiEntry: boolean;
  readonly objectStore: ObjectStoreLike;
}

export interface CursorLike {
  readonly source: unknown;
  readonly direction: CursorDirection;
  readonly key: Key;
  readonly primaryKey: Key;
  readonly request: RequestLike<unknown>;
  advance(count: number): void;
  continue(key?: Key): void;
  continuePrimaryKey(key: Key, primaryKey: Key): void;
  update(value: unknown): RequestLike<Key>;
  delete(): RequestLike<undefined>;
}
export interface CursorWithValueLike extends CursorLike {
  readonly value: unknown;
}

/** One isolated IndexedDB world; the suite makes a fresh one per test. */
export interface ConformanceEnv {
  indexedDB: FactoryLike;
  IDBKeyRange: KeyRangeStatic;
  cleanup(): Promise<void>;
}

/**
 * What an implementation declares. `knownFailures` maps a test's full name ("group > test")
 * to the reason (a bug reference): such a test still runs and must fail; if it passes, it
 * fails with "unexpected pass" so the entry gets removed.
 */
export interface Supports {
  /** databases() is implemented. Default true. */
  databases?: boolean;
  knownFailures?: Readonly<Record<string, string>>;
}
