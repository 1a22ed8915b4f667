/**
 * Requests of transactions that run at the same time (readonly ones; readwrite ones with
 * disjoint scopes) fire their events in the order the requests were made, whichever read
 * finishes first (browsers and fake-indexeddb do; WPT idbtransaction-oncomplete relies on it).
 * A transaction that has not started yet never holds back a running one.
 * After an upgrade, the open request's success comes before the events of requests made in the
 * upgrade transaction's complete handler (WPT transaction-create_in_versionchange).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDBDatabase } from '../src/index.ts';
import { done, harness, open, result } from './support.ts';

async function setup() {
  const h = await harness();
  const db = await open(h.factory, 'db', 1, (d) => {
    const a = d.createObjectStore('a');
    for (let i = 0; i < 3000; i++) a.put({ i, pad: 'p'.repeat(50) }, i);
    d.createObjectStore('b').put('one', 1);
  });
  return { h, db };
}

test('cross-transaction order: two readonly transactions fire in request order (a slow cursor/getAll, then a count)', async () => {
  const { h, db } = await setup();
  const seen: string[] = [];
  const t1 = db.transaction('a', 'readonly');
  t1.objectStore('a').getAll().onsuccess = () => seen.push('getAll');
  const cur = t1.objectStore('a').openCursor();
  cur.onsuccess = () => { if (!seen.includes('cursor')) seen.push('cursor'); };
  const t2 = db.transaction(['a', 'b'], 'readonly');
  t2.objectStore('b').count().onsuccess = () => seen.push('count');
  t2.objectStore('b').get(1).onsuccess = () => seen.push('get');
  await Promise.all([done(t1), done(t2)]);
  assert.deepEqual(seen.slice(0, 4), ['getAll', 'cursor', 'count', 'get']);
  db.close();
  await h.close();
});

test('cross-transaction order: disjoint readwrite transactions fire in request order; a waiting transaction holds nothing back', async () => {
  const { h, db } = await setup();
  const seen: string[] = [];
  const t1 = db.transaction('a', 'readwrite');
  t1.objectStore('a').getAll().onsuccess = () => seen.push('t1 getAll');
  const t2 = db.transaction('b', 'readwrite');
  t2.objectStore('b').put('two', 2).onsuccess = () => seen.push('t2 put');
  // t3 overlaps t1 and t2: it starts only when both finish, and its request fires last.
  const t3 = db.transaction(['a', 'b'], 'readwrite');
  t3.objectStore('b').count().onsuccess = () => seen.push('t3 count');
  // t4 overlaps t3 only through 'b'... and t2; created after t3, it waits for t3.
  const t4 = db.transaction('b', 'readonly');
  t4.objectStore('b').get(2).onsuccess = (e) => seen.push(`t4 get ${String((e.target as unknown as { result: unknown }).result)}`);
  await Promise.all([done(t1), done(t2), done(t3), done(t4)]);
  assert.deepEqual(seen, ['t1 getAll', 't2 put', 't3 count', 't4 get two']);
  assert.equal(await result(db.transaction('b').objectStore('b').count()), 2);
  db.close();
  await h.close();
});

test('cross-transaction order: after an upgrade, the open request\'s success comes before events of requests made in the complete handler', async () => {
  const h = await harness();
  const seen: string[] = [];
  const req = h.factory.open('db', 1);
  await new Promise<void>((resolve) => {
    req.onupgradeneeded = () => {
      const db = req.result as IDBDatabase;
      db.createObjectStore('s').add('v', 1);
      req.transaction!.oncomplete = () => {
        seen.push('complete');
        db.transaction('s').objectStore('s').count().onsuccess = () => { seen.push('count'); resolve(); };
      };
    };
    req.onsuccess = () => seen.push('open success');
  });
  assert.deepEqual(seen, ['complete', 'open success', 'count']);
  (req.result as IDBDatabase).close();
  await h.close();
});
