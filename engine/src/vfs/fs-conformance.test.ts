/**
 * One behaviour suite run against NodeFS (in a fresh temp dir) and MemFS, so MemFS
 * cannot drift from what the real file system does.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FS } from './fs.ts';
import { joinPath } from './fs.ts';
import { MemFS } from './mem-fs.ts';
import { NodeFS } from './node-fs.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function hasCode(code: string): (e: unknown) => boolean {
  return (e) => typeof e === 'object' && e !== null && 'code' in e && e.code === code;
}

interface Subject {
  name: string;
  /** A fresh FS and an existing empty directory in it. */
  make(): Promise<{ fs: FS; dir: string }>;
}

const tmpDirs: string[] = [];
const nfs = await import('node:fs/promises');
const { tmpdir } = await import('node:os');

const subjects: Subject[] = [
  {
    name: 'NodeFS',
    make: async () => {
      const dir = await nfs.mkdtemp(joinPath(tmpdir(), 'flowdb-vfs-'));
      tmpDirs.push(dir);
      return { fs: new NodeFS(), dir };
    },
  },
  {
    name: 'MemFS',
    make: async () => {
      const fs = new MemFS();
      await fs.mkdirp('/tmp/t');
      return { fs, dir: '/tmp/t' };
    },
  },
];

after(async () => {
  for (const d of tmpDirs) await nfs.rm(d, { recursive: true, force: true });
});

