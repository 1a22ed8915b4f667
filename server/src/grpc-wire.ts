/** gRPC-over-HTTP/2 details shared by the fast paths (fastpath.ts, fast-ingest.ts). */
import type * as http2 from 'node:http2';
import { setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import { toConnectError } from './errors.ts';

export const RESPONSE_HEADER: { [k: string]: string } = { 'content-type': 'application/grpc+proto' };
export const OK_TRAILER: { [k: string]: string } = { 'grpc-status': '0' };

/** True for a request the fast paths may serve: gRPC with protobuf, uncompressed. */
export function plainGrpc(h: http2.IncomingHttpHeaders): boolean {
  const ct = h['content-type'];
  if (ct !== 'application/grpc' && ct !== 'application/grpc+proto') return false;
  const enc = h['grpc-encoding'];
  return enc === undefined || enc === 'identity';
}

/** The request's metadata as Headers (pseudo-headers left out), as Connect builds it. */
export function requestHeaders(h: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const k in h) {
    if (k.charCodeAt(0) === 58 /* ':' */) continue;
    const v = h[k];
    if (typeof v === 'string') out.append(k, v);
    else if (v !== undefined) for (const e of v) out.append(k, e);
  }
  return out;
}

/** base plus every entry of extra (base itself when extra is empty). */
export function merge(base: { [k: string]: string }, extra: Headers): { [k: string]: string } {
  let out = base;
  extra.forEach((v, k) => {
    if (out === base) out = { ...base };
    out[k] = v;
  });
  return out;
}

/** One uncompressed gRPC message frame. */
export function frame(body: Uint8Array): Buffer {
  const f = Buffer.allocUnsafe(5 + body.length);
  f[0] = 0;
  f.writeUInt32BE(body.length, 1);
  f.set(body, 5);
  return f;
}

/** Trailers carrying err as a gRPC status with ErrorInfo details. */
export function errorTrailer(err: unknown): { [k: string]: string } {
  return merge({}, setTrailerStatus(new Headers(), toConnectError(err)));
}

/** Sends headers, an optional body and trailers on a raw stream (nothing if it is gone). */
export function respond(stream: http2.ServerHttp2Stream, header: { [k: string]: string }, body: Buffer | undefined, trailer: { [k: string]: string }): void {
  if (stream.destroyed || stream.closed) return;
  try {
    stream.respond({ ':status': 200, ...header }, { waitForTrailers: true });
    stream.once('wantTrailers', () => {
      try {
        stream.sendTrailers(trailer);
      } catch {
        stream.close();
      }
    });
    stream.end(body);
  } catch {
    // the client reset the stream meanwhile
  }
}
