/** Bloom filter: no false negatives, FP rate near theory, policy detection. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOOM_POLICY, BloomBuilder, bloomMayContain, bloomPolicy, bloomProbes, bloomProblem, buildBloom, murmur3 } from './bloom.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('murmur3_x86_32 reference vectors', () => {
  assert.equal(murmur3(new Uint8Array(0), 0), 0);
  assert.equal(murmur3(new Uint8Array(0), 1), 0x514e28b7);
  assert.equal(murmur3(enc('hello'), 0), 0x248bfa47);
  assert.equal(murmur3(enc('The quick brown fox jumps over the lazy dog'), 0), 0x2e4ff723);
  assert.equal(murmur3(Uint8Array.of(0x21, 0x43, 0x65, 0x87), 0x5082edee), 0x2362f9de);
});

test('false-positive rate near theory at 10 bits/key, no false negatives', () => {
  const n = 20_000;
  const b = new BloomBuilder();
  for (let i = 0; i < n; i++) b.add(enc(`user:${i}`));
  const f = b.finish(10);
  assert.equal(bloomProblem(f), undefined);
  assert.equal(bloomPolicy(f), BLOOM_POLICY);
  for (let i = 0; i < n; i++) assert.ok(bloomMayContain(f, enc(`user:${i}`)));
  let fp = 0;
  const trials = 200_000;
  for (let i = 0; i < trials; i++) if (bloomMayContain(f, enc(`other:${i}`))) fp++;
  const k = bloomProbes(10);
  const theory = (1 - Math.exp(-k / 10)) ** k;
  const rate = fp / trials;
  assert.equal(k, 7);
  assert.ok(rate > theory * 0.7 && rate < theory * 1.3, `fp rate ${rate} vs theory ${theory}`);
});

test('pure buildBloom, binary keys, tiny and empty sets', () => {
  const keys = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0xff, 0x00), enc('é')];
  const f = buildBloom(keys, 4);
  for (const key of keys) assert.ok(bloomMayContain(f, key));
  const empty = buildBloom([], 10);
  assert.equal(bloomMayContain(empty, enc('x')), false);
  assert.throws(() => buildBloom(keys, 0), RangeError);
});

test('a filter of another policy answers true and is reported', () => {
  const f = buildBloom([enc('a')], 10);
  const other = f.slice();
  other[3] = (other[3] as number) ^ 0x20;
  assert.notEqual(bloomPolicy(other), BLOOM_POLICY);
  assert.match(bloomProblem(other) ?? '', /unknown bloom policy/);
  let yes = 0;
  for (let i = 0; i < 100; i++) if (bloomMayContain(other, enc(`z${i}`))) yes++;
  assert.equal(yes, 100);
  assert.match(bloomProblem(f.subarray(0, f.length - 1)) ?? '', /size/);
});
