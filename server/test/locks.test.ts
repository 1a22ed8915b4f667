import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyLocks } from '../src/locks.ts';

const k = (s: string) => new TextEncoder().encode(s);
const tick = () => new Promise<void>((r) => setImmediate(r));

test('uncontended locks are taken synchronously and freed', () => {
  const l = new KeyLocks();
  const rel = l.acquire([{ key: k('a'), exclusive: true }, { key: k('b'), exclusive: false }]);
  assert.equal(typeof rel, 'function');
  assert.equal(l.size, 2);
  (rel as () => void)();
  assert.equal(l.size, 0);
});

test('shared holders do not wait for each other', () => {
  const l = new KeyLocks();
  const a = l.acquire([{ key: k('x'), exclusive: false }]);
  const b = l.acquire([{ key: k('x'), exclusive: false }]);
  assert.equal(typeof a, 'function');
  assert.equal(typeof b, 'function');
});

test('exclusive waits for shared holders; later shared waits behind it (FIFO)', async () => {
  const l = new KeyLocks();
  const order: string[] = [];
  const s1 = l.acquire([{ key: k('x'), exclusive: false }]) as () => void;
  const ex = l.acquire([{ key: k('x'), exclusive: true }]);
  const s2 = l.acquire([{ key: k('x'), exclusive: false }]);
  assert.ok(ex instanceof Promise);
  assert.ok(s2 instanceof Promise);
  void ex.then((r) => {
    order.push('ex');
    setImmediate(() => {
      order.push('ex released');
      r();
    });
  });
  void s2.then(() => order.push('s2'));
  await tick();
  assert.deepEqual(order, []);
  s1();
  await tick();
  await tick();
  assert.deepEqual(order, ['ex', 'ex released', 's2']);
});

test('with() runs conditional sections on one key one at a time; bare keys are exclusive', async () => {
  const l = new KeyLocks();
  let inside = 0;
  let max = 0;
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      l.with(i % 2 === 0 ? [k('c')] : [{ key: k('c'), exclusive: true }, { key: k('d'), exclusive: false }], async () => {
        inside++;
        max = Math.max(max, inside);
        await tick();
        inside--;
      }),
    ),
  );
  assert.equal(max, 1);
  assert.equal(l.size, 0);
});

test('multi-key locks taken in sorted order do not deadlock', async () => {
  const l = new KeyLocks();
  const runs = Array.from({ length: 50 }, (_, i) =>
    l.with(i % 2 === 0 ? [k('a'), k('b'), k('a')] : [k('b'), k('a')], async () => {
      await tick();
      return i;
    }),
  );
  assert.equal((await Promise.all(runs)).length, 50);
  assert.equal(l.size, 0);
});

test('a throwing section releases its locks', async () => {
  const l = new KeyLocks();
  await assert.rejects(l.with([k('z')], async () => {
    throw new Error('boom');
  }));
  assert.equal(l.size, 0);
});

test('a shared multi-key batch (duplicates included) blocks a later exclusive until released', async () => {
  const l = new KeyLocks();
  const batch = l.acquire([{ key: k('p'), exclusive: false }, { key: k('q'), exclusive: false }, { key: k('p'), exclusive: false }]);
  assert.equal(typeof batch, 'function');
  let got = false;
  const ex = l.with([k('q')], async () => {
    got = true;
  });
  await tick();
  assert.equal(got, false);
  // With an exclusive waiting, a new shared batch on its key queues behind it.
  const later = l.acquire([{ key: k('q'), exclusive: false }, { key: k('r'), exclusive: false }]);
  assert.ok(later instanceof Promise);
  (batch as () => void)();
  await ex;
  assert.equal(got, true);
  (await later)();
  assert.equal(l.size, 0);
});
