/**
 * Structured clone and node:v8 bytes of plain data in one walk of the original value, without
 * running any script: the common case of put()/add() (objects with Object.prototype and own
 * data properties, dense arrays, strings, numbers, booleans, null, undefined, Dates).
 *
 * structuredClone then encodeV8 walks a value twice, and the native clone is most of the cost
 * (~2.5 µs of ~6 µs for a 150-byte document). Walking the original instead is only the same
 * when no script can tell: nothing here calls a getter, a Proxy trap, a setter or a patched
 * built-in. Each property is read through its descriptor (an accessor bails before it is
 * called); a Proxy, any other prototype, or an object with internal slots (an arguments object,
 * a Map, a Date, … whose prototype was switched to Object.prototype) bails; the clone is built from
 * fresh literals, and a key that names a property of Object.prototype (or an index of
 * Array.prototype) bails so that no inherited setter runs. Bailing is free of side effects, so
 * the caller then clones the usual way (structuredClone then encodeV8 or node:v8), which
 * reports errors (DataCloneError, a getter's exception) as before.
 *
 * The bytes are what encodeV8 (v8-codec.ts) writes for the clone: node:v8 format version 15.
 */
import { types } from 'node:util';

const { isProxy, isDate } = types;
const isArray = Array.isArray;
/**
 * Objects with internal slots that V8's serializer writes specially or refuses: with their
 * prototype switched to Object.prototype they would pass for plain objects by prototype alone.
 * The specially written types come first. Not told apart: Node's host objects (a Blob, a
 * KeyObject, … with a switched prototype; the Blob path in clone.ts goes by prototype too, and
 * types.isKeyObject costs µs) and slot-holding built-ins util.types cannot name (WeakRef,
 * FinalizationRegistry, Intl objects, array/string iterators): structuredClone refuses those
 * (DataCloneError) where this copies their own enumerable properties.
 */
const {
  isArgumentsObject, isRegExp, isMap, isSet, isBoxedPrimitive, isNativeError, isAnyArrayBuffer, isArrayBufferView,
  isPromise, isWeakMap, isWeakSet, isMapIterator, isSetIterator, isGeneratorObject, isExternal, isModuleNamespaceObject,
} = types;
// One call site per check (a loop over them made each a slow generic call).
function exotic(v: object): boolean {
  return isArray(v) || isDate(v) || isArgumentsObject(v) || isRegExp(v) || isMap(v) || isSet(v) || isBoxedPrimitive(v) ||
    isNativeError(v) || isAnyArrayBuffer(v) || isArrayBufferView(v) || isPromise(v) || isWeakMap(v) || isWeakSet(v) ||
    isMapIterator(v) || isSetIterator(v) || isGeneratorObject(v) || isExternal(v) || isModuleNamespaceObject(v);
}
const { getPrototypeOf, getOwnPropertyDescriptor, keys: ownKeys } = Object;
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
const DATE_PROTO = Date.prototype;
const DateCtor = Date;
const U8 = Uint8Array;
/** Date.prototype.getTime as it was at load time: reads [[DateValue]] (no patched method runs). */
const timeOf = Function.prototype.call.bind(Date.prototype.getTime) as (d: Date) => number;
const objectIs = Object.is;
const hasOwn = Object.hasOwn;

const LITTLE_ENDIAN = new U8(new Uint16Array([1]).buffer)[0] === 1;
const F64 = new Float64Array(1);
const F64_BYTES = new U8(F64.buffer);
const VERSION = 15;
const MAX_OBJECTS = 64;
const MAX_DEPTH = 32;
const MAX_ARRAY = 64;
const MAX_STRING = 4096;

/** V8's tags (src/objects/value-serializer.cc). */
const T_PADDING = 0x00, T_UNDEFINED = 0x5f, T_NULL = 0x30, T_TRUE = 0x54, T_FALSE = 0x46, T_INT32 = 0x49,
  T_DOUBLE = 0x4e, T_ONE_BYTE = 0x22, T_TWO_BYTE = 0x63, T_OBJECT = 0x6f, T_END_OBJECT = 0x7b, T_DENSE = 0x41,
  T_END_DENSE = 0x24, T_DATE = 0x44;

class Bail extends Error {}
const BAIL = new Bail('not plain data');

let buf = new U8(1024);
let len = 0;
/** Objects met so far (a shared or cyclic reference bails), in slots that exist up front. */
const seen: unknown[] = new Array<unknown>(MAX_OBJECTS).fill(undefined);
let count = 0;

function ensure(n: number): void {
  if (len + n <= buf.length) return;
  const next = new U8(Math.max(buf.length * 2, len + n));
  for (let i = 0; i < len; i++) next[i] = buf[i] as number;
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
  for (let i = 0; i < 8; i++) buf[len++] = F64_BYTES[i] as number;
}

