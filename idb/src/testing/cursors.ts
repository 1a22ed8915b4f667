/** Cursors: directions, continue(key), continuePrimaryKey, advance, update, delete (https://w3c.github.io/IndexedDB/#cursor). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { committed, done, failure, inTx, open, throwsNamed, walk } from './helpers.ts';
import type { ConformanceEnv, CursorLike, CursorWithValueLike, DatabaseLike, Key } from './types.ts';

/** Store "s" (keys 1..5) with index "v": 1,2 -> 'a'; 3 -> 'b'; 4,5 -> 'c'. */
async function fiveRecords(env: ConformanceEnv): Promise<DatabaseLike> {
  const db = await open(env, 'db', 1, (d) => d.createObjectStore('s').createIndex('v', 'v'));
  await inTx(db, 's', 'readwrite', async (tx) => {
    const s = tx.objectStore('s');
    ['a', 'a', 'b', 'c', 'c'].forEach((v, i) => s.put({ v, n: i + 1 }, i + 1));
  });
  return db;
}
const pair = (c: CursorLike): [Key, Key] => [c.key, c.primaryKey];

export const cursors = group('cursors', [
  {
    name: 'store cursors in four directions',
    async run(env) {
      const db = await fiveRecords(env);
      await inTx(db, 's', 'readonly', async (tx) => {
        const s = tx.objectStore('s');
        assert.deepEqual(await walk(s.openCursor(), (c) => c.key), [1, 2, 3, 4, 5]);
        assert.deepEqual(await walk(s.openCursor(null, 'prev'), (c) => c.key), [5, 4, 3, 2, 1]);
        assert.deepEqual(await walk(s.openCursor(null, 'nextunique'), (c) => c.key), [1, 2, 3, 4, 5]);
        assert.deepEqual(await walk(s.openCursor(null, 'prevunique'), (c) => c.key), [5, 4, 3, 2, 1]);
        assert.deepEqual(await walk(s.openCursor(env.IDBKeyRange.bound(2, 4, false, true), 'prev'), (c) => c.key), [3, 2]);
        assert.deepEqual(await walk(s.openKeyCursor(env.IDBKeyRange.lowerBound(3, true)), (c) => c.primaryKey), [4, 5]);
        const first = await done(s.openCursor(3));
        assert.ok(first !== null);
        assert.equal(first.direction, 'next');
        assert.equal(first.source, s);
        assert.deepEqual(first.value, { v: 'b', n: 3 });
        assert.deepEqual([first.key, first.primaryKey], [3, 3]);
      });
      db.close();
    },
  },
  {
    name: 'index cursors in four directions, unique ones yield the lowest primary key',
    async run(env) {
      const db = await fiveRecords(env);
      await inTx(db, 's', 'readonly', async (tx) => {
        const v = tx.objectStore('s').index('v');
        assert.deepEqual(await walk(v.openCursor(), pair), [['a', 1], ['a', 2], ['b', 3], ['c', 4], ['c', 5]]);
        assert.deepEqual(await walk(v.openCursor(null, 'prev'), pair), [['c', 5], ['c', 4], ['b', 3], ['a', 2], ['a', 1]]);
        assert.deepEqual(await walk(v.openCursor(null, 'nextunique'), pair), [['a', 1], ['b', 3], ['c', 4]]);
        assert.deepEqual(await walk(v.openCursor(null, 'prevunique'), pair), [['c', 4], ['b', 3], ['a', 1]]);
        assert.deepEqual(await walk(v.openKeyCursor('c', 'prev'), pair), [['c', 5], ['c', 4]]);
        const kc = await done(v.openKeyCursor());
        assert.ok(kc !== null);
        assert.equal('value' in kc, false, 'a key cursor has no value');
      });
      db.close();
    },
  },
  {
    name: 'continue(key) jumps forward and rejects keys not past the position',
    async run(env) {
      const db = await fiveRecords(env);
      await inTx(db, 's', 'readonly', async (tx) => {
        const s = tx.objectStore('s');
        assert.deepEqual(await walk(s.openCursor(), (c) => c.key, (c, n) => (n === 1 ? c.continue(3.5) : c.continue())), [1, 4, 5]);
        assert.deepEqual(await walk(s.openCursor(null, 'prev'), (c) => c.key, (c, n) => (n === 1 ? c.continue(2) : c.continue())), [5, 2, 1]);
        const v = s.index('v');
        assert.deepEqual(await walk(v.openCursor(), pair, (c, n) => (n === 1 ? c.continue('c') : c.continue())), [['a', 1], ['c', 4], ['c', 5]]);
        const r = s.openCursor();
        const c = await done(r);
        assert.ok(c !== null);
        throwsNamed(() => c.continue(1), 'DataError', 'continue to the current key');
        throwsNamed(() => c.continue(0), 'DataError', 'continue backwards');
        throwsNamed(() => c.continue({} as unknown as Key), 'DataError', 'continue to a non-key');
        c.continue();
        throwsNamed(() => c.continue(), 'InvalidStateError', 'continue twice');
        await done(r);
      });
      db.close();
    },
  },
  {
    name: 'continuePrimaryKey on index cursors',
    async run(env) {
      const db = await fiveRecords(env);
      await inTx(db, 's', 'readonly', async (tx) => {
        const s = tx.objectStore('s');
        const v = s.index('v');
        const to = (k: Key, pk: Key) => (c: CursorLike, n: number) => (n === 1 ? c.continuePrimaryKey(k, pk) : c.continue());
        assert.deepEqual(await walk(v.openCursor(), pair, to('c', 5)), [['a', 1], ['c', 5]]);
        assert.deepEqual(await walk(v.openCursor(), pair, to('a', 2)), [['a', 1], ['a', 2], ['b', 3], ['c', 4], ['c', 5]]);
        assert.deepEqual(await walk(v.openCursor(), pair, to('b', 4)), [['a', 1], ['c', 4], ['c', 5]]);
        assert.deepEqual(await walk(v.openCursor(null, 'prev'), pair, to('a', 1)), [['c', 5], ['a', 1]]);
        const c = await done(v.openCursor());
        assert.ok(c !== null);
        throwsNamed(() => c.continuePrimaryKey('a', 1), 'DataError', 'not past the position');
        throwsNamed(() => c.continuePrimaryKey('a', {} as unknown as Key), 'DataError', 'invalid primary key');
        const sc = await done(s.openCursor());
        assert.ok(sc !== null);
        throwsNamed(() => sc.continuePrimaryKey(2, 2), 'InvalidAccessError', 'store cursor');
        const uc = await done(v.openCursor(null, 'nextunique'));
        assert.ok(uc !== null);
        throwsNamed(() => uc.continuePrimaryKey('b', 3), 'InvalidAccessError', 'unique cursor');
      });
      db.close();
    },
  },
  {
    name: 'advance skips records; advance(0) is a TypeError',
    async run(env) {
      const db = await fiveRecords(env);
      await inTx(db, 's', 'readonly', async (tx) => {
        const s = tx.objectStore('s');
        assert.deepEqual(await walk(s.openCursor(), (c) => c.key, (c) => c.advance(2)), [1, 3, 5]);
        assert.deepEqual(await walk(s.index('v').openCursor(null, 'nextunique'), pair, (c) => c.advance(2)), [['a', 1], ['c', 4]]);
        assert.deepEqual(await walk(s.openCursor(null, 'prev'), (c) => c.key, (c) => c.advance(10)), [5]);
        const c = await done(s.openCursor());
        assert.ok(c !== null);
        throwsNamed(() => c.advance(0), 'TypeError');
      });
      db.close();
    },
  },
  {
    name: 'cursor update and delete write through, and indexes follow',
    async run(env) {
      const db = await fiveRecords(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        await walk(s.openCursor(), (c) => c.key, (c) => {
          const v = c.value as { v: string; n: number };
          if (v.n % 2 === 0) c.delete();
          else c.update({ v: v.v.toUpperCase(), n: v.n });
          c.continue();
        });
        assert.deepEqual(await done(s.getAll()), [{ v: 'A', n: 1 }, { v: 'B', n: 3 }, { v: 'C', n: 5 }]);
        assert.deepEqual(await done(s.index('v').getAllKeys()), [1, 3, 5]);
        assert.equal(await done(s.index('v').count('a')), 0);
        const ic = await done(s.index('v').openCursor('B'));
        assert.ok(ic !== null);
        assert.equal(await done(ic.update({ v: 'z', n: 3 })), 3, 'update from an index cursor returns the primary key');
        assert.deepEqual(await done(s.index('v').getAllKeys()), [1, 5, 3]);
      });
      db.close();
    },
  },
  {
    name: 'cursor update errors: key cursor, changed inline key, read-only',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => d.createObjectStore('s', { keyPath: 'id' }));
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        s.put({ id: 1 });
        s.put({ id: 2 });
        const kc = await done(s.openKeyCursor());
        assert.ok(kc !== null);
        throwsNamed(() => kc.update({ id: 1 }), 'InvalidStateError', 'update on a key cursor');
        throwsNamed(() => kc.delete(), 'InvalidStateError', 'delete on a key cursor');
        const c = await done(s.openCursor());
        assert.ok(c !== null);
        throwsNamed(() => c.update({ id: 9 }), 'DataError', 'update that changes the inline key');
        throwsNamed(() => c.update({ id: 1, f: () => 1 }), 'DataCloneError', 'uncloneable value');
        await done(c.update({ id: 1, ok: true }));
        assert.deepEqual(await done(s.get(1)), { id: 1, ok: true });
      });
      await inTx(db, 's', 'readonly', async (tx) => {
        const c = await done(tx.objectStore('s').openCursor());
        assert.ok(c !== null);
        throwsNamed(() => c.update({ id: 1 }), 'ReadOnlyError');
        throwsNamed(() => c.delete(), 'ReadOnlyError');
      });
      db.close();
    },
  },
  {
    name: 'a cursor sees records added ahead of it and skips ones deleted ahead of it',
    async run(env) {
      const db = await fiveRecords(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        const seen = await walk(s.openCursor(), (c) => c.key, (c, n) => {
          if (n === 1) {
            s.put({ v: 'x', n: 2.5 }, 2.5);
            s.delete(4);
          }
          c.continue();
        });
        assert.deepEqual(seen, [1, 2, 2.5, 3, 5]);
      });
      db.close();
    },
  },
  {
    name: 'cursor requests are reused and keep their source',
    async run(env) {
      const db = await fiveRecords(env);
      const tx = db.transaction('s', 'readonly');
      const v = tx.objectStore('s').index('v');
      const r = v.openCursor();
      const c1 = (await done(r)) as CursorWithValueLike;
      assert.equal(c1.request, r);
      assert.equal(c1.source, v);
      c1.continue();
      const c2 = await done(r);
      assert.equal(c2, c1, 'the same cursor object moves');
      assert.deepEqual(c1.primaryKey, 2);
      await committed(tx);
      throwsNamed(() => c1.continue(), 'TransactionInactiveError', 'after the transaction finished');
      db.close();
    },
  },
  {
    name: 'a cursor request error event carries the request',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => d.createObjectStore('s').createIndex('u', 'u', { unique: true }));
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        s.put({ u: 1 }, 'a');
        s.put({ u: 2 }, 'b');
        const c = await done(s.openCursor('b'));
        assert.ok(c !== null);
        const err = await failure(c.update({ u: 1 }), { prevent: true });
        assert.equal(err.name, 'ConstraintError', 'a cursor update that breaks a unique index');
      });
      db.close();
    },
  },
]);