for (const s of subjects) {
  describe(`FS conformance: ${s.name}`, () => {
    test('create, append, size, readAt, readFile', async () => {
      const { fs, dir } = await s.make();
      const p = joinPath(dir, 'a');
      const w = await fs.create(p);
      assert.equal(w.size(), 0);
      await w.append(enc('hello '));
      await w.append(enc('world'));
      assert.equal(w.size(), 11);
      await w.sync();
      await w.close();
      assert.equal(dec(await fs.readFile(p)), 'hello world');
      const r = await fs.openReadable(p);
      assert.equal(r.size(), 11);
      assert.deepEqual(await r.readAt(6, 5), enc('world'));
      assert.deepEqual(await r.readAt(11, 0), new Uint8Array(0));
      await assert.rejects(r.readAt(8, 4), hasCode('EOF'));
      await r.close();
      assert.deepEqual(await fs.stat(p), { size: 11, isDirectory: false });
    });

    test('an append after truncate(path) of an open file lands at the new end (WAL rollback)', async () => {
      const { fs, dir } = await s.make();
      const p = joinPath(dir, 'wal');
      const w = await fs.create(p);
      await w.append(enc('good-'));
      await w.append(enc('torn'));
      await fs.truncate(p, 5);
      await w.append(enc('next'));
      await w.sync();
      await w.close();
      assert.equal(dec(await fs.readFile(p)), 'good-next');
    });

    test('create truncates an existing file; openAppend continues at the end', async () => {
      const { fs, dir } = await s.make();
      const p = joinPath(dir, 'a');
      let w = await fs.create(p);
      await w.append(enc('old-content'));
      await w.close();
      w = await fs.create(p);
      await w.append(enc('ab'));
      await w.close();
      w = await fs.openAppend(p);
      assert.equal(w.size(), 2);
      await w.append(enc('cd'));
      assert.equal(w.size(), 4);
      await w.close();
      assert.equal(dec(await fs.readFile(p)), 'abcd');
      await assert.rejects(w.append(enc('x')), hasCode('EBADF'));
    });

    test('truncate cuts and zero-extends', async () => {
      const { fs, dir } = await s.make();
      const p = joinPath(dir, 'a');
      const w = await fs.create(p);
      await w.append(enc('0123456789'));
      await w.close();
      await fs.truncate(p, 4);
      assert.equal(dec(await fs.readFile(p)), '0123');
      await fs.truncate(p, 6);
      assert.deepEqual(await fs.readFile(p), new Uint8Array([48, 49, 50, 51, 0, 0]));
      await assert.rejects(fs.truncate(joinPath(dir, 'nope'), 0), hasCode('ENOENT'));
    });

    test('rename over an existing file, remove, list sorted', async () => {
      const { fs, dir } = await s.make();
      for (const [n, c] of [['b', 'B'], ['a', 'A'], ['c', 'C']]) {
        const w = await fs.create(joinPath(dir, n ?? ''));
        await w.append(enc(c ?? ''));
        await w.close();
      }
      assert.deepEqual(await fs.list(dir), ['a', 'b', 'c']);
      await fs.rename(joinPath(dir, 'a'), joinPath(dir, 'c'));
      assert.deepEqual(await fs.list(dir), ['b', 'c']);
      assert.equal(dec(await fs.readFile(joinPath(dir, 'c'))), 'A');
      await fs.remove(joinPath(dir, 'b'));
      assert.deepEqual(await fs.list(dir), ['c']);
      await fs.syncDir(dir);
    });

    test('open handles follow the file across rename', async () => {
      const { fs, dir } = await s.make();
      const w = await fs.create(joinPath(dir, 'x'));
      await fs.rename(joinPath(dir, 'x'), joinPath(dir, 'y'));
      await w.append(enc('moved'));
      await w.close();
      assert.equal(dec(await fs.readFile(joinPath(dir, 'y'))), 'moved');
    });

    test('missing paths: ENOENT codes and stat undefined', async () => {
      const { fs, dir } = await s.make();
      const missing = joinPath(dir, 'missing');
      assert.equal(await fs.stat(missing), undefined);
      assert.equal(await fs.stat(joinPath(missing, 'deeper')), undefined);
      await assert.rejects(fs.openReadable(missing), hasCode('ENOENT'));
      await assert.rejects(fs.openAppend(missing), hasCode('ENOENT'));
      await assert.rejects(fs.readFile(missing), hasCode('ENOENT'));
      await assert.rejects(fs.remove(missing), hasCode('ENOENT'));
      await assert.rejects(fs.rename(missing, joinPath(dir, 'x')), hasCode('ENOENT'));
      await assert.rejects(fs.list(missing), hasCode('ENOENT'));
      await assert.rejects(fs.syncDir(missing), hasCode('ENOENT'));
      await assert.rejects(fs.create(joinPath(missing, 'f')), hasCode('ENOENT'));
      assert.equal(await fs.stat(missing), undefined); // openAppend must not have created it
    });

    test('directories: mkdirp, EEXIST/ENOTDIR/EISDIR', async () => {
      const { fs, dir } = await s.make();
      const sub = joinPath(dir, 'x/y/z');
      await fs.mkdirp(sub);
      await fs.mkdirp(sub); // idempotent
      assert.equal((await fs.stat(sub))?.isDirectory, true);
      assert.deepEqual(await fs.list(joinPath(dir, 'x')), ['y']);
      const f = joinPath(dir, 'f');
      await (await fs.create(f)).close();
      await assert.rejects(fs.mkdirp(f), hasCode('EEXIST'));
      await assert.rejects(fs.mkdirp(joinPath(f, 'sub')), hasCode('ENOTDIR'));
      await assert.rejects(fs.create(joinPath(f, 'sub')), hasCode('ENOTDIR'));
      await assert.rejects(fs.list(f), hasCode('ENOTDIR'));
      await assert.rejects(fs.create(sub), hasCode('EISDIR'));
      await assert.rejects(fs.readFile(sub), hasCode('EISDIR'));
      await assert.rejects(fs.remove(sub), hasCode('EISDIR'));
      await assert.rejects(fs.rename(f, sub), hasCode('EISDIR'));
    });

    test('lock is exclusive until released', async () => {
      const { fs, dir } = await s.make();
      const p = joinPath(dir, 'LOCK');
      const l = await fs.lock(p);
      assert.equal((await fs.stat(p))?.isDirectory, false);
      await assert.rejects(fs.lock(p), hasCode('ELOCKED'));
      await l.release();
      await l.release(); // idempotent
      assert.equal(await fs.stat(p), undefined);
      const l2 = await fs.lock(p);
      await l2.release();
      await assert.rejects(fs.lock(joinPath(dir, 'no/LOCK')), hasCode('ENOENT'));
    });

    test('a leftover lock file from a dead holder is taken over', async () => {
      const { fs, dir } = await s.make();
      const p = joinPath(dir, 'LOCK');
      const w = await fs.create(p);
      await w.append(enc(JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: 1 })));
      await w.close();
      const l = await fs.lock(p);
      await l.release();
    });
  });
}
