/** Values are stored as structured clones (https://html.spec.whatwg.org/#structured-serialize). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { done, inTx, throwsNamed, withStore } from './helpers.ts';

export const clone = group('structured clone', [
  {
    name: 'Date, Map, Set, typed arrays, ArrayBuffer, BigInt and special numbers round-trip',
    async run(env) {
      const value = {
        date: new Date(1_700_000_000_123),
        map: new Map<unknown, unknown>([['a', 1], [2, { b: [3] }]]),
        set: new Set(['x', 1, 'x']),
        u8: new Uint8Array([1, 2, 255]),
        f64: new Float64Array([1.5, -0, NaN]),
        i32: new Int32Array([-7]),
        buf: new Uint8Array([9, 8]).buffer,
        big: 12345678901234567890n,
        nums: [NaN, -0, Infinity, -Infinity],
        undef: undefined,
        nested: { deep: [null, true, 'ß\u0000\uD800'] },
        re: /ab+c/gi,
      };
      const db = await withStore(env);
      const got = await inTx(db, 's', 'readwrite', async (tx) => {
        tx.objectStore('s').put(value, 1);
        return done(tx.objectStore('s').get(1));
      });
      assert.deepEqual(got, value);
      const g = got as typeof value;
      assert.ok(g.date instanceof Date && g.map instanceof Map && g.set instanceof Set);
      assert.ok(g.u8 instanceof Uint8Array && g.f64 instanceof Float64Array && g.buf instanceof ArrayBuffer);
      assert.ok(Object.is(g.nums[1], -0));
      assert.ok('undef' in g, 'an undefined property is kept');
      db.close();
    },
  },
  {
    name: 'shared and cyclic references survive',
    async run(env) {
      const shared = { n: 1 };
      const cyc: { self?: unknown; pair: unknown[] } = { pair: [shared, shared] };
      cyc.self = cyc;
      const db = await withStore(env);
      const got = (await inTx(db, 's', 'readwrite', async (tx) => {
        tx.objectStore('s').put(cyc, 1);
        return done(tx.objectStore('s').get(1));
      })) as typeof cyc;
      assert.equal(got.self, got);
      assert.equal(got.pair[0], got.pair[1]);
      db.close();
    },
  },
  {
    name: 'stored values are copies taken at put() time',
    async run(env) {
      const db = await withStore(env);
      await inTx(db, 's', 'readwrite', async (tx) => {
        const s = tx.objectStore('s');
        const v = { list: [1] };
        s.put(v, 1);
        v.list.push(2);
        const a = (await done(s.get(1))) as typeof v;
        assert.deepEqual(a, { list: [1] });
        a.list.push(3);
        assert.deepEqual(await done(s.get(1)), { list: [1] });
      });
      db.close();
    },
  },
  {
    name: 'uncloneable values throw DataCloneError',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const s = tx.objectStore('s');
      throwsNamed(() => s.put({ f: () => 1 }, 1), 'DataCloneError', 'function');
      throwsNamed(() => s.put(Symbol('x'), 2), 'DataCloneError', 'symbol');
      throwsNamed(() => s.put({ w: new WeakMap() }, 3), 'DataCloneError', 'WeakMap');
      assert.equal(await done(s.count()), 0);
      db.close();
    },
  },
]);
