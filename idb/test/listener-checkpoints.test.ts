/**
 * Events fired by the implementation run a microtask checkpoint after each listener, as a browser
 * does when a listener returns to an empty script stack (HTML "clean up after running script").
 * fake-indexeddb runs all listeners first, so these cases are ours only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatchEvent, IDBEventTarget } from '../src/events.ts';
import { type IDBTransaction, setExceptionReporter } from '../src/index.ts';
import { done, harness, isDomError, open } from './support.ts';

async function withStore<T>(fn: (db: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> {
  const h = await harness();
  try {
    const db = await open(h.factory, 'db', 1, (d) => void d.createObjectStore('s'));
    try {
      return await fn(db);
    } finally {
      db.close();
    }
  } finally {
    await h.close();
  }
}

/** Whether a request can be placed against `tx` now (the spec's "active" state). */
function active(tx: IDBTransaction): boolean {
  try {
    const r = tx.objectStore('s').get(0);
    r.onerror = (e) => e.preventDefault();
    return true;
  } catch (e) {
    assert.ok(isDomError('TransactionInactiveError')(e), String(e));
    return false;
  }
}

test('promise continuations of a success listener run before the next listener', async () => {
  await withStore(async (db) => {
    const log: string[] = [];
    const tx = db.transaction('s', 'readonly');
    const req = tx.objectStore('s').get(1);
    req.addEventListener('success', () => {
      log.push('first');
      void Promise.resolve().then(() => log.push('micro')).then(() => log.push('micro 2'));
    });
    tx.addEventListener('success', () => log.push('capture at tx'), { capture: true, once: true });
    req.addEventListener('success', () => log.push(`second, active: ${active(tx)}`));
    await done(tx);
    assert.deepEqual(log, ['capture at tx', 'first', 'micro', 'micro 2', 'second, active: true']);
  });
});

test('a transaction created in one listener is inactive in the next; its own microtasks see it active', async () => {
  await withStore(async (db) => {
    const log: string[] = [];
    const tx = db.transaction('s', 'readonly');
    const req = tx.objectStore('s').get(1);
    let created: IDBTransaction | undefined;
    let createdDone: Promise<void> | undefined;
    req.addEventListener('success', () => {
      created = db.transaction('s', 'readonly');
      createdDone = done(created);
      void Promise.resolve().then(() => log.push(`new tx in microtask: ${active(created as IDBTransaction)}`));
    });
    req.addEventListener('success', () => {
      log.push(`new tx in next listener: ${active(created as IDBTransaction)}`);
      log.push(`request's tx: ${active(tx)}`);
    });
    await done(tx);
    await createdDone;
    assert.deepEqual(log, ['new tx in microtask: true', 'new tx in next listener: false', "request's tx: true"]);
  });
});

test('an error listener that throws aborts after the remaining listeners ran', async () => {
  const reported: unknown[] = [];
  setExceptionReporter((e) => reported.push(e));
  try {
    await withStore(async (db) => {
      const log: string[] = [];
      const tx = db.transaction('s', 'readwrite');
      tx.objectStore('s').add(1, 'k');
      const req = tx.objectStore('s').add(2, 'k');
      req.addEventListener('error', (e) => {
        e.preventDefault();
        void Promise.resolve().then(() => log.push('micro'));
        throw new Error('boom');
      });
      db.addEventListener('error', () => log.push(`db listener, active: ${active(tx)}`), { once: true });
      await assert.rejects(done(tx), isDomError('AbortError'));
      assert.deepEqual(log, ['micro', 'db listener, active: true']);
      assert.deepEqual(reported.map(String), ['Error: boom']);
    });
  } finally {
    setExceptionReporter((e) => process.nextTick(() => { throw e; }));
  }
});

test('dispatchEvent() called by script stays synchronous: no checkpoint between listeners', () => {
  const t = new IDBEventTarget();
  const log: string[] = [];
  t.addEventListener('x', () => { void Promise.resolve().then(() => log.push('micro')); log.push('first'); });
  t.addEventListener('x', () => log.push('second'));
  dispatchEvent(new Event('x'), [t]);
  assert.deepEqual(log, ['first', 'second']);
});
