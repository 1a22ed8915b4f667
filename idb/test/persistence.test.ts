/**
 * Persistence: a reopen sees every committed transaction; a power loss (MemFS crashClone, sync
 * 'always') loses no completed transaction and never keeps part of one; data larger than the
 * memtable is read back through SSTables.
 * FLOWDB_IDB_CRASH_SEEDS (default 20) seeds; replay one with FLOWDB_IDB_CRASH_SEED=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type BatchOp, type KV, openEngine } from '@flowdb/engine';
import { MemFS } from '@flowdb/engine/vfs';
import { ManualClock } from '@flowdb/engine/testing';
import { createIDBFactory, type IDBCursorWithValue, type IDBDatabase, type IDBFactory } from '../src/index.ts';
import { done, harness, open, result } from './support.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

const SMALL = { memtableBytes: 2048, blockBytes: 128, levelBaseBytes: 8192, targetFileBytes: 2048 };

test('data bigger than the memtable: reopen, cursors and counts read it back from tables', async () => {
  const h = await harness(SMALL);
  let db = await open(h.factory, 'db', 1, (d) => {
    d.createObjectStore('s', { keyPath: 'id' }).createIndex('bucket', 'bucket');
  });
  const N = 1500;
  for (let start = 0; start < N; start += 300) {
    const tx = db.transaction('s', 'readwrite');
    for (let i = start; i < start + 300; i++) tx.objectStore('s').put({ id: i, bucket: i % 10, pad: 'x'.repeat(40) });
    await done(tx);
  }
  assert.ok(h.engine.stats().sstableCount > 0, 'records were flushed to tables');
  db.close();
  await h.reopen();
  db = await open(h.factory, 'db');
  const s = db.transaction('s').objectStore('s');
  assert.equal(await result(s.count()), N);
  assert.equal(await result(s.index('bucket').count(3)), N / 10);
  const ids: number[] = [];
  const req = db.transaction('s').objectStore('s').index('bucket').openCursor(7, 'prev');
  await new Promise<void>((resolve) => {
    req.onsuccess = () => {
      const c = req.result as IDBCursorWithValue | null;
      if (!c) return resolve();
      ids.push((c.value as { id: number }).id);
      c.continue();
    };
  });
  assert.deepEqual(ids, Array.from({ length: N / 10 }, (_, i) => N - 3 - 10 * i));
  db.close();
  await h.close();
});

test('an aborted transaction writes nothing to the engine', async () => {
  const h = await harness();
  const db = await open(h.factory, 'db', 1, (d) => { d.createObjectStore('s'); });
  const before = h.engine.stats().totalBatches;
  const tx = db.transaction('s', 'readwrite');
  tx.objectStore('s').put('x', 1);
  tx.abort();
  await assert.rejects(done(tx));
  const ro = db.transaction('s');
  ro.objectStore('s').count();
  await done(ro);
  assert.equal(h.engine.stats().totalBatches, before);
  db.close();
  await h.close();
});

test('durability: strict (and default) transactions fsync the WAL, relaxed ones do not', async () => {
  const fs = new MemFS();
  const engine = await openEngine('/db', { fs, sync: { mode: 'none' } });
  const factory = createIDBFactory({ kv: engine });
  const db = await open(factory, 'db', 1, (d) => { d.createObjectStore('s'); });
  const syncs = (): number => engine.stats().totalSyncs;
  const run = async (durability: IDBTransactionDurability): Promise<number> => {
    const before = syncs();
    const tx = db.transaction('s', 'readwrite', { durability });
    assert.equal(tx.durability, durability);
    tx.objectStore('s').put(durability, durability);
    await done(tx);
    return syncs() - before;
  };
  assert.equal(await run('relaxed'), 0);
  assert.ok(await run('strict') >= 1);
  assert.ok(await run('default') >= 1);
  // What a strict commit fsynced survives a power loss even with sync 'none'.
  const image = fs.crashClone();
  db.close();
  await engine.close();
  const e2 = await openEngine('/db', { fs: image, sync: { mode: 'none' } });
  const db2 = await open(createIDBFactory({ kv: e2 }), 'db');
  assert.deepEqual(await result(db2.transaction('s').objectStore('s').getAllKeys()), ['default', 'relaxed', 'strict']);
  db2.close();
  await e2.close();
});

interface TxPlan {
  puts: [number, number][];
  dels: number[];
  adds: number;
  clear: boolean;
}

function plan(r: () => number): TxPlan {
  const p: TxPlan = { puts: [], dels: [], adds: 1 + Math.floor(r() * 2), clear: r() < 0.05 }; // adds >= 1: every plan writes one batch
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    if (r() < 0.7) p.puts.push([Math.floor(r() * 30), Math.floor(r() * 5)]);
    else p.dels.push(Math.floor(r() * 30));
  }
  return p;
}

interface Model {
  docs: Map<number, number>;
  log: number;
}

function apply(m: Model, p: TxPlan): void {
  if (p.clear) m.docs.clear();
  for (const [id, v] of p.puts) m.docs.set(id, v);
  for (const id of p.dels) m.docs.delete(id);
  m.log += p.adds;
}

async function readState(f: IDBFactory): Promise<{ docs: Map<number, number>; byV: Map<number, number[]>; log: number }> {
  const db = await open(f, 'db');
  const tx = db.transaction(['docs', 'log']);
  const all = await result<{ id: number; v: number }[]>(tx.objectStore('docs').getAll());
  const byV = new Map<number, number[]>();
  for (let v = 0; v < 5; v++) byV.set(v, await result<number[]>(tx.objectStore('docs').index('v').getAllKeys(v)));
  const log = await result<number>(tx.objectStore('log').count());
  db.close();
  return { docs: new Map(all.map((d) => [d.id, d.v])), byV, log };
}

async function crashSeed(seed: number): Promise<void> {
  const r = rng(seed);
  const fs = new MemFS();
  const opts = { fs, sync: { mode: 'always' as const }, ...SMALL };
  const engine = await openEngine('/db', opts);
  const plans = Array.from({ length: 6 + Math.floor(r() * 10) }, () => plan(r));
  const crashAtWrite = 2 + Math.floor(r() * (plans.length + 1)); // write #1 is the schema
  const crashAfter = r() < 0.5;
  let writes = 0;
  let image: MemFS | undefined;
  let completed = 0;
  let completedAtImage = 0;
  let writtenAtImage = 0;
  const kv = new Proxy(engine, {
    get(target, prop) {
      if (prop === 'write') {
        return async (ops: BatchOp[]) => {
          writes++;
          const mine = writes;
          // Write #1 is the schema; write #k+1 is plan k's batch (plans run one at a time).
          if (mine === crashAtWrite && !crashAfter) { image = fs.crashClone(); completedAtImage = completed; writtenAtImage = mine - 2; }
          const res = await target.write(ops);
          if (mine === crashAtWrite && crashAfter) { image = fs.crashClone(); completedAtImage = completed; writtenAtImage = mine - 1; }
          return res;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as KV;
  const factory = createIDBFactory({ kv, walSyncedOnWrite: true });
  const db: IDBDatabase = await open(factory, 'db', 1, (d) => {
    d.createObjectStore('docs', { keyPath: 'id' }).createIndex('v', 'v');
    d.createObjectStore('log', { autoIncrement: true });
  });
  const finished: Promise<void>[] = [];
  for (const p of plans) {
    // Two transactions at a time are in flight; they are serialized by scope.
    const tx = db.transaction(['docs', 'log'], 'readwrite');
    const docs = tx.objectStore('docs');
    if (p.clear) docs.clear();
    for (const [id, v] of p.puts) docs.put({ id, v });
    for (const id of p.dels) docs.delete(id);
    for (let i = 0; i < p.adds; i++) tx.objectStore('log').add({ at: i });
    tx.oncomplete = () => { completed++; };
    finished.push(done(tx));
    if (finished.length % 2 === 0) await finished[finished.length - 1];
  }
  await Promise.all(finished);
  db.close();
  await engine.close();
  if (!image) { image = fs.crashClone(); completedAtImage = plans.length; writtenAtImage = plans.length; }
  // Transactions with no ops write nothing, so count survivors by state: some prefix of the plans.
  const recovered = await openEngine('/db', { ...opts, fs: image });
  const state = await readState(createIDBFactory({ kv: recovered }));
  await recovered.close();
  const candidates: number[] = [];
  const m: Model = { docs: new Map(), log: 0 };
  for (let k = 0; k <= plans.length; k++) {
    if (k > 0) apply(m, plans[k - 1] as TxPlan);
    const same = m.log === state.log && m.docs.size === state.docs.size && [...m.docs].every(([id, v]) => state.docs.get(id) === v);
    if (same) candidates.push(k);
  }
  assert.ok(candidates.length > 0, `seed ${seed}: the recovered state is no prefix of the committed transactions`);
  // Acknowledged (sync 'always') batches survive, whether or not complete had fired yet; nothing
  // that had not reached write() does.
  assert.ok(completedAtImage <= writtenAtImage, `seed ${seed}: complete fired before the write returned`);
  assert.ok(candidates.some((k) => k === writtenAtImage),
    `seed ${seed}: expected exactly ${writtenAtImage} transactions, candidates ${candidates} (crash ${crashAfter ? 'after' : 'before'} write ${crashAtWrite})`);
  for (const [v, ids] of state.byV) {
    const want = [...state.docs].filter(([, dv]) => dv === v).map(([id]) => id).sort((a, b) => a - b);
    assert.deepEqual(ids, want, `seed ${seed}: index v=${v} matches the records`);
  }
}

test('power loss under sync always: completed transactions survive, none is partial', async () => {
  const one = process.env.FLOWDB_IDB_CRASH_SEED;
  const seeds = one ? [Number(one)] : Array.from({ length: Number(process.env.FLOWDB_IDB_CRASH_SEEDS ?? 20) }, (_, i) => i + 1);
  for (const seed of seeds) await crashSeed(seed);
});

test('a failed engine write aborts the transaction: ENOSPC as QuotaExceededError, others as UnknownError', async () => {
  const h = await harness();
  let failWith: string | undefined;
  const kv = new Proxy(h.engine, {
    get(target, prop) {
      if (prop === 'write' && failWith) {
        const code = failWith;
        return async () => { throw Object.assign(new Error(`injected ${code}`), { code }); };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as KV;
  const f = createIDBFactory({ kv, walSyncedOnWrite: true });
  const db = await open(f, 'db', 1, (d) => { d.createObjectStore('s'); });
  for (const [code, name] of [['NO_SPACE', 'QuotaExceededError'], ['IO_ERROR', 'UnknownError']] as const) {
    failWith = code;
    const tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').put('x', 1);
    let completed = false;
    tx.oncomplete = () => { completed = true; };
    await assert.rejects(done(tx), (e: unknown) => e instanceof DOMException && e.name === name && (e.cause as { code?: string }).code === code);
    assert.equal(completed, false);
  }
  failWith = undefined;
  assert.equal(await result(db.transaction('s').objectStore('s').count()), 0);
  db.close();
  await h.close();
});

test('records never expire, even when the engine has a default TTL', async () => {
  const clock = new ManualClock();
  const h = await harness({ defaultTtlMicros: 1_000_000, clock });
  const db = await open(h.factory, 'db', 1, (d) => { d.createObjectStore('s').createIndex('i', 'v'); });
  const tx = db.transaction('s', 'readwrite');
  tx.objectStore('s').put({ v: 1 }, 1);
  await done(tx);
  clock.advance(3_600_000_000);
  assert.equal(await result(db.transaction('s').objectStore('s').index('i').getKey(1)), 1);
  db.close();
  await h.reopen();
  assert.deepEqual([...(await open(h.factory, 'db')).objectStoreNames], ['s'], 'the catalog survives too');
  await h.close();
});

test('an engine that turns read-only closes every connection by force: transactions abort, close fires', async () => {
  const h = await harness();
  let broken = false;
  const kv = new Proxy(h.engine, {
    get(target, prop) {
      if (prop === 'write' && broken) return async () => { throw Object.assign(new Error('fsync failed'), { code: 'READ_ONLY' }); };
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as KV;
  const f = createIDBFactory({ kv, walSyncedOnWrite: true });
  const a = await open(f, 'a', 1, (d) => { d.createObjectStore('s'); });
  const b = await open(f, 'b', 1, (d) => { d.createObjectStore('s'); });
  const closes: string[] = [];
  a.onclose = () => closes.push('a');
  b.onclose = () => closes.push('b');
  broken = true;
  const other = b.transaction('s', 'readwrite');
  const spin = (): void => { other.objectStore('s').get(1).onsuccess = spin; }; // busy until aborted
  spin();
  const tx = a.transaction('s', 'readwrite');
  tx.objectStore('s').put('x', 1);
  await assert.rejects(done(tx), (e: unknown) => e instanceof DOMException && e.name === 'UnknownError');
  await assert.rejects(done(other), (e: unknown) => e instanceof DOMException && e.name === 'AbortError');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(closes.sort(), ['a', 'b']);
  assert.throws(() => a.transaction('s'), (e: unknown) => e instanceof DOMException && e.name === 'InvalidStateError');
  await h.close();
});
