/** autoIncrement and the key generator (https://w3c.github.io/IndexedDB/#key-generator-construct). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { aborted, deleteDb, done, failure, inTx, open, throwsNamed, withStore } from './helpers.ts';

export const keyGenerator = group('key generator', [
  {
    name: 'generates 1, 2, 3 and jumps past explicit numeric keys',
    async run(env) {
      const db = await withStore(env, { autoIncrement: true });
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        assert.equal(s.autoIncrement, true);
        assert.equal(await done(s.add('a')), 1);
        assert.equal(await done(s.add('b')), 2);
        assert.equal(await done(s.add('c', 10)), 10);
        assert.equal(await done(s.add('d')), 11);
        assert.equal(await done(s.add('e', 5)), 5, 'a lower explicit key does not lower the generator');
        assert.equal(await done(s.add('f')), 12);
        assert.equal(await done(s.put('g', 20.5)), 20.5);
        assert.equal(await done(s.add('h')), 21, 'floor(20.5) + 1');
        assert.equal(await done(s.put('i', 'str')), 'str');
        assert.equal(await done(s.put('j', -100)), -100);
        assert.equal(await done(s.add('k')), 22, 'non-numeric and negative keys leave it alone');
      });
      db.close();
    },
  },
  {
    name: 'inline key path: the generated key is injected into the value',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        d.createObjectStore('flat', { keyPath: 'id', autoIncrement: true });
        d.createObjectStore('deep', { keyPath: 'meta.id', autoIncrement: true });
      });
      await inTx(db, ['flat', 'deep'], 'readwrite', async (tx) => {
        const flat = tx.objectStore('flat');
        assert.equal(await done(flat.add({ name: 'a' })), 1);
        assert.deepEqual(await done(flat.get(1)), { name: 'a', id: 1 });
        assert.equal(await done(flat.add({ name: 'b', id: 7 })), 7);
        assert.equal(await done(flat.add({ name: 'c' })), 8);
        throwsNamed(() => flat.add({ id: true }), 'DataError', 'an explicit inline key must be valid');
        throwsNamed(() => flat.add('a string'), 'DataError', 'no place to inject the key');
        const deep = tx.objectStore('deep');
        assert.equal(await done(deep.add({ x: 1 })), 1);
        assert.deepEqual(await done(deep.get(1)), { x: 1, meta: { id: 1 } });
        throwsNamed(() => deep.add({ meta: 5 }), 'DataError', 'cannot inject into a number');
      });
      db.close();
    },
  },
  {
    name: 'each store has its own generator',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        d.createObjectStore('a', { autoIncrement: true });
        d.createObjectStore('b', { autoIncrement: true });
      });
      await inTx(db, ['a', 'b'], 'readwrite', async (tx) => {
        assert.equal(await done(tx.objectStore('a').add(0)), 1);
        assert.equal(await done(tx.objectStore('a').add(0)), 2);
        assert.equal(await done(tx.objectStore('b').add(0)), 1);
      });
      db.close();
    },
  },
  {
    name: 'an aborted transaction reverts the generator',
    async run(env) {
      const db = await withStore(env, { autoIncrement: true });
      await inTx(db, 's', 'readwrite', async (tx) => void (await done(tx.objectStore('s').add('x'))));
      const tx = db.transaction('s', 'readwrite');
      const end = aborted(tx);
      const s = tx.objectStore('s');
      assert.equal(await done(s.add('y')), 2);
      assert.equal(await done(s.add('z')), 3);
      tx.abort();
      await end;
      assert.equal(await inTx(db, 's', 'readwrite', (t) => done(t.objectStore('s').add('w'))), 2);
      db.close();
    },
  },
  {
    name: 'the generator stops at 2^53 with ConstraintError',
    async run(env) {
      const db = await withStore(env, { autoIncrement: true });
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        assert.equal(await done(s.add('a', 2 ** 53 - 1)), 2 ** 53 - 1);
        assert.equal(await done(s.add('b')), 2 ** 53);
        assert.equal((await failure(s.add('c'), { prevent: true })).name, 'ConstraintError');
        assert.equal(await done(s.put('d', 2 ** 60)), 2 ** 60, 'explicit keys still work');
      });
      db.close();
    },
  },
  {
    name: 'an explicit key at or past 2^53 exhausts the generator; put() of a generated key then fails',
    async run(env) {
      // put() overwrites, so only an exhausted generator (not a duplicate key) can fail it.
      for (const big of [2 ** 53, 2 ** 60, Infinity]) {
        const db = await withStore(env, { autoIncrement: true });
        await inTx(db, 's', 'readwrite', async (tx) => {
          const s = tx.objectStore('s');
          assert.equal(await done(s.put('a')), 1);
          assert.equal(await done(s.put('b', big)), big);
          assert.equal((await failure(s.put('c'), { prevent: true })).name, 'ConstraintError', `after ${big}`);
        });
        db.close();
        await deleteDb(env, 'db');
      }
      const db = await withStore(env, { autoIncrement: true });
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        assert.equal(await done(s.put('a', 2 ** 53 - 1)), 2 ** 53 - 1);
        assert.equal(await done(s.put('b')), 2 ** 53, 'the last key it can generate');
        assert.equal((await failure(s.put('c'), { prevent: true })).name, 'ConstraintError', 'after generating 2^53');
        assert.equal(await done(s.put('d', -Infinity)), -Infinity, 'explicit keys still work');
      });
      db.close();
    },
  },
  {
    name: 'key requirements: DataError without a key, InvalidAccessError for bad params',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        throwsNamed(() => d.createObjectStore('x', { keyPath: '', autoIncrement: true }), 'InvalidAccessError', "keyPath ''");
        throwsNamed(() => d.createObjectStore('y', { keyPath: ['a'], autoIncrement: true }), 'InvalidAccessError', 'array keyPath');
        d.createObjectStore('out');
        d.createObjectStore('in', { keyPath: 'id' });
      });
      await inTx(db, ['out', 'in'], 'readwrite', async (tx) => {
        throwsNamed(() => tx.objectStore('out').put('v'), 'DataError', 'out-of-line store, no key');
        throwsNamed(() => tx.objectStore('in').put({ id: 1 }, 1), 'DataError', 'inline store, explicit key');
        throwsNamed(() => tx.objectStore('in').put({ other: 1 }), 'DataError', 'inline store, key missing');
        assert.deepEqual(await done(tx.objectStore('in').put({ id: [1, 'a'] })), [1, 'a']);
      });
      db.close();
    },
  },
]);
