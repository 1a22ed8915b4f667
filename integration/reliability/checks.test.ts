/** The harness checkers can fail: the oracle rejects every kind of damage; client status mapping. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectError } from '@connectrpc/connect';
import { Code, FlowClientError } from '@flowdb/client';
import { type Found, Oracle, keyOf, unitId, utf8, valueOf } from './lib/oracle.ts';
import { slope } from './lib/util.ts';

/** Cycle 0: an acked 3-record batch A (seqs 1..3), an acked put B (seq 4), an in-flight batch C. */
function setup(): { o: Oracle; a: string; b: string; c: string; rec: (id: string, i: number, seq: number) => Found } {
  const o = new Oracle();
  const [a, b, c] = [unitId(0, 0, 0), unitId(0, 1, 1), unitId(0, 0, 2)];
  o.sent(0, a, 'batch', 3);
  o.sent(0, b, 'put', 1);
  o.sent(0, c, 'batch', 2);
  o.acked(a, 1, 3);
  o.acked(b, 4, 4);
  const rec = (id: string, i: number, seq: number): Found => ({ key: utf8(keyOf(id, i)), value: utf8(valueOf(id, i)), seq });
  return { o, a, b, c, rec };
}

test('oracle: a whole database passes and resolves in-flight units', () => {
  const { o, a, b, c, rec } = setup();
  const rep = o.check([rec(a, 0, 1), rec(a, 1, 2), rec(a, 2, 3), rec(b, 0, 4), rec(c, 0, 5), rec(c, 1, 6)], [0], 'ok');
  assert.deepEqual(rep, { records: 6, units: 3, survived: 1, vanished: 0 });
  // C is now known present: losing it later is a loss.
  assert.throws(() => o.check([rec(a, 0, 1), rec(a, 1, 2), rec(a, 2, 3), rec(b, 0, 4)], [0], 'later'), /batch .* \(present\) lost/);
});

test('oracle: lost, partial, never-sent, wrong value, wrong seq, resurrected', () => {
  const { o, a, b, c, rec } = setup();
  const whole = [rec(a, 0, 1), rec(a, 1, 2), rec(a, 2, 3), rec(b, 0, 4)];
  assert.throws(() => setup().o.check(whole.slice(0, 3), [0], 'x'), /put .* \(acked\) lost/);
  assert.throws(() => setup().o.check([...whole, rec(c, 0, 5)], [0], 'x'), /is partial: 1 of 2/);
  assert.throws(() => setup().o.check([...whole, rec(unitId(0, 2, 9), 0, 5)], [0], 'x'), /never sent/);
  assert.throws(() => setup().o.check([...whole.slice(1), { ...rec(a, 0, 1), value: utf8('other') }], [0], 'x'), /wrong value/);
  assert.throws(() => setup().o.check([...whole.slice(0, 3), rec(b, 0, 9)], [0], 'x'), /seq 9 outside/);
  // C absent at the first check must stay absent.
  assert.equal(o.check(whole, [0], 'first').vanished, 1);
  assert.throws(() => o.check([...whole, rec(c, 0, 5), rec(c, 1, 6)], [0], 'x'), /of a absent batch unit/);
});

test('oracle: a unit rejected with backpressure must be absent', () => {
  const { o, a, b, c, rec } = setup();
  o.rejected(c);
  assert.throws(() => o.check([rec(a, 0, 1), rec(a, 1, 2), rec(a, 2, 3), rec(b, 0, 4), rec(c, 0, 5), rec(c, 1, 6)], [0], 'x'), /rejected batch/);
});

test('slope: least squares', () => {
  assert.equal(slope([0, 1, 2, 3], [1, 3, 5, 7]), 2);
  assert.equal(slope([0, 1, 2], [5, 5, 5]), 0);
});

test('client: an HTTP/2 REFUSED_STREAM (GOAWAY race) is UNAVAILABLE, not INTERNAL', () => {
  const node = Object.assign(new Error('Stream closed with error code NGHTTP2_REFUSED_STREAM'), { code: 'ERR_HTTP2_STREAM_ERROR' });
  const ce = new ConnectError(node.message, Code.Internal, undefined, undefined, node);
  assert.equal(FlowClientError.from(ce).code, Code.Unavailable);
  const other = Object.assign(new Error('Stream closed with error code NGHTTP2_INTERNAL_ERROR'), { code: 'ERR_HTTP2_STREAM_ERROR' });
  assert.equal(FlowClientError.from(new ConnectError(other.message, Code.Internal, undefined, undefined, other)).code, Code.Internal);
});
