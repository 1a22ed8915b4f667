/**
 * DocumentClient: JSON documents in IndexedDB-style databases on the flowdb
 * sidecar (flowdb.v1.DocumentService). Plain JS values in and out:
 *
 *   const docs = flow.documents;                     // or new DocumentClient(transport)
 *   await docs.applySchema('app', [{ name: 'users', keyPath: 'id', indexes: [{ name: 'email', keyPath: 'email', unique: true }] }]);
 *   const app = docs.database('app');
 *   await app.put('users', { id: 1, email: 'a@x' });
 *   await app.get('users', 1);                       // undefined when absent
 *   for await (const r of app.query('users', { index: 'email' })) …
 *
 * Failures are FlowClientError (code + ErrorInfo reason).
 */
import { createClient, type CallOptions, type Client, type Transport } from '@connectrpc/connect';
import { fromJson, toJson, type JsonValue, type MessageInitShape } from '@bufbuild/protobuf';
import { ValueSchema, type Value } from '@bufbuild/protobuf/wkt';
import {
  CursorDirection, DocumentChangeType, DocumentService, type DocumentKey, type DocumentKeySchema, type DocumentRecord,
  type KeyRangeSchema, type StoreSchemaSchema, type TransactOpSchema, type DatabaseSchema,
} from './gen/flowdb/v1/document_pb.ts';
import { wrap, wrapStream } from './errors.ts';

export { DocumentService, DocumentChangeType } from './gen/flowdb/v1/document_pb.ts';

/** An IndexedDB key: binary keys come back as Uint8Array. */
export type DocKey = number | string | Date | Uint8Array | DocKey[];
export type Json = JsonValue;

/** A key range (IDBKeyRange-like). */
export class DocKeyRange {
  readonly lower: DocKey | undefined;
  readonly upper: DocKey | undefined;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  constructor(lower: DocKey | undefined, upper: DocKey | undefined, lowerOpen = false, upperOpen = false) {
    this.lower = lower;
    this.upper = upper;
    this.lowerOpen = lowerOpen;
    this.upperOpen = upperOpen;
  }
  static only(k: DocKey): DocKeyRange {
    return new DocKeyRange(k, k);
  }
  static lowerBound(k: DocKey, open = false): DocKeyRange {
    return new DocKeyRange(k, undefined, open, false);
  }
  static upperBound(k: DocKey, open = false): DocKeyRange {
    return new DocKeyRange(undefined, k, false, open);
  }
  static bound(l: DocKey, u: DocKey, lowerOpen = false, upperOpen = false): DocKeyRange {
    return new DocKeyRange(l, u, lowerOpen, upperOpen);
  }
}

export interface IndexSpec {
  name: string;
  /** A property path ("a.b") or several (compound key). */
  keyPath: string | string[];
  unique?: boolean;
  multiEntry?: boolean;
}
export interface StoreSpec {
  name: string;
  /** undefined/null: out-of-line keys. */
  keyPath?: string | string[] | null;
  autoIncrement?: boolean;
  indexes?: IndexSpec[];
}
export interface SchemaInfo {
  name: string;
  version: number;
  stores: (StoreSpec & { keyPath: string | string[] | null; autoIncrement: boolean; indexes: Required<IndexSpec>[] })[];
}
export interface DocRecord {
  /** Index key for index reads, else the primary key. */
  key: DocKey;
  primaryKey: DocKey;
  /** undefined for keys-only reads. */
  doc: Json | undefined;
}
export type Direction = 'next' | 'nextunique' | 'prev' | 'prevunique';
export interface DocCallOpts {
  signal?: AbortSignal;
  timeoutMs?: number;
}
export interface ReadOpts extends DocCallOpts {
  index?: string;
  range?: DocKeyRange;
  keysOnly?: boolean;
}
export type TransactOperation =
  | { put: { store: string; doc: Json; key?: DocKey } }
  | { add: { store: string; doc: Json; key?: DocKey } }
  | { delete: { store: string; key: DocKey | DocKeyRange } }
  | { clear: { store: string } };
export interface DocChange {
  type: 'put' | 'delete' | 'clear';
  seq: number;
  commitSeq: number;
  store: string;
  key: DocKey | undefined;
  doc: Json | undefined;
}
export interface WatchEvent {
  changes: DocChange[];
  progress: boolean;
  /** Resume with startSeq = seq + 1. */
  seq: number;
}

