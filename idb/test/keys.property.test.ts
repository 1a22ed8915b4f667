/**
 * Property tests for IDB keys: the byte order of encodeKey is compareKeys order, decodeKey
 * inverts encodeKey, encodings are self-delimiting, and compareKeys agrees with
 * fake-indexeddb's indexedDB.cmp. FC_RUNS=n raises the run count (default 2000).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IDBFactory } from 'fake-indexeddb';
import { compareBytes, compareKeys } from '../src/keys/compare.ts';
import { decodeKey, decodeKeyAt, encodeKey, skipKey } from '../src/keys/encode.ts';
import type { Key } from '../src/keys/key.ts';

const numRuns = Number(process.env.FC_RUNS ?? 2000);
const oracle = new IDBFactory() as { cmp(a: unknown, b: unknown): number };

const codeUnits = (units: number[]): string => String.fromCharCode(...units);
/** Code units biased to the encoder's edges: 0, 1, 0x7e/0x7f/0x80, surrogates, 0xffff. */
const unit = fc.oneof(
  fc.constantFrom(0, 1, 2, 0x41, 0x7e, 0x7f, 0x80, 0xff, 0x100, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffe, 0xffff),
  fc.integer({ min: 0, max: 0xffff }),
);
const str = fc.oneof(fc.array(unit, { maxLength: 6 }).map(codeUnits), fc.string({ maxLength: 8 }));
const num = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, 2 ** 53, 0.1),
  fc.double({ noNaN: true }),
  fc.integer({ min: -3, max: 3 }),
);
const date = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -8.64e15, max: 8.64e15 })).map((t) => new Date(t));
const bin = fc.array(fc.oneof(fc.constantFrom(0, 1, 2, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 })), { maxLength: 6 })
  .map((b) => new Uint8Array(b).buffer);

const { key } = fc.letrec<{ key: Key; arr: Key[] }>((tie) => ({
  key: fc.oneof({ depthSize: 'small', withCrossShrink: true }, num, date, str, bin, tie('arr')),
  arr: fc.array(tie('key'), { maxLength: 4 }),
}));

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Structural form for deepEqual: -0 as 0 (equal keys), binary as byte lists, dates as times. */
function shape(k: Key): unknown {
  if (typeof k === 'number') return k === 0 ? 0 : k;
  if (k instanceof Date) return { date: k.getTime() };
  if (k instanceof ArrayBuffer) return { bin: [...new Uint8Array(k)] };
  if (Array.isArray(k)) return k.map(shape);
  return k;
}

test('byte order of encodeKey is compareKeys order', () => {
  fc.assert(
    fc.property(key, key, (a, b) => {
      assert.equal(compareBytes(encodeKey(a), encodeKey(b)), compareKeys(a, b));
    }),
    { numRuns },
  );
});

test('compareKeys is antisymmetric and equal keys encode identically', () => {
  fc.assert(
    fc.property(key, key, (a, b) => {
      assert.equal(compareKeys(a, b), -compareKeys(b, a) || 0);
      if (compareKeys(a, b) === 0) assert.deepEqual(encodeKey(a), encodeKey(b));
    }),
    { numRuns },
  );
});

test('decodeKey(encodeKey(k)) equals k', () => {
  fc.assert(
    fc.property(key, (k) => {
      const back = decodeKey(encodeKey(k));
      assert.equal(compareKeys(back, k), 0);
      assert.deepEqual(shape(back), shape(k));
    }),
    { numRuns },
  );
});

test('encodings are self-delimiting: keys decode back out of a concatenation', () => {
  fc.assert(
    fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), (ks) => {
      const parts = ks.map(encodeKey);
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let off = 0;
      for (const p of parts) {
        all.set(p, off);
        off += p.length;
      }
      let pos = 0;
      for (const k of ks) {
        const { key: got, end } = decodeKeyAt(all, pos);
        assert.equal(compareKeys(got, k), 0);
        assert.equal(skipKey(all, pos), end);
        pos = end;
      }
      assert.equal(pos, all.length);
    }),
    { numRuns },
  );
});

test('compareKeys agrees with fake-indexeddb cmp', () => {
  fc.assert(
    fc.property(key, key, (a, b) => {
      assert.equal(compareKeys(a, b), sign(oracle.cmp(a, b)));
    }),
    { numRuns },
  );
});

test('known edge pairs', () => {
  const pairs: Array<[Key, Key, number]> = [
    [-0, 0, 0],
    ['\uD83D\uDE00', '\uFFFF', -1],
    ['a', 'a\u0000', -1],
    ['\u007e', '\u007f', -1],
    [new Uint8Array([1]).buffer, new Uint8Array([1, 0]).buffer, -1],
    [new Uint8Array([0]).buffer, new Uint8Array([1]).buffer, -1],
    [new Uint8Array([1, 255]).buffer, new Uint8Array([2]).buffer, -1],
    [[], '', 1],
    [Infinity, new Date(-8.64e15), -1],
    [[1, [2]], [1, [2], 3], -1],
  ];
  for (const [a, b, want] of pairs) {
    assert.equal(compareKeys(a, b), want, `compareKeys(${String(a)}, ${String(b)})`);
    assert.equal(compareBytes(encodeKey(a), encodeKey(b)), want);
    assert.equal(sign(oracle.cmp(a, b)), want);
  }
});
