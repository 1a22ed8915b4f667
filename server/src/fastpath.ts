/**
 * gRPC fast path for KVService. A plain gRPC request (HTTP/2,
 * `application/grpc` or `application/grpc+proto`, no compression) to a unary
 * method or to Ingest (fast-ingest.ts) is served on the raw HTTP/2 stream,
 * skipping Node's compat objects and Connect's streaming pipeline (async
 * iterables, a per-call AbortController and DOMException), yet runs the same
 * interceptors and the same handlers (kvUnary, ingest). Anything else falls
 * through to Node's compat layer and the Connect adapter.
 */
import type * as http2 from 'node:http2';
import { create, fromBinary, toBinary, type DescMessage, type DescMethodUnary, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import {
  Code, ConnectError, createContextValues, type Interceptor, type StreamRequest, type StreamResponse,
  type UnaryRequest, type UnaryResponse,
} from '@connectrpc/connect';
import { parseTimeout } from '@connectrpc/connect/protocol-grpc';
import { KVService } from './gen/flowdb/v1/kv_service_pb.ts';
import type { KVUnary } from './kv.ts';
import { serveIngest } from './fast-ingest.ts';
import { decodePut, decodePutBatch } from './batch-decode.ts';
import { OK_TRAILER, RESPONSE_HEADER, errorTrailer, frame, merge, plainGrpc, requestHeaders, respond } from './grpc-wire.ts';

const INGEST_PATH = `/${KVService.typeName}/${KVService.method.ingest.name}`;

export type Next = (req: UnaryRequest | StreamRequest) => Promise<UnaryResponse | StreamResponse>;

interface Route {
  method: DescMethodUnary;
  call: Next;
  /** A faster decoder for common requests; undefined from it means "use protobuf-es". */
  decode: ((body: Uint8Array) => MessageShape<DescMessage> | undefined) | undefined;
}

export interface FastPathOptions {
  interceptors: Interceptor[];
  readMaxBytes: number;
  writeMaxBytes: number;
  /** Largest grpc-timeout accepted, ms; 0: no limit. */
  maxTimeoutMs: number;
}

/** Never aborts: calls without a deadline share it instead of owning an AbortController. */
const NO_SIGNAL = new AbortController().signal;

function route<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  impl: (req: MessageShape<I>, signal: AbortSignal) => Promise<MessageInitShape<O>>,
  interceptors: Interceptor[],
  decode?: (body: Uint8Array) => MessageShape<I> | undefined,
): Route {
  const next: Next = async (req) => {
    const out = await impl(req.message as MessageShape<I>, req.signal);
    return { stream: false, service: method.parent, method, header: new Headers(), trailer: new Headers(), message: create(method.output, out) };
  };
  return {
    method: method as unknown as DescMethodUnary,
    call: interceptors.reduceRight<Next>((n, ic) => ic(n), next), // first = outermost, as in Connect
    decode,
  };
}

export class GrpcFastPath {
  /** Calls served here (not by Connect) since start. */
  calls = 0;
  #routes = new Map<string, Route>();
  #opts: FastPathOptions;
  #ingest: Next | undefined;

  /** ingest: the interceptor-wrapped Ingest call (fast-ingest.ts ingestCall); undefined leaves Ingest to Connect. */
  constructor(kv: KVUnary, opts: FastPathOptions, ingest?: Next) {
    this.#opts = opts;
    this.#ingest = ingest;
    const m = KVService.method;
    const add = (r: Route) => this.#routes.set(`/${KVService.typeName}/${r.method.name}`, r);
    const i = opts.interceptors;
    add(route(m.put, kv.put, i, decodePut));
    add(route(m.get, kv.get, i));
    add(route(m.batchGet, kv.batchGet, i));
    add(route(m.delete, kv.delete, i));
    add(route(m.deleteRange, kv.deleteRange, i));
    add(route(m.batch, kv.batch, i, decodePutBatch));
  }

