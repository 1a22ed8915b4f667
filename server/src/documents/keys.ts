/** DocumentKey / KeyRange (proto) ↔ IndexedDB keys and ranges, plus a JSON form for page tokens. */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { DocumentKey, DocumentKeySchema, KeyRange } from '../gen/flowdb/v1/document_pb.ts';
import { invalid } from '../errors.ts';
import type { IdbKey, IdbKeyRange, IdbKeyRangeStatic } from './idb.ts';

export type DocumentKeyInit = MessageInitShape<typeof DocumentKeySchema>;
const MAX_DEPTH = 32;
const MAX_DATE_MS = 8.64e15;

const badKey = (field: string, why: string) => invalid(field, `${field}: ${why}`, 'ERROR_REASON_INVALID_KEY');

/** A proto key as an IndexedDB key; INVALID_ARGUMENT (INVALID_KEY) when it is not one. */
export function toIdbKey(k: DocumentKey | undefined, field: string, depth = 0): IdbKey {
  if (k === undefined) throw badKey(field, 'a key is required');
  if (depth > MAX_DEPTH) throw badKey(field, `array keys nest at most ${MAX_DEPTH} levels`);
  const c = k.kind;
  switch (c.case) {
    case 'numberValue':
      if (Number.isNaN(c.value)) throw badKey(field, 'NaN is not a key');
      return c.value;
    case 'stringValue':
      return c.value;
    case 'dateValue':
      if (!Number.isFinite(c.value) || Math.abs(c.value) > MAX_DATE_MS) throw badKey(field, 'invalid date');
      return new Date(c.value);
    case 'binaryValue':
      return c.value.slice();
    case 'arrayValue':
      return c.value.values.map((e, i) => toIdbKey(e, `${field}.array_value.values[${i}]`, depth + 1));
    default:
      throw badKey(field, 'no key kind is set');
  }
}

/** An IndexedDB key (as read back) as a proto key. */
export function fromIdbKey(v: unknown): DocumentKeyInit {
  if (typeof v === 'number') return { kind: { case: 'numberValue', value: v } };
  if (typeof v === 'string') return { kind: { case: 'stringValue', value: v } };
  if (v instanceof Date) return { kind: { case: 'dateValue', value: v.getTime() } };
  if (v instanceof ArrayBuffer) return { kind: { case: 'binaryValue', value: new Uint8Array(v.slice(0)) } };
  if (ArrayBuffer.isView(v)) return { kind: { case: 'binaryValue', value: new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) } };
  if (Array.isArray(v)) return { kind: { case: 'arrayValue', value: { values: v.map(fromIdbKey) } } };
  throw new Error(`not an IndexedDB key: ${typeof v}`);
}

/**
 * A proto range as an IDBKeyRange (undefined: every key). Inverted or empty
 * ranges are INVALID_ARGUMENT (INVALID_RANGE).
 */
export function toIdbRange(
  r: KeyRange | undefined, field: string, kr: IdbKeyRangeStatic, cmp: (a: unknown, b: unknown) => number,
): IdbKeyRange | undefined {
  if (r === undefined) return undefined;
  const lower = r.lower === undefined ? undefined : toIdbKey(r.lower, `${field}.lower`);
  const upper = r.upper === undefined ? undefined : toIdbKey(r.upper, `${field}.upper`);
  if (lower !== undefined && upper !== undefined) {
    const c = cmp(lower, upper);
    if (c > 0 || (c === 0 && (r.lowerOpen || r.upperOpen))) {
      throw invalid(field, `${field} is empty: lower is above upper (or equal with an open bound)`, 'ERROR_REASON_INVALID_RANGE');
    }
    return kr.bound(lower, upper, r.lowerOpen, r.upperOpen);
  }
  if (lower !== undefined) return kr.lowerBound(lower, r.lowerOpen);
  if (upper !== undefined) return kr.upperBound(upper, r.upperOpen);
  return undefined;
}

/** Compact tagged JSON for keys inside page tokens. */
export type TaggedKey = ['n' | 'd', string] | ['s', string] | ['b', string] | ['a', TaggedKey[]];

export function tagKey(v: unknown): TaggedKey {
  if (typeof v === 'number') return ['n', String(v)];
  if (typeof v === 'string') return ['s', v];
  if (v instanceof Date) return ['d', String(v.getTime())];
  if (v instanceof ArrayBuffer) return ['b', Buffer.from(v).toString('base64')];
  if (ArrayBuffer.isView(v)) return ['b', Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')];
  if (Array.isArray(v)) return ['a', v.map(tagKey)];
  throw new Error(`not an IndexedDB key: ${typeof v}`);
}

/** Inverse of tagKey; throws on anything malformed. */
export function untagKey(t: unknown, depth = 0): IdbKey {
  if (!Array.isArray(t) || t.length !== 2 || depth > MAX_DEPTH) throw new Error('bad key');
  const [tag, v] = t as [unknown, unknown];
  if (tag === 'a' && Array.isArray(v)) return v.map((e) => untagKey(e, depth + 1));
  if (typeof v !== 'string') throw new Error('bad key');
  if (tag === 's') return v;
  if (tag === 'b') return new Uint8Array(Buffer.from(v, 'base64'));
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error('bad key');
  if (tag === 'n') return n;
  if (tag === 'd') return new Date(n);
  throw new Error('bad key');
}
