/**
 * Order-preserving, self-delimiting key encoding (grammar in docs/formats/idb-keyspace.md):
 *   key    = 0x10 f64 | 0x20 f64 | 0x30 str 0x00 | 0x40 bin 0x00 | 0x50 key* 0x00
 *   f64    = 8 bytes big-endian, sign bit flipped (positive) or all bits inverted (negative)
 *   str    = per UTF-16 code unit u: u < 0x7F -> [u+1]; else [0x80, u >> 8, u & 0xFF]
 *   bin    = per byte b: b < 2 -> [0x01, b]; else [b]
 * Byte order of encodings equals compareKeys order, so engine scans return keys in key order.
 */
import { domError } from '../errors.ts';
import { type Key, appendOwn, bufferBytes, keyType } from './key.ts';

export const TAG = { number: 0x10, date: 0x20, string: 0x30, binary: 0x40, array: 0x50, end: 0x00 } as const;

const SCRATCH = new Float64Array(1);
const SCRATCH_BYTES = new Uint8Array(SCRATCH.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The encoding's exact length, so it is written into one allocation. */
function encodedSize(k: Key): number {
  if (typeof k === 'number') return 9;
  if (typeof k === 'string') {
    let n = 2;
    for (let i = 0; i < k.length; i++) n += k.charCodeAt(i) < 0x7f ? 1 : 3;
    return n;
  }
  switch (keyType(k)) {
    case 'date': return 9;
    case 'array': {
      let n = 2;
      for (const e of k as Key[]) n += encodedSize(e);
      return n;
    }
    default: {
      let n = 2;
      for (const b of bufferBytes(k) ?? []) n += b < 2 ? 2 : 1;
      return n;
    }
  }
}

function f64(out: Uint8Array, at: number, x: number): void {
  SCRATCH[0] = x === 0 ? 0 : x; // -0 encodes as 0: they are equal keys
  for (let i = 0; i < 8; i++) out[at + i] = SCRATCH_BYTES[LITTLE_ENDIAN ? 7 - i : i] as number;
  if ((out[at] as number) & 0x80) {
    for (let i = 0; i < 8; i++) out[at + i] = ~(out[at + i] as number) & 0xff;
  } else {
    out[at] = (out[at] as number) | 0x80;
  }
}

/** Writes k at `at`; returns the position after it. */
function write(out: Uint8Array, at: number, k: Key): number {
  switch (keyType(k)) {
    case 'number': out[at] = TAG.number; f64(out, at + 1, k as number); return at + 9;
    case 'date': out[at] = TAG.date; f64(out, at + 1, (k as Date).getTime()); return at + 9;
    case 'string': {
      const s = k as string;
      out[at++] = TAG.string;
      for (let i = 0; i < s.length; i++) {
        const u = s.charCodeAt(i);
        if (u < 0x7f) out[at++] = u + 1;
        else { out[at++] = 0x80; out[at++] = u >> 8; out[at++] = u & 0xff; }
      }
      out[at++] = TAG.end;
      return at;
    }
    case 'binary': {
      out[at++] = TAG.binary;
      for (const b of bufferBytes(k) ?? []) {
        if (b < 2) { out[at++] = 0x01; out[at++] = b; } else out[at++] = b;
      }
      out[at++] = TAG.end;
      return at;
    }
    case 'array':
      out[at++] = TAG.array;
      for (const e of k as Key[]) at = write(out, at, e);
      out[at++] = TAG.end;
      return at;
  }
}

export function encodeKey(key: Key): Uint8Array {
  const out = new Uint8Array(encodedSize(key));
  write(out, 0, key);
  return out;
}

/** prefix + encodeKey(key) + suffix, in one allocation. */
export function encodeKeyBetween(prefix: Uint8Array, key: Key, suffix?: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + encodedSize(key) + (suffix?.length ?? 0));
  out.set(prefix);
  const end = write(out, prefix.length, key);
  if (suffix) out.set(suffix, end);
  return out;
}

/** Decodes one key at `pos`; returns it and the position after it. */
export function decodeKeyAt(bytes: Uint8Array, pos: number): { key: Key; end: number } {
  const bad = (): never => { throw domError('DataError', `malformed key encoding at byte ${pos}`); };
  const tag = bytes[pos];
  let p = pos + 1;
  const f64 = (): number => {
    if (p + 8 > bytes.length) bad();
    const tmp = bytes.slice(p, p + 8);
    if ((tmp[0] as number) & 0x80) tmp[0] = (tmp[0] as number) & 0x7f;
    else for (let i = 0; i < 8; i++) tmp[i] = ~(tmp[i] as number) & 0xff;
    p += 8;
    return new DataView(tmp.buffer).getFloat64(0);
  };
  switch (tag) {
    case TAG.number: { const n = f64(); return { key: n, end: p }; }
    case TAG.date: { const t = f64(); return { key: new Date(t), end: p }; }
    // Typed arrays and appendOwn: no index write can reach a setter on Array/Object.prototype.
    case TAG.string: {
      const units = new Uint16Array(Math.min(4096, bytes.length - p));
      let n = 0;
      let s = '';
      for (;;) {
        const b = bytes[p++];
        if (b === undefined) bad();
        if (b === TAG.end) break;
        if ((b as number) < 0x80) units[n++] = (b as number) - 1;
        else { if (p + 2 > bytes.length) bad(); units[n++] = ((bytes[p] as number) << 8) | (bytes[p + 1] as number); p += 2; }
        if (n === units.length) { s += String.fromCharCode.apply(null, units as unknown as number[]); n = 0; }
      }
      return { key: s + String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]), end: p };
    }
    case TAG.binary: {
      const out = new Uint8Array(bytes.length - p);
      let n = 0;
      for (;;) {
        const b = bytes[p++];
        if (b === undefined) bad();
        if (b === TAG.end) break;
        if (b === 0x01) { const x = bytes[p++]; if (x === undefined) bad(); out[n++] = x as number; } else out[n++] = b as number;
      }
      return { key: out.slice(0, n).buffer, end: p };
    }
    case TAG.array: {
      const arr: Key[] = [];
      while (bytes[p] !== TAG.end) {
        if (p >= bytes.length) bad();
        const r = decodeKeyAt(bytes, p);
        appendOwn(arr, r.key);
        p = r.end;
      }
      return { key: arr, end: p + 1 };
    }
    default: return bad();
  }
}

/** The position after the key encoded at `pos`, without decoding it. */
export function skipKey(bytes: Uint8Array, pos: number): number {
  const bad = (): never => { throw domError('DataError', `malformed key encoding at byte ${pos}`); };
  let p = pos + 1;
  switch (bytes[pos]) {
    case TAG.number: case TAG.date: return p + 8 <= bytes.length ? p + 8 : bad();
    case TAG.string:
      for (;;) {
        const b = bytes[p++];
        if (b === undefined) return bad();
        if (b === TAG.end) return p;
        if (b >= 0x80) p += 2;
      }
    case TAG.binary:
      for (;;) {
        const b = bytes[p++];
        if (b === undefined) return bad();
        if (b === TAG.end) return p;
        if (b === 0x01) p++;
      }
    case TAG.array:
      while (bytes[p] !== TAG.end) {
        if (p >= bytes.length) bad();
        p = skipKey(bytes, p);
      }
      return p + 1;
    default: return bad();
  }
}

export function decodeKey(bytes: Uint8Array): Key {
  const r = decodeKeyAt(bytes, 0);
  if (r.end !== bytes.length) throw domError('DataError', 'trailing bytes after an encoded key');
  return r.key;
}
