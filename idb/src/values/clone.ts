/**
 * Values: structured clone (https://html.spec.whatwg.org/#structuredserialize) when a value is
 * stored, and node:v8 serialization for its bytes in the engine (Blobs: see blob-bytes.ts).
 */
import { deserialize, serialize } from 'node:v8';
import { domError } from '../errors.ts';
import { BLOB_ENVELOPE, containsBlob, deserializeWithBlobs, serializeWithBlobs } from './blob-bytes.ts';
import { clonePlain } from './plain-clone.ts';
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

/** Clones and serializes at once, so unstorable values (SharedArrayBuffer, a closed Blob, …) throw DataCloneError now. */
export function cloneForStorage(value: unknown): StoredValue {
  // Plain data: clone and bytes in one walk of the original, no script run (plain-clone.ts).
  const plain = clonePlain(value);
  if (plain !== undefined) return plain;
  const clone = cloneValue(value);
  // The fast encoder takes plain data only (never a Blob): anything else goes the slow way.
  const fast = encodeV8(clone);
  if (fast !== undefined) return { clone, bytes: fast };
  return { clone, bytes: slowSerialize(clone) };
}

/**
 * Serializes a clone (plain data, no proxies or accessors). node:v8 writes a Blob (or File) as
 * an empty object, so a clone holding one is stored as an envelope with the Blob's bytes
 * (blob-bytes.ts).
 */
export function serializeValue(value: unknown): Uint8Array {
  return encodeV8(value) ?? slowSerialize(value);
}

function slowSerialize(clone: unknown): Uint8Array {
  return containsBlob(clone) ? serializeWithBlobs(clone) : v8Serialize(clone);
}

function v8Serialize(value: unknown): Uint8Array {
  try {
    return serialize(value);
  } catch (err) {
    throw domError('DataCloneError', err instanceof Error ? err.message : String(err), err);
  }
}

export function deserializeValue(bytes: Uint8Array): unknown {
  return bytes[0] === BLOB_ENVELOPE ? deserializeWithBlobs(bytes) : deserialize(bytes);
}
