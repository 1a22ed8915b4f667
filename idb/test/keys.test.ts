import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Key, compareBytes, compareKeys, decodeKey, encodeKey, toKey, toKeyOrInvalid } from '../src/keys/index.ts';

const bin = (...b: number[]): ArrayBuffer => new Uint8Array(b).buffer;

// In spec order, each strictly less than the next.
const ordered: Key[] = [
  -Infinity, -1e300, -2, -1.5, -Number.MIN_VALUE, 0, Number.MIN_VALUE, 1, 1.5, 2, 10, 11, 100, 1e300, Infinity,
  new Date(-1e12), new Date(0), new Date(1), new Date(8.64e15),
  '', '\u0000', '\u0000\u0000', '\u0001', '0', '1', '10', '2', 'A', 'a', 'aa', 'b', '\u007e', '\u007f', '\u00ff', '\u0100',
  '\ud800', '\ud800\udc00', '\uffff',
  bin(), bin(0), bin(0, 0), bin(0, 1), bin(1), bin(1, 0), bin(2), bin(255), bin(255, 255),
  [], [-1], [0], [0, 0], [0, ''], [1], [new Date(0)], [''], ['a', []], [bin()], [[]], [[], []], [[0]], [[[]]],
];

test('keys: fixed sample is strictly ordered by compareKeys and by encoded bytes', () => {
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const a = ordered[i] as Key;
      const b = ordered[j] as Key;
      const want = Math.sign(i - j);
      assert.equal(compareKeys(a, b), want, `compareKeys #${i} vs #${j}`);
      assert.equal(compareBytes(encodeKey(a), encodeKey(b)), want, `bytes #${i} vs #${j}`);
    }
  }
});

test('keys: decode(encode(k)) round-trips', () => {
  for (const k of ordered) {
    const back = decodeKey(encodeKey(k));
    assert.equal(compareKeys(back, k), 0);
    assert.equal(typeof back, typeof k);
    if (k instanceof Date) assert.ok(back instanceof Date);
    if (k instanceof ArrayBuffer) assert.deepEqual(new Uint8Array(back as ArrayBuffer), new Uint8Array(k));
  }
  assert.equal(Object.is(decodeKey(encodeKey(-0)), 0), true, '-0 and 0 are one key');
});

test('keys: 1 and "1" are different keys; numbers sort as numbers (reference bug §8.4 #24)', () => {
  assert.notDeepEqual(encodeKey(1), encodeKey('1'));
  const nums = [100, 9, 2, 11, 1, 10, 3].map((n) => encodeKey(n)).sort(compareBytes).map((b) => decodeKey(b));
  assert.deepEqual(nums, [1, 2, 3, 9, 10, 11, 100]);
});

test('keys: invalid values are rejected exactly as the spec says', () => {
  const cyclic: unknown[] = [1];
  cyclic.push(cyclic);
  const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
  const detached = new ArrayBuffer(4);
  const view = new Uint8Array(detached);
  structuredClone(detached, { transfer: [detached] });
  for (const [i, bad] of [NaN, new Date(NaN), cyclic, sparse, detached, view, null, undefined, true, {}, Symbol('x'), [NaN], [{}]].entries()) {
    assert.equal(toKeyOrInvalid(bad), undefined, `case #${i}`);
    assert.throws(() => toKey(bad), (e: unknown) => e instanceof DOMException && e.name === 'DataError');
  }
  const shared: unknown[] = [1];
  assert.deepEqual(toKey([shared, shared]), [[1], [1]], 'the same array twice is not a cycle');
  assert.ok(toKey(new Uint8Array([1, 2]).subarray(1)) instanceof ArrayBuffer);
  assert.deepEqual(new Uint8Array(toKey(new Uint8Array([1, 2]).subarray(1)) as ArrayBuffer), new Uint8Array([2]));
});
