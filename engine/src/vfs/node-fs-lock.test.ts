/** NodeFS lock across processes: a live holder blocks us; a dead holder's lock is taken over. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFS } from './node-fs.ts';

const NODE_FS_URL = new URL('./node-fs.ts', import.meta.url).href;
const dirs: string[] = [];
const children: ChildProcess[] = [];
/** Racers for the stale-lock race (raise via env to stress it). */
const RACERS = Number(process.env['FLOWDB_LOCK_RACERS'] ?? 6);

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'flowdb-lock-'));
  dirs.push(d);
  return d;
}

/** A child that tries the lock, prints 'locked' (then holds it) or the error code (then exits). */
function lockChild(path: string): { child: ChildProcess; said: Promise<string> } {
  const script = `
    import { NodeFS } from ${JSON.stringify(NODE_FS_URL)};
    try {
      await new NodeFS().lock(${JSON.stringify(path)});
      console.log('locked');
      setInterval(() => {}, 1000);
    } catch (e) {
      console.log(e.code);
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const said = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) saying ${JSON.stringify(out)}`)));
  });
  return { child, said };
}

test('a lock held by a live child process fails with ELOCKED; after SIGKILL it is taken over', async () => {
  const path = join(await tempDir(), 'LOCK');
  const { child, said } = lockChild(path);
  assert.equal(await said, 'locked');
  const fs = new NodeFS();
  await assert.rejects(fs.lock(path), { code: 'ELOCKED' });
  const owner: unknown = JSON.parse(await readFile(path, 'utf8'));
  assert.deepEqual(Object.keys(owner as object).sort(), ['pid', 'startedAt']);
  child.kill('SIGKILL');
  await once(child, 'exit').catch(() => undefined);
  const lock = await fs.lock(path);
  assert.equal((JSON.parse(await readFile(path, 'utf8')) as { pid: number }).pid, process.pid);
  await lock.release();
});

test('processes racing for a stale lock: exactly one wins', async () => {
  const dir = await tempDir();
  const path = join(dir, 'LOCK');
  await writeFile(path, JSON.stringify({ pid: 2 ** 22 + 4242, startedAt: 0 })); // pid above Linux pid_max
  const racers = Array.from({ length: RACERS }, () => lockChild(path));
  const results = await Promise.all(racers.map((r) => r.said));
  assert.equal(results.filter((r) => r === 'locked').length, 1, results.join(','));
  assert.deepEqual(results.filter((r) => r !== 'locked'), Array(RACERS - 1).fill('ELOCKED'));
  assert.deepEqual(await readdir(dir), ['LOCK']); // no takeover files left behind
  for (const r of racers) r.child.kill('SIGKILL');
});
