/**
 * Random store and index operations against fake-indexeddb as an oracle: mixed key types,
 * unique and multiEntry indexes, key generators, ranges, errors (recorded by name) and aborted
 * transactions must give the same results on both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory as FakeFactory, IDBKeyRange as FakeKeyRange } from 'fake-indexeddb';
import { IDBKeyRange } from '../src/index.ts';
import { harness } from './support.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- both implementations run one untyped script */
function randomKey(r: () => number): unknown {
  const n = Math.floor(r() * 12) - 2;
  switch (Math.floor(r() * 5)) {
    case 0: return n;
    case 1: return n + 0.5;
    case 2: return `k${n}`;
    case 3: return new Date(n * 1000);
    default: return [n % 3, `x${n % 2}`];
  }
}

function randomRange(r: () => number, KR: any): unknown {
  const a = randomKey(r);
  const b = randomKey(r);
  switch (Math.floor(r() * 5)) {
    case 0: return null;
    case 1: return a;
    case 2: return KR.lowerBound(a, r() < 0.5);
    case 3: return KR.upperBound(a, r() < 0.5);
    default: {
      try { return KR.bound(a, b, r() < 0.5, r() < 0.5); } catch { return KR.only(a); }
    }
  }
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x === undefined ? '<undefined>' : x));
}

async function run(f: any, KR: any, seed: number): Promise<string[]> {
  const r = rng(seed);
  const db: any = await new Promise((resolve, reject) => {
    const req = f.open('db', 1);
    req.onupgradeneeded = () => {
      const s = req.result.createObjectStore('s', { keyPath: 'id' });
      s.createIndex('g', 'g');
      s.createIndex('u', 'u', { unique: true });
      s.createIndex('tags', 'tags', { multiEntry: true });
      s.createIndex('pair', ['g', 'id']);
      req.result.createObjectStore('a', { autoIncrement: true });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const out: string[] = [];
  for (let t = 0; t < 25; t++) {
    const tx = db.transaction(['s', 'a'], 'readwrite');
    const s = tx.objectStore('s');
    const a = tx.objectStore('a');
    const n = 1 + Math.floor(r() * 12);
    for (let i = 0; i < n; i++) {
      const op = Math.floor(r() * 14);
      const index = s.index(['g', 'u', 'tags', 'pair'][Math.floor(r() * 4)] as string);
      const doc = () => ({ id: randomKey(r), g: Math.floor(r() * 4), u: `u${Math.floor(r() * 15)}`, tags: [randomKey(r), randomKey(r)] });
      let req: any;
      try {
        switch (op) {
          case 0: case 1: req = s.put(doc()); break;
          case 2: req = s.add(doc()); break;
          case 3: req = s.delete(randomRange(r, KR) ?? KR.lowerBound(-100)); break;
          case 4: req = s.get(randomRange(r, KR) ?? 1); break;
          case 5: req = s.getAll(randomRange(r, KR), Math.floor(r() * 4)); break;
          case 6: req = s.getAllKeys(randomRange(r, KR)); break;
          case 7: req = s.count(randomRange(r, KR)); break;
          case 8: req = index.getAllKeys(randomRange(r, KR), Math.floor(r() * 5)); break;
          case 9: req = index.count(randomRange(r, KR)); break;
          case 10: req = index.get(randomRange(r, KR) ?? 0); break;
          case 11: req = r() < 0.5 ? a.add({ v: i }) : a.put({ v: i }, r() < 0.5 ? Math.floor(r() * 30) : `s${i}`); break;
          case 12: req = a.getAllKeys(); break;
          default: req = r() < 0.15 ? s.clear() : index.getKey(randomRange(r, KR) ?? 0);
        }
      } catch (e) {
        out.push(`${t}.${i} throws ${(e as Error).name}`);
        continue;
      }
      const tag = `${t}.${i} op${op}`;
      req.onsuccess = () => out.push(`${tag} ${show(req.result)}`);
      req.onerror = (e: Event) => { out.push(`${tag} error ${req.error.name}`); e.preventDefault(); };
    }
    const abort = r() < 0.2;
    await new Promise<void>((resolve) => {
      tx.oncomplete = () => { out.push(`${t} complete`); resolve(); };
      tx.onabort = () => { out.push(`${t} abort`); resolve(); };
      if (abort) tx.abort();
    });
  }
  const final: any = await new Promise((resolve) => {
    const tx = db.transaction(['s', 'a']);
    const res: unknown[] = [];
    tx.objectStore('s').getAll().onsuccess = (e: any) => res.push(e.target.result);
    tx.objectStore('a').getAllKeys().onsuccess = (e: any) => res.push(e.target.result);
    for (const i of ['g', 'u', 'tags', 'pair']) tx.objectStore('s').index(i).getAllKeys().onsuccess = (e: any) => res.push(e.target.result);
    tx.oncomplete = () => resolve(res);
  });
  out.push(`final ${show(final)}`);
  db.close();
  return out;
}

test('store and index operations match fake-indexeddb', async () => {
  const seeds = Number(process.env.FLOWDB_IDB_ORACLE_SEEDS ?? 12);
  for (let seed = 1; seed <= seeds; seed++) {
    const h = await harness();
    const ours = await run(h.factory, IDBKeyRange, seed);
    await h.close();
    const theirs = await run(new FakeFactory(), FakeKeyRange, seed);
    assert.deepEqual(ours, theirs, `seed ${seed}`);
  }
});