type KeyInit = MessageInitShape<typeof DocumentKeySchema>;

export function keyToProto(k: DocKey): KeyInit {
  if (typeof k === 'number') return { kind: { case: 'numberValue', value: k } };
  if (typeof k === 'string') return { kind: { case: 'stringValue', value: k } };
  if (k instanceof Date) return { kind: { case: 'dateValue', value: k.getTime() } };
  if (k instanceof Uint8Array) return { kind: { case: 'binaryValue', value: k } };
  return { kind: { case: 'arrayValue', value: { values: k.map(keyToProto) } } };
}
export function keyFromProto(k: DocumentKey | undefined): DocKey | undefined {
  const c = k?.kind;
  switch (c?.case) {
    case 'numberValue':
    case 'stringValue':
    case 'binaryValue':
      return c.value;
    case 'dateValue':
      return new Date(c.value);
    case 'arrayValue':
      return c.value.values.map((e) => keyFromProto(e) as DocKey);
    default:
      return undefined;
  }
}
const rangeToProto = (r: DocKeyRange): MessageInitShape<typeof KeyRangeSchema> => ({
  ...(r.lower === undefined ? {} : { lower: keyToProto(r.lower) }),
  ...(r.upper === undefined ? {} : { upper: keyToProto(r.upper) }),
  lowerOpen: r.lowerOpen,
  upperOpen: r.upperOpen,
});
const docToProto = (d: Json): Value => fromJson(ValueSchema, d);
const docFromProto = (v: Value | undefined): Json | undefined => (v === undefined ? undefined : toJson(ValueSchema, v));
const keyPathToProto = (p: string | string[] | null | undefined): string[] => (p === null || p === undefined ? [] : typeof p === 'string' ? [p] : p);
const keyPathFromProto = (p: string[]): string | string[] | null => (p.length === 0 ? null : p.length === 1 ? (p[0] as string) : p);
const toRecord = (r: DocumentRecord): DocRecord => ({ key: keyFromProto(r.key) as DocKey, primaryKey: keyFromProto(r.primaryKey) as DocKey, doc: docFromProto(r.document) });
const DIRECTIONS: { readonly [d in Direction]: CursorDirection } = {
  next: CursorDirection.NEXT, nextunique: CursorDirection.NEXT_UNIQUE, prev: CursorDirection.PREV, prevunique: CursorDirection.PREV_UNIQUE,
};
const CHANGE_TYPES: { readonly [t: number]: DocChange['type'] } = {
  [DocumentChangeType.PUT]: 'put', [DocumentChangeType.DELETE]: 'delete', [DocumentChangeType.CLEAR]: 'clear',
};

function schemaFromProto(s: DatabaseSchema | undefined): SchemaInfo {
  return {
    name: s?.name ?? '',
    version: Number(s?.version ?? 0n),
    stores: (s?.stores ?? []).map((st) => ({
      name: st.name,
      keyPath: keyPathFromProto(st.keyPath),
      autoIncrement: st.autoIncrement,
      indexes: st.indexes.map((i) => ({ name: i.name, keyPath: keyPathFromProto(i.keyPath) as string | string[], unique: i.unique, multiEntry: i.multiEntry })),
    })),
  };
}

