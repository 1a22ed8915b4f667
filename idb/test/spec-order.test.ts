/**
 * Order of checks where fake-indexeddb (the conformance oracle) differs from the spec's text, so
 * these cases cannot live in src/testing. Each names the spec steps it follows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, isDomError, open } from './support.ts';

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
