/**
 * The fast writer of node:v8's value format (values/v8-codec.ts) against node:v8 itself: what
 * it writes, v8.deserialize reads back equal to the clone; plain documents encode byte for
 * byte as v8.serialize does; what it declines goes through node:v8. FC_RUNS=n raises the runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import { encodeV8 } from '../src/values/v8-codec.ts';
import { deserializeValue, serializeValue } from '../src/values/clone.ts';

const numRuns = Number(process.env.FC_RUNS ?? 1000);

const unit = fc.oneof(fc.constantFrom(0, 0x41, 0x7f, 0x80, 0xff, 0x100, 0xd800, 0xdc00, 0xffff), fc.integer({ min: 0, max: 0xffff }));
const str = fc.oneof(fc.string({ maxLength: 10 }), fc.array(unit, { maxLength: 8 }).map((u) => String.fromCharCode(...u)), fc.constantFrom('__proto__', '0', '42', 'length'));
const num = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, NaN, Infinity, -Infinity, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, 0.5),
  fc.double(),
  fc.integer(),
);
const leaf = fc.oneof(str, num, fc.boolean(), fc.constant(null), fc.constant(undefined), fc.integer({ min: -1e13, max: 1e13 }).map((t) => new Date(t)));
/** Outside the fast subset: the codec must decline these (or the value holding them). */
const exotic = fc.oneof(
  fc.constant(new Map([[1, 'a']])), fc.constant(new Set([1])), fc.constant(new Uint8Array([1, 2])), fc.constant(/x/g),
  fc.constant(new Date(NaN)), fc.constant(10n), fc.constant(Object.assign([1, 2], { extra: true })),
  fc.constant([1, , 3]), fc.constant(new Error('e')), fc.constant(Array.from({ length: 100 }, (_, i) => i)),
);

const { value } = fc.letrec<{ value: unknown; arr: unknown[]; obj: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, leaf, exotic, tie('arr'), tie('obj')),
  arr: fc.array(tie('value'), { maxLength: 5 }),
  obj: fc.dictionary(str, tie('value'), { maxKeys: 5 }),
}));

test('what encodeV8 writes, v8.deserialize reads back equal to the clone; serializeValue always round-trips', () => {
  let fast = 0;
  fc.assert(
    fc.property(value, (v) => {
      const clone = structuredClone(v);
      assert.deepStrictEqual(deserializeValue(serializeValue(clone)), clone);
      const bytes = encodeV8(clone);
      if (bytes === undefined) return;
      fast++;
      assert.deepStrictEqual(deserialize(bytes), clone);
    }),
    { numRuns },
  );
  assert.ok(fast > numRuns / 4, `only ${fast} of ${numRuns} values took the fast path`);
});

test('plain documents without arrays encode byte for byte as v8.serialize does', () => {
  // Arrays are written dense; V8 writes a cloned (holey-kind) array in its sparse form: both read the same.
  const docs: unknown[] = [
    {}, 'x', 7, -7, 2 ** 40, 0.25, -0, true, null, undefined, new Date(5),
    { id: 1, name: 'user-1', email: 'user1@example.com', age: 19, city: 'Oslo', score: 79.1 },
    { s: 'héllo', t: 'ünï ∑ 漢字', nested: { a: 1, b: { c: null }, d: new Date(0) } },
    { two: 'x∑', one: 'ab', three: 'ab∑', four: 'abc∑' },
  ];
  for (const d of docs) {
    const clone = structuredClone(d);
    assert.deepStrictEqual(encodeV8(clone), new Uint8Array(serialize(clone)), JSON.stringify(d));
  }
});

test('shared and cyclic references, big and exotic values take node:v8 both ways', () => {
  const shared = { a: 1 };
  const cyclic: Record<string, unknown> = { n: 1 };
  cyclic['self'] = cyclic;
  for (const v of [{ x: shared, y: shared }, cyclic, new Map([[1, 2]]), { deep: [new Uint8Array(3)] }, Array.from({ length: 1000 }, (_, i) => ({ i }))]) {
    assert.equal(encodeV8(v), undefined);
    const bytes = serializeValue(v);
    assert.deepStrictEqual(deserializeValue(bytes), deserialize(bytes));
  }
  const both = deserializeValue(serializeValue({ x: shared, y: shared })) as { x: object; y: object };
  assert.equal(both.x, both.y);
});

test('encoding never calls an index setter script put on Array.prototype', () => {
  let calls = 0;
  Object.defineProperty(Array.prototype, '0', { set: () => { calls++; }, configurable: true });
  try {
    const bytes = encodeV8({ a: [1, { b: 2 }], c: 'x' });
    assert.ok(bytes !== undefined);
    assert.equal(calls, 0);
  } finally {
    delete (Array.prototype as unknown as Record<string, unknown>)['0'];
  }
  assert.deepStrictEqual(deserialize(encodeV8({ a: [1, { b: 2 }], c: 'x' }) as Uint8Array), { a: [1, { b: 2 }], c: 'x' });
});
