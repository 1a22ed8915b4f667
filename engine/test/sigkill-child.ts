/**
 * Child process of sigkill.test.ts: `node sigkill-child.ts <dir> <seed> <cycle> <config-json>`.
 * Loads the engine, prints `ready`, waits for `go` on stdin (so the parent can spawn it ahead
 * of time), opens <dir> on NodeFS with sync 'always', prints `open`, then runs concurrent
 * writers and an occasional explicit flush. After every acknowledged batch it prints
 * `ack <firstSeq> <id>` with a synchronous write, so a line the parent reads is an ack
 * (and `flush+` / `flush-`, `compact+` / `compact-` when a flush or compaction starts / ends).
 * Batch contents are planBatch(seed, id): the parent regenerates them. The work is bounded
 * (config.batchesPerWriter); when it ends the child closes the engine and prints `done`.
 * Exits when stdin closes, so a dying parent never leaves it behind.
 */
import { writeSync } from 'node:fs';
import { openEngine } from '../src/index.ts';
import { type PlanOptions, planBatch } from './batch-oracle.ts';

export interface ChildConfig {
  plan: PlanOptions;
  memtableBytes: number;
  blockBytes: number;
  levelBaseBytes: number;
  targetFileBytes: number;
  writers: number;
  batchesPerWriter: number;
}

const [dir, seedArg, cycleArg, configArg] = process.argv.slice(2);
if (dir === undefined || seedArg === undefined || cycleArg === undefined || configArg === undefined) {
  throw new Error('usage: sigkill-child.ts <dir> <seed> <cycle> <config-json>');
}
const seed = Number(seedArg);
const cycle = Number(cycleArg);
const cfg = JSON.parse(configArg) as ChildConfig;
const say = (line: string) => writeSync(1, `${line}\n`);

process.stdin.on('end', () => process.exit(0));
say('ready');
await new Promise<void>((resolve) => {
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString();
    if (buf.includes('go\n')) {
      process.stdin.off('data', onData);
      resolve();
    }
  };
  process.stdin.on('data', onData);
});

const db = await openEngine(dir, {
  sync: { mode: 'always' }, memtableBytes: cfg.memtableBytes, blockBytes: cfg.blockBytes, maxFrozenMemtables: 1,
  levelBaseBytes: cfg.levelBaseBytes, targetFileBytes: cfg.targetFileBytes,
});
say('open');
db.events.on('flushStarted', () => say('flush+'));
db.events.on('flushFinished', () => say('flush-'));
db.events.on('compactionStarted', () => say('compact+'));
db.events.on('compactionFinished', () => say('compact-'));
let writing = cfg.writers;
const tasks: Promise<void>[] = [];
for (let w = 0; w < cfg.writers; w++) {
  tasks.push((async () => {
    for (let i = 0; i < cfg.batchesPerWriter; i++) {
      const id = `c${cycle}.${w}.${i}`;
      const res = await db.write(planBatch(seed, id, cfg.plan).ops);
      say(`ack ${res.firstSeq} ${id}`);
    }
    writing--;
  })());
}
tasks.push((async () => {
  for (let i = 0; i < 4 && writing > 0; i++) {
    await new Promise((r) => setTimeout(r, 10 + ((seed * 31 + cycle * 7 + i * 13) % 60)));
    if (writing > 0) await db.flush();
  }
})());
await Promise.all(tasks);
await db.close();
say('done');
process.exit(0);
