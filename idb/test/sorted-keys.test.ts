/** SortedKeys (the transaction overlay's sorted map) against a plain sorted array. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareBytes } from '../src/keys/compare.ts';
import { SortedKeys } from '../src/model/sorted-keys.ts';

test('SortedKeys keeps order through inserts, range removals and seeks across block splits', () => {
  let seed = 7;
  const r = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  const byte = (): number => Math.floor(r() * 256);
  for (let round = 0; round < 10; round++) {
    const sk = new SortedKeys<number>();
    let model: Uint8Array[] = [];
    const has = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      if (r() < 0.01) {
        const a = new Uint8Array([byte()]);
        const b = new Uint8Array([Math.min(255, (a[0] as number) + Math.floor(r() * 20))]);
        const inside = (x: Uint8Array): boolean => compareBytes(x, a) >= 0 && compareBytes(x, b) < 0;
        assert.equal(sk.removeRange(a, b), model.filter(inside).length);
        assert.ok(![...sk.from(undefined)].some(inside));
        model = model.filter((x) => !inside(x));
        has.clear();
        for (const x of model) has.add(x.join());
        continue;
      }
      const k = new Uint8Array([byte(), byte()]);
      if (has.has(k.join())) {
        // An existing key: its value changes, the order does not.
        const size = sk.size;
        sk.set(k.slice(), i);
        assert.equal(sk.get(k), i);
        assert.equal(sk.size, size);
        continue;
      }
      has.add(k.join());
      assert.equal(sk.get(k), undefined);
      sk.set(k, i);
      model.push(k);
    }
    model.sort(compareBytes);
    assert.equal(sk.size, model.length);
    assert.deepEqual([...sk.from(undefined)], model);
    for (const lb of [new Uint8Array([0]), new Uint8Array([100, 7]), new Uint8Array([255, 255, 1])]) {
      assert.deepEqual([...sk.from(lb)], model.filter((x) => compareBytes(x, lb) >= 0));
    }
    // first(): the key a seek lands on, closed and open, including at existing keys and block edges.
    const probes = [new Uint8Array([0]), new Uint8Array([255, 255, 1]), ...model.filter((_, i) => i % 97 === 0 || i % 512 === 511)];
    for (const lb of probes) {
      assert.deepEqual(sk.first(lb, false), model.find((x) => compareBytes(x, lb) >= 0));
      assert.deepEqual(sk.first(lb, true), model.find((x) => compareBytes(x, lb) > 0));
    }
  }
});
