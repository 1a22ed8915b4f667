/**
 * One phase of the IndexedDB benchmark in isolation, for `node --cpu-prof`:
 *   node --cpu-prof bench/idb/profile.ts <batch|single|single-64|get|get-1|index|cursor> [--system flowdb-relaxed] [--n 20000] [--reads 100000]
 * Loads --n docs first (batches of 100), then runs the phase once (--reads gets or lookups);
 * prints rate and CPU µs/op.
 */
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { type SystemName, openSystem } from './systems.ts';
import { cursorWalk, indexLookups, openBenchDb, pointReads, randomIds, writeBatches, writeSingles, writeSinglesConcurrent } from './workload.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { system: { type: 'string', default: 'flowdb-relaxed' }, n: { type: 'string', default: '20000' }, reads: { type: 'string', default: '100000' } },
});
const phase = positionals[0] ?? 'get';
const N = Number(args.n);
const sys = await openSystem(args.system as SystemName, process.env['FLOWDB_BENCH_TMP'] ?? tmpdir());
const db = await openBenchDb(sys.indexedDB);
if (phase !== 'batch') await writeBatches(db, sys.durability, 0, N, 100, 1e9);
const ids = randomIds(Number(args.reads), N, 7);
const t0 = performance.now();
const c0 = process.cpuUsage();
let ops = phase === 'get' || phase === 'get-1' || phase === 'index' ? ids.length : N;
switch (phase) {
  case 'batch': await writeBatches(db, sys.durability, 0, N, 100, 1e9); break;
  case 'single': ops = await writeSingles(db, sys.durability, N, Math.min(N, 2000), 1e9); break;
  case 'single-64': ops = await writeSinglesConcurrent(db, sys.durability, N, Math.min(N, 5000), 64, 1e9); break;
  case 'get': await pointReads(db, ids, 100); break;
  case 'get-1': await pointReads(db, ids, 1); break;
  case 'index': await indexLookups(db, ids, 100); break;
  case 'cursor': ops = await cursorWalk(db); break;
  default: throw new Error(`unknown phase ${phase}`);
}
const c = process.cpuUsage(c0);
const ms = performance.now() - t0;
console.log(`${phase} ${args.system}: ${ops} ops, ${((ops / ms) * 1000).toFixed(0)}/s, CPU ${((c.user + c.system) / ops).toFixed(1)} µs/op`);
db.close();
await sys.close();
