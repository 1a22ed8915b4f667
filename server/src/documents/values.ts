/** Request validation for the document service: names, documents (google.protobuf.Value ↔ JSON), limits. */
import { Code } from '@connectrpc/connect';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { ValueSchema, type Value } from '@bufbuild/protobuf/wkt';
import { invalid, rpcError } from '../errors.ts';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Database, store and index names: 1..128 of [A-Za-z0-9_.-], not starting with '.' or '-'. */
export function checkName(name: string, field: string): string {
  if (!NAME.test(name)) {
    throw invalid(field, `${field} must be 1..128 characters from [A-Za-z0-9_.-], starting with a letter, digit or '_'`);
  }
  return name;
}

/** A request document as a plain JSON value; INVALID_ARGUMENT when unset or unencodable, VALUE_TOO_LARGE over maxBytes. */
export function toDocument(v: Value | undefined, field: string, maxBytes: number): JsonValue {
  if (v === undefined) throw invalid(field, `${field} is required`);
  let json: JsonValue;
  try {
    json = toJson(ValueSchema, v);
  } catch (e) {
    throw invalid(field, `${field} is not a JSON value: ${(e as Error).message}`);
  }
  const size = Buffer.byteLength(JSON.stringify(json));
  if (size > maxBytes) {
    throw rpcError(Code.ResourceExhausted, 'ERROR_REASON_VALUE_TOO_LARGE', `${field} is ${size} bytes of JSON, max ${maxBytes}`, {
      field, metadata: { limit: String(maxBytes) },
    });
  }
  return json;
}

/** A stored document as a google.protobuf.Value. */
export function fromDocument(doc: unknown): Value {
  return fromJson(ValueSchema, doc as JsonValue);
}

/** A uint32 limit: 0 → def; above max → INVALID_ARGUMENT. */
export function limitOf(v: number, def: number, max: number, field: string): number {
  if (v > max) throw invalid(field, `${field} must be 0..${max}`);
  return v === 0 ? def : v;
}
