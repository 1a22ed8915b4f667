/**
 * https://w3c.github.io/IndexedDB/#compare-two-keys : Number < Date < String < Binary < Array;
 * strings by UTF-16 code units; binary bytewise; arrays element-wise, then by length.
 */
import { type Key, bufferBytes, keyType } from './key.ts';

const RANK = { number: 0, date: 1, string: 2, binary: 3, array: 4 } as const;

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  }
  return sign(a.length - b.length);
}

export function compareKeys(a: Key, b: Key): -1 | 0 | 1 {
  const ta = keyType(a);
  const tb = keyType(b);
  if (ta !== tb) return sign(RANK[ta] - RANK[tb]);
  switch (ta) {
    case 'number': return (a as number) === (b as number) ? 0 : (a as number) < (b as number) ? -1 : 1;
    case 'date': return sign((a as Date).getTime() - (b as Date).getTime());
    case 'string': return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case 'binary': return compareBytes(bufferBytes(a) ?? new Uint8Array(0), bufferBytes(b) ?? new Uint8Array(0));
    case 'array': {
      const x = a as Key[];
      const y = b as Key[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareKeys(x[i] as Key, y[i] as Key);
        if (c !== 0) return c;
      }
      return sign(x.length - y.length);
    }
  }
}
