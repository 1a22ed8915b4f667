/**
 * flowdb against the real image (FLOWDB_TARGET=container, default) or a spawned server
 * (FLOWDB_TARGET=process): smoke (Put/Get/Scan/Health), the shared scenario suite
 * (integration/scenarios/*.json), persistence across a container restart on the same volume, and a
 * graceful stop (SIGTERM) during a write load that must lose no acknowledged write and exit 0.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowClient } from '@flowdb/client';
import { launcher, type Launcher, type Running } from './targets.ts';
import { loadScenarios, runScenario } from './scenario-runner.ts';

const dec = new TextDecoder();
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : dec.decode(b));
const DEBUG = process.env['FLOWDB_TEST_DEBUG'] !== undefined;

let L: Launcher;
before(async () => {
  L = await launcher();
});
after(async () => {
  await L?.cleanup();
});

async function withServer<T>(dataDir: string, fn: (s: Running, db: FlowClient) => Promise<T>, socketDir?: string): Promise<T> {
  const s = await L.start(dataDir, {}, socketDir);
  try {
    return await fn(s, new FlowClient({ baseUrl: s.endpoint, timeoutMs: 10_000 }));
  } catch (e) {
    process.stderr.write(`--- server logs ---\n${s.logs()}\n`);
    throw e;
  } finally {
    await s.kill();
  }
}

describe('smoke', () => {
  test('Put, Get, Scan, Health', async () => {
    await withServer(await L.newDataDir(), async (_s, db) => {
      assert.equal(await db.checkHealth(), 1); // SERVING
      await db.put('smoke/a', '1');
      await db.put('smoke/b', '2');
      await db.put('other/c', '3');
      assert.equal(str((await db.get('smoke/a'))?.value), '1');
      assert.equal(await db.get('smoke/missing'), undefined);
      const keys: string[] = [];
      for await (const r of db.scanPrefix('smoke/')) keys.push(`${str(r.key)}=${str(r.value)}`);
      assert.deepEqual(keys, ['smoke/a=1', 'smoke/b=2']);
      // the readiness probe of deploy/kubernetes checks this service name
      assert.equal(await db.checkHealth('flowdb.v1.KVService'), 1);
    });
  });
  test('Unix socket on a shared directory (the deploy/ sidecar option)', async () => {
    const sockDir = await L.newDataDir();
    await withServer(
      await L.newDataDir(),
      async (s) => {
        assert.ok(s.socketPath);
        const db = new FlowClient({ unixSocket: s.socketPath, timeoutMs: 10_000 });
        await db.put('sock/k', 'over-unix');
        assert.equal(str((await db.get('sock/k'))?.value), 'over-unix');
        assert.equal(await db.checkHealth(), 1);
      },
      sockDir,
    );
  });
});

describe('scenarios', async () => {
  const scenarios = await loadScenarios();
  if (scenarios.length === 0) test('no scenario files yet', (t) => t.skip('integration/scenarios/*.json not present'));
  for (const sc of scenarios) {
    test(`${sc.name} (${sc.file})`, async () => {
      const dir = await L.newDataDir();
      let s = await L.start(dir);
      try {
        await runScenario(sc, {
          endpoint: s.endpoint,
          restart: async () => {
            assert.equal(await s.stop(), 0, s.logs());
            s = await L.start(dir);
            return s.endpoint;
          },
        });
      } catch (e) {
        process.stderr.write(`--- server logs ---\n${s.logs()}\n`);
        throw e;
      } finally {
        await s.kill();
      }
    });
  }
});

describe('persistence', () => {
  test('stop and start with the same volume: the data is there', async () => {
    const dir = await L.newDataDir();
    const s1 = await L.start(dir);
    try {
      const db = new FlowClient({ baseUrl: s1.endpoint, timeoutMs: 10_000 });
      for (let i = 0; i < 200; i++) await db.put(`p/${String(i).padStart(4, '0')}`, `v${i}`);
      await db.delete('p/0007');
      assert.equal(await s1.stop(), 0, s1.logs());
    } finally {
      await s1.kill();
    }
    await withServer(dir, async (_s, db) => {
      assert.equal(str((await db.get('p/0000'))?.value), 'v0');
      assert.equal(str((await db.get('p/0199'))?.value), 'v199');
      assert.equal(await db.get('p/0007'), undefined);
      assert.equal(await db.count({ prefix: 'p/' }), 199);
    });
  });
});

describe('graceful stop', () => {
  test('SIGTERM during a write load: exit 0, no acknowledged write lost', async () => {
    const dir = await L.newDataDir();
    const s = await L.start(dir);
    const acked: string[] = [];
    let failed = 0;
    try {
      const db = new FlowClient({ baseUrl: s.endpoint, timeoutMs: 20_000 });
      let stopping = false;
      const writer = async (w: number) => {
        for (let i = 0; ; i++) {
          const k = `g/${w}/${String(i).padStart(7, '0')}`;
          try {
            await db.put(k, `val-${k}`);
            acked.push(k);
          } catch {
            failed++;
            if (stopping) return;
            throw new Error(`write failed before stop: ${k}`);
          }
        }
      };
      const writers = Array.from({ length: 8 }, (_, w) => writer(w));
      await new Promise((r) => setTimeout(r, 1500));
      const before = acked.length;
      stopping = true;
      const code = await s.stop();
      await Promise.all(writers);
      if (DEBUG) process.stderr.write(`${s.logs()}\nacked ${acked.length} (${before} before stop), failed after stop ${failed}\n`);
      assert.ok(before > 50, `too little load before the stop: ${before}`);
      assert.equal(code, 0, `exit code ${code}\n${s.logs()}`);
      assert.match(s.logs(), /"msg":"signal","signal":"SIGTERM"/);
    } finally {
      await s.kill();
    }
    await withServer(dir, async (_s, db) => {
      const found = new Set<string>();
      for await (const r of db.scanPrefix('g/', { keysOnly: true })) found.add(str(r.key)!);
      const lost = acked.filter((k) => !found.has(k));
      assert.deepEqual(lost.slice(0, 10), [], `${lost.length} of ${acked.length} acknowledged writes lost`);
      // spot-check values
      for (const k of acked.filter((_, i) => i % 97 === 0)) assert.equal(str((await db.get(k))?.value), `val-${k}`);
    });
  });
});
