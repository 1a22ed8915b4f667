/**
 * A fast writer of node:v8's serialization format (version 15) for plain data: objects with
 * Object.prototype, arrays without holes or extra properties (up to MAX_ARRAY), strings,
 * numbers, booleans, null, undefined, Dates; up to MAX_OBJECTS objects. v8.serialize builds a serializer object and a
 * Buffer per call; this writes into one reused buffer. Anything else (a shared or cyclic
 * reference, a Map, a typed array, …) returns undefined and the caller uses node:v8.
 * v8.deserialize reads both. (A JS reader was tried too: no faster than v8.deserialize.)
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const VERSION = 15;
const MAX_OBJECTS = 64;
const MAX_DEPTH = 32;
const MAX_ARRAY = 64;
/** Longer strings: node:v8 copies them natively, faster than a loop here. */
const MAX_STRING = 4096;

/** V8's tags (src/objects/value-serializer.cc). */
const T = {
  padding: 0x00, undefined: 0x5f, null: 0x30, true: 0x54, false: 0x46, int32: 0x49, double: 0x4e,
  oneByte: 0x22, twoByte: 0x63, object: 0x6f, endObject: 0x7b, dense: 0x41, endDense: 0x24, date: 0x44,
} as const;

class Bail extends Error {}
const BAIL = new Bail('not in the fast subset');

/** Set while a call runs: a nested call takes the slow path (no script runs here, but be safe). */
let busy = false;

let buf = new Uint8Array(1024);
let len = 0;
/**
 * Objects met so far, in slots that exist up front: writing them never reaches an index
 * setter script put on Array.prototype (push() would).
 */
const slots: unknown[] = new Array<unknown>(MAX_OBJECTS).fill(undefined);
let count = 0;

function remember(o: unknown): void {
  if (count >= MAX_OBJECTS) throw BAIL;
  slots[count++] = o;
}

function forget(): void {
  for (let i = 0; i < count; i++) slots[i] = undefined;
  count = 0;
}

function ensure(n: number): void {
  if (len + n <= buf.length) return;
  const next = new Uint8Array(Math.max(buf.length * 2, len + n));
  next.set(buf.subarray(0, len));
  buf = next;
}

function varint(n: number): void {
  ensure(5);
  while (n >= 0x80) { buf[len++] = (n & 0x7f) | 0x80; n >>>= 7; }
  buf[len++] = n;
}

const varintSize = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

function double(x: number): void {
  ensure(8);
  F64[0] = x;
  buf.set(F64_BYTES, len);
  len += 8;
}

function string(s: string): void {
  if (s.length > MAX_STRING) throw BAIL;
  let oneByte = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) { oneByte = false; break; }
  if (oneByte) {
    ensure(6 + s.length);
    buf[len++] = T.oneByte;
    varint(s.length);
    for (let i = 0; i < s.length; i++) buf[len++] = s.charCodeAt(i);
    return;
  }
  const bytes = s.length * 2;
  ensure(7 + bytes);
  // As V8 does: the UTF-16 payload starts at an even offset.
  if ((len + 1 + varintSize(bytes)) & 1) buf[len++] = T.padding;
  buf[len++] = T.twoByte;
  varint(bytes);
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    buf[len++] = u & 0xff;
    buf[len++] = u >> 8;
  }
}

function value(v: unknown, depth: number): void {
  ensure(1);
  switch (typeof v) {
    case 'string': return string(v);
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) { buf[len++] = T.int32; varint(((v << 1) ^ (v >> 31)) >>> 0); }
      else { buf[len++] = T.double; double(v); }
      return;
    case 'boolean': buf[len++] = v ? T.true : T.false; return;
    case 'undefined': buf[len++] = T.undefined; return;
    case 'object': break;
    default: throw BAIL;
  }
  if (v === null) { buf[len++] = T.null; return; }
  if (depth > MAX_DEPTH) throw BAIL;
  for (let i = 0; i < count; i++) if (slots[i] === v) throw BAIL;
  remember(v);
  const p = Object.getPrototypeOf(v) as unknown;
  if (p === Object.prototype) {
    buf[len++] = T.object;
    const keys = Object.keys(v);
    for (const k of keys) {
      string(k);
      value((v as Record<string, unknown>)[k], depth + 1);
    }
    ensure(1);
    buf[len++] = T.endObject;
    varint(keys.length);
  } else if (p === Array.prototype) {
    const a = v as unknown[];
    if (a.length > MAX_ARRAY || Object.keys(a).length !== a.length) throw BAIL;
    buf[len++] = T.dense;
    varint(a.length);
    for (let i = 0; i < a.length; i++) value(a[i], depth + 1);
    ensure(1);
    buf[len++] = T.endDense;
    varint(0);
    varint(a.length);
  } else if (p === Date.prototype) {
    buf[len++] = T.date;
    double((v as Date).getTime());
  } else {
    throw BAIL;
  }
}

/** The bytes v8.serialize would write for v, or undefined when v is outside the fast subset. */
export function encodeV8(v: unknown): Uint8Array | undefined {
  if (!LITTLE_ENDIAN || busy) return undefined;
  busy = true;
  len = 0;
  try {
    ensure(2);
    buf[len++] = 0xff;
    buf[len++] = VERSION;
    value(v, 0);
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  } finally {
    forget();
    busy = false;
  }
  const out = buf.slice(0, len);
  if (buf.length > 1 << 16) buf = new Uint8Array(1024);
  return out;
}
