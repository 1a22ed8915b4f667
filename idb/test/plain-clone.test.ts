/**
 * The one-walk clone of plain data (values/plain-clone.ts) against structuredClone + encodeV8:
 * the same clone and the same bytes when it takes a value; when it declines, no script has run
 * (no getter, Proxy trap, inherited setter or patched built-in), so cloneForStorage's usual path
 * behaves as before. FC_RUNS=n raises the runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deserialize } from 'node:v8';
import fc from 'fast-check';
import { clonePlain } from '../src/values/plain-clone.ts';
import { encodeV8 } from '../src/values/v8-codec.ts';
import { cloneForStorage } from '../src/values/clone.ts';

const numRuns = Number(process.env.FC_RUNS ?? 1000);

const unit = fc.oneof(fc.constantFrom(0, 0x41, 0x7f, 0x80, 0xff, 0x100, 0xd800, 0xdc00, 0xffff), fc.integer({ min: 0, max: 0xffff }));
const str = fc.oneof(
  fc.string({ maxLength: 10 }), fc.array(unit, { maxLength: 8 }).map((u) => String.fromCharCode(...u)),
  fc.constantFrom('__proto__', '0', '42', 'length', 'constructor', 'toString'),
);
const num = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, NaN, Infinity, -Infinity, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, 0.5),
  fc.double(),
  fc.integer(),
);
const leaf = fc.oneof(str, num, fc.boolean(), fc.constant(null), fc.constant(undefined), fc.integer({ min: -1e13, max: 1e13 }).map((t) => new Date(t)));
const exotic = fc.oneof(
  fc.constant(new Map([[1, 'a']])), fc.constant(new Set([1])), fc.constant(new Uint8Array([1, 2])), fc.constant(/x/g),
  fc.constant(new Date(NaN)), fc.constant(10n), fc.constant(Object.assign([1, 2], { extra: true })),
  fc.constant([1, , 3]), fc.constant(new Error('e')), fc.constant(Array.from({ length: 100 }, (_, i) => i)),
  fc.constant(Object.create(null)), fc.constant(Object.defineProperty({}, 'hidden', { value: 1, enumerable: false })),
);
const { value } = fc.letrec<{ value: unknown; arr: unknown[]; obj: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, leaf, exotic, tie('arr'), tie('obj')),
  arr: fc.array(tie('value'), { maxLength: 5 }),
  obj: fc.dictionary(str, tie('value'), { maxKeys: 5 }),
}));

test('what clonePlain takes, it clones as structuredClone does and encodes as encodeV8 encodes the clone', () => {
  let taken = 0;
  fc.assert(
    fc.property(value, (v) => {
      const r = clonePlain(v);
      if (r === undefined) return;
      taken++;
      const clone = structuredClone(v);
      assert.deepStrictEqual(r.clone, clone);
      assert.deepStrictEqual(deserialize(r.bytes), clone);
      const expected = encodeV8(clone);
      if (expected !== undefined) assert.deepStrictEqual(r.bytes, expected);
    }),
    { numRuns },
  );
  assert.ok(taken > numRuns / 4, `only ${taken} of ${numRuns} values were taken`);
});

test('the clone shares nothing with the original', () => {
  const v = { a: { b: [1, { c: 'x' }] }, d: new Date(3) };
  const r = clonePlain(v);
  assert.ok(r);
  const c = r.clone as typeof v;
  assert.notEqual(c.a, v.a);
  assert.notEqual(c.a.b, v.a.b);
  assert.notEqual(c.a.b[1], v.a.b[1]);
  assert.notEqual(c.d, v.d);
  v.a.b.push(2);
  assert.deepStrictEqual(c.a.b, [1, { c: 'x' }]);
});

test('a getter is never called by clonePlain; cloneForStorage calls it exactly once', () => {
  let calls = 0;
  const v = { x: 1, get y() { calls++; return 2; }, z: 3 };
  assert.equal(clonePlain(v), undefined);
  assert.equal(calls, 0);
  const nested = { a: [{ get b() { calls++; return 1; } }] };
  assert.equal(clonePlain(nested), undefined);
  assert.equal(calls, 0);
  const s = cloneForStorage(v);
  assert.equal(calls, 1);
  assert.deepStrictEqual(s.clone, { x: 1, y: 2, z: 3 });
  const arr = [1, 2];
  Object.defineProperty(arr, 1, { get() { calls++; return 5; }, enumerable: true });
  assert.equal(clonePlain(arr), undefined);
  assert.equal(calls, 1);
});

test('a getter that throws: the exception is cloneForStorage\'s, as before', () => {
  const err = new Error('boom');
  assert.throws(() => cloneForStorage({ get x() { throw err; } }), (e) => e === err);
});

test('a Proxy is declined without running a trap', () => {
  const log: string[] = [];
  const handler: ProxyHandler<object> = {};
  for (const t of ['get', 'getPrototypeOf', 'ownKeys', 'getOwnPropertyDescriptor', 'has'] as const) {
    (handler as Record<string, unknown>)[t] = (...args: unknown[]) => { log.push(t); return (Reflect[t] as (...a: unknown[]) => unknown)(...args); };
  }
  assert.equal(clonePlain(new Proxy({ a: 1 }, handler)), undefined);
  assert.equal(clonePlain({ inner: new Proxy([1], handler) }), undefined);
  assert.deepStrictEqual(log, []);
});

test('non-plain objects are declined: arguments, shared and cyclic references, class instances', () => {
  const args = (function (..._: unknown[]) { return arguments; })(1, 2);
  assert.equal(clonePlain(args), undefined);
  const shared = { n: 1 };
  assert.equal(clonePlain({ a: shared, b: shared }), undefined);
  const cyc: Record<string, unknown> = {};
  cyc.self = cyc;
  assert.equal(clonePlain(cyc), undefined);
  class C { x = 1; }
  assert.equal(clonePlain(new C()), undefined);
  assert.equal(clonePlain({ f: () => 1 }), undefined);
  assert.equal(clonePlain(Symbol('s')), undefined);
});

test('no inherited setter or patched built-in runs', () => {
  let ran = 0;
  Object.defineProperty(Object.prototype, 'trap', { set() { ran++; }, configurable: true });
  Object.defineProperty(Array.prototype, 0, { set() { ran++; }, configurable: true });
  const getTime = Date.prototype.getTime;
  Date.prototype.getTime = function () { ran++; return 0; };
  try {
    assert.equal(clonePlain({ trap: 1 }), undefined);
    assert.equal(clonePlain([1]), undefined);
    const r = clonePlain({ d: new Date(42) });
    assert.ok(r);
    assert.equal(ran, 0);
    assert.equal(getTime.call((r.clone as { d: Date }).d), 42);
  } finally {
    delete (Object.prototype as Record<string, unknown>).trap;
    delete (Array.prototype as unknown as Record<number, unknown>)[0];
    Date.prototype.getTime = getTime;
  }
});

test('objects with internal slots pass for nothing else when their prototype is switched', () => {
  const swap = <T extends object>(o: T, proto: object): T => Object.setPrototypeOf(o, proto) as T;
  const odd: object[] = [
    swap([1, 2], Object.prototype), swap(new Date(1), Object.prototype), swap(new Map([[1, 2]]), Object.prototype),
    swap(new Set([1]), Object.prototype), swap(/x/, Object.prototype), swap(new Error('e'), Object.prototype),
    swap(new Uint8Array(2), Object.prototype), swap(new ArrayBuffer(2), Object.prototype),
    swap(Object(1) as object, Object.prototype), swap(Promise.resolve(), Object.prototype),
    swap(new WeakMap(), Object.prototype), swap(new Map().keys(), Object.prototype),
    swap({ a: 1 }, Array.prototype), swap({ a: 1 }, Date.prototype), swap(new Date(2), Array.prototype),
  ];
  for (const o of odd) {
    assert.equal(clonePlain(o), undefined);
    assert.equal(clonePlain({ nested: o }), undefined);
  }
  // cloneForStorage still gives what structuredClone gives (or throws as it does).
  for (const o of odd) {
    let expected: unknown;
    let threw: unknown;
    try { expected = structuredClone(o); } catch (e) { threw = e; }
    if (threw !== undefined) assert.throws(() => cloneForStorage(o));
    else assert.deepStrictEqual(cloneForStorage(o).clone, expected);
  }
});
