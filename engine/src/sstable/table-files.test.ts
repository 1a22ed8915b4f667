import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FS, ReadableFile } from '../vfs/fs.ts';
import { MemFS } from '../vfs/index.ts';
import { TableFiles } from './table-files.ts';

/** A MemFS whose readable handles are counted (open now, opened in total). */
async function countingFS(files: number): Promise<{ fs: FS; open: () => number; opened: () => number }> {
  const mem = new MemFS();
  for (let i = 0; i < files; i++) {
    const w = await mem.create(`/t${i}`);
    await w.append(new Uint8Array(64).fill(i));
    await w.close();
  }
  let open = 0;
  let opened = 0;
  const fs = new Proxy(mem as unknown as FS, {
    get(t, p, recv) {
      const v = Reflect.get(t, p, recv);
      if (p !== 'openReadable') return typeof v === 'function' ? v.bind(t) : v;
      return async (path: string): Promise<ReadableFile> => {
        const f = await mem.openReadable(path);
        open++;
        opened++;
        return { readAt: (o, l) => f.readAt(o, l), size: () => f.size(), close: async () => void open-- };
      };
    },
  });
  return { fs, open: () => open, opened: () => opened };
}

test('at most max handles stay open; an evicted file reopens on its next read, with its bytes', async () => {
  const c = await countingFS(10);
  const files = new TableFiles(c.fs, 3);
  for (let i = 0; i < 10; i++) files.adopt(i, `/t${i}`, await c.fs.openReadable(`/t${i}`));
  await new Promise((r) => setImmediate(r));
  assert.equal(c.open(), 3);
  assert.equal(files.open, 3);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 10; i++) {
      const b = await files.use(i, (f) => f.readAt(5, 2));
      assert.deepEqual([...b], [i, i]);
      assert.ok(c.open() <= 3, `open ${c.open()}`);
    }
  }
  assert.ok(files.reopens >= 27, `reopens ${files.reopens}`);
  await Promise.all(Array.from({ length: 10 }, (_, i) => files.close(i)));
  assert.equal(c.open(), 0);
  assert.equal(files.open, 0);
});

test('a handle in use is not closed under its read; the bound is exceeded only by reads in flight', async () => {
  const c = await countingFS(4);
  const files = new TableFiles(c.fs, 1);
  for (let i = 0; i < 4; i++) files.adopt(i, `/t${i}`, await c.fs.openReadable(`/t${i}`));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow = files.use(0, async (f) => {
    await gate;
    return f.readAt(0, 1);
  });
  const others = await Promise.all([1, 2, 3].map((i) => files.use(i, (f) => f.readAt(0, 1))));
  assert.deepEqual(others.map((b) => b[0]), [1, 2, 3]);
  assert.ok(c.open() <= 2, `the busy handle plus one: ${c.open()}`);
  release();
  assert.equal((await slow)[0], 0);
  await new Promise((r) => setImmediate(r));
  assert.equal(c.open(), 1);
});

test('closing a table while it reads closes its handle when the read ends; later use is CLOSED', async () => {
  const c = await countingFS(1);
  const files = new TableFiles(c.fs, 8);
  files.adopt(0, '/t0', await c.fs.openReadable('/t0'));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const read = files.use(0, async (f) => {
    await gate;
    return f.readAt(0, 1);
  });
  const closed = files.close(0);
  assert.equal(c.open(), 1);
  release();
  await read;
  await closed;
  await new Promise((r) => setImmediate(r));
  assert.equal(c.open(), 0);
  await assert.rejects(files.use(0, (f) => f.readAt(0, 1)), { code: 'CLOSED' });
});

test('a failed reopen is an IO_ERROR and the next read tries again', async () => {
  const c = await countingFS(2);
  const files = new TableFiles(c.fs, 1);
  files.adopt(0, '/gone', await c.fs.openReadable('/t0'));
  files.adopt(1, '/t1', await c.fs.openReadable('/t1'));
  await new Promise((r) => setImmediate(r));
  await assert.rejects(files.use(0, (f) => f.readAt(0, 1)), { code: 'IO_ERROR' });
  assert.equal(files.open, c.open(), 'the failed open is not counted');
  assert.equal((await files.use(1, (f) => f.readAt(0, 1)))[0], 1);
  assert.equal(files.open, 1);
});
