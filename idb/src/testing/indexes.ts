/** Indexes: unique, multiEntry, maintenance and schema errors (https://w3c.github.io/IndexedDB/#index-construct). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { aborted, done, failure, inTx, open, openFails, throwsNamed } from './helpers.ts';

export const indexes = group('indexes', [
  {
    name: 'unique index: add of a duplicate fails with ConstraintError',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => d.createObjectStore('s', { keyPath: 'id' }).createIndex('email', 'email', { unique: true }));
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        await done(s.add({ id: 1, email: 'x' }));
        assert.equal((await failure(s.add({ id: 2, email: 'x' }), { prevent: true })).name, 'ConstraintError');
        assert.equal((await failure(s.put({ id: 3, email: 'x' }), { prevent: true })).name, 'ConstraintError');
        await done(s.put({ id: 1, email: 'x', n: 2 })); // the record itself may keep its value
        await done(s.put({ id: 1, email: 'y' }));
        await done(s.add({ id: 2, email: 'x' })); // 'x' was released
      });
      await inTx(db, 's', 'readonly', async (tx) => {
        const i = tx.objectStore('s').index('email');
        assert.equal(i.unique, true);
        assert.deepEqual(await done(i.getAllKeys()), [2, 1]);
        assert.equal(await done(tx.objectStore('s').count()), 2, 'failed adds wrote nothing');
      });
      db.close();
    },
  },
  {
    name: 'unique constraint failure without preventDefault aborts the transaction',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => d.createObjectStore('s').createIndex('u', 'u', { unique: true }));
      const tx = db.transaction('s', 'readwrite');
      const end = aborted(tx);
      const s = tx.objectStore('s');
      s.put({ u: 1 }, 'a');
      s.put({ u: 1 }, 'b');
      assert.equal((await end)?.name, 'ConstraintError');
      assert.equal(await inTx(db, 's', 'readonly', (t) => done(t.objectStore('s').count())), 0);
      db.close();
    },
  },
  {
    name: 'createIndex unique over duplicates aborts the upgrade',
    async run(env) {
      const db1 = await open(env, 'db', 1, (d) => d.createObjectStore('s'));
      await inTx(db1, 's', 'readwrite', async (tx) => {
        tx.objectStore('s').put({ e: 'dup' }, 1);
        tx.objectStore('s').put({ e: 'dup' }, 2);
      });
      db1.close();
      let txError: string | undefined;
      const errorEvents: unknown[] = [];
      const err = await openFails(env, 'db', 2, (d, tx) => {
        d.addEventListener('error', (ev) => errorEvents.push(ev.target));
        tx.objectStore('s').createIndex('e', 'e', { unique: true });
        tx.addEventListener('abort', () => (txError = tx.error?.name));
      });
      assert.equal(err.name, 'AbortError');
      assert.equal(txError, 'ConstraintError');
      assert.deepEqual(errorEvents, [], 'the abort is not announced by a request error event');
      const db = await open(env, 'db');
      assert.equal(db.version, 1);
      await inTx(db, 's', 'readonly', async (tx) => {
        assert.equal(tx.objectStore('s').indexNames.length, 0);
        assert.equal(await done(tx.objectStore('s').count()), 2);
      });
      db.close();
    },
  },
  {
    name: 'createIndex unique over duplicates written in the same upgrade aborts it without an error event',
    async run(env) {
      const errorEvents: unknown[] = [];
      let txError: string | undefined;
      const err = await openFails(env, 'db', 1, (d, tx) => {
        d.addEventListener('error', (ev) => errorEvents.push(ev.target));
        const s = d.createObjectStore('s');
        s.add({ u: 1 }, 1);
        s.add({ u: 1 }, 2);
        s.createIndex('u', 'u', { unique: true });
        tx.addEventListener('abort', () => (txError = tx.error?.name));
      });
      assert.equal(err.name, 'AbortError');
      assert.equal(txError, 'ConstraintError');
      assert.deepEqual(errorEvents, [], 'no request error event reaches the database');
    },
  },
  {
    name: 'multiEntry indexes each distinct valid array element',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        const s = d.createObjectStore('s');
        s.createIndex('tags', 'tags', { multiEntry: true });
        s.createIndex('whole', 'tags');
      });
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        s.put({ tags: ['x', 'y', 'x'] }, 1);
        s.put({ tags: ['y', true, null, 'z'] }, 2);
        s.put({ tags: 'x' }, 3);
        s.put({ tags: [] }, 4);
        s.put({ tags: [['x']] }, 5);
        const tags = s.index('tags');
        assert.equal(tags.multiEntry, true);
        assert.deepEqual(await done(tags.getAllKeys('x')), [1, 3]);
        assert.deepEqual(await done(tags.getAllKeys('y')), [1, 2]);
        assert.deepEqual(await done(tags.getAllKeys(['x'])), [5]);
        assert.equal(await done(tags.count()), 6, 'x,y | y,z | x | (none) | [x]');
        const keys: unknown[] = [];
        await new Promise<void>((resolve, reject) => {
          const r = tags.openKeyCursor();
          r.onsuccess = () => {
            if (r.result === null) return resolve();
            keys.push(r.result.key);
            r.result.continue();
          };
          r.onerror = () => reject(r.error);
        });
        assert.deepEqual(keys, ['x', 'x', 'y', 'y', 'z', ['x']]);
        const whole = s.index('whole');
        assert.deepEqual(await done(whole.getAllKeys()), [3, 4, 1, 5], 'a plain index uses the array as one key; [y,true] is not a key');
        s.put({ tags: ['z'] }, 1);
        assert.deepEqual(await done(tags.getAllKeys('x')), [3], 'old entries go on overwrite');
        assert.equal(await done(tags.count()), 5);
      });
      db.close();
    },
  },
  {
    name: 'unique multiEntry conflicts on any element',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => d.createObjectStore('s').createIndex('t', 't', { unique: true, multiEntry: true }));
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        await done(s.put({ t: ['a', 'b', 'a'] }, 1));
        assert.equal((await failure(s.put({ t: ['c', 'b'] }, 2), { prevent: true })).name, 'ConstraintError');
        await done(s.put({ t: ['c'] }, 2));
        assert.deepEqual(await done(s.index('t').getAllKeys()), [1, 1, 2]);
      });
      db.close();
    },
  },
  {
    name: 'records without a valid index key are stored but not indexed',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => d.createObjectStore('s').createIndex('n', 'a.n'));
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        s.put({ a: { n: 2 } }, 1);
        s.put({ a: {} }, 2);
        s.put({ a: { n: true } }, 3);
        s.put('plain string', 4);
        s.put({ a: { n: 1 } }, 5);
        assert.equal(await done(s.count()), 5);
        assert.deepEqual(await done(s.index('n').getAllKeys()), [5, 1]);
        s.delete(1);
        assert.deepEqual(await done(s.index('n').getAll()), [{ a: { n: 1 } }]);
      });
      db.close();
    },
  },
  {
    name: 'an index created later is populated from existing records',
    async run(env) {
      const db1 = await open(env, 'db', 1, (d) => d.createObjectStore('s', { keyPath: 'id' }));
      await inTx(db1, 's', 'readwrite', async (tx) => {
        for (let i = 0; i < 50; i++) tx.objectStore('s').put({ id: i, g: i % 5 });
      });
      db1.close();
      const db = await open(env, 'db', 2, (_d, tx) => {
        tx.objectStore('s').createIndex('g', 'g');
      });
      await inTx(db, 's', 'readonly', async (tx) => {
        const g = tx.objectStore('s').index('g');
        assert.equal(await done(g.count(3)), 10);
        assert.deepEqual(await done(g.getAllKeys(0, 3)), [0, 5, 10]);
        assert.equal(g.keyPath, 'g');
      });
      db.close();
    },
  },
  {
    name: 'index schema errors',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        const s = d.createObjectStore('s');
        s.createIndex('i', 'x');
        throwsNamed(() => s.createIndex('i', 'y'), 'ConstraintError', 'duplicate index name');
        throwsNamed(() => s.createIndex('m', ['a', 'b'], { multiEntry: true }), 'InvalidAccessError', 'multiEntry with an array key path');
        throwsNamed(() => s.index('nope'), 'NotFoundError');
        throwsNamed(() => s.deleteIndex('nope'), 'NotFoundError');
        s.createIndex('gone', 'g');
        s.deleteIndex('gone');
        assert.deepEqual([...s.indexNames], ['i']);
      });
      const tx = db.transaction('s', 'readwrite');
      const s = tx.objectStore('s');
      throwsNamed(() => s.createIndex('j', 'j'), 'InvalidStateError', 'createIndex outside an upgrade');
      throwsNamed(() => s.deleteIndex('i'), 'InvalidStateError', 'deleteIndex outside an upgrade');
      throwsNamed(() => s.index('gone'), 'NotFoundError');
      assert.equal(s.index('i'), s.index('i'), 'index() returns the same object within a transaction');
      db.close();
    },
  },
  {
    name: 'index rename and delete in a later upgrade',
    async run(env) {
      const db1 = await open(env, 'db', 1, (d) => {
        const s = d.createObjectStore('s');
        s.createIndex('a', 'a');
        s.createIndex('b', 'b');
      });
      await inTx(db1, 's', 'readwrite', async (tx) => void tx.objectStore('s').put({ a: 1, b: 2 }, 'k'));
      db1.close();
      const db = await open(env, 'db', 2, (_d, tx) => {
        const s = tx.objectStore('s');
        s.index('a').name = 'a2';
        s.deleteIndex('b');
      });
      await inTx(db, 's', 'readonly', async (tx) => {
        const s = tx.objectStore('s');
        assert.deepEqual([...s.indexNames], ['a2']);
        assert.deepEqual(await done(s.index('a2').getAllKeys(1)), ['k']);
        throwsNamed(() => s.index('b'), 'NotFoundError');
      });
      db.close();
    },
  },
]);
