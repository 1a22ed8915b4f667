/**
 * Keys (https://w3c.github.io/IndexedDB/#key-construct) and "convert a value to a key".
 * A Key is normalized: Dates are fresh Date objects with a valid time, binary keys are
 * ArrayBuffers holding a copy of the bytes, arrays hold only keys.
 */
import { types } from 'node:util';
import { domError } from '../errors.ts';

export type Key = number | string | Date | ArrayBuffer | Key[];
export type KeyType = 'number' | 'date' | 'string' | 'binary' | 'array';

export function keyType(k: Key): KeyType {
  if (typeof k === 'number') return 'number';
  if (typeof k === 'string') return 'string';
  if (k instanceof Date) return 'date';
  if (Array.isArray(k)) return 'array';
  return 'binary';
}

/** Bytes of a buffer source, or undefined when detached/not a buffer. */
export function bufferBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof ArrayBuffer) return v.detached ? undefined : new Uint8Array(v);
  if (ArrayBuffer.isView(v)) {
    const buf = v.buffer;
    if (!(buf instanceof ArrayBuffer) || buf.detached) return undefined;
    return new Uint8Array(buf, v.byteOffset, v.byteLength);
  }
  return undefined;
}

function copyBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

/** https://w3c.github.io/IndexedDB/#convert-value-to-key ; undefined means "invalid". */
export function toKeyOrInvalid(input: unknown, seen: Set<object> = new Set()): Key | undefined {
  if (typeof input === 'number') return Number.isNaN(input) ? undefined : input;
  if (typeof input === 'string') return input;
  // A Proxy has none of the internal slots a key needs ([[DateValue]], [[ArrayBufferData]]) and
  // is not an Array exotic object, even where Array.isArray() sees through it.
  if (types.isProxy(input)) return undefined;
  if (input instanceof Date) {
    const t = input.getTime();
    return Number.isNaN(t) ? undefined : new Date(t);
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    const bytes = bufferBytes(input);
    return bytes === undefined ? undefined : copyBuffer(bytes);
  }
  if (Array.isArray(input)) {
    if (seen.has(input)) return undefined;
    seen.add(input);
    const out: Key[] = [];
    const len = input.length;
    for (let i = 0; i < len; i++) {
      if (!Object.hasOwn(input, i)) return undefined;
      const k = toKeyOrInvalid((input as unknown[])[i], seen);
      if (k === undefined) return undefined;
      appendOwn(out, k);
    }
    seen.delete(input);
    return out;
  }
  return undefined;
}

/**
 * Appends as CreateDataProperty does: an index setter defined on Array.prototype or
 * Object.prototype by script is not called (push() and a[i] = v would call it).
 */
export function appendOwn<T>(arr: T[], v: T): void {
  Object.defineProperty(arr, arr.length, { value: v, writable: true, enumerable: true, configurable: true });
}

/** Converts or throws DataError (for arguments such as get(query) and cmp). */
export function toKey(input: unknown, what = 'key'): Key {
  const k = toKeyOrInvalid(input);
  if (k === undefined) throw domError('DataError', `the ${what} is not a valid key`);
  return k;
}

export function isValidKey(input: unknown): boolean {
  return toKeyOrInvalid(input) !== undefined;
}
