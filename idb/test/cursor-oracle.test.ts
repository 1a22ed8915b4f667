/**
 * Cursor walks against fake-indexeddb as an oracle: the same records, the same random steps
 * (continue, continue(key), continuePrimaryKey, advance, interleaved writes) must visit the same
 * (key, primaryKey) pairs in every direction, over more records than one read-ahead batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory as FakeFactory, IDBKeyRange as FakeKeyRange } from 'fake-indexeddb';
import { IDBKeyRange } from '../src/index.ts';
import { harness } from './support.ts';

interface Factory { open(name: string, version?: number): unknown }
interface KR { bound(a: unknown, b: unknown, lo?: boolean, hi?: boolean): unknown }

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

type Step = { kind: 'next' } | { kind: 'key'; delta: number } | { kind: 'pk'; delta: number } | { kind: 'advance'; n: number } | { kind: 'write'; id: number; g: number };

/* eslint-disable @typescript-eslint/no-explicit-any -- both implementations are driven through one untyped script */
async function walk(f: Factory, KeyRange: KR, seed: number): Promise<string[]> {
  const r = rng(seed);
  const db: any = await new Promise((resolve, reject) => {
    const req: any = f.open('db', 1);
    req.onupgradeneeded = () => {
      const s = req.result.createObjectStore('s', { keyPath: 'id' });
      s.createIndex('g', 'g');
      for (let i = 0; i < 200; i++) s.put({ id: i, g: Math.floor(r() * 20) });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const out: string[] = [];
  for (let round = 0; round < 6; round++) {
    const dirs = ['next', 'prev', 'nextunique', 'prevunique'] as const;
    const dir = dirs[Math.floor(r() * 4)] as IDBCursorDirection;
    const onIndex = r() < 0.6;
    const range = r() < 0.5 ? null : KeyRange.bound(Math.floor(r() * 5), 10 + Math.floor(r() * 200), r() < 0.5, r() < 0.5);
    const steps: Step[] = Array.from({ length: 400 }, (): Step => {
      const x = r();
      if (x < 0.6) return { kind: 'next' };
      if (x < 0.7) return { kind: 'key', delta: 1 + Math.floor(r() * 3) };
      if (x < 0.8) return { kind: 'pk', delta: Math.floor(r() * 30) };
      if (x < 0.9) return { kind: 'advance', n: 1 + Math.floor(r() * 70) };
      return { kind: 'write', id: Math.floor(r() * 250), g: Math.floor(r() * 20) };
    });
    out.push(`round ${round} ${dir} ${onIndex ? 'index' : 'store'}`);
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('s', 'readwrite');
      const store = tx.objectStore('s');
      const src = onIndex ? store.index('g') : store;
      const req = src.openCursor(range, dir);
      let i = 0;
      req.onsuccess = () => {
        const c = req.result;
        if (!c) { out.push('end'); return; }
        out.push(`${JSON.stringify(c.key)}/${JSON.stringify(c.primaryKey)}`);
        for (;;) {
          const st = steps[i++ % steps.length] as Step;
          const fwd = dir.startsWith('next');
          if (st.kind === 'write') { store.put({ id: st.id, g: st.g }); continue; }
          if (st.kind === 'next') c.continue();
          else if (st.kind === 'advance') c.advance(st.n);
          else if (st.kind === 'key') c.continue((c.key as number) + (fwd ? st.delta : -st.delta));
          else if (onIndex && !dir.endsWith('unique')) c.continuePrimaryKey(c.key, (c.primaryKey as number) + (fwd ? st.delta + 1 : -st.delta - 1));
          else c.continue();
          break;
        }
      };
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error);
    });
  }
  db.close();
  return out;
}

test('cursor walks match fake-indexeddb (store and index, all directions, with writes)', async () => {
  for (let seed = 1; seed <= 8; seed++) {
    const h = await harness();
    const ours = await walk(h.factory as unknown as Factory, IDBKeyRange as unknown as KR, seed);
    await h.close();
    const theirs = await walk(new FakeFactory() as unknown as Factory, FakeKeyRange as unknown as KR, seed);
    assert.deepEqual(ours, theirs, `seed ${seed}`);
    assert.ok(ours.length > 100, 'the walk visits records');
  }
});
