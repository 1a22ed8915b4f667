/** Fills a message from a plain object whose 64-bit integer fields are JS numbers. */
import { ScalarType, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';

const LONG = new Set<ScalarType>([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);

export function fromPlain<D extends DescMessage>(schema: D, obj: { [k: string]: unknown }): MessageInitShape<D> {
  const out: { [k: string]: unknown } = {};
  for (const f of schema.fields) {
    const v = obj[f.localName];
    if (v === undefined || v === null) continue;
    if (f.fieldKind === 'scalar' && LONG.has(f.scalar)) out[f.localName] = typeof v === 'number' ? BigInt(Math.trunc(v)) : v;
    else if (f.fieldKind === 'list' && f.listKind === 'scalar' && LONG.has(f.scalar) && Array.isArray(v)) out[f.localName] = v.map((x) => BigInt(Math.trunc(Number(x))));
    else if (f.fieldKind === 'message' && typeof v === 'object') out[f.localName] = fromPlain(f.message, v as { [k: string]: unknown });
    else out[f.localName] = v;
  }
  return out as MessageInitShape<D>;
}
