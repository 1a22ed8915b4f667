/** IDBFactory: deleteDatabase, databases(), cmp (https://w3c.github.io/IndexedDB/#factory-interface). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { deleteDb, done, inTx, open, throwsNamed } from './helpers.ts';

export const factory = group('factory', [
  {
    name: 'deleteDatabase removes data and schema; a missing database deletes as version 0',
    async run(env) {
      const db = await open(env, 'db', 3, (d) => d.createObjectStore('s'));
      await inTx(db, 's', 'readwrite', async (tx) => void tx.objectStore('s').put(1, 1));
      db.close();
      assert.equal((await deleteDb(env, 'db')).oldVersion, 3);
      assert.equal((await deleteDb(env, 'db')).oldVersion, 0);
      assert.equal((await deleteDb(env, 'never-created')).oldVersion, 0);
      const again = await open(env, 'db', undefined, (d, _tx, ev) => {
        assert.equal(ev.oldVersion, 0);
        d.createObjectStore('s');
      });
      assert.equal(again.version, 1);
      assert.equal(await inTx(again, 's', 'readonly', (tx) => done(tx.objectStore('s').count())), 0);
      again.close();
    },
  },
  {
    name: 'databases with different names are independent',
    async run(env) {
      const a = await open(env, 'a', 1, (d) => d.createObjectStore('s'));
      const b = await open(env, 'b', 5, (d) => d.createObjectStore('s'));
      await inTx(a, 's', 'readwrite', async (tx) => void tx.objectStore('s').put('in a', 1));
      assert.equal(await inTx(b, 's', 'readonly', (tx) => done(tx.objectStore('s').get(1))), undefined);
      a.close();
      b.close();
      await deleteDb(env, 'a');
      const b2 = await open(env, 'b');
      assert.equal(b2.version, 5);
      b2.close();
    },
  },
  {
    name: 'databases created at the same time are isolated',
    async run(env) {
      const names = ['p', 'q', 'r'];
      const dbs = await Promise.all(names.map((n) => open(env, n, 1, (d) => void d.createObjectStore('s').put(`in ${n}`, 1))));
      for (const [i, db] of dbs.entries()) {
        assert.deepEqual(await inTx(db, 's', 'readonly', (tx) => done(tx.objectStore('s').getAll())), [`in ${names[i]}`]);
        db.close();
      }
    },
  },
  {
    name: 'databases() lists names and versions',
    requires: 'databases',
    async run(env) {
      assert.deepEqual(await env.indexedDB.databases(), []);
      (await open(env, 'x', 2)).close();
      (await open(env, 'y', 1)).close();
      const list = (await env.indexedDB.databases()).map((d) => [d.name, d.version]).sort();
      assert.deepEqual(list, [['x', 2], ['y', 1]]);
      await deleteDb(env, 'x');
      assert.deepEqual((await env.indexedDB.databases()).map((d) => d.name), ['y']);
    },
  },
  {
    name: 'open() and deleteDatabase() argument errors',
    async run(env) {
      const f = env.indexedDB;
      throwsNamed(() => Reflect.apply(f.open, f, []), 'TypeError', 'open() needs a name');
      throwsNamed(() => Reflect.apply(f.deleteDatabase, f, []), 'TypeError', 'deleteDatabase() needs a name');
      throwsNamed(() => Reflect.apply(f.cmp, f, [1]), 'TypeError', 'cmp() needs two keys');
    },
  },
]);
