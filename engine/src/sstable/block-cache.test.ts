/** BlockCache: LRU by bytes, hit/miss counters, per-file eviction. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Entry, Kind, NO_EXPIRY } from '../base/entry.ts';
import { BlockCache } from './block-cache.ts';

const blk = (k: number): Entry[] => [{ key: Uint8Array.of(k), ts: 0, seq: 1, kind: Kind.PUT, expireAt: NO_EXPIRY, value: new Uint8Array(0) }];

test('evicts least recently used blocks by bytes', () => {
  const c = new BlockCache(1000);
  c.put(1, 0, blk(0), 400);
  c.put(1, 100, blk(1), 400);
  assert.equal(c.bytes(), 800);
  assert.equal(c.get(1, 0)?.[0]?.key[0], 0); // 1/0 is now most recent
  c.put(2, 0, blk(2), 300); // 1100 > 1000: evicts 1/100
  assert.equal(c.bytes(), 700);
  assert.equal(c.get(1, 100), undefined);
  assert.ok(c.get(1, 0) !== undefined && c.get(2, 0) !== undefined);
  assert.deepEqual([c.hits, c.misses], [3, 1]);
  c.put(3, 0, blk(3), 1000); // evicts everything else
  assert.deepEqual([c.bytes(), c.size()], [1000, 1]);
  c.put(3, 8, blk(4), 1001); // larger than the cache: not stored
  assert.deepEqual([c.bytes(), c.size()], [1000, 1]);
  c.put(3, 0, blk(5), 10); // replace
  assert.deepEqual([c.bytes(), c.get(3, 0)?.[0]?.key[0]], [10, 5]);
});

test('evictFile drops only that file; capacity 0 caches nothing', () => {
  const c = new BlockCache(1 << 20);
  for (let i = 0; i < 10; i++) {
    c.put(1, i * 10, blk(i), 100);
    c.put(2, i * 10, blk(i), 50);
  }
  assert.equal(c.bytes(), 1500);
  c.evictFile(1);
  assert.deepEqual([c.bytes(), c.size()], [500, 10]);
  assert.equal(c.get(1, 0), undefined);
  assert.ok(c.get(2, 90) !== undefined);
  c.evictFile(2);
  c.evictFile(9);
  assert.deepEqual([c.bytes(), c.size()], [0, 0]);
  const z = new BlockCache(0);
  z.put(1, 0, blk(0), 1);
  assert.equal(z.get(1, 0), undefined);
  assert.equal(z.misses, 1);
});
