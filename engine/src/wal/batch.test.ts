/** Tests: WAL batch codec (docs/formats/wal.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Entry, Kind, NO_EXPIRY } from '../base/entry.ts';
import { ErrorCode, isFlowError } from '../base/errors.ts';
import { FrameType } from '../record/frame.ts';
import { readFrames } from '../record/reader.ts';
import { decodeBatch, encodeBatch } from './batch.ts';

function e(key: Uint8Array, value: Uint8Array, ts: number, kind: Kind = Kind.PUT, expireAt = NO_EXPIRY): Entry {
  return { key, value, ts, kind, expireAt, seq: 0 };
}

function payloadOf(frame: Uint8Array): Uint8Array {
  const r = readFrames(frame, 'mem', { isLastFile: false, salvage: false });
  assert.equal(r.frames.length, 1);
  assert.equal(r.frames[0]?.type, FrameType.WAL_BATCH);
  return (r.frames[0] as { payload: Uint8Array }).payload;
}

const all256 = Uint8Array.from({ length: 256 }, (_, i) => i);
const key64k = new Uint8Array(65536).map((_, i) => (i * 31) & 0xff);
const entries: Entry[] = [
  e(all256, new Uint8Array(0), -1),
  e(new Uint8Array(0), new Uint8Array([0]), Number.MIN_SAFE_INTEGER, Kind.DELETE, 0),
  e(key64k, new Uint8Array(200_000).fill(9), Number.MAX_SAFE_INTEGER, Kind.PUT, -5),
  e(Buffer.from('a'), Buffer.from('b\x00'), 0, Kind.RANGE_DELETE, 1_700_000_000_000_000),
  e(Buffer.from('k'), Buffer.from('v'), -(2 ** 40) - 3, Kind.PUT, 2 ** 32),
];

test('roundtrip: binary keys, empty values, negative ts, 64 KiB keys, seqs', () => {
  const firstSeq = Number.MAX_SAFE_INTEGER - entries.length + 1;
  const got = decodeBatch(payloadOf(encodeBatch(firstSeq, entries)));
  assert.equal(got.firstSeq, firstSeq);
  assert.equal(got.entries.length, entries.length);
  got.entries.forEach((g, i) => {
    const w = entries[i] as Entry;
    assert.deepEqual(Buffer.from(g.key), Buffer.from(w.key));
    assert.deepEqual(Buffer.from(g.value), Buffer.from(w.value));
    assert.equal(g.ts, w.ts);
    assert.equal(g.kind, w.kind);
    assert.equal(g.expireAt, w.expireAt);
    assert.equal(g.seq, firstSeq + i);
  });
});

test('empty batch and small firstSeq', () => {
  assert.deepEqual(decodeBatch(payloadOf(encodeBatch(1, []))), { firstSeq: 1, entries: [] });
  const one = decodeBatch(payloadOf(encodeBatch(2 ** 32 + 7, [e(Buffer.from('x'), Buffer.from('y'), 5)])));
  assert.equal(one.entries[0]?.seq, 2 ** 32 + 7);
});

test('exact size: payload = 12 + per-entry bytes', () => {
  const p = payloadOf(encodeBatch(1, [e(Buffer.from('ab'), Buffer.from('c'), 1)]));
  assert.equal(p.length, 12 + 1 + 1 + 2 + 16 + 1 + 1);
  const big = payloadOf(encodeBatch(1, [e(new Uint8Array(200), new Uint8Array(20000), 1)]));
  assert.equal(big.length, 12 + 1 + 2 + 200 + 16 + 3 + 20000);
});

test('encode rejects non-integer numbers and bad seqs', () => {
  assert.throws(() => encodeBatch(1, [e(Buffer.from('a'), Buffer.from('b'), 1.5)]), RangeError);
  assert.throws(() => encodeBatch(0, []), RangeError);
  assert.throws(() => encodeBatch(Number.MAX_SAFE_INTEGER, [entries[0] as Entry, entries[1] as Entry]), RangeError);
});

test('decode rejects malformed payloads with CORRUPTION', () => {
  const good = payloadOf(encodeBatch(10, entries.slice(0, 2)));
  const bad = [
    good.subarray(0, good.length - 1),
    Buffer.concat([good, Buffer.from([0])]),
    good.subarray(0, 5),
    (() => {
      const b = Buffer.from(good);
      b[12] = 9; // kind
      return b;
    })(),
    (() => {
      const b = Buffer.from(good);
      b.writeUInt32LE(1_000_000, 8); // count
      return b;
    })(),
    (() => {
      const b = Buffer.from(good);
      b.fill(0, 0, 8); // firstSeq 0
      return b;
    })(),
  ];
  for (const p of bad) assert.throws(() => decodeBatch(p), (err) => isFlowError(err, ErrorCode.CORRUPTION));
});
