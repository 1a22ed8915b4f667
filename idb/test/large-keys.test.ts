/**
 * Large keys. The spec sets no key size limit; ours is the engine's key bound (1 MiB encoded,
 * MAX_KEY_BYTES), past which a request fails with DataError. A 10,001-element array key and a
 * 100,000-character string key are ordinary keys: stored, ordered, indexed, read back from
 * tables after a flush and a reopen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_KEY_BYTES } from '@flowdb/engine';
import { done, harness, isDomError, open, result } from './support.ts';

const SMALL = { memtableBytes: 64 * 1024, blockBytes: 4096, levelBaseBytes: 256 * 1024, targetFileBytes: 64 * 1024 };

test('large keys: array and string keys over 64 KiB are stored, ordered, indexed and survive a reopen', async () => {
  const h = await harness(SMALL);
  let db = await open(h.factory, 'db', 1, (d) => {
    d.createObjectStore('s');
    d.createObjectStore('byKey', { keyPath: 'k' }).createIndex('k2', 'k2');
  });
  const a10000 = Array.from({ length: 10_000 }, (_, i) => i);
  const a10001 = Array.from({ length: 10_001 }, (_, i) => i);
  const longString = 'x'.repeat(100_000);
  const longer = longString + 'y';
  const tx = db.transaction(['s', 'byKey'], 'readwrite');
  const s = tx.objectStore('s');
  for (const k of [a10001, longer, a10000, longString, 1, 'a']) s.put(String(Array.isArray(k) ? k.length : typeof k === 'string' ? k.length : k), k);
  tx.objectStore('byKey').put({ k: a10001, k2: longString });
  await done(tx);
  await h.engine.flush();
  assert.ok(h.engine.stats().sstableCount > 0, 'the keys were written to tables');
  db.close();
  await h.reopen();
  db = await open(h.factory, 'db');
  const r = db.transaction(['s', 'byKey']);
  const keys = await result<unknown[]>(r.objectStore('s').getAllKeys());
  assert.deepEqual(keys.map((k) => (Array.isArray(k) ? `array ${k.length}` : typeof k === 'string' ? `string ${k.length}` : k)),
    [1, 'string 1', 'string 100000', 'string 100001', 'array 10000', 'array 10001'], 'numbers < strings < arrays; shorter prefix first');
  assert.equal(await result(r.objectStore('s').get(a10001)), '10001');
  assert.equal(await result(r.objectStore('s').count(longString)), 1);
  const v = await result<{ k: number[] }>(r.objectStore('byKey').index('k2').get(longString));
  assert.equal(v.k.length, 10_001);
  db.close();
  await h.close();
});

test('large keys: a key past the engine bound fails its request with DataError, the transaction goes on', async () => {
  const h = await harness();
  const db = await open(h.factory, 'db', 1, (d) => { d.createObjectStore('s').createIndex('i', 'i'); });
  const tx = db.transaction('s', 'readwrite');
  const s = tx.objectStore('s');
  const tooBig = 'z'.repeat(MAX_KEY_BYTES);
  const req = s.put('v', tooBig);
  await assert.rejects(result(req), isDomError('DataError'));
  const idxReq = s.put({ i: tooBig }, 2);
  await assert.rejects(result(idxReq), isDomError('DataError'), 'an index key past the bound too');
  s.put('ok', 1);
  await done(tx);
  assert.equal(await result(db.transaction('s').objectStore('s').count()), 1);
  db.close();
  await h.close();
});
