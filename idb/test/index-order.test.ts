/**
 * createIndex/deleteIndex take effect in request order (BUG-4): a write queued before createIndex
 * runs without the new index, one queued after it with it; a unique index over duplicates
 * aborts the upgrade with ConstraintError and fires no request error event.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IDBDatabase, IDBTransaction } from '../src/index.ts';
import { harness } from './support.ts';

test('requests see createIndex and deleteIndex in queue order', async () => {
  const h = await harness();
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const r = h.factory.open('db', 1);
    r.onupgradeneeded = () => {
      const tx = r.transaction as IDBTransaction;
      const s = (r.result as IDBDatabase).createObjectStore('s');
      const add1 = s.add({ a: 'x' }, 1);
      add1.onsuccess = () => log.push('add1 success');
      s.createIndex('a', 'a', { unique: true });
      const add2 = s.add({ a: 'x' }, 2);
      add2.onsuccess = () => log.push('add2 success');
      add2.onerror = (e: Event) => { log.push(`add2 ${add2.error?.name}`); e.preventDefault(); };
      s.deleteIndex('a');
      const add3 = s.add({ a: 'x' }, 3);
      add3.onsuccess = () => log.push('add3 success');
      tx.oncomplete = () => log.push('complete');
    };
    r.onsuccess = () => { (r.result as IDBDatabase).close(); resolve(); };
    r.onerror = () => reject(r.error);
  });
  assert.deepEqual(log, ['add1 success', 'add2 ConstraintError', 'add3 success', 'complete']);
  await h.close();
});

test('a unique createIndex over earlier duplicates aborts the upgrade with ConstraintError, no request error event', async () => {
  const h = await harness();
  const log: string[] = [];
  const openError = await new Promise<string | undefined>((resolve) => {
    const r = h.factory.open('db', 1);
    r.onupgradeneeded = () => {
      const tx = r.transaction as IDBTransaction;
      const db = r.result as IDBDatabase;
      db.addEventListener('error', (e: Event) => log.push(`error event at ${Object.prototype.toString.call(e.target)}`));
      const s = db.createObjectStore('s');
      s.add({ a: 'x' }, 1).onsuccess = () => log.push('add1 success');
      s.add({ a: 'x' }, 2).onsuccess = () => log.push('add2 success');
      s.createIndex('a', 'a', { unique: true });
      tx.onabort = () => log.push(`abort ${tx.error?.name}`);
    };
    r.onsuccess = () => resolve(undefined);
    r.onerror = () => resolve(r.error?.name);
  });
  assert.equal(openError, 'AbortError');
  assert.deepEqual(log, ['add1 success', 'add2 success', 'abort ConstraintError']);
  await h.close();
});
