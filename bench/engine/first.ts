/**
 * Engine micro benchmark: first(opts) against scan({...opts, limit: 1}) for the two shapes
 * @flowdb/idb asks — "is any key under this prefix" (a miss) and "the first key under this
 * prefix" (a hit) — over data in the memtable only, and over tables (flushed + compacted) with
 * a few recent writes on top. Alternating rounds, median CPU µs per op.
 *   node bench/engine/first.ts [--n 20000] [--ops 20000] [--rounds 7]
 */
import { parseArgs } from 'node:util';
import { type Engine, type FirstOptions, type Record, openEngine } from '@flowdb/engine';
import { MemFS } from '@flowdb/engine/vfs';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '20000' }, ops: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '7' } },
});
const N = Number(args.n);
const OPS = Number(args.ops);
const ROUNDS = Number(args.rounds);

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const key = (i: number): Uint8Array => enc(`idx/user${i}@example.com/${String(i).padStart(8, '0')}`);
const prefix = (i: number): Uint8Array => enc(`idx/user${i}@example.com/`);

async function load(layout: 'memtable' | 'tables'): Promise<Engine> {
  const db = await openEngine('/db', { fs: new MemFS(), sync: { mode: 'none' }, workerThreads: false });
  for (let i = 0; i < N; i += 500) {
    await db.write(Array.from({ length: Math.min(500, N - i) }, (_, j) => ({ type: 'put' as const, key: key(i + j), ts: 0, value: new Uint8Array(0) })));
  }
  if (layout === 'tables') {
    await db.compact();
    // A few recent writes on top, as a live database has.
    await db.write(Array.from({ length: 50 }, (_, j) => ({ type: 'put' as const, key: key(N + j), ts: 0, value: new Uint8Array(0) })));
  }
  return db;
}

async function viaScan(db: Engine, o: FirstOptions): Promise<Record | undefined> {
  for await (const r of db.scan({ ...o, limit: 1 })) return r;
  return undefined;
}

const cpu = new Map<string, number[]>();
async function measure(name: string, fn: (i: number) => Promise<unknown>): Promise<void> {
  const c0 = process.cpuUsage();
  for (let k = 0; k < OPS; k++) await fn((k * 7919) % N);
  const c = process.cpuUsage(c0);
  cpu.set(name, [...(cpu.get(name) ?? []), (c.user + c.system) / OPS]);
}

for (const layout of ['memtable', 'tables'] as const) {
  const db = await load(layout);
  // Misses: a prefix no key has (a unique-index check that passes). Hits: an index get.
  const miss = (i: number): FirstOptions => ({ prefix: enc(`idx/nobody${i}@example.com/`), tsFrom: 0, tsTo: 0, keysOnly: true });
  const hit = (i: number): FirstOptions => ({ prefix: prefix(i), tsFrom: 0, tsTo: 0 });
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['first', 'scan'] : ['scan', 'first'];
    for (const how of order) {
      const read = how === 'first' ? (o: FirstOptions) => db.first(o) : (o: FirstOptions) => viaScan(db, o);
      await measure(`${layout} miss ${how}`, (i) => read(miss(i)));
      await measure(`${layout} hit  ${how}`, async (i) => {
        if ((await read(hit(i))) === undefined) throw new Error(`lost key ${i}`);
      });
    }
  }
  await db.close();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
for (const [name, xs] of cpu) console.log(`${name.padEnd(20)} ${median(xs).toFixed(2).padStart(6)} µs/op  [${xs.map((x) => x.toFixed(1)).join(' ')}]`);
