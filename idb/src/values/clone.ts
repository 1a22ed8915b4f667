/**
 * Values: structured clone (https://html.spec.whatwg.org/#structuredserialize) when a value is
 * stored, and node:v8 serialization for its bytes in the engine.
 */
import { deserialize, serialize } from 'node:v8';
import { domError } from '../errors.ts';
import { encodeV8 } from './v8-codec.ts';

/** Clones as the spec's "clone a value" does. */
export function cloneValue(value: unknown): unknown {
  // Uncloneable values throw DataCloneError; a getter's own exception is rethrown as it is.
  return structuredClone(value);
}

/** A value as stored: its clone (for key paths) and the clone's bytes. */
export interface StoredValue {
  clone: unknown;
  bytes: Uint8Array;
}

/** Clones and serializes at once, so unstorable values (SharedArrayBuffer, Blob, …) throw DataCloneError now. */
export function cloneForStorage(value: unknown): StoredValue {
  const clone = cloneValue(value);
  // The fast encoder takes plain data only (never a Blob): anything else goes the slow way.
  const fast = encodeV8(clone);
  if (fast !== undefined) return { clone, bytes: fast };
  rejectBlobs(clone);
  return { clone, bytes: v8Serialize(clone) };
}

/**
 * node:v8 writes a Blob (or File) as an empty object, so storing one would lose its bytes
 * silently: they are refused instead.
 */
function rejectBlobs(root: unknown): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Blob) throw domError('DataCloneError', 'Blob and File values are not supported');
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp) continue;
    if (v instanceof Map) { for (const [k, x] of v) stack.push(k, x); continue; }
    if (v instanceof Set) { for (const x of v) stack.push(x); continue; }
    for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
}

/** Serializes a clone (plain data, no proxies or accessors: Blobs were refused when it was made). */
export function serializeValue(value: unknown): Uint8Array {
  return encodeV8(value) ?? v8Serialize(value);
}

function v8Serialize(value: unknown): Uint8Array {
  try {
    return serialize(value);
  } catch (err) {
    throw domError('DataCloneError', err instanceof Error ? err.message : String(err), err);
  }
}

export function deserializeValue(bytes: Uint8Array): unknown {
  return deserialize(bytes);
}
