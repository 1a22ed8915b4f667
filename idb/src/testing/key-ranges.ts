/** IDBKeyRange and ranges on stores and indexes (https://w3c.github.io/IndexedDB/#keyrange). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { done, inTx, open, throwsNamed } from './helpers.ts';
import type { ConformanceEnv, DatabaseLike } from './types.ts';

/** Store "s" with keys 1..10, value {n, tens: floor(n/3)} and index "t" on tens. */
async function tenRecords(env: ConformanceEnv): Promise<DatabaseLike> {
  const db = await open(env, 'db', 1, (d) => d.createObjectStore('s').createIndex('t', 'tens'));
  await inTx(db, 's', 'readwrite', async (tx) => {
    const s = tx.objectStore('s');
    for (let n = 1; n <= 10; n++) s.put({ n, tens: Math.floor(n / 3) }, n);
  });
  return db;
}

export const keyRanges = group('key ranges', [
  {
    name: 'attributes and includes()',
    async run(env) {
      const R = env.IDBKeyRange;
      const only = R.only(5);
      assert.deepEqual([only.lower, only.upper, only.lowerOpen, only.upperOpen], [5, 5, false, false]);
      const lb = R.lowerBound('a', true);
      assert.deepEqual([lb.lower, lb.upper, lb.lowerOpen, lb.upperOpen], ['a', undefined, true, true]);
      const ub = R.upperBound(3);
      assert.deepEqual([ub.lower, ub.upper, ub.lowerOpen, ub.upperOpen], [undefined, 3, true, false]);
      const b = R.bound(1, 4, false, true);
      assert.equal(b.includes(1), true);
      assert.equal(b.includes(4), false);
      assert.equal(b.includes(3.99), true);
      assert.equal(b.includes('2'), false, 'a string is above every number');
      assert.equal(R.lowerBound(2, true).includes(2), false);
      assert.equal(R.upperBound([1]).includes([0, 9]), true);
      throwsNamed(() => b.includes({}), 'DataError');
    },
  },
  {
    name: 'invalid bounds throw DataError',
    async run(env) {
      const R = env.IDBKeyRange;
      throwsNamed(() => R.bound(2, 1), 'DataError', 'lower > upper');
      throwsNamed(() => R.bound(1, 1, true, false), 'DataError', 'empty open range');
      throwsNamed(() => R.bound(1, 1, false, true), 'DataError', 'empty open range');
      throwsNamed(() => R.only(null), 'DataError');
      throwsNamed(() => R.lowerBound(NaN), 'DataError');
      throwsNamed(() => R.bound('b', 'a'), 'DataError');
      assert.equal(R.bound(1, 1).includes(1), true);
    },
  },
  {
    name: 'open and closed bounds on a store',
    async run(env) {
      const R = env.IDBKeyRange;
      const db = await tenRecords(env);
      await inTx(db, 's', 'readonly', async (tx) => {
        const s = tx.objectStore('s');
        assert.deepEqual(await done(s.getAllKeys(R.bound(3, 6))), [3, 4, 5, 6]);
        assert.deepEqual(await done(s.getAllKeys(R.bound(3, 6, true, true))), [4, 5]);
        assert.deepEqual(await done(s.getAllKeys(R.bound(3, 6, true, false))), [4, 5, 6]);
        assert.deepEqual(await done(s.getAllKeys(R.lowerBound(8, true))), [9, 10]);
        assert.deepEqual(await done(s.getAllKeys(R.lowerBound(8))), [8, 9, 10]);
        assert.deepEqual(await done(s.getAllKeys(R.upperBound(2))), [1, 2]);
        assert.deepEqual(await done(s.getAllKeys(R.upperBound(2, true))), [1]);
        assert.deepEqual(await done(s.getAllKeys(R.only(4))), [4]);
        assert.deepEqual(await done(s.getAllKeys(4)), [4]);
        assert.deepEqual(await done(s.getAllKeys(R.bound(2.5, 3.5))), [3]);
        assert.deepEqual(await done(s.getAllKeys(R.bound(11, 20))), []);
        assert.equal(await done(s.count(R.bound(3, 6, true, false))), 3);
        assert.deepEqual(await done(s.get(R.lowerBound(5, true))), { n: 6, tens: 2 });
        assert.equal(await done(s.getKey(R.upperBound(5, true))), 1);
      });
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        await done(s.delete(R.bound(1, 3, false, true)));
        assert.deepEqual(await done(s.getAllKeys()), [3, 4, 5, 6, 7, 8, 9, 10]);
      });
      db.close();
    },
  },
  {
    name: 'open and closed bounds on an index',
    async run(env) {
      const R = env.IDBKeyRange;
      const db = await tenRecords(env);
      // tens: 1,2 -> 0; 3,4,5 -> 1; 6,7,8 -> 2; 9,10 -> 3
      await inTx(db, 's', 'readonly', async (tx) => {
        const t = tx.objectStore('s').index('t');
        assert.deepEqual(await done(t.getAllKeys(R.bound(1, 2))), [3, 4, 5, 6, 7, 8]);
        assert.deepEqual(await done(t.getAllKeys(R.bound(1, 2, true, false))), [6, 7, 8]);
        assert.deepEqual(await done(t.getAllKeys(R.bound(0, 2, false, true))), [1, 2, 3, 4, 5]);
        assert.deepEqual(await done(t.getAllKeys(R.lowerBound(3))), [9, 10]);
        assert.deepEqual(await done(t.getAllKeys(R.upperBound(0, true))), []);
        assert.deepEqual(await done(t.getAllKeys(2)), [6, 7, 8]);
        assert.equal(await done(t.count(R.only(1))), 3);
        assert.equal(await done(t.count(R.lowerBound(1, true))), 5);
        assert.equal(await done(t.getKey(R.lowerBound(0, true))), 3);
        assert.deepEqual(await done(t.get(3)), { n: 9, tens: 3 });
      });
      db.close();
    },
  },
]);
