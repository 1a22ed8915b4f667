/** get/getKey/getAll/getAllKeys/count/delete/clear (https://w3c.github.io/IndexedDB/#object-store-interface). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { done, inTx, open, throwsNamed, withStore } from './helpers.ts';

export const getters = group('get, getAll, count', [
  {
    name: 'get and getKey return undefined on a miss',
    async run(env) {
      const db = await withStore(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        s.put({ x: 1 }, 'a');
        assert.deepEqual(await done(s.get('a')), { x: 1 });
        assert.equal(await done(s.get('b')), undefined);
        assert.equal(await done(s.getKey('a')), 'a');
        assert.equal(await done(s.getKey('b')), undefined);
        throwsNamed(() => s.get(undefined), 'DataError', 'get() needs a key or range');
      });
      db.close();
    },
  },
  {
    name: 'getAll and getAllKeys honour count',
    async run(env) {
      const R = env.IDBKeyRange;
      const db = await withStore(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        for (let i = 1; i <= 6; i++) s.put(`v${i}`, i);
        assert.deepEqual(await done(s.getAll(null, 3)), ['v1', 'v2', 'v3']);
        assert.deepEqual(await done(s.getAllKeys(undefined, 2)), [1, 2]);
        assert.deepEqual(await done(s.getAll(R.lowerBound(4), 10)), ['v4', 'v5', 'v6']);
        assert.deepEqual(await done(s.getAllKeys(R.lowerBound(2, true), 2)), [3, 4]);
        assert.deepEqual(await done(s.getAll(undefined, 0)), ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], 'count 0 means all');
        assert.deepEqual(await done(s.getAll()), ['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
        throwsNamed(() => s.getAll(null, -1), 'TypeError', 'count is [EnforceRange] unsigned long');
      });
      db.close();
    },
  },
  {
    name: 'count, delete and clear',
    async run(env) {
      const R = env.IDBKeyRange;
      const db = await withStore(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        assert.equal(await done(s.count()), 0);
        for (let i = 0; i < 20; i++) s.put(i, i);
        assert.equal(await done(s.count()), 20);
        assert.equal(await done(s.count(7)), 1);
        assert.equal(await done(s.count(70)), 0);
        assert.equal(await done(s.count(R.bound(5, 9))), 5);
        assert.equal(await done(s.delete(3)), undefined);
        assert.equal(await done(s.delete(300)), undefined, 'deleting a missing key succeeds');
        await done(s.delete(R.upperBound(9)));
        assert.deepEqual(await done(s.getAllKeys(null, 3)), [10, 11, 12]);
        assert.equal(await done(s.clear()), undefined);
        assert.equal(await done(s.count()), 0);
      });
      db.close();
    },
  },
  {
    name: 'put overwrites, add does not',
    async run(env) {
      const db = await withStore(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        assert.equal(await done(s.put('a', 1)), 1);
        assert.equal(await done(s.put('b', 1)), 1);
        assert.equal(await done(s.get(1)), 'b');
        const r = s.add('c', 1);
        await new Promise<void>((resolve) => {
          r.onerror = (ev) => {
            assert.equal(r.error?.name, 'ConstraintError');
            ev.preventDefault();
            resolve();
          };
        });
        assert.equal(await done(s.get(1)), 'b');
      });
      db.close();
    },
  },
  {
    name: 'writes are visible to later requests of the same and later transactions',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        d.createObjectStore('a');
        d.createObjectStore('b');
      });
      const t1 = db.transaction(['a', 'b'], 'readwrite');
      t1.objectStore('a').put(1, 'k');
      const t2 = db.transaction('a', 'readonly');
      const seen = done(t2.objectStore('a').get('k'));
      t1.objectStore('b').put(2, 'k');
      assert.equal(await seen, 1, 'a readonly transaction created after a readwrite one sees its writes');
      db.close();
    },
  },
]);
