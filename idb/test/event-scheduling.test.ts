/**
 * Request events are dispatched after the microtask checkpoint rather than one event-loop turn
 * each (scheduling.ts queueEventTask): they stay asynchronous and in order, and a long run of
 * them still lets timers and I/O in every few ms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IDBDatabase } from '../src/index.ts';
import { done, harness, open } from './support.ts';

async function filled(n: number): Promise<{ db: IDBDatabase; close(): Promise<void> }> {
  const h = await harness();
  const db = await open(h.factory, 'db', 1, (d) => {
    const s = d.createObjectStore('s');
    for (let i = 0; i < n; i++) s.put(i, i);
  });
  return { db, close: async () => { db.close(); await h.close(); } };
}

test('request events are asynchronous, in order, after the caller\'s promise continuations', async () => {
  const { db, close } = await filled(10);
  const log: string[] = [];
  const tx = db.transaction('s');
  const s = tx.objectStore('s');
  for (let i = 0; i < 5; i++) s.get(i).onsuccess = () => log.push(`get ${i}`);
  log.push('sync');
  await Promise.resolve();
  await Promise.resolve();
  log.push('microtasks');
  await done(tx);
  assert.deepEqual(log, ['sync', 'microtasks', 'get 0', 'get 1', 'get 2', 'get 3', 'get 4']);
  await close();
});

test('a long run of request events lets the event loop turn (setImmediate callbacks run meanwhile)', async () => {
  const { db, close } = await filled(200);
  const tx = db.transaction('s');
  const s = tx.objectStore('s');
  const N = 20_000;
  let immediates = 0;
  let ranBeforeLast = -1;
  let first = 0;
  let last = 0;
  for (let i = 0; i < N; i++) {
    const r = s.get(i % 200);
    if (i === 0) r.onsuccess = () => { first = performance.now(); setImmediate(() => { immediates++; }); };
    if (i === N - 1) r.onsuccess = () => { last = performance.now(); ranBeforeLast = immediates; };
  }
  await done(tx);
  const ms = last - first;
  // The setImmediate queued at the first event runs within ~4 ms, long before the last event.
  if (ms > 40) assert.equal(ranBeforeLast, 1, `the setImmediate did not run during ${ms.toFixed(0)} ms of request events`);
  else assert.ok(ms >= 0);
  await close();
});
