/** Random protobuf messages for any descriptor, biased toward edge values. */
import { create, ScalarType, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { isWrapperDesc } from '@bufbuild/protobuf/wkt';
import type { Rng } from './rng.ts';

export interface Limits {
  /** The server's --max-key-bytes: keys at 0, max and max+1 are tried. */
  maxKeyBytes: number;
}

const enc = new TextEncoder();
const NASTY_STRINGS = [
  '', 'a', 'users', '../../etc/passwd', '..', '.', '/', '/tmp/x', '..\\..\\windows', 'a/../../b', 'name\u0000nul',
  '%2e%2e%2f', 'CON', 'x'.repeat(300), '\u{1F600}', '\uFFFF', '$.a[0]', '{"$gt":1}', '*', '\r\n',
];

function scalar(rng: Rng, t: ScalarType, field: string, lim: Limits): unknown {
  switch (t) {
    case ScalarType.STRING:
      return rng.chance(0.7) ? rng.pick(NASTY_STRINGS) : String.fromCharCode(...rng.bytes(rng.int(20)).map((b) => 32 + (b % 95)));
    case ScalarType.BYTES: {
      const k = lim.maxKeyBytes;
      const len = rng.pick([0, 1, 3, 8, k - 1, k, k + 1, rng.int(64)]);
      if (rng.chance(0.15)) return enc.encode(rng.pick(NASTY_STRINGS));
      if (rng.chance(0.5) && len <= 64) return enc.encode(rng.pick(['a', 'b', 'k1', 'k2', 'z', 'ts/1']).padEnd(len, 'x').slice(0, Math.max(len, 1)));
      return rng.bytes(/key|start|end|prefix|after/i.test(field) ? len : Math.min(len, 256));
    }
    case ScalarType.BOOL:
      return rng.chance(0.5);
    case ScalarType.INT32: case ScalarType.SINT32: case ScalarType.SFIXED32:
      return rng.pick([0, 1, -1, 2 ** 31 - 1, -(2 ** 31), rng.int(100), rng.int(20000)]);
    case ScalarType.UINT32: case ScalarType.FIXED32:
      return rng.pick([0, 1, 2 ** 32 - 1, rng.int(100), rng.int(20000)]);
    case ScalarType.INT64: case ScalarType.SINT64: case ScalarType.SFIXED64:
      return rng.pick([0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, BigInt(rng.int(1000)), BigInt(Date.now()) * 1000n, BigInt(rng.int(2 ** 31))]);
    case ScalarType.UINT64: case ScalarType.FIXED64:
      return rng.pick([0n, 1n, 2n ** 64n - 1n, 2n ** 53n + 1n, BigInt(rng.int(1000)), BigInt(Date.now()) * 1000n]);
    case ScalarType.FLOAT: case ScalarType.DOUBLE:
      return rng.pick([0, -0, 1.5, -1, NaN, Infinity, -Infinity, 1e308, rng.int(100)]);
  }
}

function single(rng: Rng, f: DescField, lim: Limits, depth: number): unknown {
  switch (f.fieldKind) {
    case 'scalar':
      return scalar(rng, f.scalar, f.name, lim);
    case 'enum':
      return rng.chance(0.8) ? rng.pick(f.enum.values).number : rng.pick([-1, 99, 2 ** 31 - 1]);
    case 'message':
      return messageValue(rng, f.message, lim, depth + 1);
    case 'list': {
      const n = rng.chance(0.05) ? rng.pick([200, 1001, 10001]) : rng.int(4);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (f.listKind === 'scalar') out.push(scalar(rng, f.scalar, f.name, n > 100 ? { maxKeyBytes: 4 } : lim));
        else if (f.listKind === 'enum') out.push(rng.pick(f.enum.values).number);
        else out.push(n > 100 ? create(f.message) : messageValue(rng, f.message, lim, depth + 1));
      }
      return out;
    }
    case 'map': {
      const out: { [k: string]: unknown } = {};
      for (let i = rng.int(3); i > 0; i--) {
        const k = String(f.mapKey === ScalarType.STRING ? rng.pick(NASTY_STRINGS) : rng.int(100));
        out[k] = f.mapKind === 'scalar' ? scalar(rng, f.scalar, f.name, lim) : f.mapKind === 'enum' ? rng.pick(f.enum.values).number : messageValue(rng, f.message, lim, depth + 1);
      }
      return out;
    }
  }
}

/** Wrapper types are unboxed primitives in protobuf-es. */
function messageValue(rng: Rng, d: DescMessage, lim: Limits, depth: number): unknown {
  if (isWrapperDesc(d)) {
    const v = d.fields[0] as DescField & { fieldKind: 'scalar' };
    return scalar(rng, v.scalar, v.name, lim);
  }
  return randomMessage(rng, d, lim, depth);
}

export function randomMessage(rng: Rng, d: DescMessage, lim: Limits, depth = 0): Message {
  const m = create(d) as unknown as { [k: string]: unknown };
  if (depth > 4) return m as unknown as Message;
  for (const member of d.members) {
    if (member.kind === 'oneof') {
      if (rng.chance(0.75)) {
        const f = rng.pick(member.fields);
        m[member.localName] = { case: f.localName, value: single(rng, f, lim, depth) };
      }
    } else if (rng.chance(0.65)) {
      m[member.localName] = single(rng, member, lim, depth);
    }
  }
  return m as unknown as Message;
}
