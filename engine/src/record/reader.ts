/**
 * Frame reader with the torn-tail / corruption rule of docs/formats/record.md.
 * A frame exists only if its crc trailer is valid; the first bad frame ends the log.
 */
import { crc32 } from 'node:zlib';
import { corruption } from '../base/errors.ts';
import { FRAME_HEADER_BYTES, FRAME_OVERHEAD, MAX_FRAME_PAYLOAD } from './frame.ts';

export interface Frame {
  type: number;
  /** A subarray of the input buffer. */
  payload: Uint8Array;
  /** Byte offset of the frame start. */
  offset: number;
}

export type TailState = 'clean' | 'torn' | 'salvaged';

export interface ReadFramesOptions {
  /** A torn tail is expected only in the newest file of a log. */
  isLastFile: boolean;
  /** Drop everything from the first bad frame on instead of throwing CORRUPTION. */
  salvage: boolean;
}

export interface ReadFramesResult {
  frames: Frame[];
  /** Bytes up to the end of the last good frame. */
  validBytes: number;
  tail: TailState;
  /** Bytes after validBytes (0 when clean). */
  dropped: number;
}

function allZero(buf: Uint8Array, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** True when no frame can follow `from`: under 9 bytes left, or only zeros. */
function nothingFollows(buf: Uint8Array, from: number): boolean {
  return buf.length - from < FRAME_OVERHEAD || allZero(buf, from);
}

export function readFrames(buf: Uint8Array, file: string, opts: ReadFramesOptions): ReadFramesResult {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const frames: Frame[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const remaining = buf.length - pos;
    let torn: boolean;
    let why: string;
    if (remaining < FRAME_OVERHEAD) {
      torn = true;
      why = 'truncated frame header';
    } else {
      const len = dv.getUint32(pos, true);
      const end = pos + FRAME_HEADER_BYTES + len;
      if (end + 4 > buf.length) {
        // Also covers oversize lengths: a torn append may leave garbage in the header.
        torn = true;
        why = 'frame runs past the end of the file';
      } else if (len > MAX_FRAME_PAYLOAD) {
        torn = nothingFollows(buf, end + 4);
        why = `frame length ${len} exceeds the maximum`;
      } else if (dv.getUint32(end, true) === crc32(buf.subarray(pos, end))) {
        frames.push({ type: buf[pos + 4] as number, payload: buf.subarray(pos + FRAME_HEADER_BYTES, end), offset: pos });
        pos = end + 4;
        continue;
      } else {
        // Bad crc: torn only when no frame can follow it (a torn append may leave a few
        // garbage bytes after its end); a frame ending at the buffer end trivially qualifies.
        torn = nothingFollows(buf, end + 4) || allZero(buf, pos);
        why = 'frame checksum mismatch';
      }
    }
    const dropped = buf.length - pos;
    if (torn && opts.isLastFile) return { frames, validBytes: pos, tail: 'torn', dropped };
    if (opts.salvage) return { frames, validBytes: pos, tail: 'salvaged', dropped };
    const where = torn ? ' (torn tail in a file that is not the last)' : '';
    throw corruption(`${file}: ${why} at offset ${pos}${where}`, file, pos);
  }
  return { frames, validBytes: pos, tail: 'clean', dropped: 0 };
}
