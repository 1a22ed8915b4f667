/**
 * The IndexedDB conformance suite (src/testing) on fake-indexeddb, the oracle (every case must
 * pass there, which is what shows the cases are right), then on @flowdb/idb over a MemFS engine
 * and over a NodeFS engine in a temp dir, plus persistence cases only we can run.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory as FakeFactory, IDBKeyRange as FakeKeyRange } from 'fake-indexeddb';
import { type Engine, type OpenOptions, openEngine } from '@flowdb/engine';
import { MemFS } from '@flowdb/engine/vfs';
import { createIDBFactory, IDBKeyRange } from '../src/index.ts';
import { helpers, runConformance } from '../src/testing/index.ts';
import type { ConformanceEnv, FactoryLike, KeyRangeStatic, Supports } from '../src/testing/index.ts';

const { done, inTx, open } = helpers;

/**
 * Known failures of @flowdb/idb, by case id; each still runs and must still fail (see Supports).
 * Fixed since the suite found them: string index keys dropped (b91f24b), missing arguments not
 * TypeErrors and concurrently created databases sharing an id (ef87fce). The former BUG-6 case
 * (a failed put should still move the key generator) contradicted the spec, which reverts the
 * generator with a failed operation; fake-indexeddb disagrees, so it is in spec-order.test.ts.
 * The former LIMIT-1 (keys over the engine's 64 KiB key bound were DataErrors) went with the
 * bound's rise to 1 MiB (large-keys.test.ts).
 */
const knownFailures: Record<string, string> = {};
const ours: Supports = { knownFailures };

runConformance(test, 'fake-indexeddb (oracle)', async () => ({
  indexedDB: new FakeFactory() as FactoryLike,
  IDBKeyRange: FakeKeyRange as KeyRangeStatic,
  cleanup: async () => {},
}));

/** Our factory over an engine; the structural cast is the suite's only view of it. */
function envOver(engine: Engine, cleanup: () => Promise<void>): ConformanceEnv {
  return {
    indexedDB: createIDBFactory({ kv: engine, walSyncedOnWrite: true }) as unknown as FactoryLike,
    IDBKeyRange: IDBKeyRange as unknown as KeyRangeStatic,
    cleanup,
  };
}

const strict: OpenOptions = { sync: { mode: 'always' } };

runConformance(test, '@flowdb/idb on MemFS', async () => {
  const engine = await openEngine('/db', { ...strict, fs: new MemFS() });
  return envOver(engine, () => engine.close());
}, ours);

runConformance(test, '@flowdb/idb on NodeFS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'idb-conformance-'));
  const engine = await openEngine(dir, strict);
  return envOver(engine, async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
}, ours);

/** A database "db" v2 with store "s" (keyPath id, autoIncrement) and index "n", holding 3 docs. */
async function populate(env: ConformanceEnv): Promise<void> {
  const db = await open(env, 'db', 2, (d) => d.createObjectStore('s', { keyPath: 'id', autoIncrement: true }).createIndex('n', 'n'));
  const tx = db.transaction('s', 'readwrite', { durability: 'strict' });
  const end = helpers.committed(tx);
  for (const n of [20, 10, 30]) tx.objectStore('s').add({ n, when: new Date(0), tags: new Set([n]) });
  await end;
  db.close();
}

async function assertPopulated(env: ConformanceEnv): Promise<void> {
  const db = await open(env, 'db');
  assert.equal(db.version, 2);
  assert.deepEqual([...db.objectStoreNames], ['s']);
  await inTx(db, 's', 'readwrite', async (tx) => {
    const s = tx.objectStore('s');
    assert.equal(s.keyPath, 'id');
    assert.deepEqual([...s.indexNames], ['n']);
    assert.deepEqual(await done(s.index('n').getAllKeys()), [2, 1, 3]);
    assert.deepEqual(await done(s.get(1)), { n: 20, when: new Date(0), tags: new Set([20]), id: 1 });
    assert.equal(await done(s.add({ n: 40 })), 4, 'the key generator survives');
  });
  db.close();
}

test.describe('@flowdb/idb persistence', () => {
  test.it('data, schema and key generator survive closing and reopening the engine (NodeFS)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idb-persist-'));
    try {
      let engine = await openEngine(dir, strict);
      await populate(envOver(engine, async () => {}));
      await engine.close();
      engine = await openEngine(dir, strict);
      await assertPopulated(envOver(engine, async () => {}));
      await engine.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.it('a committed strict transaction survives a power cut (MemFS crashClone)', async () => {
    const fs = new MemFS();
    const engine = await openEngine('/db', { sync: { mode: 'none' }, fs });
    const factory = createIDBFactory({ kv: engine }) as unknown as FactoryLike;
    const env: ConformanceEnv = { indexedDB: factory, IDBKeyRange: IDBKeyRange as unknown as KeyRangeStatic, cleanup: async () => {} };
    await populate(env);
    const crashed = fs.crashClone({ keepUnsyncedFraction: 0 });
    await engine.close();
    const again = await openEngine('/db', { sync: { mode: 'none' }, fs: crashed });
    await assertPopulated(envOver(again, async () => {}));
    await again.close();
  });
});
