/** Sends a Plan over raw node:http2 / node:http and collects the raw reply. */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { Plan } from './plan.ts';

export interface Reply {
  status: number;
  headers: { [k: string]: string };
  trailers: { [k: string]: string };
  body: Buffer;
  /** The exchange ended without a complete response (reset, socket closed). */
  broken?: string;
  /** No answer in time. */
  hung?: boolean;
}

function flat(h: http.IncomingHttpHeaders | http2.IncomingHttpHeaders): { [k: string]: string } {
  const out: { [k: string]: string } = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

/** One HTTP/2 session per worker, replaced when it dies. */
export class H2Pool {
  #url: string;
  #session: http2.ClientHttp2Session | undefined;
  #uses = 0;

  constructor(url: string) {
    this.#url = url;
  }

  get(): http2.ClientHttp2Session {
    if (this.#session === undefined || this.#session.destroyed || this.#session.closed || this.#uses++ > 500) {
      this.#session?.close();
      this.#uses = 0;
      const s = http2.connect(this.#url);
      s.on('error', () => {});
      s.unref();
      this.#session = s;
    }
    return this.#session;
  }

  /** Abrupt end of the connection (RST of every stream on it). */
  kill(): void {
    this.#session?.destroy();
    this.#session = undefined;
  }

  close(): void {
    this.#session?.close();
    this.#session = undefined;
  }
}

export function sendH2(pool: H2Pool, p: Plan, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve) => {
    const reply: Reply = { status: 0, headers: {}, trailers: {}, body: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (broken?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reply.body = Buffer.concat(chunks);
      if (broken !== undefined) reply.broken = broken;
      resolve(reply);
    };
    const timer = setTimeout(() => {
      reply.hung = true;
      req.close(http2.constants.NGHTTP2_CANCEL);
      finish('timeout');
    }, timeoutMs);
    let req: http2.ClientHttp2Stream;
    try {
      req = pool.get().request({ ':method': p.httpMethod, ':path': p.path, ...p.headers }, { endStream: p.httpMethod === 'GET' });
    } catch (e) {
      clearTimeout(timer);
      pool.kill();
      resolve({ ...reply, broken: `request failed: ${(e as Error).message}` });
      return;
    }
    req.on('response', (h) => {
      reply.status = Number(h[':status']);
      reply.headers = flat(h);
    });
    req.on('trailers', (t) => (reply.trailers = flat(t)));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => finish());
    req.on('close', () => finish(reply.status === 0 ? `stream closed, rst code ${req.rstCode}` : undefined));
    req.on('error', (e) => finish(`stream error: ${e.message}`));
    if (p.httpMethod === 'GET') return;
    if (p.abortAfter !== undefined) {
      req.write(p.body.subarray(0, p.abortAfter));
      setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), 1);
    } else req.end(p.body);
  });
}

/**
 * HTTP/1.1 exchange. A reset on a reused keep-alive socket before any response
 * is the client/server idle-timeout race (the server closed the idle socket as
 * we wrote): retried once on a fresh socket, as Node's docs advise.
 */
export async function sendH1(agent: http.Agent, url: URL, p: Plan, timeoutMs: number): Promise<Reply> {
  const first = await sendH1Once(agent, url, p, timeoutMs);
  if (first.reusedSocket === true && first.status === 0 && p.abortAfter === undefined && first.broken?.includes('ECONNRESET')) {
    return sendH1Once(agent, url, p, timeoutMs);
  }
  return first;
}

function sendH1Once(agent: http.Agent, url: URL, p: Plan, timeoutMs: number): Promise<Reply & { reusedSocket?: boolean }> {
  return new Promise((resolve) => {
    const reply: Reply & { reusedSocket?: boolean } = { status: 0, headers: {}, trailers: {}, body: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (broken?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reply.body = Buffer.concat(chunks);
      reply.reusedSocket = req.reusedSocket;
      if (broken !== undefined) reply.broken = broken;
      resolve(reply);
    };
    const headers = { ...p.headers };
    delete headers['te'];
    const req = http.request({ host: url.hostname, port: url.port, method: p.httpMethod, path: p.path, headers, agent });
    const timer = setTimeout(() => {
      reply.hung = true;
      req.destroy();
      finish('timeout');
    }, timeoutMs);
    req.on('response', (res) => {
      reply.status = res.statusCode ?? 0;
      reply.headers = flat(res.headers);
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        reply.trailers = flat(res.trailers);
        finish();
      });
      res.on('error', (e) => finish(`response error: ${e.message}`));
      res.on('close', () => finish(res.complete ? undefined : 'response closed early'));
    });
    req.on('error', (e) => finish(`request error: ${e.message}`));
    if (p.httpMethod === 'GET') return void req.end();
    if (p.abortAfter !== undefined) {
      req.write(p.body.subarray(0, p.abortAfter));
      setTimeout(() => req.destroy(), 1);
    } else req.end(p.body);
  });
}
