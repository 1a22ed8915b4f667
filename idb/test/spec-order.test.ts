/**
 * Spec behaviour where fake-indexeddb (the conformance oracle) differs from the spec's text, so
 * these cases cannot live in src/testing. Each names the spec steps it follows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBKeyRange } from '../src/index.ts';
import { done, harness, isDomError, open } from './support.ts';

test('transaction(): "versionchange" passes the IDL enum, then fails after the scope checks', async () => {
  const h = await harness();
  try {
    const db = await open(h.factory, 'db', 1, (d) => void d.createObjectStore('s'));
    // #dom-idbdatabase-transaction: step 4 (NotFoundError) and 5 (InvalidAccessError) come
    // before step 6 (mode is not readonly/readwrite: TypeError).
    assert.throws(() => db.transaction('nope', 'versionchange'), isDomError('NotFoundError'));
    assert.throws(() => db.transaction([], 'versionchange'), isDomError('InvalidAccessError'));
    assert.throws(() => db.transaction('s', 'versionchange'), TypeError);
    // A value outside the enum fails when the argument is converted, before any step.
    assert.throws(() => db.transaction('nope', 'bogus' as IDBTransactionMode), TypeError);
    db.close();
  } finally {
    await h.close();
  }
});

test('a failed store leaves the key generator where it was, for explicit and generated keys', async () => {
  const h = await harness();
  try {
    const db = await open(h.factory, 'db', 1, (d) => {
      d.createObjectStore('s', { keyPath: 'id', autoIncrement: true }).createIndex('u', 'u', { unique: true });
    });
    // #key-generator-construct: changing the current number is part of the operation, so a
    // failed operation (here a unique index ConstraintError) reverts it.
    const tx = db.transaction('s', 'readwrite');
    const s = tx.objectStore('s');
    const keys: unknown[] = [];
    const fails: string[] = [];
    const add = (v: object): void => {
      const r = s.add(v);
      r.onsuccess = () => keys.push(r.result);
      r.onerror = (e) => { e.preventDefault(); fails.push(r.error?.name ?? '?'); };
    };
    add({ u: 1 });
    add({ id: 10, u: 1 });
    add({ u: 1 });
    add({ u: 2 });
    await done(tx);
    assert.deepEqual(fails, ['ConstraintError', 'ConstraintError']);
    assert.deepEqual(keys, [1, 2], 'neither the explicit 10 nor the generated 2 of the failed adds was kept');
    db.close();
  } finally {
    await h.close();
  }
});

test('a Proxy is never a key, even of an array or a Date', async () => {
  // #convert-value-to-key: an Array exotic object, or an object with [[DateValue]] or
  // [[ArrayBufferData]]; a Proxy is none of them (Array.isArray() still answers true for it).
  const h = await harness();
  try {
    const proxies = [new Proxy([1, 2, 3], {}), new Proxy(new Date(0), {}), new Proxy(new ArrayBuffer(2), {}), [1, new Proxy([2], {})]];
    for (const p of proxies) {
      assert.throws(() => h.factory.cmp(p, 1), isDomError('DataError'));
      assert.throws(() => IDBKeyRange.only(p), isDomError('DataError'));
    }
    const db = await open(h.factory, 'db', 1, (d) => void d.createObjectStore('s'));
    const tx = db.transaction('s', 'readwrite');
    assert.throws(() => tx.objectStore('s').put('v', new Proxy([1], {})), isDomError('DataError'));
    assert.equal(h.factory.cmp([1, 2, 3], [1, 2, 3]), 0, 'the same array without a proxy is a key');
    await done(tx);
    db.close();
  } finally {
    await h.close();
  }
});

test("the open request's transaction is reset in the complete/abort task, after its handlers' microtasks", async () => {
  // #abort-a-transaction / #commit-a-transaction: the queued task fires the event, then sets the
  // open request's transaction to null; a browser runs the handlers' microtasks in between.
  const h = await harness();
  try {
    for (const abort of [false, true]) {
      const seen: string[] = [];
      const r = h.factory.open(abort ? 'a' : 'c', 1);
      await new Promise<void>((resolve) => {
        r.onupgradeneeded = () => {
          const tx = r.transaction as NonNullable<typeof r.transaction>;
          tx.addEventListener(abort ? 'abort' : 'complete', () => {
            seen.push(`handler: ${r.transaction === tx}`);
            void Promise.resolve().then(() => seen.push(`microtask: ${r.transaction === tx}`));
            setImmediate(() => seen.push(`next task: ${r.transaction === null}`));
          });
          if (abort) tx.abort();
        };
        r.onsuccess = () => { (r.result as { close(): void }).close(); resolve(); };
        r.onerror = (e) => { e.preventDefault(); resolve(); };
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.deepEqual(seen, ['handler: true', 'microtask: true', 'next task: true'], abort ? 'abort' : 'complete');
    }
  } finally {
    await h.close();
  }
});
