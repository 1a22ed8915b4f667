/**
 * WAL batch codec: one BATCH frame per write batch. See docs/formats/wal.md.
 *
 *   payload = firstSeq u64 | count u32 | entry * count
 *   entry   = kind u8 | keyLen varint | key | ts i64 | expireAt i64 | valueLen varint | value
 *   Little-endian; varints are unsigned LEB128; entry i has seq firstSeq + i.
 */
import type { Entry, Kind } from '../base/entry.ts';
import { corruption } from '../base/errors.ts';
import { FrameType, FRAME_HEADER_BYTES, allocFrame, sealFrame } from '../record/frame.ts';

const TWO32 = 0x1_0000_0000;
const BATCH_HEADER_BYTES = 12;
/** kind + ts + expireAt. */
const ENTRY_FIXED_BYTES = 17;
const MAX_KIND = 2;

function varintLen(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(buf: Uint8Array, off: number, n: number): number {
  while (n >= 0x80) {
    buf[off++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[off++] = n;
  return off;
}

/** Writes a safe integer as i64 LE (also used for u64). */
function writeI64(dv: DataView, off: number, n: number): void {
  const hi = Math.floor(n / TWO32);
  dv.setUint32(off, n - hi * TWO32, true);
  dv.setInt32(off + 4, hi, true);
}

function checkInt(what: string, n: number): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be a safe integer, got ${n}`);
}

/** Encodes a batch as one complete WAL frame (header, payload, crc). */
export function encodeBatch(firstSeq: number, entries: Entry[]): Uint8Array {
  checkInt('firstSeq', firstSeq);
  if (firstSeq < 1 || entries.length - 1 > Number.MAX_SAFE_INTEGER - firstSeq) {
    throw new RangeError(`sequence numbers out of range: ${firstSeq} + ${entries.length}`);
  }
  let size = BATCH_HEADER_BYTES;
  for (const e of entries) {
    const k = e.key.length;
    const v = e.value.length;
    size += ENTRY_FIXED_BYTES + k + v + (k < 0x80 ? 1 : varintLen(k)) + (v < 0x80 ? 1 : varintLen(v));
  }
  const frame = allocFrame(size);
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.length);
  let off = FRAME_HEADER_BYTES;
  writeI64(dv, off, firstSeq);
  dv.setUint32(off + 8, entries.length, true);
  off += BATCH_HEADER_BYTES;
  for (const e of entries) {
    checkInt('ts', e.ts);
    checkInt('expireAt', e.expireAt);
    frame[off++] = e.kind;
    off = writeVarint(frame, off, e.key.length);
    frame.set(e.key, off);
    off += e.key.length;
    writeI64(dv, off, e.ts);
    writeI64(dv, off + 8, e.expireAt);
    off = writeVarint(frame, off + 16, e.value.length);
    frame.set(e.value, off);
    off += e.value.length;
  }
  return sealFrame(frame, FrameType.WAL_BATCH);
}

export interface DecodedBatch {
  firstSeq: number;
  entries: Entry[];
}

/** Decodes a BATCH payload. key/value are subarrays of `payload`. Throws CORRUPTION. */
export function decodeBatch(payload: Uint8Array): DecodedBatch {
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const end = payload.length;
  let off = 0;
  const need = (n: number): void => {
    if (off + n > end) throw corruption(`WAL batch truncated at payload offset ${off}`);
  };
  const i64 = (): number => {
    need(8);
    const n = dv.getInt32(off + 4, true) * TWO32 + dv.getUint32(off, true);
    if (!Number.isSafeInteger(n)) throw corruption(`WAL batch: integer out of range at payload offset ${off}`);
    off += 8;
    return n;
  };
  const varint = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      need(1);
      const b = payload[off++] as number;
      n += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
      if (mul > TWO32) throw corruption(`WAL batch: varint too long at payload offset ${off}`);
    }
    return n;
  };
  const firstSeq = i64();
  need(4);
  const count = dv.getUint32(off, true);
  off += 4;
  if (firstSeq < 1 || count - 1 > Number.MAX_SAFE_INTEGER - firstSeq) {
    throw corruption(`WAL batch: bad sequence range ${firstSeq} + ${count}`);
  }
  // Each entry takes at least ENTRY_FIXED_BYTES + 2: reject absurd counts before allocating.
  if (count * (ENTRY_FIXED_BYTES + 2) > end - off) throw corruption(`WAL batch: count ${count} exceeds payload`);
  const entries: Entry[] = new Array<Entry>(count);
  for (let i = 0; i < count; i++) {
    need(1);
    const kind = payload[off++] as number;
    if (kind > MAX_KIND) throw corruption(`WAL batch: unknown entry kind ${kind} at payload offset ${off - 1}`);
    const keyLen = varint();
    need(keyLen);
    const key = payload.subarray(off, off + keyLen);
    off += keyLen;
    const ts = i64();
    const expireAt = i64();
    const valueLen = varint();
    need(valueLen);
    const value = payload.subarray(off, off + valueLen);
    off += valueLen;
    entries[i] = { key, ts, seq: firstSeq + i, kind: kind as Kind, expireAt, value };
  }
  if (off !== end) throw corruption(`WAL batch: ${end - off} trailing bytes`);
  return { firstSeq, entries };
}
