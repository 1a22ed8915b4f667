/** ErrorFS: injector builders, all-or-nothing ENOSPC, partial EIO writes, op-site sweeps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FS } from './fs.ts';
import { ALL_OPS, anyOf, ErrorFS, InjectedError, onOps } from './error-fs.ts';
import { MemFS } from './mem-fs.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

async function fresh(): Promise<MemFS> {
  const m = new MemFS();
  await m.mkdirp('/db');
  return m;
}

/** A small workload touching most op kinds. */
async function workload(fs: FS): Promise<void> {
  const w = await fs.create('/db/000001.log');
  await w.append(enc('a'));
  await w.append(enc('b'));
  await w.sync();
  await w.close();
  await fs.syncDir('/db');
  const t = await fs.create('/db/CURRENT.tmp');
  await t.append(enc('MANIFEST-1'));
  await t.sync();
  await t.close();
  await fs.rename('/db/CURRENT.tmp', '/db/CURRENT');
  await fs.syncDir('/db');
  await fs.readFile('/db/CURRENT');
}

test('nth fails only the nth matching op; with every, all from the nth on', async () => {
  const fs = new ErrorFS(await fresh(), onOps(['append'], { nth: 2 }));
  const w = await fs.create('/db/f');
  await w.append(enc('1'));
  await assert.rejects(w.append(enc('2')), (e) => e instanceof InjectedError && e.code === 'EIO' && e.op === 'append');
  await w.append(enc('3'));
  fs.setInjector(onOps(['append'], { nth: 2, every: true, errno: 'ENOSPC' }));
  await w.append(enc('4'));
  await assert.rejects(w.append(enc('5')), { code: 'ENOSPC' });
  await assert.rejects(w.append(enc('6')), { code: 'ENOSPC' });
  fs.setInjector(undefined);
  await w.append(enc('7'));
  assert.equal(dec(await fs.readFile('/db/f')), '1347');
});

test('pathIncludes restricts injection to matching paths', async () => {
  const fs = new ErrorFS(await fresh(), onOps(['create', 'rename'], { pathIncludes: 'MANIFEST' }));
  await (await fs.create('/db/000001.log')).close();
  await assert.rejects(fs.create('/db/MANIFEST-000002'), InjectedError);
  await assert.rejects(fs.rename('/db/000001.log', '/db/MANIFEST-3'), InjectedError); // matches `to`
  assert.equal(await fs.stat('/db/MANIFEST-000002'), undefined);
});

test('probability uses the given rng', async () => {
  let i = 0;
  const seq = [0.9, 0.1, 0.6, 0.2];
  const fs = new ErrorFS(await fresh(), onOps(['stat'], { probability: 0.5, rng: () => seq[i++ % seq.length] ?? 0 }));
  const outcomes: boolean[] = [];
  for (let k = 0; k < 4; k++) outcomes.push(await fs.stat('/db').then(() => true, () => false));
  assert.deepEqual(outcomes, [true, false, true, false]);
});

test('anyOf composes injectors', async () => {
  const fs = new ErrorFS(await fresh(), anyOf(onOps(['sync']), onOps(['list'], { errno: 'ENOSPC' })));
  const w = await fs.create('/db/f');
  await assert.rejects(w.sync(), { code: 'EIO' });
  await assert.rejects(fs.list('/db'), { code: 'ENOSPC' });
});

test('ENOSPC append writes nothing; EIO with partialWrite writes a prefix', async () => {
  const inner = await fresh();
  const fs = new ErrorFS(inner, onOps(['append'], { errno: 'ENOSPC', partialWrite: true }));
  const w = await fs.create('/db/f');
  await assert.rejects(w.append(enc('abcdef')), { code: 'ENOSPC' });
  assert.equal(w.size(), 0);
  fs.setInjector(onOps(['append'], { errno: 'EIO' }));
  await assert.rejects(w.append(enc('abcdef')), { code: 'EIO' });
  assert.equal(w.size(), 0);
  fs.setInjector(onOps(['append'], { errno: 'EIO', partialWrite: true, rng: () => 0.5 }));
  await assert.rejects(w.append(enc('abcdef')), { code: 'EIO' });
  assert.equal(dec(await inner.readFile('/db/f')), 'abc');
});

test('a failing close still closes the inner file', async () => {
  const fs = new ErrorFS(await fresh(), onOps(['close']));
  const w = await fs.create('/db/f');
  await assert.rejects(w.close(), { code: 'EIO' });
  fs.setInjector(undefined);
  await assert.rejects(w.append(enc('x')), { code: 'EBADF' });
});

test('trace enumerates every op site; failing each in turn hits exactly that site', async () => {
  const probe = new ErrorFS(await fresh(), undefined, { trace: true });
  await workload(probe);
  const n = probe.opCount();
  assert.equal(probe.trace.length, n);
  assert.deepEqual(
    probe.trace.slice(0, 6).map((r) => `${r.op} ${r.path}`),
    ['create /db/000001.log', 'append /db/000001.log', 'append /db/000001.log', 'sync /db/000001.log', 'close /db/000001.log', 'syncDir /db'],
  );
  assert.ok(new Set(probe.trace.map((r) => r.op)).size >= 7);
  for (let k = 1; k <= n; k++) {
    const fs = new ErrorFS(await fresh(), onOps(ALL_OPS, { nth: k }), { trace: true });
    await assert.rejects(workload(fs), InjectedError, `site ${k}`);
    assert.equal(fs.opCount(), k, `workload stops at the failed site ${k}`);
    const failed = fs.trace.filter((r) => r.failed !== undefined);
    assert.deepEqual(failed, [{ ...probe.trace[k - 1], failed: 'EIO' }]);
  }
});
