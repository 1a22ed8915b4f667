/**
 * Model-based property test: random transactions of object-store and index operations run on
 * fake-indexeddb (the model) and on @flowdb/idb (MemFS engine) side by side; every request's
 * outcome, every cursor walk and every transaction's end must match.
 * FC_RUNS=n raises the run count (default 100); FC_SEED replays a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IDBFactory as FakeFactory, IDBKeyRange as FakeKeyRange } from 'fake-indexeddb';
import { openEngine } from '@flowdb/engine';
import { MemFS } from '@flowdb/engine/vfs';
import { createIDBFactory, IDBKeyRange } from '../src/index.ts';
import { helpers } from '../src/testing/index.ts';
import type { ConformanceEnv, CursorDirection, FactoryLike, Key, KeyRangeStatic, ObjectStoreLike, Query, RequestLike, SourceLike, TransactionLike } from '../src/testing/index.ts';

const numRuns = Number(process.env.FC_RUNS ?? 100);
const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

type Range = { kind: 'key'; key: Key } | { kind: 'bound'; lo: Key; hi: Key; lo_open: boolean; hi_open: boolean } | { kind: 'lower'; lo: Key; open: boolean } | { kind: 'upper'; hi: Key; open: boolean };
interface Doc { id?: Key; n: number; u?: number; tags: string[] }
type Op =
  | { op: 'put' | 'add'; store: 'a'; doc: Doc }
  | { op: 'put' | 'add'; store: 'b'; key: Key; value: number }
  | { op: 'delete'; store: 'a' | 'b'; range: Range }
  | { op: 'clear'; store: 'a' | 'b' }
  | { op: 'get' | 'getKey' | 'count'; store: 'a' | 'b'; index?: 'n' | 'u' | 't'; range: Range }
  | { op: 'getAll' | 'getAllKeys'; store: 'a' | 'b'; index?: 'n' | 'u' | 't'; range?: Range; count?: number }
  | { op: 'walk'; store: 'a' | 'b'; index?: 'n' | 'u' | 't'; keysOnly: boolean; range?: Range; dir: CursorDirection; mutate: 'none' | 'update' | 'delete' };
interface Tx { ops: Op[]; end: 'auto' | 'abort' | 'commit' }

const key = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 3 }).map((n) => [n]));
const range: fc.Arbitrary<Range> = fc.oneof(
  key.map((k) => ({ kind: 'key' as const, key: k })),
  fc.tuple(key, key, fc.boolean(), fc.boolean()).map(([lo, hi, lo_open, hi_open]) => ({ kind: 'bound' as const, lo, hi, lo_open, hi_open })),
  fc.tuple(key, fc.boolean()).map(([lo, open]) => ({ kind: 'lower' as const, lo, open })),
  fc.tuple(key, fc.boolean()).map(([hi, open]) => ({ kind: 'upper' as const, hi, open })),
);
/**
 * Explicit ids in store "a" are strings or arrays: numeric ones move the key generator, where
 * fake-indexeddb departs from the spec (no revert on abort) and @flowdb/idb has BUG-6 (no bump
 * when the put fails); the conformance suite covers the generator instead.
 */
const docId = fc.oneof(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 3 }).map((n) => [n]));
const doc: fc.Arbitrary<Doc> = fc.record(
  { id: docId, n: fc.integer({ min: 0, max: 4 }), u: fc.integer({ min: 0, max: 6 }), tags: fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }) },
  { requiredKeys: ['n', 'tags'] },
);
const store = fc.constantFrom<'a' | 'b'>('a', 'b');
const index = fc.option(fc.constantFrom<'n' | 'u' | 't'>('n', 'u', 't'), { nil: undefined });
const optRange = fc.option(range, { nil: undefined });
const op = fc.oneof(
  { arbitrary: fc.record({ op: fc.constantFrom<'put' | 'add'>('put', 'add'), store: fc.constant<'a'>('a'), doc }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constantFrom<'put' | 'add'>('put', 'add'), store: fc.constant<'b'>('b'), key, value: fc.integer({ min: 0, max: 99 }) }), weight: 2 },
  fc.record({ op: fc.constant<'delete'>('delete'), store, range }),
  { arbitrary: fc.record({ op: fc.constant<'clear'>('clear'), store }), weight: 1 },
  fc.record({ op: fc.constantFrom<'get' | 'getKey' | 'count'>('get', 'getKey', 'count'), store, index, range }, { requiredKeys: ['op', 'store', 'range'] }),
  fc.record({ op: fc.constantFrom<'getAll' | 'getAllKeys'>('getAll', 'getAllKeys'), store, index, range: optRange, count: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }) }, { requiredKeys: ['op', 'store'] }),
  { arbitrary: fc.record({ op: fc.constant<'walk'>('walk'), store, index, keysOnly: fc.boolean(), range: optRange, dir: fc.constantFrom<CursorDirection>('next', 'prev', 'nextunique', 'prevunique'), mutate: fc.constantFrom<'none' | 'update' | 'delete'>('none', 'none', 'update', 'delete') }, { requiredKeys: ['op', 'store', 'keysOnly', 'dir', 'mutate'] }), weight: 2 },
) as fc.Arbitrary<Op>;

const txs = fc
  .array(fc.record({ ops: fc.array(op, { minLength: 1, maxLength: 8 }), end: fc.constantFrom<Tx['end']>('auto', 'auto', 'auto', 'commit', 'abort') }), { minLength: 1, maxLength: 8 });

