/**
 * A connect-node adapter whose every error status carries ErrorInfo.
 *
 * Errors raised by the framework before or around our interceptors (an
 * undecodable body, a bad envelope, a size limit, an unknown method) leave
 * connect-node without details and, for bad protobuf, as INTERNAL. Each
 * response is rewritten on its way out: gRPC trailers, the gRPC-Web trailer
 * frame, the Connect unary error body and the Connect end-stream message.
 */
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Code, ConnectError, createConnectRouter, type ConnectRouterOptions, type ConnectRouter } from '@connectrpc/connect';
import { encodeEnvelope, type UniversalHandler, type UniversalServerResponse } from '@connectrpc/connect/protocol';
import { findTrailerError, setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import { trailerFlag, trailerParse, trailerSerialize } from '@connectrpc/connect/protocol-grpc-web';
import {
  codeToHttpStatus, endStreamFlag, endStreamFromJson, endStreamToJson, errorFromJsonBytes, errorToJsonBytes,
} from '@connectrpc/connect/protocol-connect';
import { universalRequestFromNodeRequest, universalResponseToNodeResponse, compressionGzip, compressionBrotli } from '@connectrpc/connect-node';
import { withErrorInfo } from './errors.ts';

type NodeReq = http.IncomingMessage | http2.Http2ServerRequest;
type NodeRes = http.ServerResponse | http2.Http2ServerResponse;

export interface AdapterOptions extends ConnectRouterOptions {
  routes: (router: ConnectRouter) => void;
}

const enc = new TextEncoder();

function decompress(data: Uint8Array, encoding: string | null): Uint8Array | undefined {
  if (encoding === null || encoding === '' || encoding === 'identity') return data;
  try {
    if (encoding === 'gzip') return gunzipSync(data);
    if (encoding === 'br') return brotliDecompressSync(data);
  } catch {
    return undefined;
  }
  return undefined;
}

/** Splits concatenated envelopes; undefined when the bytes are not whole envelopes. */
function splitEnvelopes(buf: Uint8Array): { flags: number; data: Uint8Array }[] | undefined {
  const out: { flags: number; data: Uint8Array }[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 5) return undefined;
    const len = new DataView(buf.buffer, buf.byteOffset + off + 1, 4).getUint32(0);
    if (off + 5 + len > buf.length) return undefined;
    out.push({ flags: buf[off] as number, data: buf.subarray(off + 5, off + 5 + len) });
    off += 5 + len;
  }
  return out;
}

/** Rewrites one chunk holding whole envelopes; the frame with `flag` is passed to fix(). */
function fixEnvelopes(chunk: Uint8Array, flag: number, encoding: string | null, fix: (data: Uint8Array) => Uint8Array | undefined): Uint8Array {
  const envs = splitEnvelopes(chunk);
  if (envs === undefined || !envs.some((e) => (e.flags & flag) === flag)) return chunk;
  const parts = envs.map((e) => {
    if ((e.flags & flag) !== flag) return encodeEnvelope(e.flags, e.data);
    const plain = (e.flags & 1) === 1 ? decompress(e.data, encoding) : e.data;
    const fixed = plain === undefined ? undefined : fix(plain);
    return fixed === undefined ? encodeEnvelope(e.flags, e.data) : encodeEnvelope(flag, fixed);
  });
  return Buffer.concat(parts);
}

function fixGrpcHeaders(h: Headers): boolean {
  const err = findTrailerError(h);
  if (err === undefined || err.details.length > 0) return false;
  h.delete('grpc-status-details-bin');
  setTrailerStatus(h, withErrorInfo(err));
  return true;
}

async function* mapBody(body: AsyncIterable<Uint8Array>, f: (c: Uint8Array) => Uint8Array, after?: () => void) {
  for await (const c of body) yield f(c);
  after?.();
}