  /**
   * Takes over the server's 'stream' events: fast-path streams are served on
   * the raw HTTP/2 stream (no compat request/response objects), every other
   * stream goes to Node's compat layer (and so to Connect) unchanged. When the
   * server does not have exactly the one compat listener, nothing changes.
   */
  attach(server: http2.Http2Server | http2.Http2SecureServer): boolean {
    const compat = server.listeners('stream');
    if (compat.length !== 1) return false;
    const onCompat = compat[0] as (...a: unknown[]) => void;
    server.removeListener('stream', onCompat);
    server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, raw: string[]) => {
      if (!this.serve(stream, headers)) onCompat(stream, headers, flags, raw);
    });
    return true;
  }

  /** Serves the stream and returns true, or returns false to leave it to Connect. */
  serve(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean {
    if (headers[':method'] !== 'POST') return false;
    const path = headers[':path'] as string;
    const r = this.#routes.get(path);
    if (!(r !== undefined || (path === INGEST_PATH && this.#ingest !== undefined)) || !plainGrpc(headers)) return false;
    stream.on('error', () => undefined); // resets end the call; nothing to report
    this.calls++;
    if (r === undefined) {
      void serveIngest(this.#ingest as Next, stream, headers, this.#opts.readMaxBytes);
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= this.#opts.readMaxBytes + 5) chunks.push(c);
    });
    stream.once('end', () => void this.#run(r, stream, headers, chunks, size));
    return true;
  }

  async #run(r: Route, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, chunks: Buffer[], size: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const message = this.#parse(r, chunks, size);
      let signal = NO_SIGNAL;
      const t = headers['grpc-timeout'];
      if (typeof t === 'string') {
        const p = parseTimeout(t, this.#opts.maxTimeoutMs > 0 ? this.#opts.maxTimeoutMs : Number.MAX_SAFE_INTEGER);
        if (p.error !== undefined) throw p.error;
        const ac = new AbortController();
        timer = setTimeout(() => ac.abort(new ConnectError('the operation timed out', Code.DeadlineExceeded)), p.timeoutMs);
        signal = ac.signal;
      }
      const out = (await r.call({
        stream: false, service: r.method.parent, method: r.method, requestMethod: 'POST', url: headers[':path'] as string, signal,
        header: requestHeaders(headers), contextValues: createContextValues(), message,
      })) as UnaryResponse;
      const body = toBinary(r.method.output, out.message);
      if (body.length > this.#opts.writeMaxBytes) {
        throw new ConnectError(`message size ${body.length} is larger than configured writeMaxBytes ${this.#opts.writeMaxBytes}`, Code.ResourceExhausted);
      }
      respond(stream, merge(RESPONSE_HEADER, out.header), frame(body), merge(OK_TRAILER, out.trailer));
    } catch (e) {
      respond(stream, RESPONSE_HEADER, undefined, errorTrailer(e));
    } finally {
      clearTimeout(timer);
    }
  }

  #parse(r: Route, chunks: Buffer[], size: number): MessageShape<DescMessage> {
    if (size > this.#opts.readMaxBytes + 5) {
      throw new ConnectError(`message size is larger than configured readMaxBytes ${this.#opts.readMaxBytes}`, Code.ResourceExhausted);
    }
    const buf = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
    if (buf.length < 5) throw new ConnectError(`protocol error: missing input message for unary method`, Code.Unimplemented);
    if (buf[0] !== 0) throw new ConnectError('received compressed envelope, but the request has no grpc-encoding', Code.InvalidArgument);
    const len = buf.readUInt32BE(1);
    if (len + 5 < buf.length) throw new ConnectError(`protocol error: received extra input message for unary method`, Code.Unimplemented);
    if (len + 5 > buf.length) throw new ConnectError(`protocol error: promised ${len} bytes, received ${buf.length - 5}`, Code.InvalidArgument);
    try {
      const body = buf.subarray(5);
      return r.decode?.(body) ?? fromBinary(r.method.input, body);
    } catch (e) {
      throw new ConnectError(`parse binary: ${e instanceof Error ? e.message : String(e)}`, Code.InvalidArgument);
    }
  }
}