/** A query, or the name of the synchronous error building it (e.g. DataError for an empty range). */
function toQuery(R: KeyRangeStatic, r: Range | undefined): Query {
  if (r === undefined) return undefined;
  switch (r.kind) {
    case 'key': return r.key;
    case 'bound': return R.bound(r.lo, r.hi, r.lo_open, r.hi_open);
    case 'lower': return R.lowerBound(r.lo, r.open);
    case 'upper': return R.upperBound(r.hi, r.open);
  }
}

/** Request outcome: ['ok', result] or ['error', name]; errors are prevented so the transaction goes on. */
function outcome(r: RequestLike<unknown>): Promise<unknown> {
  return new Promise((resolve) => {
    r.onsuccess = () => resolve(['ok', helpers.norm(r.result)]);
    r.onerror = (ev) => {
      ev.preventDefault();
      resolve(['error', r.error?.name]);
    };
  });
}

function walk(src: SourceLike, q: Query, o: Extract<Op, { op: 'walk' }>): Promise<unknown> {
  const r = o.keysOnly ? src.openKeyCursor(q, o.dir) : src.openCursor(q, o.dir);
  const seen: unknown[] = [];
  return new Promise((resolve) => {
    r.onsuccess = () => {
      const c = r.result;
      if (c === null || seen.length >= 12) return resolve(['ok', seen]);
      seen.push(helpers.norm([c.key, c.primaryKey]));
      try {
        if (o.mutate === 'delete' && seen.length % 2 === 0) c.delete().onerror = (ev) => ev.preventDefault();
        if (o.mutate === 'update' && 'value' in c && o.store === 'b') c.update(seen.length).onerror = (ev) => ev.preventDefault();
      } catch (e) {
        seen.push(`throw:${(e as Error).name}`);
      }
      c.continue();
    };
    r.onerror = (ev) => {
      ev.preventDefault();
      resolve(['error', r.error?.name, seen]);
    };
  });
}

async function runOp(tx: TransactionLike, R: KeyRangeStatic, o: Op): Promise<unknown> {
  try {
    const s: ObjectStoreLike = tx.objectStore(o.store);
    const src: SourceLike = 'index' in o && o.index !== undefined && o.store === 'a' ? s.index(o.index) : s;
    switch (o.op) {
      case 'put': case 'add':
        return await outcome(o.store === 'a' ? s[o.op](structuredClone(o.doc)) : s[o.op](o.value, o.key));
      case 'delete': return await outcome(s.delete(toQuery(R, o.range)));
      case 'clear': return await outcome(s.clear());
      case 'get': case 'getKey': case 'count': return await outcome(src[o.op](toQuery(R, o.range)));
      case 'getAll': case 'getAllKeys': return await outcome(o.count === undefined ? src[o.op](toQuery(R, o.range)) : src[o.op](toQuery(R, o.range), o.count));
      case 'walk': return await walk(src, toQuery(R, o.range), o);
    }
  } catch (e) {
    return ['throw', (e as Error).name];
  }
}

async function runAll(env: ConformanceEnv, plan: Tx[]): Promise<unknown[]> {
  const log: unknown[] = [];
  const db = await helpers.open(env, 'db', 1, (d) => {
    const a = d.createObjectStore('a', { keyPath: 'id', autoIncrement: true });
    a.createIndex('n', 'n');
    a.createIndex('u', 'u', { unique: true });
    a.createIndex('t', 'tags', { multiEntry: true });
    d.createObjectStore('b');
  });
  for (const t of plan) {
    const tx = db.transaction(['a', 'b'], 'readwrite');
    const end = new Promise<string>((resolve) => {
      tx.addEventListener('complete', () => resolve('complete'));
      tx.addEventListener('abort', () => resolve(`abort:${tx.error?.name ?? 'null'}`));
    });
    for (const o of t.ops) log.push(await runOp(tx, env.IDBKeyRange, o));
    if (t.end === 'abort') tx.abort();
    if (t.end === 'commit') tx.commit();
    log.push(await end);
  }
  const final = db.transaction(['a', 'b'], 'readonly');
  log.push(await outcome(final.objectStore('a').getAll()), await outcome(final.objectStore('b').getAll()));
  for (const i of ['n', 'u', 't']) log.push(await outcome(final.objectStore('a').index(i).getAllKeys()));
  db.close();
  return log;
}

test('@flowdb/idb matches fake-indexeddb on random transactions', async () => {
  await fc.assert(
    fc.asyncProperty(txs, async (plan) => {
      const model = await runAll({ indexedDB: new FakeFactory() as FactoryLike, IDBKeyRange: FakeKeyRange as KeyRangeStatic, cleanup: async () => {} }, plan);
      const engine = await openEngine('/db', { fs: new MemFS(), sync: { mode: 'always' } });
      try {
        const env: ConformanceEnv = { indexedDB: createIDBFactory({ kv: engine, walSyncedOnWrite: true }) as unknown as FactoryLike, IDBKeyRange: IDBKeyRange as unknown as KeyRangeStatic, cleanup: async () => {} };
        const ours = await runAll(env, plan);
        assert.deepEqual(ours, model);
      } finally {
        await engine.close();
      }
    }),
    { numRuns, ...seed },
  );
});
