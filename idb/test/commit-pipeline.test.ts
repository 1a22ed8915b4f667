/**
 * Commit pipelining (createIDBFactory({ commitPipelining: true }), engine sync 'none' + one
 * coalesced syncWal per commit round): later overlapping readwrite transactions start once an
 * earlier batch is applied; complete events fire in commit order, each after its batch is
 * durable; a crash never keeps a later transaction without the earlier ones; a failed fsync fails
 * the commit and every one after it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type KV, openEngine } from '@flowdb/engine';
import { ErrorFS, MemFS } from '@flowdb/engine/vfs';
import { type IDBDatabase, IDBKeyRange, type IDBTransaction, createIDBFactory } from '../src/index.ts';
import { done, open, result } from './support.ts';

const rng = (seed: number): (() => number) => {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
};

/** Transaction i reads the counter (it must be i), writes doc i and counter i + 1. */
function step(db: IDBDatabase, i: number, log: string[], seen: number[]): IDBTransaction {
  const tx = db.transaction('s', 'readwrite');
  const s = tx.objectStore('s');
  const r = s.get('counter');
  r.onsuccess = () => {
    seen[i] = (r.result as number | undefined) ?? 0;
    s.put(seen[i] + 1, 'counter');
    s.put({ i }, i);
  };
  tx.oncomplete = () => log.push(`complete ${i}`);
  return tx;
}

/**
 * An fsync as slow as a disk's: it covers what was written when it began and reports ms later,
 * so commits arriving meanwhile are not durable yet and join the next round.
 */
