/**
 * Blob and File values (HTML structured serialization: a Blob keeps its type, size and bytes;
 * a File also its name and lastModified). Stored values hold the bytes, so they survive a
 * reopen of the engine; one Blob met twice in a value is one Blob after a read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { done, harness, open, result } from './support.ts';

test('blob values: Blob and File keep type, size, bytes, name and lastModified across a reopen', async () => {
  const h = await harness();
  let db = await open(h.factory, 'db', 1, (d) => { d.createObjectStore('s'); });
  const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
  const blob = new Blob([bytes], { type: 'application/x-test' });
  const file = new File(['hello file'], 'a.txt', { type: 'text/plain', lastModified: 1_700_000_000_000 });
  const tx = db.transaction('s', 'readwrite');
  tx.objectStore('s').put({ blob, again: blob, file, nested: new Map([['k', [blob]]]), empty: new Blob([]) }, 1);
  tx.objectStore('s').put(file, 2);
  // Read back inside the writing transaction, before commit.
  const early = await result<{ blob: Blob }>(tx.objectStore('s').get(1));
  assert.equal(await early.blob.text(), new TextDecoder().decode(bytes));
  await done(tx);
  db.close();
  await h.reopen();
  db = await open(h.factory, 'db');
  const s = db.transaction('s').objectStore('s');
  const v = await result<{ blob: Blob; again: Blob; file: File; nested: Map<string, Blob[]>; empty: Blob }>(s.get(1));
  assert.ok(v.blob instanceof Blob);
  assert.equal(v.blob.type, 'application/x-test');
  assert.equal(v.blob.size, bytes.length);
  assert.deepEqual(new Uint8Array(await v.blob.arrayBuffer()), bytes);
  assert.equal(v.again, v.blob, 'one Blob met twice is one Blob');
  assert.equal(v.nested.get('k')?.[0], v.blob);
  assert.ok(v.file instanceof File);
  assert.equal(v.file.name, 'a.txt');
  assert.equal(v.file.type, 'text/plain');
  assert.equal(v.file.lastModified, 1_700_000_000_000);
  assert.equal(await v.file.text(), 'hello file');
  assert.equal(v.empty.size, 0);
  const f = await result<File>(s.get(2));
  assert.ok(f instanceof File);
  assert.equal(await f.text(), 'hello file');
  db.close();
  await h.close();
});

test('blob values: key paths see a Blob\'s size and type and a File\'s name; a cursor update keeps the bytes', async () => {
  const h = await harness();
  const db = await open(h.factory, 'db', 1, (d) => {
    const s = d.createObjectStore('s', { keyPath: 'file.name' });
    s.createIndex('size', 'file.size');
    s.createIndex('type', 'file.type');
  });
  const tx = db.transaction('s', 'readwrite');
  const s = tx.objectStore('s');
  s.put({ file: new File(['12345'], 'five', { type: 'x/five' }) });
  s.put({ file: new File(['123'], 'three', { type: 'x/three' }) });
  assert.deepEqual(await result(s.index('size').getAllKeys()), ['three', 'five']);
  assert.deepEqual(await result(s.index('type').getAllKeys('x/five')), ['five']);
  const cur = s.openCursor('three');
  await new Promise<void>((resolve, reject) => {
    cur.onsuccess = () => {
      const c = cur.result as unknown as { value: { file: File; tag?: number }; update(v: unknown): unknown };
      c.value.tag = 1;
      c.update(c.value);
      resolve();
    };
    cur.onerror = () => reject(cur.error);
  });
  const v = await result<{ file: File; tag: number }>(s.get('three'));
  assert.equal(v.tag, 1);
  assert.equal(await v.file.text(), '123');
  await done(tx);
  db.close();
  await h.close();
});
