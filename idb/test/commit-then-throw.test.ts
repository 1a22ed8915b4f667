/**
 * After commit() the transaction is committing, not active: a listener that throws, or an error
 * event nobody prevents, no longer aborts it (spec "fire a success event" / "fire an error
 * event": the abort steps run only while the transaction is active). Before commit() both
 * still abort.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setExceptionReporter } from '../src/index.ts';
import { harness, open, result } from './support.ts';

function outcome(tx: { oncomplete: unknown; onabort: unknown }): Promise<string> {
  return new Promise((resolve) => { tx.oncomplete = () => resolve('complete'); tx.onabort = () => resolve('abort'); });
}

test('commit then throw: a throwing success listener or an unprevented error after commit() does not abort', async () => {
  const h = await harness();
  const reported: unknown[] = [];
  setExceptionReporter((e) => reported.push(e));
  try {
    const db = await open(h.factory, 'db', 1, (d) => { d.createObjectStore('s'); });
    let tx = db.transaction('s', 'readwrite');
    const put = tx.objectStore('s').put('one', 1);
    const dup = tx.objectStore('s').add('again', 1); // ConstraintError, not prevented
    tx.commit();
    put.onsuccess = () => { throw new Error('thrown after commit()'); };
    dup.onerror = () => { /* not prevented */ };
    assert.equal(await outcome(tx), 'complete');
    assert.equal(await result(db.transaction('s').objectStore('s').get(1)), 'one');
    assert.equal(reported.length, 1, 'the exception is still reported');

    tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').put('two', 2).onsuccess = () => { throw new Error('thrown while active'); };
    assert.equal(await outcome(tx), 'abort', 'without commit() a throwing listener aborts');
    assert.equal(await result(db.transaction('s').objectStore('s').get(2)), undefined);
    db.close();
  } finally {
    setExceptionReporter((e) => process.nextTick(() => { throw e; }));
    await h.close();
  }
});