/** Adds ErrorInfo (and a client-fault code) to an error response of any protocol. */
export function withWireErrorInfo(res: UniversalServerResponse): UniversalServerResponse {
  const type = res.header?.get('content-type') ?? '';
  const body = res.body;
  if (type.startsWith('application/grpc-web')) {
    if (body === undefined) return res;
    const text = type.startsWith('application/grpc-web-text');
    if (text) return res; // base64 framing: not produced by connect-node's handler set
    const encoding = res.header?.get('grpc-encoding') ?? null;
    return {
      ...res,
      body: mapBody(body, (c) =>
        fixEnvelopes(c, trailerFlag, encoding, (data) => {
          const h = trailerParse(data);
          return fixGrpcHeaders(h) ? trailerSerialize(h) : undefined;
        }),
      ),
    };
  }
  if (type.startsWith('application/grpc')) {
    const trailer = res.trailer;
    if (trailer === undefined || body === undefined) {
      if (res.header !== undefined) fixGrpcHeaders(res.header);
      return res;
    }
    return { ...res, body: mapBody(body, (c) => c, () => fixGrpcHeaders(trailer)) };
  }
  if (type.startsWith('application/connect+')) {
    if (body === undefined) return res;
    const encoding = res.header?.get('connect-content-encoding') ?? null;
    return {
      ...res,
      body: mapBody(body, (c) =>
        fixEnvelopes(c, endStreamFlag, encoding, (data) => {
          const end = endStreamFromJson(data);
          if (end.error === undefined || end.error.details.length > 0) return undefined;
          return enc.encode(JSON.stringify(endStreamToJson(end.metadata, withErrorInfo(end.error), undefined)));
        }),
      ),
    };
  }
  if (type.startsWith('application/json') && res.status !== 200 && body !== undefined) {
    return fixConnectUnary(res, body);
  }
  return res;
}

/**
 * Connect unary errors are one small JSON body, rewritten on first read
 * (connect-node writes the status line only after the first chunk).
 */
function fixConnectUnary(res: UniversalServerResponse, body: AsyncIterable<Uint8Array>): UniversalServerResponse {
  const header = res.header as Headers;
  const out: UniversalServerResponse = { ...res };
  out.body = (async function* () {
    const chunks: Uint8Array[] = [];
    for await (const c of body) chunks.push(c);
    const raw = Buffer.concat(chunks);
    const plain = decompress(raw, header.get('content-encoding'));
    if (plain === undefined) return yield raw;
    const fallback = new ConnectError('malformed error body', Code.Internal);
    const err = errorFromJsonBytes(plain, undefined, fallback);
    if (err.details.length > 0 || err === fallback) return yield raw;
    const fixed = withErrorInfo(err);
    const bytes = errorToJsonBytes(fixed, undefined);
    header.delete('content-encoding');
    header.set('content-length', String(bytes.byteLength));
    out.status = codeToHttpStatus(fixed.code);
    yield bytes;
  })();
  return out;
}

/** Like connectNodeAdapter, with withWireErrorInfo on every response and a protocol-aware 404. */
export function flowNodeAdapter(options: AdapterOptions): (req: NodeReq, res: NodeRes) => void {
  const router = createConnectRouter({ acceptCompression: [compressionGzip, compressionBrotli], ...options });
  options.routes(router);
  const paths = new Map<string, UniversalHandler>();
  for (const h of router.handlers) paths.set(h.requestPath, h);
  return (req, res) => {
    const h = paths.get((req.url ?? '').split('?', 2)[0] ?? '');
    const uRes: Promise<UniversalServerResponse> = h === undefined
      ? Promise.resolve(unknownMethod(req))
      : h(universalRequestFromNodeRequest(req as http.IncomingMessage, res as http.ServerResponse, undefined, undefined));
    uRes
      .then((r) => universalResponseToNodeResponse(withWireErrorInfo(r), res as http.ServerResponse))
      .catch(() => {
        // Write errors (client reset mid-response): the call is over.
      });
  };
}

/** UNIMPLEMENTED in the caller's protocol (gRPC trailers-only; Connect JSON 404). */
function unknownMethod(req: NodeReq): UniversalServerResponse {
  const type = String(req.headers['content-type'] ?? '');
  const err = withErrorInfo(new ConnectError(`unknown method ${req.url ?? ''}`, Code.Unimplemented));
  if (req.method === 'POST' && type.startsWith('application/grpc')) {
    const header = new Headers({ 'content-type': type.startsWith('application/grpc-web') ? 'application/grpc-web+proto' : 'application/grpc+proto' });
    setTrailerStatus(header, err);
    return { status: 200, header };
  }
  if (type.startsWith('application/json') || type.startsWith('application/proto') || type.startsWith('application/connect+')) {
    const bytes = errorToJsonBytes(err, undefined);
    return { status: 404, header: new Headers({ 'content-type': 'application/json', 'content-length': String(bytes.byteLength) }), body: (async function* () { yield bytes; })() };
  }
  return { status: 404, header: new Headers({ 'content-length': '0' }) };
}