function callOpts(o: DocCallOpts | undefined, defTimeout: number | undefined): CallOptions {
  const timeoutMs = o?.timeoutMs ?? defTimeout;
  return { ...(o?.signal === undefined ? {} : { signal: o.signal }), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

export class DocumentClient {
  readonly rpc: Client<typeof DocumentService>;
  readonly #timeoutMs: number | undefined;

  constructor(transport: Transport, o: { timeoutMs?: number } = {}) {
    this.rpc = createClient(DocumentService, transport);
    this.#timeoutMs = o.timeoutMs;
  }

  /** Options for a unary call (default deadline applies). */
  opts(o: DocCallOpts | undefined): CallOptions {
    return callOpts(o, this.#timeoutMs);
  }

  /** Creates missing stores and indexes (idempotent); FlowClientError ERROR_REASON_SCHEMA_CONFLICT when a definition differs. */
  applySchema(database: string, stores: StoreSpec[], o: DocCallOpts & { deleteStores?: string[] } = {}): Promise<SchemaInfo & { changed: boolean }> {
    const init: MessageInitShape<typeof StoreSchemaSchema>[] = stores.map((s) => ({
      name: s.name,
      keyPath: keyPathToProto(s.keyPath),
      autoIncrement: s.autoIncrement ?? false,
      indexes: (s.indexes ?? []).map((i) => ({ name: i.name, keyPath: keyPathToProto(i.keyPath), unique: i.unique ?? false, multiEntry: i.multiEntry ?? false })),
    }));
    return wrap(async () => {
      const r = await this.rpc.applySchema({ database, stores: init, deleteStores: o.deleteStores ?? [] }, this.opts(o));
      return { ...schemaFromProto(r.schema), changed: r.changed };
    });
  }

  getSchema(database: string, o: DocCallOpts = {}): Promise<SchemaInfo> {
    return wrap(async () => schemaFromProto((await this.rpc.getSchema({ database }, this.opts(o))).schema));
  }

  listDatabases(o: DocCallOpts = {}): Promise<{ name: string; version: number }[]> {
    return wrap(async () => (await this.rpc.listDatabases({}, this.opts(o))).databases.map((d) => ({ name: d.name, version: Number(d.version) })));
  }

  deleteDatabase(database: string, o: DocCallOpts = {}): Promise<void> {
    return wrap(async () => void (await this.rpc.deleteDatabase({ database }, this.opts(o))));
  }

  /** A handle on one database. */
  database(name: string): DocumentDatabase {
    return new DocumentDatabase(this, name);
  }
}

export class DocumentDatabase {
  readonly client: DocumentClient;
  readonly name: string;

  constructor(client: DocumentClient, name: string) {
    this.client = client;
    this.name = name;
  }

  get #rpc(): Client<typeof DocumentService> {
    return this.client.rpc;
  }

  /** Inserts or replaces; returns the primary key (generated ones included). */
  put(store: string, doc: Json, key?: DocKey, o: DocCallOpts = {}): Promise<DocKey> {
    return wrap(async () => {
      const r = await this.#rpc.putDocument({ database: this.name, store, document: docToProto(doc), ...(key === undefined ? {} : { key: keyToProto(key) }) }, this.client.opts(o));
      return keyFromProto(r.key) as DocKey;
    });
  }

  /** Inserts; FlowClientError ERROR_REASON_ALREADY_EXISTS when the key (or a unique index key) exists. */
  add(store: string, doc: Json, key?: DocKey, o: DocCallOpts = {}): Promise<DocKey> {
    return wrap(async () => {
      const r = await this.#rpc.addDocument({ database: this.name, store, document: docToProto(doc), ...(key === undefined ? {} : { key: keyToProto(key) }) }, this.client.opts(o));
      return keyFromProto(r.key) as DocKey;
    });
  }

  /** The document with this key (an index key with o.index), undefined when absent. */
  async get(store: string, key: DocKey, o: DocCallOpts & { index?: string } = {}): Promise<Json | undefined> {
    return (await this.getRecord(store, key, o))?.doc;
  }

  /** Like get, with the record's primary key. */
  getRecord(store: string, key: DocKey, o: DocCallOpts & { index?: string } = {}): Promise<{ doc: Json; primaryKey: DocKey } | undefined> {
    return wrap(async () => {
      const r = await this.#rpc.getDocument({ database: this.name, store, index: o.index ?? '', key: keyToProto(key) }, this.client.opts(o));
      return r.found ? { doc: docFromProto(r.document) ?? null, primaryKey: keyFromProto(r.primaryKey) as DocKey } : undefined;
    });
  }

  /** Deletes one key or a range; returns how many records were deleted. */
  delete(store: string, target: DocKey | DocKeyRange, o: DocCallOpts = {}): Promise<number> {
    return wrap(async () => {
      const t = target instanceof DocKeyRange ? { case: 'range' as const, value: rangeToProto(target) } : { case: 'key' as const, value: keyToProto(target) };
      return Number((await this.#rpc.deleteDocuments({ database: this.name, store, target: t }, this.client.opts(o))).deleted);
    });
  }

  /** Up to limit (default 1000, max 10000) records in key order. */
  getAll(store: string, o: ReadOpts & { limit?: number } = {}): Promise<{ records: DocRecord[]; more: boolean }> {
    return wrap(async () => {
      const r = await this.#rpc.getAllDocuments(
        { database: this.name, store, index: o.index ?? '', ...(o.range === undefined ? {} : { range: rangeToProto(o.range) }), limit: o.limit ?? 0, keysOnly: o.keysOnly ?? false },
        this.client.opts(o),
      );
      return { records: r.records.map(toRecord), more: r.more };
    });
  }

  /** One page of a cursor; pass nextPageToken back for the next page ('' when done). */
  queryPage(store: string, o: ReadOpts & { direction?: Direction; pageSize?: number; pageToken?: string } = {}): Promise<{ records: DocRecord[]; nextPageToken: string }> {
    return wrap(async () => {
      const r = await this.#rpc.queryDocuments(
        {
          database: this.name, store, index: o.index ?? '', ...(o.range === undefined ? {} : { range: rangeToProto(o.range) }),
          direction: DIRECTIONS[o.direction ?? 'next'], pageSize: o.pageSize ?? 0, pageToken: o.pageToken ?? '', keysOnly: o.keysOnly ?? false,
        },
        this.client.opts(o),
      );
      return { records: r.records.map(toRecord), nextPageToken: r.nextPageToken };
    });
  }

  /** Every matching record in cursor order, fetched page by page. */
  async *query(store: string, o: ReadOpts & { direction?: Direction; pageSize?: number } = {}): AsyncGenerator<DocRecord> {
    let pageToken = '';
    do {
      const page = await this.queryPage(store, { ...o, pageToken });
      yield* page.records;
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
  }

  count(store: string, o: Omit<ReadOpts, 'keysOnly'> = {}): Promise<number> {
    return wrap(async () => {
      const r = await this.#rpc.countDocuments({ database: this.name, store, index: o.index ?? '', ...(o.range === undefined ? {} : { range: rangeToProto(o.range) }) }, this.client.opts(o));
      return Number(r.count);
    });
  }

  /** All or nothing in one transaction; results[i] answers ops[i] (error metadata op_index names a failing op). */
  transact(ops: TransactOperation[], o: DocCallOpts = {}): Promise<{ results: { key: DocKey | undefined; deleted: number }[]; seq: number }> {
    const init = ops.map((op): MessageInitShape<typeof TransactOpSchema> => {
      if ('put' in op || 'add' in op) {
        const p = 'put' in op ? op.put : op.add;
        const value = { store: p.store, document: docToProto(p.doc), ...(p.key === undefined ? {} : { key: keyToProto(p.key) }) };
        return 'put' in op ? { op: { case: 'put', value } } : { op: { case: 'add', value } };
      }
      if ('delete' in op) {
        const k = op.delete.key;
        const target = k instanceof DocKeyRange ? { case: 'range' as const, value: rangeToProto(k) } : { case: 'key' as const, value: keyToProto(k) };
        return { op: { case: 'delete', value: { store: op.delete.store, target } } };
      }
      return { op: { case: 'clear', value: { store: op.clear.store } } };
    });
    return wrap(async () => {
      const r = await this.#rpc.transact({ database: this.name, ops: init }, this.client.opts(o));
      return { results: r.results.map((x) => ({ key: keyFromProto(x.key), deleted: Number(x.deleted) })), seq: Number(r.seq) };
    });
  }

  /** Change feed from startSeq (0: now). FlowClientError ERROR_REASON_SEQ_COMPACTED when the position is gone: re-read, then watch again. */
  async *watch(o: DocCallOpts & { stores?: string[]; startSeq?: number; progressIntervalMs?: number; keysOnly?: boolean } = {}): AsyncGenerator<WatchEvent> {
    const stream = this.#rpc.watchDocuments(
      { database: this.name, stores: o.stores ?? [], startSeq: BigInt(o.startSeq ?? 0), progressIntervalMs: o.progressIntervalMs ?? 0, keysOnly: o.keysOnly ?? false },
      callOpts({ ...(o.signal === undefined ? {} : { signal: o.signal }), ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }) }, undefined),
    );
    for await (const r of wrapStream(stream)) {
      yield {
        progress: r.progress,
        seq: Number(r.seq),
        changes: r.changes.map((c) => ({
          type: CHANGE_TYPES[c.type] ?? 'put',
          seq: Number(c.seq),
          commitSeq: Number(c.commitSeq),
          store: c.store,
          key: keyFromProto(c.key),
          doc: docFromProto(c.document),
        })),
      };
    }
  }
}