function string(s: string): void {
  const n = s.length;
  if (n > MAX_STRING) throw BAIL;
  // One-byte (latin1) written optimistically; a wider code unit rewinds to the two-byte form.
  const start = len;
  ensure(6 + n);
  buf[len++] = T_ONE_BYTE;
  varint(n);
  let i = 0;
  for (; i < n; i++) {
    const u = s.charCodeAt(i);
    if (u > 0xff) break;
    buf[len++] = u;
  }
  if (i === n) return;
  len = start;
  const bytes = n * 2;
  ensure(7 + bytes);
  // As V8 does: the UTF-16 payload starts at an even offset.
  if ((len + 1 + varintSize(bytes)) & 1) buf[len++] = T_PADDING;
  buf[len++] = T_TWO_BYTE;
  varint(bytes);
  for (let i = 0; i < n; i++) {
    const u = s.charCodeAt(i);
    buf[len++] = u & 0xff;
    buf[len++] = u >> 8;
  }
}

function remember(o: object): void {
  for (let i = 0; i < count; i++) if (seen[i] === o) throw BAIL;
  if (count >= MAX_OBJECTS) throw BAIL;
  seen[count++] = o;
}

/** Writes v's bytes and returns its clone. */
function walk(v: unknown, depth: number): unknown {
  ensure(1);
  switch (typeof v) {
    case 'string': string(v); return v;
    case 'number':
      if ((v | 0) === v && !objectIs(v, -0)) { buf[len++] = T_INT32; varint(((v << 1) ^ (v >> 31)) >>> 0); }
      else { buf[len++] = T_DOUBLE; double(v); }
      return v;
    case 'boolean': buf[len++] = v ? T_TRUE : T_FALSE; return v;
    case 'undefined': buf[len++] = T_UNDEFINED; return v;
    case 'object': break;
    default: throw BAIL;
  }
  if (v === null) { buf[len++] = T_NULL; return v; }
  if (depth > MAX_DEPTH || isProxy(v)) throw BAIL;
  remember(v);
  const p = getPrototypeOf(v) as unknown;
  if (p === OBJECT_PROTO) {
    if (exotic(v)) throw BAIL;
    buf[len++] = T_OBJECT;
    const ks = ownKeys(v);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i] as string;
      if (k in OBJECT_PROTO) throw BAIL;
      const d = getOwnPropertyDescriptor(v, k);
      // Own 'value': a data property (an accessor has get/set instead); no inherited field is read.
      if (d === undefined || !hasOwn(d, 'value')) throw BAIL;
      string(k);
      out[k] = walk(d.value, depth + 1);
    }
    ensure(1);
    buf[len++] = T_END_OBJECT;
    varint(ks.length);
    return out;
  }
  if (p === ARRAY_PROTO) {
    if (!isArray(v)) throw BAIL;
    const a = v as unknown[];
    const n = a.length;
    if (n > MAX_ARRAY || ownKeys(a).length !== n) throw BAIL;
    buf[len++] = T_DENSE;
    varint(n);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      if (i in ARRAY_PROTO) throw BAIL;
      const d = getOwnPropertyDescriptor(a, i);
      if (d === undefined || !hasOwn(d, 'value')) throw BAIL;
      out[i] = walk(d.value, depth + 1);
    }
    ensure(1);
    buf[len++] = T_END_DENSE;
    varint(0);
    varint(n);
    return out;
  }
  if (p === DATE_PROTO) {
    if (!isDate(v)) throw BAIL;
    const t = timeOf(v as Date);
    buf[len++] = T_DATE;
    double(t);
    return new DateCtor(t);
  }
  throw BAIL;
}

/**
 * The structured clone of `value` and the node:v8 bytes of that clone, when `value` is plain
 * data that no script can observe being read; otherwise undefined, with nothing observable done.
 */
export function clonePlain(value: unknown): { clone: unknown; bytes: Uint8Array } | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  len = 0;
  let clone: unknown;
  try {
    ensure(2);
    buf[len++] = 0xff;
    buf[len++] = VERSION;
    clone = walk(value, 0);
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  } finally {
    for (let i = 0; i < count; i++) seen[i] = undefined;
    count = 0;
  }
  return { clone, bytes: output() };
}

/**
 * Values are carved out of shared slabs: a fresh ArrayBuffer per value (~150 bytes, off the V8
 * heap) cost more than the rest of the walk. A slab lives while any of its values does (the
 * transaction's overlay until commit; the engine copies what it keeps).
 */
const SLAB = 16384;
const MAX_IN_SLAB = 1024;
let slab = new ArrayBuffer(SLAB);
let slabUsed = 0;

function output(): Uint8Array {
  let out: Uint8Array;
  if (len > MAX_IN_SLAB) {
    out = new U8(len);
  } else {
    if (slabUsed + len > SLAB) { slab = new ArrayBuffer(SLAB); slabUsed = 0; }
    out = new U8(slab, slabUsed, len);
    slabUsed += (len + 7) & ~7;
  }
  for (let i = 0; i < len; i++) out[i] = buf[i] as number;
  if (buf.length > 1 << 16) buf = new U8(1024);
  return out;
}
