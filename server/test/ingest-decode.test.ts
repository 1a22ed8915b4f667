import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { IngestRequestSchema } from '../src/gen/flowdb/v1/kv_service_pb.ts';
import { Durability } from '../src/gen/flowdb/v1/types_pb.ts';
import { asMessage, decodeIngest, decodedOf } from '../src/ingest-decode.ts';

const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -1000n, max: 2n ** 53n }), fc.constant(0n));
const point = fc.record({ key: fc.uint8Array({ maxLength: 40 }), ts: int64, value: fc.uint8Array({ maxLength: 64 }), ttlMs: int64 });
const request = fc.record({
  batchId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  durability: fc.constantFrom(Durability.UNSPECIFIED, Durability.BUFFERED, Durability.SYNCED),
  points: fc.array(point, { maxLength: 20 }),
});
const safe = (v: bigint) => v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n;

test('decodeIngest agrees with protobuf-es on every field (and flags unsafe integers)', () => {
  fc.assert(
    fc.property(request, (r) => {
      const bin = toBinary(IngestRequestSchema, create(IngestRequestSchema, r));
      const want = fromBinary(IngestRequestSchema, bin);
      const got = decodeIngest(bin);
      assert.equal(got.batchId, want.batchId);
      assert.equal(got.durability, want.durability);
      assert.equal(got.ops.length, want.points.length);
      const firstUnsafe = want.points.findIndex((p) => !safe(p.ts) || !safe(p.ttlMs));
      assert.equal(got.unsafe?.index ?? -1, firstUnsafe);
      want.points.forEach((p, i) => {
        const op = got.ops[i];
        assert.ok(op !== undefined);
        assert.deepEqual(new Uint8Array(op.key), new Uint8Array(p.key));
        assert.deepEqual(new Uint8Array(op.value), new Uint8Array(p.value));
        if (safe(p.ts)) assert.equal(op.ts, Number(p.ts));
        if (safe(p.ttlMs)) assert.equal(got.ttlMs[i], Number(p.ttlMs));
      });
    }),
    { numRuns: 300 },
  );
});

test('unknown fields are skipped; truncated input is refused', () => {
  const bin = toBinary(IngestRequestSchema, create(IngestRequestSchema, { batchId: 7n, points: [{ key: new Uint8Array([1]), ts: 5n }] }));
  // field 15 (varint) and field 16 (length-delimited) appended: unknown to the schema.
  const extra = Uint8Array.from([...bin, 0x78, 0x01, 0x82, 0x01, 0x02, 0xaa, 0xbb]);
  const got = decodeIngest(extra);
  assert.equal(got.batchId, 7n);
  assert.equal(got.ops.length, 1);
  assert.throws(() => decodeIngest(bin.subarray(0, bin.length - 1)), { name: 'DecodeError' });
});

test('asMessage stands in for the IngestRequest: points are built on demand', () => {
  const bin = toBinary(IngestRequestSchema, create(IngestRequestSchema, { batchId: 3n, durability: 2, points: [{ key: new Uint8Array([9]), ts: 11n, value: new Uint8Array([1, 2]), ttlMs: 4n }] }));
  const m = asMessage(decodeIngest(bin));
  assert.ok(decodedOf.has(m));
  assert.equal(m.batchId, 3n);
  assert.equal(m.points[0]?.ts, 11n);
  assert.equal(m.points[0]?.ttlMs, 4n);
  assert.deepEqual(toBinary(IngestRequestSchema, m), bin);
});
