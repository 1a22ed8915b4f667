/**
 * The benchmark workload (issue 2): keys `sensor-NNNN/SSSSSSSS` (20 bytes), 128-byte random
 * values, ts = TS0 + S seconds. Shared by run.ts and ingest.ts so every system gets the same bytes.
 */
import { randomBytes } from 'node:crypto';

export const KEY_BYTES = 20;
export const VALUE_BYTES = 128;
/** 2026-01-01T00:00:00Z in µs. */
export const TS0 = Date.UTC(2026, 0, 1) * 1000;
export const TS_STEP = 1_000_000;

export interface Rec {
  key: Buffer;
  /** µs; used by @flowdb/engine only (the others store key → value). */
  ts: number;
  value: Buffer;
}

export function keyString(sensor: number, step: number): string {
  return `sensor-${String(sensor).padStart(4, '0')}/${String(step).padStart(8, '0')}`;
}

export function prefixString(sensor: number): string {
  return `sensor-${String(sensor).padStart(4, '0')}/`;
}

/** Seeded PRNG (mulberry32), so every system sees the same random order. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A pool of random bytes; values are copied out of it at varying offsets. */
export class ValueSource {
  readonly #pool = randomBytes(1 << 22);
  #off = 0;

  /** `n` values of VALUE_BYTES, each a view into one fresh buffer (as a decoded request would give). */
  values(n: number): Buffer[] {
    const buf = Buffer.allocUnsafeSlow(n * VALUE_BYTES);
    const out: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      if (this.#off + VALUE_BYTES > this.#pool.length) this.#off = (this.#off * 7 + 13) % 4096;
      this.#pool.copy(buf, i * VALUE_BYTES, this.#off, this.#off + VALUE_BYTES);
      this.#off += VALUE_BYTES + 1;
      out.push(buf.subarray(i * VALUE_BYTES, (i + 1) * VALUE_BYTES));
    }
    return out;
  }
}

/**
 * The 100K data set: `sensors` × `steps` records in ascending key order (sensor-major), so
 * "sequential writes" append in key order. A prefix `sensor-NNNN/` holds `steps` records.
 */
export function sequentialDataSet(sensors: number, steps: number): Rec[] {
  const vs = new ValueSource();
  const out: Rec[] = [];
  for (let s = 0; s < sensors; s++) {
    const vals = vs.values(steps);
    for (let j = 0; j < steps; j++) {
      out.push({ key: Buffer.from(keyString(s, j), 'latin1'), ts: TS0 + j * TS_STEP, value: vals[j] as Buffer });
    }
  }
  return out;
}

/** `sensor-NNNN/` as bytes, cached: the ingest loop must cost little next to the systems. */
const prefixCache: Buffer[] = [];

/**
 * One ingest batch: step `step` of every sensor (time-major, the way a fleet of sensors
 * reports), `sensors` records. Keys are views into one buffer per batch, like a decoded request.
 */
export function ingestBatch(vs: ValueSource, sensors: number, step: number): Rec[] {
  const vals = vs.values(sensors);
  const keys = Buffer.allocUnsafeSlow(sensors * KEY_BYTES);
  const stepBytes = Buffer.from(String(step).padStart(8, '0'), 'latin1');
  const out: Rec[] = new Array(sensors);
  const ts = TS0 + step * TS_STEP;
  for (let s = 0; s < sensors; s++) {
    const p = (prefixCache[s] ??= Buffer.from(prefixString(s), 'latin1'));
    const off = s * KEY_BYTES;
    p.copy(keys, off);
    stepBytes.copy(keys, off + p.length);
    out[s] = { key: keys.subarray(off, off + KEY_BYTES), ts, value: vals[s] as Buffer };
  }
  return out;
}