function slowSyncs(engine: KV, ms: number): KV {
  return new Proxy(engine, {
    get(target, prop) {
      if (prop === 'syncWal') return async () => { await target.syncWal(); await new Promise((r) => setTimeout(r, ms)); };
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function setup(fs: MemFS | ErrorFS, pipelining = true, syncMs = 0): Promise<{ engine: KV; db: IDBDatabase; close(): Promise<void> }> {
  const engine = await openEngine('/db', { fs, sync: { mode: 'none' } });
  const factory = createIDBFactory({ kv: syncMs > 0 ? slowSyncs(engine, syncMs) : engine, commitPipelining: pipelining });
  const db = await open(factory, 'db', 1, (d) => { d.createObjectStore('s'); });
  return { engine, db, close: async () => { db.close(); await engine.close(); } };
}

test('pipelined: overlapping transactions see earlier writes, complete in commit order, share fsyncs', async () => {
  const N = 40;
  const engine = await openEngine('/db', { fs: new MemFS(), sync: { mode: 'none' } });
  // The first fsync reports only once all N batches are applied: they all join the next round.
  let writes = 0;
  let release!: () => void;
  const allApplied = new Promise<void>((r) => { release = r; });
  let gated = false;
  const kv = new Proxy(engine, {
    get(target, prop) {
      if (prop === 'write') return async (ops: Parameters<KV['write']>[0]) => { const res = await target.write(ops); if (++writes === N + 1) release(); return res; };
      if (prop === 'syncWal') return async () => { await target.syncWal(); if (!gated && writes > 1) { gated = true; await allApplied; } };
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as KV;
  const db = await open(createIDBFactory({ kv, commitPipelining: true }), 'db', 1, (d) => { d.createObjectStore('s'); });
  const close = async (): Promise<void> => { db.close(); await engine.close(); };
  const log: string[] = [];
  const seen: number[] = [];
  const syncsBefore = engine.stats().totalSyncs;
  const txs = Array.from({ length: N }, (_, i) => step(db, i, log, seen));
  await Promise.all(txs.map(done));
  assert.deepEqual(seen, Array.from({ length: N }, (_, i) => i), 'each transaction saw every earlier one');
  assert.deepEqual(log, Array.from({ length: N }, (_, i) => `complete ${i}`));
  const syncs = engine.stats().totalSyncs - syncsBefore;
  assert.equal(syncs, 2, `${N} strict transactions: the first round, then one for the other ${N - 1}`);
  assert.equal(await result(db.transaction('s').objectStore('s').get('counter')), N);
  await close();
});

test('pipelined: a second transaction starts before the first one completes', async () => {
  const { db, close } = await setup(new MemFS());
  const events: string[] = [];
  const t1 = db.transaction('s', 'readwrite');
  t1.objectStore('s').put(1, 'k');
  t1.oncomplete = () => events.push('t1 complete');
  const t2 = db.transaction('s', 'readwrite');
  t2.objectStore('s').get('k').onsuccess = (e) => events.push(`t2 sees ${(e.target as unknown as { result: unknown }).result}`);
  t2.oncomplete = () => events.push('t2 complete');
  await Promise.all([done(t1), done(t2)]);
  assert.deepEqual(events, ['t2 sees 1', 't1 complete', 't2 complete']);
  await close();
});

test('without pipelining the spec order holds: the second transaction waits for the first complete', async () => {
  const { db, close } = await setup(new MemFS(), false);
  const events: string[] = [];
  const t1 = db.transaction('s', 'readwrite');
  t1.objectStore('s').put(1, 'k');
  t1.oncomplete = () => events.push('t1 complete');
  const t2 = db.transaction('s', 'readwrite');
  t2.objectStore('s').get('k').onsuccess = (e) => events.push(`t2 sees ${(e.target as unknown as { result: unknown }).result}`);
  await Promise.all([done(t1), done(t2)]);
  assert.deepEqual(events, ['t1 complete', 't2 sees 1']);
  await close();
});

test('pipelined: a readonly transaction still waits for the earlier readwrite one to finish', async () => {
  const { db, close } = await setup(new MemFS());
  const events: string[] = [];
  const t1 = db.transaction('s', 'readwrite');
  t1.objectStore('s').put(1, 'k');
  t1.oncomplete = () => events.push('t1 complete');
  const t2 = db.transaction('s', 'readonly');
  t2.objectStore('s').get('k').onsuccess = () => events.push('t2 get');
  await Promise.all([done(t1), done(t2)]);
  assert.deepEqual(events, ['t1 complete', 't2 get']);
  await close();
});

const SEEDS = Number(process.env['FLOWDB_IDB_CRASH_SEEDS'] ?? 20);

test(`pipelined power loss: the survivors are a prefix of the commits and include every completed one (${SEEDS} seeds)`, async () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = rng(seed);
    const fs = new MemFS();
    // Slow fsyncs: several commits are applied but not yet durable when the image is taken.
    const { db, close } = await setup(fs, true, 10 + Math.floor(r() * 20));
    const N = 10 + Math.floor(r() * 30);
    const crashAt = Math.floor(r() * N);
    const log: string[] = [];
    const seen: number[] = [];
    let image: MemFS | undefined;
    let completedAtImage = 0;
    const txs = Array.from({ length: N }, (_, i) => {
      const tx = step(db, i, log, seen);
      // The crash image is taken while transactions are in every stage (running, applied, syncing).
      if (i === crashAt) {
        tx.oncomplete = () => {
          log.push(`complete ${i}`);
          image = fs.crashClone({ keepUnsyncedFraction: seed % 2 === 0 ? 0 : r(), rng: r });
          completedAtImage = log.length;
        };
      }
      return tx;
    });
    await Promise.all(txs.map(done));
    await close();
    assert.ok(image, `seed ${seed}: no image`);
    const engine = await openEngine('/db', { fs: image, sync: { mode: 'none' } });
    const db2 = await open(createIDBFactory({ kv: engine }), 'db');
    const s = db2.transaction('s').objectStore('s');
    const counter = ((await result(s.get('counter'))) as number | undefined) ?? 0;
    const keys = (await result(s.getAllKeys())) as unknown[];
    db2.close();
    await engine.close();
    assert.ok(counter >= completedAtImage, `seed ${seed}: ${counter} survived, ${completedAtImage} had completed`);
    assert.deepEqual(keys, [...Array.from({ length: counter }, (_, i) => i), 'counter'].filter((k) => counter > 0 || k !== 'counter'),
      `seed ${seed}: the docs are exactly those of the first ${counter} commits`);
  }
});

test('pipelined: a failed fsync aborts that commit and every later one', async () => {
  let failSyncs = false;
  const fs = new ErrorFS(new MemFS(), (op) => (failSyncs && op.op === 'sync' && op.path.endsWith('.log') ? { errno: 'EIO' } : undefined));
  const { db, close } = await setup(fs as unknown as MemFS);
  const log: string[] = [];
  const seen: number[] = [];
  await done(step(db, 0, log, seen));
  failSyncs = true;
  const txs = Array.from({ length: 6 }, (_, i) => step(db, i + 1, log, seen));
  const outcomes = await Promise.all(txs.map((tx) => done(tx).then(() => 'complete', () => 'abort')));
  assert.deepEqual(outcomes, Array(6).fill('abort'));
  assert.deepEqual(log, ['complete 0']);
  for (const tx of txs) assert.ok(tx.error instanceof DOMException, String(tx.error));
  await close().catch(() => undefined);
});

/** An engine whose writes wait for open() while gated: batches stay pending (fixed, not applied). */
function gatedWrites(engine: KV): { kv: KV; gate(): void; open(): void; writes(): number } {
  let gate: Promise<void> | undefined;
  let release = (): void => {};
  let n = 0;
  const kv = new Proxy(engine, {
    get(target, prop) {
      if (prop === 'write') return async (ops: Parameters<KV['write']>[0]) => { n++; if (gate) await gate; return target.write(ops); };
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as KV;
  return {
    kv,
    gate: () => { gate = new Promise((r) => { release = r; }); },
    open: () => { gate = undefined; release(); },
    writes: () => n,
  };
}

test('pipelined: a transaction reads an earlier batch that is not yet written (get, getAll, count, cursors)', async () => {
  const engine = await openEngine('/db', { fs: new MemFS(), sync: { mode: 'always' } });
  const g = gatedWrites(engine);
  const db = await open(createIDBFactory({ kv: g.kv, walSyncedOnWrite: true, commitPipelining: true }), 'db', 1, (d) => {
    const s = d.createObjectStore('s');
    for (let i = 0; i < 10; i++) s.put(`v${i}`, i);
  });
  g.gate();
  const a = db.transaction('s', 'readwrite');
  const sa = a.objectStore('s');
  sa.delete(3);
  sa.put('A', 20);
  sa.delete(IDBKeyRange.bound(6, 8));
  sa.put('A5', 5);
  const b = db.transaction('s', 'readwrite');
  const sb = b.objectStore('s');
  const expected = [[0, 'v0'], [1, 'v1'], [2, 'v2'], [4, 'v4'], [5, 'A5'], [9, 'v9'], [20, 'A']];
  const all = result(sb.getAll());
  const keys = result(sb.getAllKeys());
  const count = result(sb.count());
  const one = result(sb.get(5));
  const gone = result(sb.get(7));
  const walked: unknown[] = [];
  const cur = sb.openCursor(null, 'prev');
  const walk = new Promise<void>((resolve) => {
    cur.onsuccess = () => {
      const c = cur.result as { key: unknown; value: unknown; continue(): void } | null;
      if (!c) return resolve();
      walked.push([c.key, c.value]);
      c.continue();
    };
  });
  // b runs to the end of its requests while a's batch is still unwritten.
  assert.deepEqual(await all, expected.map(([, v]) => v));
  assert.deepEqual(await keys, expected.map(([k]) => k));
  assert.equal(await count, expected.length);
  assert.equal(await one, 'A5');
  assert.equal(await gone, undefined);
  await walk;
  assert.deepEqual(walked, [...expected].reverse());
  sb.put('B', 21);
  g.open();
  await Promise.all([done(a), done(b)]);
  const check = db.transaction('s').objectStore('s');
  assert.deepEqual(await result(check.getAllKeys()), [...expected.map(([k]) => k), 21]);
  db.close();
  await engine.close();
});

test('pipelined: a failed write fails the commits that read it; a later independent one succeeds', async () => {
  // One WAL append fails (ENOSPC: rolled back, the engine stays writable).
  let failNextAppend = false;
  const fs = new ErrorFS(new MemFS(), (op) => {
    if (!failNextAppend || op.op !== 'append' || !op.path.endsWith('.log')) return undefined;
    failNextAppend = false;
    return { errno: 'ENOSPC' };
  });
  const engine = await openEngine('/db', { fs, sync: { mode: 'always' } });
  const g = gatedWrites(engine);
  const db = await open(createIDBFactory({ kv: g.kv, walSyncedOnWrite: true, commitPipelining: true }), 'db', 1, (d) => { d.createObjectStore('s'); });
  const log: string[] = [];
  const seen: number[] = [];
  g.gate();
  const a = step(db, 0, log, seen);
  const b = step(db, 1, log, seen);
  const outcome = (tx: IDBTransaction): Promise<string> => done(tx).then(() => 'complete', () => 'abort');
  const oa = outcome(a);
  const ob = outcome(b);
  // b has read a's counter before a's batch reached the engine.
  while (seen[1] === undefined) await new Promise((r) => setTimeout(r, 1));
  assert.equal(seen[1], 1);
  failNextAppend = true;
  g.open();
  assert.deepEqual([await oa, await ob], ['abort', 'abort']);
  assert.equal(a.error?.name, 'QuotaExceededError');
  assert.equal(failNextAppend, false);
  const c = step(db, 2, log, seen);
  assert.equal(await outcome(c), 'complete');
  assert.equal(seen[2], 0, 'the failed commits left nothing behind');
  assert.deepEqual(log, ['complete 2']);
  db.close();
  await engine.close();
});

/** MemFS whose table files take ms to create: frozen memtables stay unflushed for a while. */
function slowTables(fs: MemFS, ms: number): MemFS {
  return new Proxy(fs, {
    get(target, prop) {
      if (prop === 'create') {
        return async (path: string) => {
          if (path.endsWith('.sst')) await new Promise((r) => setTimeout(r, ms));
          return target.create(path);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

test('strict commits on an engine in sync mode none survive a power loss across memtable freezes', async () => {
  for (const pipelining of [false, true]) {
    const fs = new MemFS();
    // Small memtables, slow flushes, slow fsyncs: a freeze (a WAL rotation) often falls between a
    // commit's write and its fsync round; the engine must sync the old WAL when rotating it.
    const engine = await openEngine('/db', { fs: slowTables(fs, 30), sync: { mode: 'none' }, memtableBytes: 4096 });
    const db = await open(createIDBFactory({ kv: slowSyncs(engine, 5), commitPipelining: pipelining }), 'db', 1, (d) => { d.createObjectStore('s'); });
    const images: { image: MemFS; completed: number }[] = [];
    let completed = 0;
    const txs = Array.from({ length: 40 }, (_, i) => {
      const tx = db.transaction('s', 'readwrite');
      tx.objectStore('s').put('x'.repeat(300), i);
      tx.oncomplete = () => {
        completed++;
        if (i % 5 === 4) images.push({ image: fs.crashClone({ keepUnsyncedFraction: 0 }), completed });
      };
      return tx;
    });
    await Promise.all(txs.map(done));
    assert.ok(engine.stats().totalFlushes > 0, 'the memtable froze at least once');
    db.close();
    await engine.close();
    for (const { image, completed: n } of images) {
      const e = await openEngine('/db', { fs: image, sync: { mode: 'none' } });
      const d = await open(createIDBFactory({ kv: e }), 'db');
      const keys = (await result(d.transaction('s').objectStore('s').getAllKeys())) as number[];
      d.close();
      await e.close();
      assert.ok(keys.length >= n, `pipelining ${pipelining}: ${keys.length} records survived, ${n} transactions had completed`);
    }
  }
});

test('pipelined: queued batches are combined into engine writes of about 8 MiB at most', async () => {
  const engine = await openEngine('/db', { fs: new MemFS(), sync: { mode: 'always' } });
  const g = gatedWrites(engine);
  const db = await open(createIDBFactory({ kv: g.kv, walSyncedOnWrite: true, commitPipelining: true }), 'db', 1, (d) => { d.createObjectStore('s'); });
  const before = g.writes();
  g.gate();
  const big = new Uint8Array(1 << 20);
  const txs = Array.from({ length: 20 }, (_, i) => {
    const tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').put(big, i);
    return tx;
  });
  while (g.writes() === before) await new Promise((r) => setTimeout(r, 1));
  // Let every other transaction fix its batch behind the gated first write.
  await new Promise((r) => setTimeout(r, 50));
  g.open();
  await Promise.all(txs.map(done));
  const writes = g.writes() - before;
  // The first write alone, then 19 MiB in groups that stop growing past 8 MiB: at least 3 more
  // writes (exactly 3 when all 19 were queued in time), and fewer than one per transaction.
  assert.ok(writes >= 4 && writes < 20, `${writes} engine writes`);
  assert.equal(await result(db.transaction('s').objectStore('s').count()), 20);
  db.close();
  await engine.close();
});

test('pipelined: an aborted transaction between two others leaves no trace; the next one reads the earlier batch only', async () => {
  const engine = await openEngine('/db', { fs: new MemFS(), sync: { mode: 'always' } });
  const g = gatedWrites(engine);
  const factory = createIDBFactory({ kv: g.kv, walSyncedOnWrite: true, commitPipelining: true });
  const db = await open(factory, 'db', 1, (d) => { d.createObjectStore('s'); });
  g.gate();
  const a = db.transaction('s', 'readwrite');
  a.objectStore('s').put('a', 'a');
  const b = db.transaction('s', 'readwrite');
  const rb = b.objectStore('s').get('a');
  rb.onsuccess = () => { b.objectStore('s').put('b', 'b'); b.abort(); };
  const c = db.transaction('s', 'readwrite');
  const seenByC = result(c.objectStore('s').getAll());
  const bAborted = done(b).then(() => false, () => true);
  // a's batch is still unwritten here: b and c read it through the pipeline.
  assert.deepEqual(await seenByC, ['a']);
  assert.equal(await bAborted, true);
  assert.equal(rb.result, 'a');
  g.open();
  await Promise.all([done(a), done(c)]);
  db.close();
  // An upgrade waits for every transaction, then sees exactly a's write.
  const db2 = await open(factory, 'db', 2, (d) => { d.createObjectStore('t'); });
  assert.deepEqual(await result(db2.transaction('s').objectStore('s').getAllKeys()), ['a']);
  db2.close();
  await engine.close();
});
