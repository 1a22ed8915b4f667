/**
 * Store and index handle names (spec: an IDBObjectStore / IDBIndex handle has its own name,
 * changed by a rename through that handle and reverted when its upgrade transaction aborts).
 * A handle whose transaction has finished keeps its name when a later upgrade (on another
 * connection) renames the store or index.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDBIndex, IDBObjectStore } from '../src/index.ts';
import { done, harness, open } from './support.ts';

test('handle names: an old handle keeps its name after a later upgrade renames; the renaming handle shows the new one', async () => {
  const h = await harness();
  let oldStore!: IDBObjectStore;
  let oldIndex!: IDBIndex;
  let db = await open(h.factory, 'db', 1, (d) => {
    oldStore = d.createObjectStore('books', { keyPath: 'id' });
    oldIndex = oldStore.createIndex('by_author', 'author');
  });
  const tx = db.transaction('books');
  const roStore = tx.objectStore('books');
  const roIndex = roStore.index('by_author');
  await done(tx);
  db.close();
  let renamedStore!: IDBObjectStore;
  let renamedIndex!: IDBIndex;
  db = await open(h.factory, 'db', 2, (_d, up) => {
    renamedStore = up.objectStore('books');
    renamedIndex = renamedStore.index('by_author');
    renamedIndex.name = 'by_writer';
    renamedStore.name = 'volumes';
    assert.equal(renamedIndex.name, 'by_writer', 'a rename shows at once');
    assert.equal(renamedStore.name, 'volumes');
  });
  assert.deepEqual([oldStore.name, oldIndex.name, roStore.name, roIndex.name], ['books', 'by_author', 'books', 'by_author']);
  assert.deepEqual([renamedStore.name, renamedIndex.name], ['volumes', 'by_writer']);
  const now = db.transaction('volumes').objectStore('volumes');
  assert.equal(now.index('by_writer').name, 'by_writer');
  db.close();
  await h.close();
});

test('handle names: an aborted upgrade reverts the names of its handles, and they stay reverted', async () => {
  const h = await harness();
  let db = await open(h.factory, 'db', 1, (d) => { d.createObjectStore('s').createIndex('i', 'x'); });
  db.close();
  let store!: IDBObjectStore;
  let index!: IDBIndex;
  const req = h.factory.open('db', 2);
  await new Promise<void>((resolve) => {
    req.onupgradeneeded = () => {
      const up = req.transaction!;
      store = up.objectStore('s');
      index = store.index('i');
      store.name = 's2';
      index.name = 'i2';
      up.abort();
      assert.equal(store.name, 's', 'reverted by the abort');
      assert.equal(index.name, 'i');
    };
    req.onerror = (e) => { e.preventDefault(); resolve(); };
  });
  db = await open(h.factory, 'db', 3, (_d, up) => { up.objectStore('s').name = 'renamed'; });
  assert.equal(store.name, 's');
  assert.equal(index.name, 'i');
  db.close();
  await h.close();
});

test('handle names: a finished upgrade transaction keeps its objectStoreNames when a later upgrade adds a store', async () => {
  const h = await harness();
  let first!: { objectStoreNames: ArrayLike<string> };
  let db = await open(h.factory, 'db', 1, (d, up) => { first = up; d.createObjectStore('s2'); d.createObjectStore('s3'); });
  db.close();
  db = await open(h.factory, 'db', 2, (d, up) => {
    d.createObjectStore('s4');
    assert.deepEqual(Array.from(up.objectStoreNames), ['s2', 's3', 's4']);
  });
  assert.deepEqual(Array.from(first.objectStoreNames), ['s2', 's3']);
  db.close();
  await h.close();
});
