/**
 * Values: structured clone (https://html.spec.whatwg.org/#structuredserialize) when a value is
 * stored, and node:v8 serialization for its bytes in the engine.
 */
import { deserialize, serialize } from 'node:v8';
import { domError } from '../errors.ts';

/** Clones as the spec's "clone a value" does; uncloneable values throw DataCloneError. */
export function cloneValue(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'DataCloneError') throw err;
    if (err instanceof TypeError) throw domError('DataCloneError', err.message, err);
    throw err;
  }
}

/** A value as stored: its clone (for key paths) and the clone's bytes. */
export interface StoredValue {
  clone: unknown;
  bytes: Uint8Array;
}

/** Clones and serializes at once, so unstorable values (SharedArrayBuffer, …) throw DataCloneError now. */
export function cloneForStorage(value: unknown): StoredValue {
  const clone = cloneValue(value);
  return { clone, bytes: serializeValue(clone) };
}

export function serializeValue(value: unknown): Uint8Array {
  try {
    return serialize(value);
  } catch (err) {
    throw domError('DataCloneError', err instanceof Error ? err.message : String(err), err);
  }
}

export function deserializeValue(bytes: Uint8Array): unknown {
  return deserialize(bytes);
}
