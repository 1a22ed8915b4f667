import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { create, fromBinary, toBinary, equals } from '@bufbuild/protobuf';
import { BatchRequestSchema, PutRequestSchema } from '../src/gen/flowdb/v1/kv_service_pb.ts';
import { Durability } from '../src/gen/flowdb/v1/types_pb.ts';
import { decodePut, decodePutBatch } from '../src/batch-decode.ts';

const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 53n }));
const durability = fc.constantFrom(Durability.UNSPECIFIED, Durability.BUFFERED, Durability.SYNCED);
const put = fc.record(
  {
    key: fc.uint8Array({ maxLength: 30 }), value: fc.uint8Array({ maxLength: 50 }), ts: int64, ttlMs: int64, expireAtUs: int64,
    prevKv: fc.boolean(), expectedVersion: int64, ifAbsent: fc.boolean(), durability,
  },
  { requiredKeys: [] },
);
const putOp = put.map((value) => ({ op: { case: 'put' as const, value } }));
const otherOp = fc.oneof(
  fc.record({ key: fc.uint8Array({ maxLength: 10 }) }).map((value) => ({ op: { case: 'delete' as const, value } })),
  fc.constant({ op: { case: undefined } }),
);

test('put-only batches decode exactly as protobuf-es decodes them', () => {
  fc.assert(
    fc.property(fc.array(putOp, { maxLength: 20 }), durability, (ops, d) => {
      const bin = toBinary(BatchRequestSchema, create(BatchRequestSchema, { ops, durability: d }));
      const got = decodePutBatch(bin);
      assert.ok(got !== undefined);
      assert.ok(equals(BatchRequestSchema, got, fromBinary(BatchRequestSchema, bin)));
      assert.deepEqual(toBinary(BatchRequestSchema, got), bin);
    }),
    { numRuns: 300 },
  );
});

test('any other op (or an empty op) leaves the batch to protobuf-es', () => {
  fc.assert(
    fc.property(fc.array(putOp, { maxLength: 5 }), otherOp, fc.array(putOp, { maxLength: 5 }), (a, o, b) => {
      const bin = toBinary(BatchRequestSchema, create(BatchRequestSchema, { ops: [...a, o, ...b] }));
      assert.equal(decodePutBatch(bin), undefined);
    }),
    { numRuns: 100 },
  );
});

test('truncated input throws', () => {
  const bin = toBinary(BatchRequestSchema, create(BatchRequestSchema, { ops: [{ op: { case: 'put', value: { key: new Uint8Array([1, 2, 3]) } } }] }));
  assert.throws(() => decodePutBatch(bin.subarray(0, bin.length - 1)), { name: 'DecodeError' });
});

test('a unary PutRequest decodes exactly as protobuf-es decodes it', () => {
  fc.assert(
    fc.property(put, (p) => {
      const bin = toBinary(PutRequestSchema, create(PutRequestSchema, p));
      assert.ok(equals(PutRequestSchema, decodePut(bin), fromBinary(PutRequestSchema, bin)));
    }),
    { numRuns: 300 },
  );
});
