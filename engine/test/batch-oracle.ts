/**
 * Batch oracle for crash, kill and fault tests. Every planned batch carries a marker put
 * `m/<id>` (never deleted: data ops stay in the `k/` keyspace), so after recovery the set of
 * applied batches can be read back from the markers, and each marker's seq gives its batch's
 * firstSeq. The `k/` keyspace must then equal the model of exactly those batches applied in
 * seq order (values and seqs): a half-applied batch shows up as a difference.
 */
import assert from 'node:assert/strict';
import type { BatchOp, KV } from '../src/index.ts';
import { type Rng, rng } from './rng.ts';

const enc = (s: string) => Buffer.from(s, 'latin1');
const dec = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

export interface Planned {
  id: string;
  ops: BatchOp[];
  /** Index of the marker put in ops (its seq is firstSeq + markerIndex). */
  markerIndex: number;
}

export interface PlanOptions {
  /** Distinct data keys (k/000 ..). */
  keys: number;
  /** Max random padding per value, bytes (drives memtable size). */
  pad: number;
  /** Max data ops per batch (besides the marker). */
  maxOps: number;
}

export const TS_VALUES = [1, 2, 3, 4];

export function dataKey(i: number): string {
  return `k/${String(i).padStart(3, '0')}`;
}

/** A batch made only from (seed, id), so another process can regenerate it. */
export function planBatch(seed: number, id: string, o: PlanOptions): Planned {
  let h = seed >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x9e3779b1) >>> 0;
  return planWith(rng(h), id, o);
}

export function planWith(r: Rng, id: string, o: PlanOptions): Planned {
  const n = 1 + r.int(o.maxOps);
  const ops: BatchOp[] = [];
  for (let j = 0; j < n; j++) {
    const p = r.int(100);
    const key = r.int(o.keys);
    if (p < 72) {
      const pad = 'x'.repeat(r.int(o.pad + 1));
      ops.push({ type: 'put', key: enc(dataKey(key)), ts: TS_VALUES[r.int(TS_VALUES.length)] as number, value: enc(`${id}.${j}|${pad}`) });
    } else if (p < 84) {
      ops.push({ type: 'del', key: enc(dataKey(key)), ts: TS_VALUES[r.int(TS_VALUES.length)] as number });
    } else if (p < 92) {
      ops.push({ type: 'del', key: enc(dataKey(key)) });
    } else {
      const end = Math.min(o.keys, key + 1 + r.int(4));
      ops.push({ type: 'delRange', start: enc(dataKey(key)), end: enc(dataKey(end)) });
    }
  }
  const markerIndex = r.int(n + 1);
  ops.splice(markerIndex, 0, { type: 'put', key: enc(`m/${id}`), ts: 0, value: enc(id) });
  return { id, ops, markerIndex };
}

interface Cell {
  value: string;
  seq: number;
}

/** key → ts → newest put; applies batches given their firstSeq (one entry per op). */
export class SeqModel {
  readonly data = new Map<string, Map<number, Cell>>();

  apply(b: Planned, firstSeq: number): void {
    b.ops.forEach((op, j) => {
      const seq = firstSeq + j;
      if (op.type === 'put') {
        const k = dec(op.key);
        if (k.startsWith('m/')) return;
        let m = this.data.get(k);
        if (m === undefined) this.data.set(k, (m = new Map()));
        m.set(op.ts as number, { value: dec(op.value), seq });
      } else if (op.type === 'del') {
        const k = dec(op.key);
        if (op.ts === undefined) this.data.delete(k);
        else this.data.get(k)?.delete(op.ts);
      } else {
        const s = dec(op.start);
        const e = dec(op.end);
        for (const k of [...this.data.keys()]) if (k >= s && k < e) this.data.delete(k);
      }
    });
  }

  /** Rows sorted by key, then ts, as the engine's scan returns them. */
  rows(): string[] {
    const out: string[] = [];
    for (const k of [...this.data.keys()].sort()) {
      const m = this.data.get(k) as Map<number, Cell>;
      for (const ts of [...m.keys()].sort((a, b) => a - b)) {
        const c = m.get(ts) as Cell;
        out.push(`${k}@${ts}=${c.value}#${c.seq}`);
      }
    }
    return out;
  }
}

export interface Recovered {
  /** id → firstSeq, for every batch whose marker is present. */
  present: Map<string, number>;
  /** Highest seq of a present batch (0 if none). */
  maxSeq: number;
}

/**
 * Reads the markers, checks `acked` (id → firstSeq) ⊆ present with the same seqs, and checks
 * the data keyspace equals the model of the present batches applied in seq order.
 */
