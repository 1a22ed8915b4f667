/**
 * Checksummed frames shared by the WAL and the MANIFEST. See docs/formats/record.md.
 *
 *   0        4      5            5+len            9+len
 *   +--------+------+--------------+----------------+
 *   | len u32| type | payload      | crc32 u32      |
 *   +--------+------+--------------+----------------+
 *   crc32 (zlib) covers len+type+payload; all integers little-endian.
 */
import { crc32 } from 'node:zlib';

/** Frame types. Part of the on-disk format: never renumber or reuse. 0 is reserved (zero fill). */
export const FrameType = {
  WAL_BATCH: 1,
  MANIFEST_EDIT: 2,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const FRAME_HEADER_BYTES = 5;
export const FRAME_TRAILER_BYTES = 4;
export const FRAME_OVERHEAD = FRAME_HEADER_BYTES + FRAME_TRAILER_BYTES;
/** Larger lengths are never written and read as a bad frame. */
export const MAX_FRAME_PAYLOAD = 256 * 1024 * 1024;

/**
 * Allocates a frame for a payload of `payloadLen` bytes. The caller writes the payload at
 * FRAME_HEADER_BYTES, then calls sealFrame(). Lets hot paths encode without a copy.
 */
export function allocFrame(payloadLen: number): Uint8Array {
  if (!Number.isSafeInteger(payloadLen) || payloadLen < 0 || payloadLen > MAX_FRAME_PAYLOAD) {
    throw new RangeError(`frame payload of ${payloadLen} bytes exceeds ${MAX_FRAME_PAYLOAD}`);
  }
  return Buffer.allocUnsafe(payloadLen + FRAME_OVERHEAD);
}

/** Writes header and crc trailer into a frame from allocFrame(); returns it. */
export function sealFrame(frame: Uint8Array, type: number): Uint8Array {
  if (!Number.isInteger(type) || type < 1 || type > 255) throw new RangeError(`bad frame type ${type}`);
  const len = frame.length - FRAME_OVERHEAD;
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.length);
  dv.setUint32(0, len, true);
  dv.setUint8(4, type);
  const end = FRAME_HEADER_BYTES + len;
  dv.setUint32(end, crc32(frame.subarray(0, end)), true);
  return frame;
}

export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const frame = allocFrame(payload.length);
  frame.set(payload, FRAME_HEADER_BYTES);
  return sealFrame(frame, type);
}

/** False for types written by a newer format version (readers refuse with NOT_SUPPORTED). */
export function isKnownFrameType(type: number): boolean {
  return type === FrameType.WAL_BATCH || type === FrameType.MANIFEST_EDIT;
}
