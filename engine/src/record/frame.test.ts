/** Tests: frame codec and the torn-tail / corruption / salvage rule (docs/formats/record.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, isFlowError } from '../base/errors.ts';
import { FRAME_OVERHEAD, encodeFrame, sealFrame, allocFrame } from './frame.ts';
import { readFrames } from './reader.ts';

const LAST = { isLastFile: true, salvage: false };
const MID = { isLastFile: false, salvage: false };

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

const payloads = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7)];
const frames = payloads.map((p, i) => encodeFrame(i + 1, p));
const log = concat(...frames);
const lastStart = log.length - (frames[2] as Uint8Array).length;

function assertCorrupt(fn: () => unknown, offset: number): void {
  assert.throws(fn, (e) => isFlowError(e, ErrorCode.CORRUPTION) && e.offset === offset && e.file === 'f');
}

test('roundtrip: types, payloads, offsets', () => {
  const r = readFrames(log, 'f', MID);
  assert.equal(r.tail, 'clean');
  assert.equal(r.validBytes, log.length);
  assert.equal(r.dropped, 0);
  assert.deepEqual(r.frames.map((f) => f.type), [1, 2, 3]);
  assert.deepEqual(r.frames.map((f) => Buffer.from(f.payload)), payloads.map((p) => Buffer.from(p)));
  assert.deepEqual(r.frames.map((f) => f.offset), [0, FRAME_OVERHEAD, 2 * FRAME_OVERHEAD + 3]);
  assert.equal(readFrames(new Uint8Array(0), 'f', MID).tail, 'clean');
});

test('allocFrame + sealFrame equals encodeFrame', () => {
  const f = allocFrame(3);
  f.set([1, 2, 3], 5);
  assert.deepEqual(sealFrame(f, 2), frames[1]);
  assert.throws(() => sealFrame(allocFrame(1), 0), RangeError);
});

test('torn tail at every byte offset of the last frame', () => {
  for (let cut = lastStart; cut < log.length; cut++) {
    const buf = log.subarray(0, cut);
    const r = readFrames(buf, 'f', LAST);
    assert.equal(r.frames.length, 2, `cut ${cut}`);
    assert.equal(r.validBytes, lastStart);
    assert.equal(r.tail, cut === lastStart ? 'clean' : 'torn');
    assert.equal(r.dropped, cut - lastStart);
    if (cut > lastStart) {
      assertCorrupt(() => readFrames(buf, 'f', MID), lastStart);
      const s = readFrames(buf, 'f', { isLastFile: false, salvage: true });
      assert.equal(s.tail, 'salvaged');
      assert.equal(s.validBytes, lastStart);
    }
  }
});

test('bad crc on the last frame (same length) is torn', () => {
  for (const at of [lastStart + 5, log.length - 1, log.length - 4]) {
    const buf = log.slice();
    buf[at] = (buf[at] as number) ^ 0x40;
    const r = readFrames(buf, 'f', LAST);
    assert.equal(r.tail, 'torn');
    assert.equal(r.frames.length, 2);
    assertCorrupt(() => readFrames(buf, 'f', MID), lastStart);
  }
});

test('bad last frame followed by fewer than 9 garbage bytes is torn; 9 or more is corruption', () => {
  const buf = log.slice();
  buf[log.length - 2] = (buf[log.length - 2] as number) ^ 0xff; // crc byte
  for (let g = 1; g <= 8; g++) {
    const r = readFrames(concat(buf, new Uint8Array(g).fill(0xa5)), 'f', LAST);
    assert.equal(r.tail, 'torn');
    assert.equal(r.validBytes, lastStart);
    assert.equal(r.dropped, log.length - lastStart + g);
  }
  assertCorrupt(() => readFrames(concat(buf, new Uint8Array(9).fill(0xa5)), 'f', LAST), lastStart);
  assertCorrupt(() => readFrames(concat(buf, frames[0] as Uint8Array), 'f', LAST), lastStart);
});

test('all-zero tail is torn, of any length', () => {
  for (const n of [1, 4, 8, 9, 10, 4096]) {
    const buf = concat(log, new Uint8Array(n));
    const r = readFrames(buf, 'f', LAST);
    assert.equal(r.tail, 'torn');
    assert.equal(r.frames.length, 3);
    assert.equal(r.validBytes, log.length);
    assert.equal(r.dropped, n);
  }
  // A partly written last frame followed by zero fill is torn too.
  const part = concat(log.subarray(0, lastStart + 20), new Uint8Array(500));
  assert.equal(readFrames(part, 'f', LAST).tail, 'torn');
});

test('bad crc mid-log is CORRUPTION at the frame offset; salvage drops from there', () => {
  const buf = log.slice();
  const second = FRAME_OVERHEAD;
  buf[second + 5] = 0xee; // payload byte of frame 2
  assertCorrupt(() => readFrames(buf, 'f', LAST), second);
  const r = readFrames(buf, 'f', { isLastFile: true, salvage: true });
  assert.equal(r.tail, 'salvaged');
  assert.equal(r.frames.length, 1);
  assert.equal(r.validBytes, second);
  assert.equal(r.dropped, buf.length - second);
});

test('a length over 256 MiB: torn when it runs past the end, else a bad frame', () => {
  const bad = encodeFrame(1, new Uint8Array(4));
  new DataView(bad.buffer, bad.byteOffset).setUint32(0, 256 * 1024 * 1024 + 1, true);
  const buf = concat(log, bad);
  assert.equal(readFrames(buf, 'f', LAST).tail, 'torn');
  assertCorrupt(() => readFrames(buf, 'f', MID), log.length);
  // A buffer long enough to hold the oversize frame, with data after it.
  const big = new Uint8Array(log.length + 256 * 1024 * 1024 + 64);
  big.set(log);
  big.set(bad.subarray(0, 5), log.length);
  big[big.length - 1] = 1;
  assertCorrupt(() => readFrames(big, 'f', LAST), log.length);
  const r = readFrames(big, 'f', { isLastFile: true, salvage: true });
  assert.equal(r.tail, 'salvaged');
  assert.equal(r.frames.length, 3);
});

test('no single-byte flip inside a middle frame is read as a clean log', () => {
  const mid = FRAME_OVERHEAD;
  for (let i = mid; i < mid + FRAME_OVERHEAD + 3; i++) {
    const buf = log.slice();
    buf[i] = (buf[i] as number) ^ 0x01;
    let r;
    try {
      r = readFrames(buf, 'f', LAST);
    } catch (e) {
      assert.ok(isFlowError(e, ErrorCode.CORRUPTION));
      continue;
    }
    // Only a length flip that runs the frame past the end can look torn; never clean.
    assert.equal(r.tail, 'torn', `flip at ${i}`);
    assert.ok(i < mid + 4);
  }
});
