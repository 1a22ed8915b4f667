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

const SCRATCH_BYTES = new Uint8Array(8);
const SCRATCH = new DataView(SCRATCH_BYTES.buffer);

class Writer {
  buf = new Uint8Array(32);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  f64(x: number): void {
    this.ensure(8);
    SCRATCH.setFloat64(0, x === 0 ? 0 : x); // -0 encodes as 0: they are equal keys
    this.buf.set(SCRATCH_BYTES, this.len);
    if ((this.buf[this.len] as number) & 0x80) {
      for (let i = 0; i < 8; i++) this.buf[this.len + i] = ~(this.buf[this.len + i] as number) & 0xff;
    } else {
      this.buf[this.len] = (this.buf[this.len] as number) | 0x80;
    }
    this.len += 8;
  }
}

function write(w: Writer, k: Key): void {
  switch (keyType(k)) {
    case 'number': w.byte(TAG.number); w.f64(k as number); return;
    case 'date': w.byte(TAG.date); w.f64((k as Date).getTime()); return;
    case 'string': {
      const s = k as string;
      w.byte(TAG.string);
      w.ensure(s.length * 3 + 1);
      for (let i = 0; i < s.length; i++) {
        const u = s.charCodeAt(i);
        if (u < 0x7f) w.buf[w.len++] = u + 1;
        else { w.buf[w.len++] = 0x80; w.buf[w.len++] = u >> 8; w.buf[w.len++] = u & 0xff; }
      }
      w.buf[w.len++] = TAG.end;
      return;
    }
    case 'binary': {
      const bytes = bufferBytes(k) ?? new Uint8Array(0);
      w.byte(TAG.binary);
      w.ensure(bytes.length * 2 + 1);
      for (const b of bytes) {
        if (b < 2) { w.buf[w.len++] = 0x01; w.buf[w.len++] = b; } else w.buf[w.len++] = b;
      }
      w.buf[w.len++] = TAG.end;
      return;
    }
    case 'array':
      w.byte(TAG.array);
      for (const e of k as Key[]) write(w, e);
      w.byte(TAG.end);
      return;
  }
}

export function encodeKey(key: Key): Uint8Array {
  const w = new Writer();
  write(w, key);
  return w.buf.slice(0, w.len);
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

export function decodeKey(bytes: Uint8Array): Key {
  const r = decodeKeyAt(bytes, 0);
  if (r.end !== bytes.length) throw domError('DataError', 'trailing bytes after an encoded key');
  return r.key;
}
