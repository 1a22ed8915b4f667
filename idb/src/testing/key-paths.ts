/** Key paths: validation, extraction, compound keys (https://w3c.github.io/IndexedDB/#key-path-construct). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { done, inTx, open, throwsNamed, withStore } from './helpers.ts';

export const keyPaths = group('key paths', [
  {
    name: 'invalid key paths throw SyntaxError',
    async run(env) {
      await open(env, 'db', 1, (db) => {
        for (const p of ['a..b', '1a', 'a.', ' a', 'a b', 'a-b', ['a', '1']]) {
          throwsNamed(() => db.createObjectStore(`s${String(p)}`, { keyPath: p }), 'SyntaxError', `keyPath ${String(p)}`);
        }
        const s = db.createObjectStore('ok', { keyPath: 'a.b_c.$d' });
        assert.equal(s.keyPath, 'a.b_c.$d');
        throwsNamed(() => s.createIndex('i', 'x..y'), 'SyntaxError');
      }).then((db) => db.close());
    },
  },
  {
    name: 'nested inline keys and their DataErrors',
    async run(env) {
      const db = await withStore(env, { keyPath: 'a.b' });
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        assert.equal(await done(s.put({ a: { b: 'k1' }, v: 1 })), 'k1');
        throwsNamed(() => s.put({ a: {} }), 'DataError', 'missing key');
        throwsNamed(() => s.put({ a: { b: true } }), 'DataError', 'not a key');
        throwsNamed(() => s.put({ a: { b: 'k' } }, 'k'), 'DataError', 'explicit key with a key path');
        throwsNamed(() => s.put(5), 'DataError', 'primitive value');
        assert.deepEqual(await done(s.get('k1')), { a: { b: 'k1' }, v: 1 });
      });
      db.close();
    },
  },
  {
    name: 'compound key paths on stores and indexes',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        const s = d.createObjectStore('s', { keyPath: ['last', 'first'] });
        s.createIndex('ab', ['age', 'city']);
        assert.deepEqual(s.keyPath, ['last', 'first']);
      });
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        assert.deepEqual(await done(s.put({ last: 'b', first: 'x', age: 30, city: 'Oslo' })), ['b', 'x']);
        s.put({ last: 'a', first: 'z', age: 30, city: 'Bergen' });
        s.put({ last: 'a', first: 'y', age: 20, city: 'Oslo' });
        s.put({ last: 'c', first: 'w', age: 30 }); // no city: not in index "ab"
        throwsNamed(() => s.put({ last: 'a' }), 'DataError');
        assert.deepEqual(await done(s.getAllKeys()), [['a', 'y'], ['a', 'z'], ['b', 'x'], ['c', 'w']]);
        const ab = s.index('ab');
        assert.deepEqual(await done(ab.getAllKeys()), [['a', 'y'], ['a', 'z'], ['b', 'x']]);
        assert.deepEqual(await done(ab.getAllKeys(env.IDBKeyRange.bound([30], [30, []]))), [['a', 'z'], ['b', 'x']]);
        assert.deepEqual(await done(ab.get([20, 'Oslo'])), { last: 'a', first: 'y', age: 20, city: 'Oslo' });
        assert.equal(await done(ab.count()), 3);
      });
      db.close();
    },
  },
  {
    name: 'an array keyPath is copied at creation',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        const given = ['a', 'b'];
        const s = d.createObjectStore('s', { keyPath: given });
        given.push('c');
        assert.notEqual(s.keyPath, given);
        assert.deepEqual(s.keyPath, ['a', 'b']);
        assert.equal(d.createObjectStore('t').keyPath, null);
      });
      db.close();
    },
  },
  {
    name: 'key path through a string length and array length',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        const s = d.createObjectStore('s');
        s.createIndex('len', 'name.length');
      });
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        s.put({ name: 'abc' }, 1);
        s.put({ name: [1, 2] }, 2);
        s.put({ name: 'abcd' }, 3);
        assert.deepEqual(await done(s.index('len').getAllKeys()), [2, 1, 3]);
      });
      db.close();
    },
  },
]);
