/** MemFS crash semantics: what crashClone() keeps after a simulated power loss. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFS } from './mem-fs.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A MemFS with /db holding durable files `name` → content. */
async function withFiles(files: Record<string, string>): Promise<MemFS> {
  const fs = new MemFS();
  await fs.mkdirp('/db');
  for (const [name, c] of Object.entries(files)) {
    const w = await fs.create(`/db/${name}`);
    await w.append(enc(c));
    await w.sync();
    await w.close();
  }
  await fs.syncDir('/db');
  return fs;
}

test('unsynced appends are dropped; synced ones kept', async () => {
  const fs = await withFiles({ log: 'durable|' });
  const w = await fs.openAppend('/db/log');
  await w.append(enc('volatile'));
  assert.equal(dec(await fs.crashClone().readFile('/db/log')), 'durable|');
  await w.sync();
  assert.equal(dec(await fs.crashClone().readFile('/db/log')), 'durable|volatile');
});

test('truncate is durable at once', async () => {
  const fs = await withFiles({ log: '0123456789' });
  await fs.truncate('/db/log', 3);
  assert.equal(dec(await fs.crashClone().readFile('/db/log')), '012');
});

test('create without syncDir vanishes; with syncDir survives', async () => {
  const fs = await withFiles({});
  const w = await fs.create('/db/new');
  await w.append(enc('x'));
  await w.sync();
  assert.deepEqual(await fs.crashClone().list('/db'), [], fs.dump());
  await fs.syncDir('/db');
  assert.equal(dec(await fs.crashClone().readFile('/db/new')), 'x', fs.dump());
});

test('rename without syncDir is undone; with syncDir it sticks', async () => {
  const fs = await withFiles({ 'CURRENT.tmp': 'new', CURRENT: 'old' });
  await fs.rename('/db/CURRENT.tmp', '/db/CURRENT');
  let c = fs.crashClone();
  assert.deepEqual(await c.list('/db'), ['CURRENT', 'CURRENT.tmp'], c.dump());
  assert.equal(dec(await c.readFile('/db/CURRENT')), 'old');
  assert.equal(dec(await c.readFile('/db/CURRENT.tmp')), 'new');
  await fs.syncDir('/db');
  c = fs.crashClone();
  assert.deepEqual(await c.list('/db'), ['CURRENT']);
  assert.equal(dec(await c.readFile('/db/CURRENT')), 'new');
});

test('rename across directories needs both syncDirs', async () => {
  const fs = await withFiles({ f: 'data' });
  await fs.mkdirp('/db/sub');
  await fs.rename('/db/f', '/db/sub/f');
  await fs.syncDir('/db/sub');
  const c = fs.crashClone(); // source dir not synced: the file shows under both names
  assert.equal(dec(await c.readFile('/db/f')), 'data');
  assert.equal(dec(await c.readFile('/db/sub/f')), 'data');
});

test('remove without syncDir is undone', async () => {
  const fs = await withFiles({ old: 'keep' });
  await fs.remove('/db/old');
  assert.equal(dec(await fs.crashClone().readFile('/db/old')), 'keep');
  await fs.syncDir('/db');
  assert.equal(await fs.crashClone().stat('/db/old'), undefined);
});

test('mkdirp directories are durable', async () => {
  const fs = new MemFS();
  await fs.mkdirp('/a/b/c');
  assert.equal((await fs.crashClone().stat('/a/b/c'))?.isDirectory, true);
});

test('volatileDirs: a new directory and what it holds vanish until its parent is synced', async () => {
  const fs = new MemFS({ volatileDirs: true });
  await fs.mkdirp('/a/b');
  const w = await fs.create('/a/b/f');
  await w.append(enc('x'));
  await w.sync();
  await fs.syncDir('/a/b');
  await fs.syncDir('/a');
  assert.equal(await fs.crashClone().stat('/a'), undefined, fs.dump()); // '/' not synced
  await fs.syncDir('/');
  const c = fs.crashClone();
  assert.equal(dec(await c.readFile('/a/b/f')), 'x', c.dump());
  await c.mkdirp('/a/c'); // the clone keeps the setting
  assert.equal(await c.crashClone().stat('/a/c'), undefined);
});

test('keepUnsyncedFraction keeps a random prefix of the unsynced tail', async () => {
  const fs = await withFiles({ log: 'S' });
  const w = await fs.openAppend('/db/log');
  await w.append(enc('0123456789'));
  const keepAll = await fs.crashClone({ keepUnsyncedFraction: 1, rng: () => 0.999 }).readFile('/db/log');
  assert.equal(dec(keepAll), 'S0123456789');
  const half = await fs.crashClone({ keepUnsyncedFraction: 0.5, rng: () => 0.999 }).readFile('/db/log');
  assert.equal(dec(half), 'S01234');
  const none = await fs.crashClone({ keepUnsyncedFraction: 1, rng: () => 0 }).readFile('/db/log');
  assert.equal(dec(none), 'S');
  for (let i = 0; i < 20; i++) {
    const got = dec(await fs.crashClone({ keepUnsyncedFraction: 1 }).readFile('/db/log'));
    assert.ok('S0123456789'.startsWith(got) && got.startsWith('S'), got);
  }
});

test('garbageTail appends random bytes only to files with unsynced data', async () => {
  const fs = await withFiles({ clean: 'c', dirty: 'd' });
  const w = await fs.openAppend('/db/dirty');
  await w.append(enc('xyz'));
  const c = fs.crashClone({ garbageTail: true, rng: () => 0.5 });
  assert.equal(dec(await c.readFile('/db/clean')), 'c');
  const dirty = await c.readFile('/db/dirty');
  assert.equal(dirty[0], 'd'.charCodeAt(0));
  assert.ok(dirty.length >= 2 && dirty.length <= 9, c.dump());
});

test('the clone is independent of the original, and locks are not carried over', async () => {
  const fs = await withFiles({ f: 'one' });
  const lock = await fs.lock('/db/LOCK');
  await fs.syncDir('/db');
  const c = fs.crashClone();
  const w = await fs.openAppend('/db/f');
  await w.append(enc('-orig'));
  await w.sync();
  const wc = await c.openAppend('/db/f');
  await wc.append(enc('-clone'));
  assert.equal(dec(await fs.readFile('/db/f')), 'one-orig');
  assert.equal(dec(await c.readFile('/db/f')), 'one-clone');
  await (await c.lock('/db/LOCK')).release(); // stale lock file in the clone is taken over
  await assert.rejects(fs.lock('/db/LOCK'), { code: 'ELOCKED' });
  await lock.release();
});

test('dump lists files, sizes and volatile names', async () => {
  const fs = await withFiles({ a: 'xx' });
  await (await fs.create('/db/b')).close();
  const d = fs.dump();
  assert.match(d, /\/db\/a 2B synced=2$/m);
  assert.match(d, /\/db\/b 0B synced=0 \(volatile\)/);
});
