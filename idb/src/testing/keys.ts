/** Keys: validity, ordering across types, equality (https://w3c.github.io/IndexedDB/#key-construct). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { done, failure, inTx, norm, sameKeys, throwsNamed, withStore } from './helpers.ts';
import type { Key } from './types.ts';

const bytes = (...b: number[]): ArrayBuffer => new Uint8Array(b).buffer;

/** Sorted by the spec: Number < Date < String < Binary < Array. */
const ORDERED: Key[] = [
  -Infinity, -1.5, 0, 2, 10, Infinity,
  new Date(-1), new Date(0), new Date(1000),
  '', '1', 'a', 'a\u0000', 'b', '\uD83D\uDE00', '\uFFFF',
  bytes(), bytes(0), bytes(0, 0), bytes(1), bytes(0x80), bytes(0xff),
  [], [-1], [1], [1, 'a'], [1, [0]], ['a'], [bytes(0)], [[]],
];

export const keys = group('keys', [
  {
    name: 'cmp orders Number < Date < String < Binary < Array',
    async run(env) {
      for (let i = 0; i < ORDERED.length; i++) {
        for (let j = 0; j < ORDERED.length; j++) {
          const want = Math.sign(i - j);
          assert.equal(env.indexedDB.cmp(ORDERED[i], ORDERED[j]), want, `cmp(${JSON.stringify(norm(ORDERED[i]))}, ${JSON.stringify(norm(ORDERED[j]))})`);
        }
      }
    },
  },
  {
    name: 'a store returns keys of every type in key order',
    async run(env) {
      const db = await withStore(env);
      const shuffled = [...ORDERED].reverse();
      const got = await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        shuffled.forEach((k, i) => s.put(i, k));
        return done(s.getAllKeys());
      });
      sameKeys(got, ORDERED);
      assert.ok(got[16] instanceof ArrayBuffer, 'binary keys come back as ArrayBuffer');
      assert.ok(got[6] instanceof Date, 'date keys come back as Date');
      db.close();
    },
  },
  {
    name: '1 and "1" are distinct keys',
    async run(env) {
      const db = await withStore(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        s.put('number', 1);
        s.put('string', '1');
        s.put('date', new Date(1));
        s.put('array', [1]);
        s.put('binary', new Uint8Array([1]));
      });
      await inTx(db, 's', 'readonly', async (tx) => {
        const s = tx.objectStore('s');
        assert.equal(await done(s.count()), 5);
        assert.equal(await done(s.get(1)), 'number');
        assert.equal(await done(s.get('1')), 'string');
        assert.equal(await done(s.get(new Date(1))), 'date');
        assert.equal(await done(s.get([1])), 'array');
        assert.equal(await done(s.get(new Uint8Array([1]))), 'binary');
      });
      db.close();
    },
  },
  {
    name: 'numbers sort as numbers, not as text',
    async run(env) {
      const db = await withStore(env);
      const nums = [10, 2, 1, 100, 11, -5, 0.5, 3, 9, 1e21, -1e-7];
      const [all, mid] = await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        for (const n of nums) s.put(n, n);
        return [await done(s.getAllKeys()), await done(s.getAll(env.IDBKeyRange.bound(2, 10)))];
      });
      assert.deepEqual(all, [...nums].sort((a, b) => a - b));
      assert.deepEqual(mid, [2, 3, 9, 10]);
      db.close();
    },
  },
  {
    name: '-0 and 0 are the same key',
    async run(env) {
      assert.equal(env.indexedDB.cmp(-0, 0), 0);
      const db = await withStore(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        s.put('neg', -0);
        assert.equal(await done(s.get(0)), 'neg');
        assert.equal(await done(s.count()), 1);
      });
      db.close();
    },
  },
  {
    name: 'strings compare by UTF-16 code units (lone surrogates and NUL are valid)',
    async run(env) {
      const cmp = env.indexedDB.cmp.bind(env.indexedDB);
      assert.equal(cmp('\uD83D\uDE00', '\uFFFF'), -1, 'astral pair sorts below U+FFFF');
      assert.equal(cmp('\uD800', '\uDC00'), -1);
      assert.equal(cmp('a', 'a\u0000'), -1);
      assert.equal(cmp('a\u0000', 'a\u0001'), -1);
      assert.equal(cmp('B', 'a'), -1);
      const db = await withStore(env);
      const ks = ['\uDC00', 'x\u0000y', '\uD800', ''];
      const got = await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        for (const k of ks) s.put(k, k);
        return done(s.getAll());
      });
      assert.deepEqual(got, ['', 'x\u0000y', '\uD800', '\uDC00']);
      db.close();
    },
  },
  {
    name: 'binary keys compare as unsigned bytes, views and buffers alike',
    async run(env) {
      const cmp = env.indexedDB.cmp.bind(env.indexedDB);
      assert.equal(cmp(new Uint8Array([0x80]), new Uint8Array([0x7f])), 1);
      assert.equal(cmp(new Int8Array([-1]), new Uint8Array([0xff])), 0);
      assert.equal(cmp(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])), -1);
      assert.equal(cmp(new DataView(bytes(5, 6, 7), 1, 1), bytes(6)), 0);
      assert.equal(cmp(new Uint16Array([0x0102]), bytes(2, 1)), 0, 'little-endian bytes of the view');
    },
  },
  {
    name: 'array keys compare element-wise, a prefix first',
    async run(env) {
      const cmp = env.indexedDB.cmp.bind(env.indexedDB);
      assert.equal(cmp([1, 2], [1, 2, 0]), -1);
      assert.equal(cmp([2], [1, 9]), 1);
      assert.equal(cmp(['a'], [1]), 1);
      assert.equal(cmp([[1]], [[1], 0]), -1);
      assert.equal(cmp([new Date(5)], [new Date(5)]), 0);
    },
  },
  {
    name: 'invalid keys throw DataError',
    async run(env) {
      const bad: unknown[] = [NaN, null, undefined, true, {}, [NaN], new Date(NaN), [1, {}], Symbol('s'), () => 1];
      const cyclic: unknown[] = [];
      cyclic.push(cyclic);
      bad.push(cyclic);
      for (const k of bad) throwsNamed(() => env.indexedDB.cmp(k, 1), 'DataError', `cmp(${String(k)})`);
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const s = tx.objectStore('s');
      for (const k of bad) {
        if (k === undefined) continue; // put(v, undefined) means "no key": covered by key generator tests
        throwsNamed(() => s.put('v', k as Key), 'DataError', `put(v, ${String(k)})`);
        throwsNamed(() => s.get(k as Key), 'DataError', `get(${String(k)})`);
      }
      db.close();
    },
  },
  {
    name: 'large keys: a 10,001-element array key and a 100,000-character string key',
    async run(env) {
      const db = await withStore(env);
      const big = Array.from({ length: 10_001 }, (_, i) => i);
      const long = 'x'.repeat(100_000);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        s.put('array', big);
        s.put('string', long);
      });
      await inTx(db, 's', 'readonly', async (tx) => {
        const s = tx.objectStore('s');
        assert.equal(await done(s.get(big)), 'array');
        assert.equal(await done(s.get(long)), 'string');
        assert.equal(await done(s.count()), 2);
      });
      db.close();
    },
  },
  {
    name: 'keys handed to script ignore index setters on Object.prototype (CreateDataProperty)',
    async run(env) {
      const db = await withStore(env);
      let calls = 0;
      // A high index: lower ones are written by the runtime's own arrays while the test runs.
      const N = 1200;
      const p = String(N - 1);
      Object.defineProperty(Object.prototype, p, { configurable: true, set: () => { calls++; } });
      try {
        const arrayKey = Array.from({ length: N }, (_, i) => i);
        const text = 'x'.repeat(N);
        const binary = new Uint8Array(N).fill(7).buffer;
        await inTx(db, 's', 'readwrite', async (tx) => {
          const s = tx.objectStore('s');
          const put = await done(s.put('v', arrayKey)) as unknown[];
          assert.ok(Object.hasOwn(put, N - 1), 'put() result has its own last element');
          await done(s.put('v', text));
          await done(s.put('v', binary));
        });
        const got = await inTx(db, 's', 'readonly', async (tx) => done(tx.objectStore('s').getAllKeys()));
        assert.equal(calls, 0, 'no prototype setter was called');
        assert.equal(got.length, 3);
        assert.equal(got[0], text);
        assert.equal((got[1] as ArrayBuffer).byteLength, N);
        assert.equal(new Uint8Array(got[1] as ArrayBuffer)[N - 1], 7);
        const arr = got[2] as unknown[];
        assert.equal(arr.length, N);
        assert.ok(Object.hasOwn(arr, N - 1) && arr[N - 1] === N - 1, 'own last element');
      } finally {
        delete (Object.prototype as Record<string, unknown>)[p];
      }
      db.close();
    },
  },
  {
    name: 'a key that fails in a request leaves the transaction usable',
    async run(env) {
      const db = await withStore(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        throwsNamed(() => s.add('v', { not: 'a key' } as unknown as Key), 'DataError');
        await done(s.add('v', 1));
        const err = await failure(s.add('w', 1), { prevent: true });
        assert.equal(err.name, 'ConstraintError');
      });
      db.close();
    },
  },
]);
