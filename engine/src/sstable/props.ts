/**
 * Properties block: UTF-8 JSON object (keys hex-encoded), and the range-tombstone block:
 *   [count u32] ([startLen varint][start][endLen varint][end][seq i64])*
 * See docs/formats/sstable.md. Unknown JSON fields are ignored; missing ones are CORRUPTION.
 */
import type { RangeTombstone } from '../base/entry.ts';
import { corruption } from '../base/errors.ts';
import { ByteReader, ByteWriter, DecodeError } from './coding.ts';

/** Everything stored in the properties block. */
export interface TableProps {
  fileNum: number;
  entries: number;
  puts: number;
  deletes: number;
  rangeTombstones: number;
  smallestKey: Uint8Array;
  largestKey: Uint8Array;
  minTs: number;
  maxTs: number;
  minSeq: number;
  maxSeq: number;
  minExpireAt: number;
  maxExpireAt: number;
  rawDataBytes: number;
  dataBlocks: number;
  compression: 'none' | 'zstd';
  blockBytes: number;
  bloomBitsPerKey: number;
  bloomPolicy: string;
}

const NUMERIC = [
  'fileNum', 'entries', 'puts', 'deletes', 'rangeTombstones', 'minTs', 'maxTs', 'minSeq', 'maxSeq',
  'minExpireAt', 'maxExpireAt', 'rawDataBytes', 'dataBlocks', 'blockBytes', 'bloomBitsPerKey',
] as const;

export function encodeProps(p: TableProps): Uint8Array {
  const json = { ...p, smallestKey: Buffer.from(p.smallestKey).toString('hex'), largestKey: Buffer.from(p.largestKey).toString('hex') };
  return new TextEncoder().encode(JSON.stringify(json));
}

export function decodeProps(payload: Uint8Array, file: string, at: number): TableProps {
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    o = v as Record<string, unknown>;
  } catch (err) {
    throw corruption(`bad properties block: ${String(err)}`, file, at);
  }
  const bad = (f: string): never => {
    throw corruption(`bad properties field ${f}`, file, at);
  };
  const num = (f: string): number => {
    const v = o[f];
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : bad(f);
  };
  const hex = (f: string): Uint8Array => {
    const v = o[f];
    return typeof v === 'string' && /^(?:[0-9a-f]{2})*$/.test(v) ? new Uint8Array(Buffer.from(v, 'hex')) : bad(f);
  };
  const nums = Object.fromEntries(NUMERIC.map((f) => [f, num(f)])) as Record<(typeof NUMERIC)[number], number>;
  const compression = o['compression'] === 'none' || o['compression'] === 'zstd' ? o['compression'] : bad('compression');
  const bloomPolicy = typeof o['bloomPolicy'] === 'string' ? o['bloomPolicy'] : bad('bloomPolicy');
  return { ...nums, compression, bloomPolicy, smallestKey: hex('smallestKey'), largestKey: hex('largestKey') };
}

export function encodeRangeDels(ts: readonly RangeTombstone[]): Uint8Array {
  const w = new ByteWriter(16 + ts.length * 32);
  w.u32(ts.length);
  for (const t of ts) {
    w.lenBytes(t.start);
    w.lenBytes(t.end);
    w.i64(t.seq);
  }
  return w.finish();
}

export function decodeRangeDels(payload: Uint8Array, file: string, at: number): RangeTombstone[] {
  try {
    const r = new ByteReader(payload);
    const n = r.u32();
    const out: RangeTombstone[] = [];
    for (let i = 0; i < n; i++) out.push({ start: r.lenBytes().slice(), end: r.lenBytes().slice(), seq: r.i64() });
    if (r.remaining !== 0) throw new DecodeError('trailing bytes');
    return out;
  } catch (err) {
    if (err instanceof DecodeError) throw corruption(`bad range-del block: ${err.message}`, file, at);
    throw err;
  }
}
