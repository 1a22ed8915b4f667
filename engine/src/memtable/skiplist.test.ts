import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Entry, Kind, compareEntries } from '../base/entry.ts';
import { SkipList } from './skiplist.ts';

function entry(r: () => number, seq: number): Entry {
  const key = new Uint8Array(Array.from({ length: Math.floor(r() * 3) }, () => Math.floor(r() * 4) * 60));
  return { key, ts: Math.floor(r() * 5) - 2, seq, kind: Kind.PUT, expireAt: 0, value: new Uint8Array(0) };
}

test('skiplist iterates in internal order both ways, from any probe, with inserts interleaved', () => {
  let s = 42;
  const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const list = new SkipList();
  const all: Entry[] = [];
  for (let i = 1; i <= 2000; i++) {
    const e = entry(r, i);
    list.insert(e);
    all.push(e);
    if (i % 250 !== 0) continue;
    const sorted = [...all].sort(compareEntries);
    assert.deepEqual([...list.ascending(undefined)], sorted);
    assert.deepEqual([...list.descending(undefined)], [...sorted].reverse());
    for (let j = 0; j < 20; j++) {
      const probe = entry(r, Math.floor(r() * i));
      assert.deepEqual([...list.ascending(probe)], sorted.filter((x) => compareEntries(x, probe) >= 0));
      assert.deepEqual([...list.descending(probe)], sorted.filter((x) => compareEntries(x, probe) < 0).reverse());
    }
  }
  assert.equal(list.length, 2000);
});

test('a descending cursor sees a consistent list when inserts happen mid-iteration', () => {
  const list = new SkipList();
  const mk = (k: number, seq: number): Entry => ({ key: new Uint8Array([k]), ts: 0, seq, kind: Kind.PUT, expireAt: 0, value: new Uint8Array(0) });
  for (let k = 0; k < 100; k += 2) list.insert(mk(k, k + 1));
  const seen: number[] = [];
  for (const e of list.descending(undefined)) {
    seen.push(e.key[0] as number);
    if (seen.length === 10) list.insert(mk(1, 500)); // behind the cursor: must be reached
  }
  assert.ok(seen.includes(1));
  assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
});

test('runs of ascending inserts (the finger path) keep the list ordered', () => {
  let s = 7;
  const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const list = new SkipList();
  const all: Entry[] = [];
  let seq = 1;
  for (let step = 0; step < 60; step++) {
    // A time-major batch: every sensor once, ascending; now and then an out-of-order insert.
    for (let k = 0; k < 50; k++) {
      const key = new Uint8Array([Math.floor(k / 10), k % 10]);
      const e: Entry = { key, ts: r() < 0.05 ? Math.floor(r() * step) : step, seq: seq++, kind: Kind.PUT, expireAt: 0, value: new Uint8Array([k]) };
      list.insert(e);
      all.push(e);
    }
  }
  const sorted = [...all].sort(compareEntries);
  assert.deepEqual([...list.ascending(undefined)], sorted);
  assert.deepEqual([...list.descending(undefined)], [...sorted].reverse());
});

test('searches over keys with long shared prefixes (common-prefix skipping) find what a sorted array finds', () => {
  let s = 7;
  const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // Keys under a few shared prefixes, of varied lengths, some prefixes of others.
  const prefixes = [[1, 0, 0, 0, 1], [1, 0, 0, 0, 1, 7, 7], [1, 0, 0, 0, 2], [1, 0, 0]];
  const key = (): Uint8Array => {
    const p = prefixes[Math.floor(r() * prefixes.length)] as number[];
    const tail = Array.from({ length: Math.floor(r() * 4) }, () => [0, 1, 7, 255][Math.floor(r() * 4)] as number);
    return new Uint8Array([...p, ...tail]);
  };
  const mk = (seq: number): Entry => ({ key: key(), ts: Math.floor(r() * 3), seq, kind: Kind.PUT, expireAt: 0, value: new Uint8Array(0) });
  const list = new SkipList();
  const all: Entry[] = [];
  for (let i = 1; i <= 3000; i++) {
    // Runs of ascending inserts now and then (the finger path), random ones otherwise.
    const e = mk(i);
    list.insert(e);
    all.push(e);
    if (i % 500 !== 0) continue;
    const sorted = [...all].sort(compareEntries);
    assert.deepEqual([...list.ascending(undefined)], sorted);
    for (let j = 0; j < 50; j++) {
      const probe = mk(Math.floor(r() * i));
      assert.deepEqual([...list.ascending(probe)], sorted.filter((x) => compareEntries(x, probe) >= 0));
      assert.deepEqual([...list.descending(probe)], sorted.filter((x) => compareEntries(x, probe) < 0).reverse());
    }
  }
  const sorted = [...all].sort(compareEntries);
  const asc = new SkipList();
  for (const e of sorted) asc.insert(e);
  assert.deepEqual([...asc.ascending(undefined)], sorted);
});
