/**
 * Bloom filter over user keys: pure functions over Uint8Array. Format: docs/formats/bloom.md.
 *
 *   [nameLen u8][policy name, ASCII][k u8][numBits u32 LE][bit array, ceil(numBits/8) bytes]
 *
 * Probes use double hashing (Kirsch–Mitzenmacher): bit_i = (h1 + i*h2) mod numBits, with
 * h1, h2 two murmur3_x86_32 hashes of the key under different seeds. Bit b lives in
 * byte b>>3, mask 1<<(b&7). Changing any of this requires a new BLOOM_POLICY name.
 */

export const BLOOM_POLICY = 'flowdb.bloom.murmur3x2.v1';

const SEED1 = 0x9747b28c;
const SEED2 = 0x5bd1e995;
const POLICY_BYTES = new TextEncoder().encode(BLOOM_POLICY);
const HEADER = 1 + POLICY_BYTES.length + 1 + 4;

/** murmur3_x86_32 of `key` with `seed`, unsigned. */
export function murmur3(key: Uint8Array, seed: number): number {
  let h = seed | 0;
  const n = key.length;
  const nb = n & ~3;
  let i = 0;
  for (; i < nb; i += 4) {
    let k = (key[i] as number) | ((key[i + 1] as number) << 8) | ((key[i + 2] as number) << 16) | ((key[i + 3] as number) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rem = n & 3;
  if (rem > 0) {
    let k = 0;
    if (rem === 3) k ^= (key[i + 2] as number) << 16;
    if (rem >= 2) k ^= (key[i + 1] as number) << 8;
    k ^= key[i] as number;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Number of probes for a bits-per-key budget: round(bpk * ln 2), in [1, 30]. */
export function bloomProbes(bitsPerKey: number): number {
  return Math.min(30, Math.max(1, Math.round(bitsPerKey * Math.LN2)));
}

/** Builds a filter from parallel hash arrays (h1s[i], h2s[i]) of `n` keys. */
export function buildBloomFromHashes(h1s: Uint32Array, h2s: Uint32Array, n: number, bitsPerKey: number): Uint8Array {
  if (!(bitsPerKey > 0)) throw new RangeError('bitsPerKey must be > 0');
  const k = bloomProbes(bitsPerKey);
  const numBits = Math.max(64, Math.ceil((n * bitsPerKey) / 8) * 8);
  if (numBits > 0xffff_fff8) throw new RangeError('bloom filter too large');
  const out = new Uint8Array(HEADER + numBits / 8);
  out[0] = POLICY_BYTES.length;
  out.set(POLICY_BYTES, 1);
  out[1 + POLICY_BYTES.length] = k;
  new DataView(out.buffer).setUint32(2 + POLICY_BYTES.length, numBits, true);
  const bits = out.subarray(HEADER);
  for (let i = 0; i < n; i++) {
    let pos = (h1s[i] as number) % numBits;
    const step = (h2s[i] as number) % numBits;
    for (let j = 0; j < k; j++) {
      bits[pos >>> 3] = (bits[pos >>> 3] as number) | (1 << (pos & 7));
      pos += step;
      if (pos >= numBits) pos -= numBits;
    }
  }
  return out;
}

/** Builds a filter over `keys` (duplicates are harmless but waste bits). */
export function buildBloom(keys: readonly Uint8Array[], bitsPerKey: number): Uint8Array {
  const h1 = new Uint32Array(keys.length);
  const h2 = new Uint32Array(keys.length);
  keys.forEach((key, i) => {
    h1[i] = murmur3(key, SEED1);
    h2[i] = murmur3(key, SEED2);
  });
  return buildBloomFromHashes(h1, h2, keys.length, bitsPerKey);
}

/** The policy name a filter was built with, or undefined if unparsable. */
export function bloomPolicy(filter: Uint8Array): string | undefined {
  if (filter.length < 1) return undefined;
  const len = filter[0] as number;
  if (filter.length < 1 + len) return undefined;
  return new TextDecoder('latin1').decode(filter.subarray(1, 1 + len));
}

/** Why the filter can't be used by this build, or undefined when it is a valid filter of BLOOM_POLICY. */
export function bloomProblem(filter: Uint8Array): string | undefined {
  const policy = bloomPolicy(filter);
  if (policy !== BLOOM_POLICY) return `unknown bloom policy ${JSON.stringify(policy)}`;
  if (filter.length < HEADER) return 'bloom filter truncated';
  const k = filter[1 + POLICY_BYTES.length] as number;
  const numBits = new DataView(filter.buffer, filter.byteOffset, filter.byteLength).getUint32(2 + POLICY_BYTES.length, true);
  if (k < 1 || k > 30) return `bad bloom probe count ${k}`;
  if (numBits === 0 || numBits % 8 !== 0 || filter.length !== HEADER + numBits / 8) return 'bad bloom size';
  return undefined;
}

/** False only when `key` was certainly not added. A filter of another policy answers true. */
export function bloomMayContain(filter: Uint8Array, key: Uint8Array): boolean {
  if (filter.length < HEADER || filter[0] !== POLICY_BYTES.length) return true;
  for (let i = 0; i < POLICY_BYTES.length; i++) if (filter[1 + i] !== POLICY_BYTES[i]) return true;
  const k = filter[1 + POLICY_BYTES.length] as number;
  const o = 2 + POLICY_BYTES.length;
  const numBits = ((filter[o] as number) | ((filter[o + 1] as number) << 8) | ((filter[o + 2] as number) << 16) | ((filter[o + 3] as number) << 24)) >>> 0;
  if (numBits === 0 || filter.length < HEADER + (numBits >>> 3)) return true;
  let pos = murmur3(key, SEED1) % numBits;
  const step = murmur3(key, SEED2) % numBits;
  for (let j = 0; j < k; j++) {
    if (((filter[HEADER + (pos >>> 3)] as number) & (1 << (pos & 7))) === 0) return false;
    pos += step;
    if (pos >= numBits) pos -= numBits;
  }
  return true;
}

/** Accumulates hashes of distinct keys for one filter (the writer feeds keys in order). */
export class BloomBuilder {
  #h1 = new Uint32Array(1024);
  #h2 = new Uint32Array(1024);
  #n = 0;

  get count(): number {
    return this.#n;
  }

  add(key: Uint8Array): void {
    if (this.#n === this.#h1.length) {
      const h1 = new Uint32Array(this.#n * 2);
      const h2 = new Uint32Array(this.#n * 2);
      h1.set(this.#h1);
      h2.set(this.#h2);
      this.#h1 = h1;
      this.#h2 = h2;
    }
    this.#h1[this.#n] = murmur3(key, SEED1);
    this.#h2[this.#n] = murmur3(key, SEED2);
    this.#n++;
  }

  finish(bitsPerKey: number): Uint8Array {
    return buildBloomFromHashes(this.#h1, this.#h2, this.#n, bitsPerKey);
  }
}
