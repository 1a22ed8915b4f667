/**
 * Blob and File values. Node's Blob has no synchronous read, but put()/add()/update() must
 * clone (and so read) a value before they return. The bytes are read on a helper thread
 * (one, started at the first Blob, unref'd) while this thread waits on a SharedArrayBuffer;
 * the reply is taken off its MessagePort synchronously. A Blob is immutable, so a Blob read
 * once keeps its bytes (WeakMap) for a second serialization of the same clone.
 *
 * A stored value with a Blob in it is an envelope: byte 0xFE (node:v8's own format starts
 * with 0xFF), then node:v8's serialization of [tree, markers, blobs]: the value with each
 * Blob replaced by a fresh empty object (a marker), the markers in order and, at the same
 * index, the Blob's type, bytes and (a File) name and lastModified. node:v8 keeps object
 * identity within one serialization, so a marker in the tree is === its entry in markers.
 */
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { deserialize, serialize } from 'node:v8';
import { domError } from '../errors.ts';

export const BLOB_ENVELOPE = 0xfe;
const READ_TIMEOUT_MS = 60_000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, flag } = workerData;
port.on('message', async (blob) => {
  try {
    const ab = await blob.arrayBuffer();
    port.postMessage({ ok: true, bytes: new Uint8Array(ab) }, [ab]);
  } catch (err) {
    port.postMessage({ ok: false, error: String(err && err.message || err) });
  }
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

interface Reader { port: MessagePort; flag: Int32Array }
let reader: Reader | undefined;

function startReader(): Reader {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, flag }, transferList: [port2] });
  worker.unref();
  port1.unref();
  worker.on('error', () => { reader = undefined; });
  worker.on('exit', () => { reader = undefined; });
  return { port: port1, flag };
}

const known = new WeakMap<Blob, Uint8Array>();

/** A Blob's bytes, read now (this thread waits for the helper thread). */
export function blobBytesSync(blob: Blob): Uint8Array {
  const cached = known.get(blob);
  if (cached !== undefined) return cached;
  if (blob.size === 0) { const empty = new Uint8Array(0); known.set(blob, empty); return empty; }
  reader ??= startReader();
  const { port, flag } = reader;
  Atomics.store(flag, 0, 0);
  port.postMessage(blob);
  if (Atomics.wait(flag, 0, 0, READ_TIMEOUT_MS) === 'timed-out') {
    throw domError('DataCloneError', `reading a Blob of ${blob.size} bytes took over ${READ_TIMEOUT_MS} ms`);
  }
  const reply = receiveMessageOnPort(port)?.message as { ok: boolean; bytes?: Uint8Array; error?: string } | undefined;
  if (!reply?.ok || reply.bytes === undefined) throw domError('DataCloneError', `a Blob could not be read: ${reply?.error ?? 'no reply'}`);
  known.set(blob, reply.bytes);
  return reply.bytes;
}

/** True when a Blob (or File) is somewhere in a clone. */
export function containsBlob(root: unknown): boolean {
  if (typeof Blob === 'undefined') return false;
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Blob) return true;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp) continue;
    if (v instanceof Map) { for (const [k, x] of v) stack.push(k, x); continue; }
    if (v instanceof Set) { for (const x of v) stack.push(x); continue; }
    for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
  return false;
}

interface BlobRecord { type: string; bytes: Uint8Array; name?: string; lastModified?: number }

/** The envelope of a clone holding Blobs (see the file comment). */
export function serializeWithBlobs(clone: unknown): Uint8Array {
  const markers: object[] = [];
  const blobs: BlobRecord[] = [];
  const byBlob = new Map<Blob, object>();
  const copies = new Map<object, unknown>();
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Blob) {
      let m = byBlob.get(v);
      if (m === undefined) {
        m = {};
        byBlob.set(v, m);
        markers.push(m);
        const rec: BlobRecord = { type: v.type, bytes: blobBytesSync(v) };
        if (typeof File !== 'undefined' && v instanceof File) { rec.name = v.name; rec.lastModified = v.lastModified; }
        blobs.push(rec);
      }
      return m;
    }
    const done = copies.get(v);
    if (done !== undefined) return done;
    if (v instanceof Map) {
      const out = new Map();
      copies.set(v, out);
      for (const [k, x] of v) out.set(copy(k), copy(x));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      copies.set(v, out);
      for (const x of v) out.add(copy(x));
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      copies.set(v, out);
      for (const k of Object.keys(v)) (out as unknown as Record<string, unknown>)[k] = copy((v as unknown as Record<string, unknown>)[k]);
      return out;
    }
    if (Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      copies.set(v, out);
      for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k]);
      return out;
    }
    // Dates, RegExps, binary data, boxed primitives, Errors: no Blob inside, kept as they are.
    copies.set(v, v);
    return v;
  };
  const tree = copy(clone);
  let body: Uint8Array;
  try {
    body = serialize([tree, markers, blobs]);
  } catch (err) {
    throw domError('DataCloneError', err instanceof Error ? err.message : String(err), err);
  }
  const out = new Uint8Array(body.length + 1);
  out[0] = BLOB_ENVELOPE;
  out.set(body, 1);
  return out;
}

/** Reads an envelope back: each marker becomes a new Blob (or File) with the stored bytes. */
export function deserializeWithBlobs(bytes: Uint8Array): unknown {
  const [tree, markers, blobs] = deserialize(bytes.subarray(1)) as [unknown, object[], BlobRecord[]];
  const made = new Map<object, Blob>();
  markers.forEach((m, i) => {
    const r = blobs[i] as BlobRecord;
    made.set(m, r.name !== undefined
      ? new File([r.bytes as Uint8Array<ArrayBuffer>], r.name, { type: r.type, lastModified: r.lastModified ?? 0 })
      : new Blob([r.bytes as Uint8Array<ArrayBuffer>], { type: r.type }));
  });
  const swap = (v: unknown): unknown => (v !== null && typeof v === 'object' && made.has(v) ? made.get(v) : v);
  const seen = new Set<object>();
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v) || made.has(v)) continue;
    seen.add(v);
    if (v instanceof Map) {
      const entries = [...v];
      if (entries.some(([k, x]) => made.has(k as object) || made.has(x as object))) {
        v.clear();
        for (const [k, x] of entries) v.set(swap(k), swap(x));
      }
      for (const [k, x] of entries) stack.push(k, x);
      continue;
    }
    if (v instanceof Set) {
      const members = [...v];
      if (members.some((x) => made.has(x as object))) {
        v.clear();
        for (const x of members) v.add(swap(x));
      }
      stack.push(...members);
      continue;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp) continue;
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object' && made.has(x)) (v as Record<string, unknown>)[k] = made.get(x);
      else stack.push(x);
    }
  }
  return swap(tree);
}
