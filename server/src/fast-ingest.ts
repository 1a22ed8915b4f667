/**
 * gRPC fast path for KVService.Ingest: frames are split off the HTTP/2 stream
 * and decoded by decodeIngest (no protobuf-es message per point), then run
 * through the same interceptors and the same handler (kv.ts ingest()) as
 * Connect. Acks are written as they come, waiting for 'drain' when the
 * transport is full; reading pauses while too many batches are queued.
 */
import type * as http2 from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextValues, type Interceptor, type StreamResponse } from '@connectrpc/connect';
import type { Next } from './fastpath.ts';
import { IngestResponseSchema, KVService, type IngestRequest, type IngestResponse } from './gen/flowdb/v1/kv_service_pb.ts';
import { DecodeError, asMessage, decodeIngest } from './ingest-decode.ts';
import { ingest } from './kv.ts';
import type { Deps } from './deps.ts';
import { OK_TRAILER, RESPONSE_HEADER, errorTrailer, frame, merge, requestHeaders, respond } from './grpc-wire.ts';

/** Decoded batches queued ahead of the handler before the socket is paused. */
const MAX_QUEUED = 32;
const METHOD = KVService.method.ingest;

/** Request messages of one stream: frames in, IngestRequests out (async iterable). */
class Inbox implements AsyncIterable<IngestRequest> {
  #queue: IngestRequest[] = [];
  #parts: Buffer[] = [];
  #have = 0;
  #done = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #req: http2.ServerHttp2Stream;
  #max: number;

  constructor(req: http2.ServerHttp2Stream, readMaxBytes: number) {
    this.#req = req;
    this.#max = readMaxBytes;
    req.on('data', (c: Buffer) => this.#data(c));
    req.once('end', () => this.#finish(this.#have === 0 ? undefined : new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument)));
    req.once('aborted', () => this.#finish(new ConnectError('the client canceled the stream', Code.Canceled)));
  }

  #data(c: Buffer): void {
    if (this.#done) return;
    this.#parts.push(c);
    this.#have += c.length;
    try {
      while (this.#have >= 5) {
        const head = this.#peek(5);
        const len = head.readUInt32BE(1);
        if (head[0] !== 0) throw new ConnectError('received compressed envelope, but the request has no grpc-encoding', Code.InvalidArgument);
        if (len > this.#max) throw new ConnectError(`message size ${len} is larger than configured readMaxBytes ${this.#max}`, Code.ResourceExhausted);
        if (this.#have < 5 + len) break;
        const msg = this.#take(5 + len).subarray(5);
        this.#queue.push(asMessage(decodeIngest(msg)));
      }
    } catch (e) {
      const err = e instanceof DecodeError ? new ConnectError(`parse binary: ${e.message}`, Code.InvalidArgument) : e;
      this.#finish(err);
      return;
    }
    if (this.#queue.length >= MAX_QUEUED) this.#req.pause();
    this.#notify();
  }

  /** The first n buffered bytes (copied only when they span chunks). */
  #peek(n: number): Buffer {
    const first = this.#parts[0] as Buffer;
    if (first.length >= n) return first;
    const all = Buffer.concat(this.#parts);
    this.#parts = [all];
    return all;
  }

  #take(n: number): Buffer {
    const first = this.#peek(n);
    const out = first.subarray(0, n);
    if (first.length === n) this.#parts.shift();
    else this.#parts[0] = first.subarray(n);
    this.#have -= n;
    return out;
  }

  /**
   * The call is over: drop what is queued and read (and drop) the rest of the
   * request until the client ends it, so the connection never closes on
   * unread data (a TCP reset for the client instead of the trailers).
   */
  discard(): void {
    this.#finish(undefined);
    this.#queue.length = 0;
    this.#parts = [];
    this.#have = 0;
    this.#req.resume();
  }

  #finish(err: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = err;
    this.#notify();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<IngestRequest> {
    for (;;) {
      const m = this.#queue.shift();
      if (m !== undefined) {
        if (this.#queue.length < MAX_QUEUED / 2 && this.#req.isPaused()) this.#req.resume();
        yield m;
        continue;
      }
      if (this.#done) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((r) => (this.#wake = r));
    }
  }
}

/** Builds the interceptor-wrapped Ingest call for one server. */
export function ingestCall(d: Deps, interceptors: Interceptor[]): Next {
  const next: Next = async (req) => {
    const header = new Headers({ 'flowdb-max-in-flight': String(d.config.maxInFlight) });
    const acks = ingest(d, req.message as AsyncIterable<IngestRequest>);
    const message = (async function* () {
      for await (const a of acks) yield create(IngestResponseSchema, a);
    })();
    return { stream: true, service: KVService, method: METHOD, header, trailer: new Headers(), message };
  };
  return interceptors.reduceRight<Next>((n, ic) => ic(n), next);
}

/** Serves one Ingest stream (the request already checked as plain gRPC). */
export async function serveIngest(call: Next, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, readMaxBytes: number): Promise<void> {
  const ac = new AbortController();
  stream.once('close', () => ac.abort(new ConnectError('the stream was closed', Code.Canceled)));
  const inbox = new Inbox(stream, readMaxBytes);
  let headerSent = false;
  try {
    const out = (await call({
      stream: true, service: KVService, method: METHOD, requestMethod: 'POST', url: headers[':path'] as string, signal: ac.signal,
      header: requestHeaders(headers), contextValues: createContextValues(), message: inbox,
    })) as StreamResponse<typeof METHOD.input, typeof METHOD.output>;
    if (stream.destroyed) return;
    stream.respond({ ':status': 200, ...merge(RESPONSE_HEADER, out.header) }, { waitForTrailers: true });
    headerSent = true;
    for await (const m of out.message) {
      if (stream.destroyed) break;
      if (!stream.write(frame(toBinary(IngestResponseSchema, m as IngestResponse)))) await drained(stream);
    }
    inbox.discard();
    end(stream, merge(OK_TRAILER, out.trailer));
  } catch (e) {
    inbox.discard();
    if (headerSent) end(stream, errorTrailer(e));
    else respond(stream, RESPONSE_HEADER, undefined, errorTrailer(e));
  }
}

/** Ends a stream whose headers were sent, with trailers. */
function end(stream: http2.ServerHttp2Stream, trailer: { [k: string]: string }): void {
  if (stream.destroyed || stream.closed) return;
  stream.once('wantTrailers', () => {
    try {
      stream.sendTrailers(trailer);
    } catch {
      stream.close();
    }
  });
  stream.end();
}

/** Resolves on 'drain' or when the stream closes. */
function drained(stream: http2.ServerHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}
