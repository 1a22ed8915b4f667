/**
 * Quick setting of the RPC fuzzer (CI): 3000 seeded requests against two real
 * sidecars. FUZZ_SEED replays; `npm run reliability:rpc-fuzz` is the long run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz, summary } from './fuzz.ts';

test('rpc fuzz (quick): no crash, always a well-formed status with ErrorInfo, no server fault codes', async () => {
  const seed = process.env['FUZZ_SEED'] !== undefined ? Number(process.env['FUZZ_SEED']) >>> 0 : (Date.now() >>> 0);
  const lines: string[] = [];
  const r = await runFuzz({ seed, requests: Number(process.env['FUZZ_QUICK_REQUESTS'] ?? 3000), concurrency: 8, batch: 500, log: (l) => lines.push(l) });
  const text = summary(r);
  process.stdout.write(text + '\n');
  assert.equal(r.crashes, 0, text);
  assert.equal(r.healthFailures, 0, text);
  assert.deepEqual(r.serverLogFaults, [], text);
  assert.deepEqual(r.problems.map((p) => `#${p.index}: ${p.problems.join('; ')}`), [], text);
  // Every service the server lists was exercised, including reflection and health.
  assert.ok(r.methods.some((m) => m.startsWith('grpc.health.v1.Health/')), text);
  assert.ok(r.methods.some((m) => m.startsWith('flowdb.v1.KVService/')), text);
  // Both failures and successes happened over every protocol (the fuzzer is not only noise).
  for (const proto of ['grpc', 'grpc-web', 'connect']) {
    assert.ok((r.outcomes.get(`${proto}:OK`) ?? 0) > 0, `${proto}: no success\n${text}`);
    assert.ok((r.outcomes.get(`${proto}:INVALID_ARGUMENT`) ?? 0) > 0, `${proto}: no INVALID_ARGUMENT\n${text}`);
  }
  assert.ok((r.outcomes.get('grpc:UNAUTHENTICATED') ?? 0) > 0, text);
  // Resources: fds back near the start; RSS bounded (the engine's memtable may grow).
  for (const [i, b] of r.before.entries()) {
    const a = r.after[i];
    assert.ok(a !== undefined && a.fds <= b.fds + 8, `fd growth ${b.fds} → ${a?.fds}\n${text}`);
    assert.ok((r.peakRssMiB[i] ?? 0) < 1024, `rss ${r.peakRssMiB[i]} MiB\n${text}`);
  }
});
