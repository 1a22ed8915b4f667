/**
 * One adapter per system under test, all driven through the same small interface.
 *
 * - flowdb: @flowdb/engine on NodeFS. Fast mode: sync 'none'; durable mode: sync 'always'.
 * - classic-level: LevelDB. Fast mode: `batch(ops)` (no options; see toolchain notes);
 *   durable mode: `batch([op], {sync: true})`.
 * - lmdb: lmdb-js, binary keys and values. Fast mode: `noSync: true`; durable mode: defaults
 *   (overlappingSync) with `separateFlushed`, and a write counts once its `flushed` promise
 *   resolves (the commit is on disk), which is what flowdb 'always' promises.
 * - reference: the reference crate's napi binary (`@restsend/flowdb-linux-x64-gnu` 0.8.2). Its
 *   only Node API is the JSON document layer (`FlowDb`: object stores, documents, transactions),
 *   always with SyncMode::Always (the binding exposes no sync option). A record is stored as the
 *   document `{k: key, v: base64(value)}` in store `r` with keyPath `k`; a batch is one
 *   readwrite transaction. So its "no-fsync" rows still fsync once per batch.
 */
import { createRequire } from 'node:module';
import type { RootDatabase } from 'lmdb';
import type { Rec } from './workload.ts';

export const SYSTEMS = ['flowdb', 'classic-level', 'lmdb', 'reference'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export interface Getter {
  /** Row label, e.g. "get (async, 16 in flight)". */
  label: string;
  /** 0: a synchronous call in a plain loop; n: n async calls in flight. */
  inFlight: number;
  /** Returns true on a hit with the expected value length. */
  get(r: Rec): boolean | Promise<boolean>;
}

export interface Store {
  readonly name: SystemName;
  /** Writes `recs` as one atomic batch. */
  writeBatch(recs: Rec[]): Promise<void>;
  /** Writes one record as its own batch (durable rows). */
  putOne(r: Rec): Promise<void>;
  readonly getters: Getter[];
  /** Reads every record whose key starts with `prefix`; returns the count. */
  prefixScan(prefix: Buffer): Promise<number>;
  /** Reads every record; returns the count. */
  fullScan(): Promise<number>;
  /** flowdb only: move the memtable into SSTables, so reads can be measured off disk too. */
  flush?(): Promise<void>;
  close(): Promise<void>;
}

const IN_FLIGHT = 16;

/** The smallest key greater than every key with this prefix (prefixes here never end in 0xff). */
export function prefixEnd(prefix: Buffer): Buffer {
  const e = Buffer.from(prefix);
  e[e.length - 1] = (e[e.length - 1] as number) + 1;
  return e;
}

export async function openStore(name: SystemName, dir: string, durable: boolean): Promise<Store> {
  switch (name) {
    case 'flowdb':
      return openFlowdb(dir, durable);
    case 'classic-level':
      return openClassic(dir, durable);
    case 'lmdb':
      return openLmdb(dir, durable);
    case 'reference':
      return openReference(dir);
  }
}

async function openFlowdb(dir: string, durable: boolean): Promise<Store> {
  // Loaded lazily, so an ingest child only loads the system it measures.
  const { openEngine } = await import('@flowdb/engine');
  const db = await openEngine(dir, { sync: durable ? { mode: 'always' } : { mode: 'none' } });
  const count = async (it: AsyncIterable<unknown>) => {
    let n = 0;
    for await (const _ of it) n++;
    return n;
  };
  return {
    name: 'flowdb',
    async writeBatch(recs) {
      const ops = new Array(recs.length);
      for (let i = 0; i < recs.length; i++) {
        const r = recs[i] as Rec;
        ops[i] = { type: 'put', key: r.key, ts: r.ts, value: r.value };
      }
      await db.write(ops);
    },
    async putOne(r) {
      await db.write([{ type: 'put', key: r.key, ts: r.ts, value: r.value }]);
    },
    getters: [
      { label: 'get latest get(key), 16 in flight', inFlight: IN_FLIGHT, get: async (r) => (await db.get(r.key))?.value.length === r.value.length },
      { label: 'get exact get(key,{ts}), 16 in flight', inFlight: IN_FLIGHT, get: async (r) => (await db.get(r.key, { ts: r.ts }))?.value.length === r.value.length },
      { label: 'get exact get(key,{ts}), 1 in flight', inFlight: 1, get: async (r) => (await db.get(r.key, { ts: r.ts }))?.value.length === r.value.length },
    ],
    prefixScan: (prefix) => count(db.scan({ prefix })),
    fullScan: () => count(db.scan()),
    flush: () => db.flush(),
    close: () => db.close(),
  };
}

async function openClassic(dir: string, durable: boolean): Promise<Store> {
  const { ClassicLevel } = await import('classic-level');
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  const count = async (it: AsyncIterable<unknown>) => {
    let n = 0;
    for await (const _ of it) n++;
    return n;
  };
  const syncOpt = { sync: true };
  return {
    name: 'classic-level',
    async writeBatch(recs) {
      const ops = new Array(recs.length);
      for (let i = 0; i < recs.length; i++) {
        const r = recs[i] as Rec;
        ops[i] = { type: 'put', key: r.key, value: r.value };
      }
      await (durable ? db.batch(ops, syncOpt) : db.batch(ops));
    },
    async putOne(r) {
      const ops = [{ type: 'put' as const, key: r.key, value: r.value }];
      await (durable ? db.batch(ops, syncOpt) : db.batch(ops));
    },
    getters: [
      { label: 'getSync(key)', inFlight: 0, get: (r) => db.getSync(r.key)?.length === r.value.length },
      { label: 'get(key) async, 16 in flight', inFlight: IN_FLIGHT, get: async (r) => (await db.get(r.key))?.length === r.value.length },
    ],
    prefixScan: (prefix) => count(db.iterator({ gte: prefix, lt: prefixEnd(prefix) })),
    fullScan: () => count(db.iterator()),
    close: () => db.close(),
  };
}

async function openLmdb(dir: string, durable: boolean): Promise<Store> {
  const { open: lmdbOpen } = await import('lmdb');
  const db: RootDatabase<Buffer, Buffer> = lmdbOpen<Buffer, Buffer>({
    path: dir,
    keyEncoding: 'binary',
    encoding: 'binary',
    compression: false,
    ...(durable ? { separateFlushed: true } : { noSync: true }),
  });
  return {
    name: 'lmdb',
    async writeBatch(recs) {
      // Puts issued in one event turn are committed as one transaction.
      let last: Promise<boolean> | undefined;
      for (const r of recs) last = db.put(r.key, r.value);
      await last;
    },
    async putOne(r) {
      const p = db.put(r.key, r.value) as Promise<boolean> & { flushed?: Promise<unknown> };
      await p;
      if (durable) await p.flushed;
    },
    getters: [
      { label: 'get(key) (sync API)', inFlight: 0, get: (r) => db.get(r.key)?.length === r.value.length },
    ],
    async prefixScan(prefix) {
      let n = 0;
      for (const _ of db.getRange({ start: prefix, end: prefixEnd(prefix) })) n++;
      return n;
    },
    async fullScan() {
      let n = 0;
      for (const _ of db.getRange({})) n++;
      return n;
    },
    close: () => db.close(),
  };
}

// ---- the reference crate's napi binding ---------------------------------------------------

interface RefDoc {
  k: string;
  v: string;
}
interface RefRange {
  lower: string;
  upper: string;
  lowerOpen: boolean;
  upperOpen: boolean;
}
interface RefTx {
  put(store: string, doc: RefDoc): void;
  commit(): Promise<void>;
}
interface RefDb {
  createObjectStore(name: string, keyPath: string, autoIncrement: boolean): Promise<void>;
  storeNames(): string[];
  put(store: string, doc: RefDoc): Promise<void>;
  get(store: string, key: string): Promise<RefDoc | null>;
  getAll(store: string, range: RefRange | null, count?: number): Promise<RefDoc[]>;
  scan(store: string): Promise<RefDoc[]>;
  transaction(stores: string[], mode: 'readonly' | 'readwrite'): RefTx;
  close(): Promise<void>;
}
interface RefModule {
  FlowDb: { open(config: { dataDir: string; createIfMissing?: boolean }): RefDb };
}

export function loadReference(): RefModule {
  return createRequire(import.meta.url)('@restsend/flowdb-linux-x64-gnu') as RefModule;
}

const STORE = 'r';

async function openReference(dir: string): Promise<Store> {
  const db = loadReference().FlowDb.open({ dataDir: dir, createIfMissing: true });
  if (!db.storeNames().includes(STORE)) await db.createObjectStore(STORE, 'k', false);
  const doc = (r: Rec): RefDoc => ({ k: r.key.toString('latin1'), v: r.value.toString('base64') });
  const hit = (d: RefDoc | null | undefined, r: Rec) => d != null && Buffer.from(d.v, 'base64').length === r.value.length;
  return {
    name: 'reference',
    async writeBatch(recs) {
      const tx = db.transaction([STORE], 'readwrite');
      for (const r of recs) tx.put(STORE, doc(r));
      await tx.commit();
    },
    async putOne(r) {
      await db.put(STORE, doc(r));
    },
    getters: [
      { label: 'get(store,key) async, 16 in flight', inFlight: IN_FLIGHT, get: async (r) => hit(await db.get(STORE, r.key.toString('latin1')), r) },
    ],
    async prefixScan(prefix) {
      // getAll materialises the range (the binding has no streaming cursor).
      const lower = prefix.toString('latin1');
      const docs = await db.getAll(STORE, { lower, upper: prefixEnd(prefix).toString('latin1'), lowerOpen: false, upperOpen: true });
      for (const d of docs) Buffer.from(d.v, 'base64');
      return docs.length;
    },
    async fullScan() {
      const docs = await db.scan(STORE);
      for (const d of docs) Buffer.from(d.v, 'base64');
      return docs.length;
    },
    close: () => db.close(),
  };
}
