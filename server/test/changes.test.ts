import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchOp } from '@flowdb/engine';
import { ChangeFeed } from '../src/changes.ts';

const k = (s: string) => new TextEncoder().encode(s);
const puts = (prefix: string, n: number): BatchOp[] => Array.from({ length: n }, (_, i) => ({ type: 'put', key: k(`${prefix}${i}`), ts: i, value: k('v') }));

test('segments read back as entries in seq order, across segments and from the middle', () => {
  const f = new ChangeFeed(10, 1000);
  f.recordOps(11, puts('a', 3));
  f.recordOps(14, [{ type: 'del', key: k('d') }, { type: 'delRange', start: k('r0'), end: k('r9') }]);
  assert.equal(f.lastSeq, 15);
  const all = f.readFrom(0, 100);
  assert.deepEqual(all.map((e) => e.seq), [11, 12, 13, 14, 15]);
  assert.deepEqual(all.map((e) => e.kind), ['put', 'put', 'put', 'del', 'delRange']);
  assert.equal(all[3]?.ts, undefined);
  assert.deepEqual(all[4]?.rangeEnd, k('r9'));
  assert.deepEqual(f.readFrom(13, 2).map((e) => e.seq), [13, 14]);
  assert.deepEqual(f.readFrom(16, 10), []);
});

test('retention by count drops whole and partial segments and moves the floor', () => {
  const f = new ChangeFeed(0, 5);
  f.recordOps(1, puts('a', 4));
  f.recordOps(5, puts('b', 4));
  assert.equal(f.floor, 4);
  assert.deepEqual(f.readFrom(0, 100).map((e) => e.seq), [4, 5, 6, 7, 8]);
  f.recordOps(9, puts('c', 6));
  assert.equal(f.floor, 10);
  assert.deepEqual(f.readFrom(0, 100).map((e) => e.seq), [10, 11, 12, 13, 14]);
});

test('retention by bytes keeps at least the newest segment', () => {
  const f = new ChangeFeed(0, 1_000_000, 1000);
  for (let i = 0; i < 20; i++) f.recordOps(1 + i * 5, puts(`s${i}-`, 5));
  const left = f.readFrom(0, 1000);
  assert.ok(left.length >= 5 && left.length < 100);
  assert.equal(left[0]?.seq, f.floor);
  assert.equal(left.at(-1)?.seq, 100);
});

test('a batch recorded out of order is kept sorted', () => {
  const f = new ChangeFeed(0, 100);
  f.recordOps(3, puts('b', 2));
  f.recordOps(1, puts('a', 2));
  assert.deepEqual(f.readFrom(0, 100).map((e) => e.seq), [1, 2, 3, 4]);
});

test('wait() resolves on the next record', async () => {
  const f = new ChangeFeed(0, 10);
  const w = f.wait(new AbortController().signal, 10_000);
  f.recordOps(1, puts('x', 1));
  await w;
});

test('recorded bytes are copies: the feed keeps no view of the request buffer', () => {
  const wire = new Uint8Array(64 * 1024);
  wire.set(k('key1value1start'), 100);
  const view = (a: number, b: number) => wire.subarray(100 + a, 100 + b);
  const f = new ChangeFeed(0, 100);
  f.recordOps(1, [{ type: 'put', key: view(0, 4), ts: 1, value: view(4, 10) }, { type: 'delRange', start: view(10, 15), end: k('z') }]);
  wire.fill(0);
  const [put, del] = f.readFrom(0, 10);
  assert.deepEqual([put?.key, put?.value, del?.key, del?.rangeEnd], [k('key1'), k('value1'), k('start'), k('z')]);
  for (const b of [put?.key, put?.value, del?.key]) assert.ok(b !== undefined && b.buffer.byteLength < 64, 'a packed copy, not the 64 KiB request buffer');
});
