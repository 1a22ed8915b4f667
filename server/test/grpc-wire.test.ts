import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestHeaders } from '../src/grpc-wire.ts';

const raw = { ':path': '/x', ':method': 'POST', 'content-type': 'application/grpc', authorization: 'Bearer t', 'x-multi': ['a', 'b'] };

test('lazy request headers answer like eagerly built Headers, without pseudo-headers', () => {
  const h = requestHeaders(raw);
  assert.equal(h.get('authorization'), 'Bearer t');
  assert.equal(h.get('Authorization'), 'Bearer t');
  assert.equal(h.get('x-multi'), 'a, b');
  assert.equal(h.get('missing'), null);
  assert.equal(h.has('content-type'), true);
  assert.equal(h.has('x-none'), false);
  assert.deepEqual([...h], [['authorization', 'Bearer t'], ['content-type', 'application/grpc'], ['x-multi', 'a, b']]);
  assert.ok(h instanceof Headers);
});

test('writes fill first, so nothing is lost', () => {
  const h = requestHeaders(raw);
  h.set('x-added', '1');
  h.delete('authorization');
  const seen: string[] = [];
  h.forEach((v, k) => seen.push(`${k}=${v}`));
  assert.deepEqual(seen, ['content-type=application/grpc', 'x-added=1', 'x-multi=a, b']);
  assert.throws(() => h.get(':path'), TypeError);
});