export interface PlanLookup {
  get(id: string): Planned | undefined;
}

export async function verifyDb(
  db: KV, planned: PlanLookup, acked: ReadonlyMap<string, number>, what: string,
  /** Point-check gets on at most this many keys (default all). */
  getKeys = Infinity,
): Promise<Recovered> {
  const present = new Map<string, number>();
  for await (const r of db.scan({ prefix: enc('m/') })) {
    const id = dec(r.key).slice(2);
    const p = planned.get(id);
    assert.ok(p !== undefined, `${what}: marker of a batch never planned: ${id}`);
    assert.equal(dec(r.value), id, `${what}: marker value of ${id}`);
    assert.equal(r.ts, 0);
    assert.ok(!present.has(id), `${what}: two markers for ${id}`);
    present.set(id, r.seq - p.markerIndex);
  }
  for (const [id, seq] of acked) {
    assert.ok(present.has(id), `${what}: acknowledged batch ${id} (firstSeq ${seq}) is missing`);
    assert.equal(present.get(id), seq, `${what}: acknowledged batch ${id} recovered with another seq`);
  }
  const order = [...present].sort((a, b) => a[1] - b[1]);
  const model = new SeqModel();
  let maxSeq = 0;
  for (const [id, first] of order) {
    const p = planned.get(id) as Planned;
    assert.ok(first > maxSeq, `${what}: batch ${id} at seq ${first} overlaps the previous batch (ends ${maxSeq})`);
    model.apply(p, first);
    maxSeq = first + p.ops.length - 1;
  }
  const got: string[] = [];
  for await (const r of db.scan({ prefix: enc('k/') })) got.push(`${dec(r.key)}@${r.ts}=${dec(r.value)}#${r.seq}`);
  const want = model.rows();
  if (got.join('\n') !== want.join('\n')) {
    const gs = new Set(got);
    const ws = new Set(want);
    const extra = got.filter((x) => !ws.has(x)).slice(0, 8);
    const missing = want.filter((x) => !gs.has(x)).slice(0, 8);
    assert.fail(`${what}: data differs from the model of ${present.size} present batches ` +
      `(a half-applied batch?)\n  unexpected: ${extra.join(' ')}\n  missing: ${missing.join(' ')}`);
  }
  // The point-read paths (memtable/table get, latest-version reverse scan) agree with the scan.
  let checked = 0;
  for (const [k, m] of model.data) {
    if (checked++ >= getKeys) break;
    let latest: number | undefined;
    for (const [ts, c] of m) {
      latest = Math.max(latest ?? ts, ts);
      const r = await db.get(enc(k), { ts });
      assert.equal(r === undefined ? undefined : `${dec(r.value)}#${r.seq}`, `${c.value}#${c.seq}`, `${what}: get ${k}@${ts}`);
    }
    const r = await db.get(enc(k));
    assert.equal(r?.ts, latest, `${what}: get latest ${k}`);
  }
  return { present, maxSeq };
}

/** Present batches must be a prefix of `seqOf` (id → firstSeq) in seq order: no gaps. */
export function assertSeqPrefix(rec: Recovered, seqOf: ReadonlyMap<string, number>, what: string): void {
  for (const [id, s] of seqOf) {
    if (s <= rec.maxSeq && !rec.present.has(id)) {
      assert.fail(`${what}: batch ${id} (firstSeq ${s}) is missing but a later batch (up to seq ${rec.maxSeq}) survived`);
    }
  }
}

/** Files in a freshly opened data dir: one MANIFEST (CURRENT's), tables = live ones, no temp files. */
export async function assertNoOrphans(
  fs: { list(d: string): Promise<string[]>; readFile(p: string): Promise<Uint8Array> },
  dir: string, sstableCount: number, what: string,
): Promise<void> {
  const names = await fs.list(dir);
  const tmp = names.filter((n) => n.endsWith('.tmp'));
  assert.deepEqual(tmp, [], `${what}: temp files left: ${names.join(' ')}`);
  const ssts = names.filter((n) => n.endsWith('.sst'));
  assert.equal(ssts.length, sstableCount, `${what}: ${ssts.length} .sst files but ${sstableCount} live tables: ${names.join(' ')}`);
  const manifests = names.filter((n) => n.startsWith('MANIFEST-'));
  const current = dec(await fs.readFile(`${dir}/CURRENT`)).trim();
  assert.deepEqual(manifests, [current], `${what}: manifests ${manifests.join(' ')} but CURRENT is ${current}`);
}

export { enc, dec };
