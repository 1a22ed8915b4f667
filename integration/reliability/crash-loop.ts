/**
 * Crash loop: a real sidecar (sync=always) under concurrent put / Batch / Ingest load from the TS
 * client is SIGKILLed at a random moment, then restarted on the same data directory, again and
 * again. After every restart the units of the killed cycle are checked through the server
 * (oracle.ts: every acknowledged unit whole with its value and seqs, all-or-nothing, nothing
 * never-sent, recovered lastSeq >= every acknowledged seq). Some cycles kill the process during
 * startup (recovery). Every FLOWDB_CRASH_LOOP_FULL_EVERY cycles and at the end, the directory
 * is opened with @flowdb/engine: verify() must find no damaged table and a full scan must match.
 *
 * Quick (CI): 200 cycles. Long (FLOWDB_RELIABILITY_LONG=1): 5,000. FLOWDB_CRASH_LOOP_CYCLES,
 * FLOWDB_CRASH_LOOP_SEED, FLOWDB_RELIABILITY_KEEP=1 (keep the data directory) override.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineCheck } from './lib/engine-check.ts';
import { runLoad } from './lib/load.ts';
import { Oracle } from './lib/oracle.ts';
import { rpcCheck } from './lib/rpc-check.ts';
import { spawnServer } from './lib/server-proc.ts';
import { LONG, loadAvg, log, rng, runMain, setting, sleep } from './lib/util.ts';

const H = 'crash-loop';
const CYCLES = setting('FLOWDB_CRASH_LOOP_CYCLES', 200, 5000);
const SEED = setting('FLOWDB_CRASH_LOOP_SEED', Date.now() % 1_000_000, Date.now() % 1_000_000);
const FULL_EVERY = setting('FLOWDB_CRASH_LOOP_FULL_EVERY', 50, 250);
const MEMTABLE = 64 * 1024;
/** FLOWDB_CRASH_LOOP_SYNC=none shows the harness catching lost acknowledged writes. */
const ARGS = [`--sync=${process.env.FLOWDB_CRASH_LOOP_SYNC ?? 'always'}`, `--memtable-bytes=${MEMTABLE}`];

runMain(H, async () => {
  const started = Date.now();
  const r = rng(SEED);
  const dir = await mkdtemp(join(tmpdir(), 'flowdb-crash-loop-'));
  log(H, `${CYCLES} cycles, seed ${SEED}, dir ${dir}, ${LONG ? 'long' : 'quick'} setting, load ${await loadAvg()}`);
  const oracle = new Oracle();
  let pending: number[] = [];
  let startupKills = 0;
  let survived = 0;
  let vanished = 0;
  let fullChecks = 0;
  const codes = new Map<string, number>();
  /** Milliseconds per phase since the last progress line: where a cycle's time goes. */
  const phase = { start: 0, verify: 0, load: 0, exit: 0, cycles: 0 };
  const since = (t: number): number => performance.now() - t;
  const phases = (): string => {
    const n = Math.max(1, phase.cycles);
    const per = (ms: number): string => (ms / n).toFixed(0);
    const line = `per cycle: start ${per(phase.start)} ms, check ${per(phase.verify)} ms, load ${per(phase.load)} ms, exit ${per(phase.exit)} ms`;
    Object.assign(phase, { start: 0, verify: 0, load: 0, exit: 0, cycles: 0 });
    return line;
  };
  const verify = async (baseUrl: string, what: string): Promise<void> => {
    const rep = await rpcCheck(baseUrl, oracle, pending, what);
    survived += rep.survived;
    vanished += rep.vanished;
    pending = [];
  };

  /** verify() and a full scan in-process (also after a cycle killed during startup). */
  const fullCheck = async (cycle: number, what: string): Promise<void> => {
    const rep = await engineCheck(dir, oracle, MEMTABLE, `${what}: engine check`);
    fullChecks++;
    log(H, `cycle ${cycle + 1}/${CYCLES}: ${oracle.ackedUnits} units (${oracle.ackedRecords} records) acknowledged, ` +
      `${rep.records} records checked, tables per level ${rep.tablesPerLevel.join('/')}, check ${(rep.ms / 1000).toFixed(0)} s; ${phases()}; load ${await loadAvg()}`);
  };

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const what = `cycle ${cycle} (seed ${SEED})`;
    if (cycle > 0 && r.int(10) === 0) {
      // Kill during startup: recovery itself is interrupted.
      const srv = await spawnServer(dir, { args: ARGS, noWait: true });
      await sleep(r.int(700));
      srv.proc.kill('SIGKILL');
      await srv.exited;
      startupKills++;
      if ((cycle + 1) % FULL_EVERY === 0) await fullCheck(cycle, what);
      continue;
    }
    let t = performance.now();
    const srv = await spawnServer(dir, { args: ARGS });
    phase.start += since(t);
    t = performance.now();
    await verify(srv.baseUrl, `${what}: after restart`);
    phase.verify += since(t);
    t = performance.now();
    const stop = new AbortController();
    let stopping = false;
    const load = runLoad({
      baseUrl: srv.baseUrl, cycle, oracle, rng: r, writers: 3, ingesters: 2,
      stop: stop.signal, stopping: () => stopping, afterStop: undefined,
    });
    await sleep(LONG ? 50 + r.int(500) : 30 + r.int(170));
    stopping = true;
    phase.load += since(t);
    t = performance.now();
    srv.proc.kill('SIGKILL');
    stop.abort();
    const exit = await srv.exited;
    if (exit.signal !== 'SIGKILL') throw new Error(`${what}: server exited on its own (${exit.code}): ${srv.stderr()}`);
    const res = await load;
    phase.exit += since(t);
    phase.cycles++;
    for (const [k, v] of res.codes) codes.set(k, (codes.get(k) ?? 0) + v);
    if (res.unexpected.length > 0) throw new Error(`${what}: unexpected failures before the kill:\n  ${res.unexpected.slice(0, 10).join('\n  ')}`);
    pending.push(cycle);
    if ((cycle + 1) % 50 === 0 && (cycle + 1) % FULL_EVERY !== 0) {
      log(H, `cycle ${cycle + 1}/${CYCLES}: ${oracle.ackedUnits} units acknowledged, ${survived} in-flight survived, ${vanished} vanished; ${phases()}`);
    }
    if ((cycle + 1) % FULL_EVERY === 0) await fullCheck(cycle, what);
  }
  const srv = await spawnServer(dir, { args: ARGS });
  await verify(srv.baseUrl, 'final restart');
  const exit = await srv.stop('SIGTERM');
  if (exit.code !== 0) throw new Error(`final SIGTERM: exit ${exit.code ?? exit.signal}`);
  const rep = await engineCheck(dir, oracle, MEMTABLE, 'final engine check');
  fullChecks++;
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  log(H, `PASS ${CYCLES} cycles (${startupKills} killed during startup) in ${secs}s, seed ${SEED}: ` +
    `${oracle.ackedUnits} units / ${oracle.ackedRecords} records acknowledged, all present; ` +
    `${survived} in-flight units survived whole, ${vanished} vanished whole, 0 partial; ` +
    `${fullChecks} engine verify + full scans (${rep.records} records, tables per level ${rep.tablesPerLevel.join('/')}); ` +
    `client failures ${JSON.stringify(Object.fromEntries(codes))}; load ${await loadAvg()}`);
  if (process.env.FLOWDB_RELIABILITY_KEEP !== '1') await rm(dir, { recursive: true, force: true });
});
