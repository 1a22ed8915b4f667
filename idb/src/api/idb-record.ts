/** https://w3c.github.io/IndexedDB/#record-interface : what getAllRecords() returns, one per record. */
import { type Key, appendOwn } from '../keys/key.ts';
import type { RecordSnapshot } from '../model/reads.ts';

/** #convert-a-key-to-a-value: a fresh ECMAScript value each time (a Date, Array or ArrayBuffer is a new object). */
function keyToValue(k: Key): Key {
  if (typeof k === 'number' || typeof k === 'string') return k;
  if (k instanceof Date) return new Date(k.getTime());
  if (Array.isArray(k)) {
    const out: Key[] = [];
    for (const sub of k) appendOwn(out, keyToValue(sub));
    return out;
  }
  return k.slice(0);
}

export class IDBRecord {
  #snapshot: RecordSnapshot;

  /** Created by getAllRecords() only. */
  constructor(snapshot: RecordSnapshot) {
    this.#snapshot = snapshot;
  }

  /** The record's key: the index key when read through an index. */
  get key(): Key { return keyToValue(this.#snapshot.key); }
  /** The object store record's key. */
  get primaryKey(): Key { return keyToValue(this.#snapshot.primaryKey); }
  get value(): unknown { return this.#snapshot.value; }

  get [Symbol.toStringTag](): string {
    return 'IDBRecord';
  }
}
