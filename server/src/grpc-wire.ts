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

/**
 * The request's metadata as Headers (pseudo-headers left out), as Connect
 * builds it, but filled only when first read beyond get/has: each append
 * costs ~1.5 µs in undici, and most calls never look at their headers.
 */
class LazyHeaders extends Headers {
  #src: http2.IncomingHttpHeaders | undefined;

  constructor(src: http2.IncomingHttpHeaders) {
    super();
    this.#src = src;
  }

  #fill(): void {
    const h = this.#src;
    if (h === undefined) return;
    this.#src = undefined;
    for (const k in h) {
      if (k.charCodeAt(0) === 58 /* ':' */) continue;
      const v = h[k];
      if (typeof v === 'string') super.append(k, v);
      else if (v !== undefined) for (const e of v) super.append(k, e);
    }
  }

  /** The raw value for a plain lower-case name while unfilled; undefined when the full Headers must answer. */
  #raw(name: string): string | null | undefined {
    if (this.#src === undefined || !/^[a-z0-9-]+$/.test(name)) return undefined;
    const v = this.#src[name];
    return v === undefined ? null : typeof v === 'string' ? v : v.join(', ');
  }

  override get(name: string): string | null {
    const r = this.#raw(name);
    if (r !== undefined) return r;
    this.#fill();
    return super.get(name);
  }
  override has(name: string): boolean {
    const r = this.#raw(name);
    if (r !== undefined) return r !== null;
    this.#fill();
    return super.has(name);
  }
  override append(name: string, value: string): void {
    this.#fill();
    super.append(name, value);
  }
  override set(name: string, value: string): void {
    this.#fill();
    super.set(name, value);
  }
  override delete(name: string): void {
    this.#fill();
    super.delete(name);
  }
  override getSetCookie(): string[] {
    this.#fill();
    return super.getSetCookie();
  }
  override forEach(cb: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#fill();
    super.forEach(cb, thisArg);
  }
  override entries(): HeadersIterator<[string, string]> {
    this.#fill();
    return super.entries();
  }
  override keys(): HeadersIterator<string> {
    this.#fill();
    return super.keys();
  }
  override values(): HeadersIterator<string> {
    this.#fill();
    return super.values();
  }
  override [Symbol.iterator](): HeadersIterator<[string, string]> {
    this.#fill();
    return super[Symbol.iterator]();
  }
}

/** The request's metadata as Headers (see LazyHeaders). */
export function requestHeaders(h: http2.IncomingHttpHeaders): Headers {
  return new LazyHeaders(h);
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
