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
