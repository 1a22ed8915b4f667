/** The event dispatch module: phases, propagation control, handler attributes, once listeners. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatchEvent, IDBEventTarget, IDBVersionChangeEvent } from '../src/events.ts';

class Node extends IDBEventTarget {
  readonly label: string;
  readonly parent: Node | null;
  constructor(label: string, parent: Node | null) {
    super();
    this.label = label;
    this.parent = parent;
  }
  protected override eventParent(): IDBEventTarget | null {
    return this.parent;
  }
  get onfoo(): ((ev: Event) => unknown) | null { return this.getHandler('foo'); }
  set onfoo(fn: ((ev: Event) => unknown) | null) { this.setHandler('foo', fn); }
}

function tree(): [Node, Node, Node] {
  const db = new Node('db', null);
  const tx = new Node('tx', db);
  return [new Node('req', tx), tx, db];
}

test('capture runs top-down, then the target, then bubbling bottom-up', () => {
  const [req, tx, db] = tree();
  const log: string[] = [];
  for (const n of [req, tx, db]) {
    n.addEventListener('foo', (e) => log.push(`${n.label}:bubble:${e.eventPhase}`));
    n.addEventListener('foo', (e) => log.push(`${n.label}:capture:${e.eventPhase}:${(e.currentTarget as Node).label}`), true);
  }
  const ev = new Event('foo', { bubbles: true });
  dispatchEvent(ev, [req, tx, db]);
  assert.deepEqual(log, ['db:capture:1:db', 'tx:capture:1:tx', 'req:capture:2:req', 'req:bubble:2', 'tx:bubble:3', 'db:bubble:3']);
  assert.equal(ev.target, req);
  assert.equal(ev.currentTarget, null);
  assert.equal(ev.eventPhase, 0);
});

test('a non-bubbling event reaches capture listeners and the target only', () => {
  const [req, tx, db] = tree();
  const log: string[] = [];
  tx.addEventListener('foo', () => log.push('tx capture'), { capture: true });
  tx.addEventListener('foo', () => log.push('tx bubble'));
  req.addEventListener('foo', () => log.push('req'));
  dispatchEvent(new Event('foo'), [req, tx, db]);
  assert.deepEqual(log, ['tx capture', 'req']);
});

test('stopPropagation finishes the current target; stopImmediatePropagation stops at once', () => {
  const [req, tx, db] = tree();
  const log: string[] = [];
  req.addEventListener('foo', (e) => { log.push('req 1'); e.stopPropagation(); });
  req.addEventListener('foo', () => log.push('req 2'));
  tx.addEventListener('foo', () => log.push('tx'));
  dispatchEvent(new Event('foo', { bubbles: true }), [req, tx, db]);
  assert.deepEqual(log, ['req 1', 'req 2']);
  const log2: string[] = [];
  const [r2, t2, d2] = tree();
  r2.addEventListener('foo', (e) => { log2.push('1'); e.stopImmediatePropagation(); });
  r2.addEventListener('foo', () => log2.push('2'));
  dispatchEvent(new Event('foo', { bubbles: true }), [r2, t2, d2]);
  assert.deepEqual(log2, ['1']);
});

test('preventDefault is reported; a throwing listener is reported and the rest still run', async () => {
  const [req, tx, db] = tree();
  req.addEventListener('foo', () => { throw new Error('x'); });
  db.addEventListener('foo', (e) => e.preventDefault());
  const { setExceptionReporter } = await import('../src/events.ts');
  const seen: unknown[] = [];
  setExceptionReporter((e) => seen.push(e));
  try {
    const r = dispatchEvent(new Event('foo', { bubbles: true, cancelable: true }), [req, tx, db]);
    assert.deepEqual(r, { threw: true, defaultPrevented: true });
    assert.equal(seen.length, 1);
  } finally {
    setExceptionReporter((e) => process.nextTick(() => { throw e; }));
  }
});

test('handler attributes keep their registration position; once listeners run once; duplicates are ignored', () => {
  const [req] = tree();
  const log: string[] = [];
  const l = (): void => { log.push('listener'); };
  req.addEventListener('foo', () => log.push('first'));
  req.onfoo = () => log.push('handler');
  req.addEventListener('foo', l);
  req.addEventListener('foo', l);
  req.addEventListener('foo', () => log.push('once'), { once: true });
  req.onfoo = () => log.push('handler 2'); // replaces, keeps the position
  req.dispatchEvent(new Event('foo'));
  req.dispatchEvent(new Event('foo'));
  assert.deepEqual(log, ['first', 'handler 2', 'listener', 'once', 'first', 'handler 2', 'listener']);
  req.onfoo = null;
  assert.equal(req.onfoo, null);
  req.removeEventListener('foo', l);
  log.length = 0;
  req.dispatchEvent(new Event('foo'));
  assert.deepEqual(log, ['first']);
  assert.ok(req instanceof EventTarget);
});

test('IDBVersionChangeEvent carries versions', () => {
  const e = new IDBVersionChangeEvent('versionchange', { oldVersion: 2, newVersion: null });
  assert.equal(e.oldVersion, 2);
  assert.equal(e.newVersion, null);
  assert.equal(new IDBVersionChangeEvent('x').oldVersion, 0);
});
