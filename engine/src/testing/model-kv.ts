/**
 * ModelKV: the obviously-correct in-memory reference for the engine's semantics.
 * Randomized tests run the same ops on the engine and on this model and compare.
 */
import type { BatchOp, Record, ScanOptions } from '../api.ts';
import { NO_EXPIRY, compareBytes } from '../base/entry.ts';
import { scanBounds, inBounds } from '../engine.ts';

interface Version {
  key: Uint8Array;
  ts: number;
  value: Uint8Array;
  expireAt: number;
}

export class ModelKV {
  /** hex key → ts → version */
  #data = new Map<string, Map<number, Version>>();
  #now: () => number;
  #defaultTtl: number | undefined;

  constructor(now: () => number, defaultTtlMicros?: number) {
    this.#now = now;
    this.#defaultTtl = defaultTtlMicros;
  }

  clone(): ModelKV {
    const m = new ModelKV(this.#now, this.#defaultTtl);
    for (const [k, v] of this.#data) m.#data.set(k, new Map(v));
    return m;
  }

  write(ops: BatchOp[]): void {
    const now = this.#now();
    for (const op of ops) {
      if (op.type === 'put') {
        const hex = Buffer.from(op.key).toString('hex');
        let m = this.#data.get(hex);
        if (m === undefined) this.#data.set(hex, (m = new Map()));
        const ttl = op.ttlMicros ?? this.#defaultTtl;
        const expireAt = op.expireAt ?? (ttl === undefined ? NO_EXPIRY : now + ttl);
        const ts = op.ts ?? now;
        m.set(ts, { key: op.key, ts, value: op.value, expireAt });
      } else if (op.type === 'del') {
        const hex = Buffer.from(op.key).toString('hex');
        if (op.ts === undefined) this.#data.delete(hex);
        else this.#data.get(hex)?.delete(op.ts);
      } else {
        for (const [hex, m] of this.#data) {
          const k = m.values().next().value?.key ?? Buffer.from(hex, 'hex');
          if (compareBytes(k, op.start) >= 0 && compareBytes(k, op.end) < 0) this.#data.delete(hex);
        }
      }
    }
  }

  get(key: Uint8Array, ts?: number): Omit<Record, 'seq'> | undefined {
    const m = this.#data.get(Buffer.from(key).toString('hex'));
    if (m === undefined) return undefined;
    const now = this.#now();
    let best: Version | undefined;
    for (const v of m.values()) {
      if (v.expireAt <= now) continue;
      if (ts !== undefined ? v.ts === ts : best === undefined || v.ts > best.ts) best = v;
    }
    return best === undefined ? undefined : rec(best);
  }

  scan(o: ScanOptions = {}): Omit<Record, 'seq'>[] {
    const b = scanBounds(o);
    if (b === undefined || o.limit === 0) return [];
    const now = this.#now();
    const out: Version[] = [];
    for (const m of this.#data.values()) {
      for (const v of m.values()) {
        if (v.expireAt <= now || v.ts < b.tsFrom || v.ts > b.tsTo || !inBounds(v.key, b)) continue;
        out.push(v);
      }
    }
    out.sort((x, y) => compareBytes(x.key, y.key) || x.ts - y.ts);
    if (o.reverse === true) out.reverse();
    const lim = o.limit === undefined ? out.length : o.limit;
    return out.slice(0, lim).map((v) => (o.keysOnly === true ? { ...rec(v), value: new Uint8Array(0) } : rec(v)));
  }
}

function rec(v: Version): Omit<Record, 'seq'> {
  return { key: v.key, ts: v.ts, value: v.value, expireAt: v.expireAt === NO_EXPIRY ? undefined : v.expireAt };
}
