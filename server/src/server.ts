/**
 * The sidecar: one listener per address serving Connect, gRPC and gRPC-Web
 * over h2c and HTTP/1.1 (the HTTP/2 preface is sniffed on each connection),
 * plus /metrics, /healthz and /readyz over plain HTTP. Optional TLS (ALPN h2 +
 * http/1.1). Graceful drain on close().
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { ConnectRouter } from '@connectrpc/connect';
import { flowNodeAdapter } from './wire-errors.ts';
import { engineWorkerHeap, openEngine, warmEngineWorkers, type KV } from '@flowdb/engine';
import { type Config, engineOptions } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { Deps } from './deps.ts';
import { kvService, kvUnary } from './kv.ts';
import { GrpcFastPath } from './fastpath.ts';
import { ingestCall } from './fast-ingest.ts';
import { statsService } from './stats.ts';
import { eventsService } from './events.ts';
import { documentService } from './documents/service.ts';
import { openDocuments, type Documents } from './documents/open.ts';
import type { DocumentStore } from './documents/store.ts';
import { HealthState, healthService } from './health.ts';
import { Reflector, reflectionV1, reflectionV1alpha } from './reflection.ts';
import { Metrics, processMemory } from './metrics.ts';
import { interceptors, tokenMatches, type CallTracker } from './interceptors.ts';
import { KVService } from './gen/flowdb/v1/kv_service_pb.ts';
import { StatsService } from './gen/flowdb/v1/stats_service_pb.ts';
import { EventsService } from './gen/flowdb/v1/events_service_pb.ts';
import { DocumentService } from './gen/flowdb/v1/document_pb.ts';
import { Health, HealthCheckResponse_ServingStatus } from './gen/grpc/health/v1/health_pb.ts';
import { ServerReflection as ReflectionV1 } from './gen/grpc/reflection/v1/reflection_pb.ts';
import { ServerReflection as ReflectionV1alpha } from './gen/grpc/reflection/v1alpha/reflection_pb.ts';

const STREAM_WINDOW = 1024 * 1024;
const SESSION_WINDOW = 8 * 1024 * 1024;
/** Shutdown: at most this many event-loop turns to accept the connections still queued. */
const MAX_ACCEPT_TURNS = 1000;

export const API_SERVICES = [KVService, StatsService, EventsService, DocumentService];

/** Registers every service on a router (also used by socket-free tests; DocumentService only with docs). */
export function routes(deps: Deps, health: HealthState, reflector: Reflector, docs?: DocumentStore) {
  return (router: ConnectRouter) => {
    router.service(KVService, kvService(deps));
    router.service(StatsService, statsService(deps));
    router.service(EventsService, eventsService(deps));
    if (docs !== undefined) router.service(DocumentService, documentService(deps, docs));
    router.service(Health, healthService(health));
    router.service(ReflectionV1, reflectionV1(reflector));
    router.service(ReflectionV1alpha, reflectionV1alpha(reflector));
  };
}

export function createReflector(): Reflector {
  return new Reflector([...API_SERVICES, Health, ReflectionV1, ReflectionV1alpha]);
}

export interface RunningServer {
  /** Where it listens: "127.0.0.1:50051", "[::1]:4000", "unix:/path". */
  addresses: string[];
  deps: Deps;
  /** The document store (own engine under <dataDir>/documents). */
  documents: Documents;
  health: HealthState;
  /** Graceful shutdown; resolves when everything is closed (bounded by shutdownTimeoutMs). */
  close(): Promise<void>;
}

function parseAddress(a: string): net.ListenOptions {
  if (a.startsWith('unix:')) return { path: a.slice(5).replace(/^\/\/(?=\/)/, '') };
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(a);
  if (!m) throw new Error(`bad listen address "${a}" (want host:port, [v6]:port or unix:/path)`);
  return { host: m[1] ?? (m[2] === '' ? '127.0.0.1' : m[2]), port: Number(m[3]) };
}

export async function startServer(config: Config, opts: { engine?: KV; log?: Logger } = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config.logLevel);
  // The sidecar lives long: its worker threads start now, so its memory is steady from the start.
  warmEngineWorkers();
  const engine =
    opts.engine ??
    (await openEngine(config.dataDir, engineOptions(config)));
  const deps = new Deps(engine, config, log);
  let documents: Documents;
  try {
    documents = await openDocuments(config);
  } catch (e) {
    if (opts.engine === undefined) await engine.close();
    throw e;
  }
  const health = new HealthState(API_SERVICES.map((s) => s.typeName));
  const reflector = createReflector();
  const metrics = new Metrics();
  const tracker: CallTracker = { unary: 0, streams: 0, onIdle: new Set() };

  const ics = interceptors({ token: config.token, draining: () => deps.draining, metrics, tracker, log });
  const adapter = flowNodeAdapter({
    routes: routes(deps, health, reflector, documents.store),
    readMaxBytes: config.maxRecvBytes,
    writeMaxBytes: config.maxSendBytes,
    ...(config.maxTimeoutMs > 0 ? { maxTimeoutMs: config.maxTimeoutMs } : {}),
    interceptors: ics,
  });
  // Plain gRPC calls to KVService skip Connect's streaming pipeline and Node's
  // compat layer (same interceptors and handlers); attached to the servers below.
  const fast = new GrpcFastPath(kvUnary(deps), {
    interceptors: ics, readMaxBytes: config.maxRecvBytes, writeMaxBytes: config.maxSendBytes, maxTimeoutMs: config.maxTimeoutMs,
  }, ingestCall(deps, ics));

  const handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (req.method === 'GET' && (path === '/healthz' || path === '/readyz' || path === '/livez' || path === '/metrics')) {
      let status = 200;
      let body: string;
      const type = 'text/plain; charset=utf-8';
      if (path === '/metrics') {
        if (config.token !== undefined && !tokenMatches(req.headers['authorization'] as string | undefined, config.token)) {
          status = 401;
          body = 'unauthorized\n';
        } else {
          void engineWorkerHeap().catch(() => undefined).then((w) => {
            let stats;
            try {
              stats = engine.stats();
            } catch {
              stats = undefined;
            }
            const text = metrics.render(stats, {
              flowdb_server_inflight_unary: tracker.unary,
              flowdb_server_open_streams: tracker.streams,
              flowdb_server_serving: health.serving ? 1 : 0,
              flowdb_server_fast_path_calls: fast.calls,
              flowdb_server_http2_sessions: sessions.size,
              ...processMemory(),
              flowdb_engine_worker_heap_used_bytes: w?.used ?? 0,
              flowdb_engine_worker_heap_total_bytes: w?.total ?? 0,
              flowdb_engine_worker_threads: w?.threads ?? 0,
            });
            send(res, path, 200, 'text/plain; version=0.0.4; charset=utf-8', text);
          });
          return;
        }
      } else if (path === '/readyz') {
        const docsReady = documents.ready();
        const ready = health.serving && docsReady;
        status = ready ? 200 : 503;
        body = ready ? 'ok\n' : health.serving ? 'documents unavailable\n' : 'draining\n';
      } else {
        body = 'ok\n';
      }
      send(res, path, status, type, body);
      return;
    }
    adapter(req as http.IncomingMessage, res as http.ServerResponse);
  };
  const send = (res: http.ServerResponse | http2.Http2ServerResponse, path: string, status: number, type: string, body: string): void => {
    metrics.httpRequest(path, status);
    const r = res as http.ServerResponse;
    if (r.destroyed) return;
    r.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    r.end(body);
  };

  /** Set once close() starts. */
  let closing: Promise<void> | undefined;
  /** Connections accepted so far (the drain polls until no new one comes). */
  let accepted = 0;
  const sessions = new Set<http2.ServerHttp2Session>();
  // Flow-control windows: the HTTP/2 default (64 KiB per stream and per
  // connection) stalls ingest of large batches on one connection.
  const h2opts: http2.ServerOptions = {
    settings: { maxConcurrentStreams: config.maxConcurrentStreams, initialWindowSize: STREAM_WINDOW },
    maxSessionMemory: 64,
  };
  const onSession = (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    try {
      session.setLocalWindowSize(SESSION_WINDOW);
    } catch {
      // the session is already gone
    }
    let timer: NodeJS.Timeout | undefined;
    if (config.keepaliveMs > 0) {
      timer = setInterval(() => {
        if (session.destroyed || session.closed) return clearInterval(timer);
        let answered = false;
        const dead = setTimeout(() => {
          if (!answered && !session.destroyed) session.destroy();
        }, config.keepaliveTimeoutMs);
        dead.unref();
        try {
          session.ping((err) => {
            answered = true;
            clearTimeout(dead);
            if (err && !session.destroyed) session.destroy();
          });
        } catch {
          // ERR_HTTP2_INVALID_SESSION and friends: the session is gone.
          clearTimeout(dead);
          clearInterval(timer);
        }
      }, config.keepaliveMs);
      timer.unref();
    }
    session.on('error', (e) => log.debug('http2 session error', { error: e }));
    session.once('close', () => {
      clearInterval(timer);
      sessions.delete(session);
    });
    // A connection accepted during the drain: GOAWAY at once (the client's
    // calls are refused, REFUSED_STREAM = UNAVAILABLE), then a graceful close.
    if (closing !== undefined) goaway(session);
  };
  const goaway = (s: http2.ServerHttp2Session) => {
    try {
      s.close();
    } catch {
      // already gone
    }
  };

  const h1 = http.createServer(handler);
  const h1Sockets = new Set<net.Socket>();
  const h2 = http2.createServer(h2opts, handler);
  h2.on('session', onSession);
  if (!fast.attach(h2)) log.warn('gRPC fast path not attached: every call goes through Connect');
  const tls =
    config.tlsCert !== undefined && config.tlsKey !== undefined
      ? http2.createSecureServer({ ...h2opts, allowHTTP1: true, cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) }, handler)
      : undefined;
  tls?.on('session', onSession);
  tls?.on('connection', () => void accepted++);
  if (tls !== undefined) fast.attach(tls);

  /** Accepted connections whose first bytes have not arrived yet (the drain waits for them too). */
  const sniffing = new Set<net.Socket>();
  /** Hands a connection to the HTTP/2 or HTTP/1.1 server by sniffing the client preface. */
  const sniff = (socket: net.Socket) => {
    socket.on('error', () => socket.destroy());
    sniffing.add(socket);
    accepted++;
    socket.once('close', () => sniffing.delete(socket));
    const chunks: Buffer[] = [];
    const onReadable = () => {
      let c: Buffer | null;
      while ((c = socket.read() as Buffer | null) !== null) chunks.push(c);
      const head = Buffer.concat(chunks);
      if (head.length < 3 && !socket.readableEnded) return;
      socket.off('readable', onReadable);
      sniffing.delete(socket);
      socket.unshift(head);
      if (head.subarray(0, 3).toString('latin1') === 'PRI') h2.emit('connection', socket);
      else {
        h1Sockets.add(socket);
        socket.once('close', () => h1Sockets.delete(socket));
        h1.emit('connection', socket);
      }
    };
    socket.on('readable', onReadable);
    socket.resume();
  };

  const listeners: net.Server[] = [];
  const addresses: string[] = [];
  try {
    for (const a of config.listen) {
      const lo = parseAddress(a);
      if (lo.path !== undefined && fs.existsSync(lo.path)) fs.rmSync(lo.path); // stale socket
      const srv: net.Server = tls ?? net.createServer({ pauseOnConnect: true }, sniff);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(lo, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      if (lo.path !== undefined) {
        fs.chmodSync(lo.path, 0o660);
        addresses.push(`unix:${lo.path}`);
      } else {
        const ad = srv.address() as net.AddressInfo;
        addresses.push(ad.family === 'IPv6' ? `[${ad.address}]:${ad.port}` : `${ad.address}:${ad.port}`);
      }
      listeners.push(srv);
      if (tls !== undefined) break; // one TLS server: listen once
    }
  } catch (e) {
    for (const l of listeners) l.close();
    await documents.close();
    if (opts.engine === undefined) await engine.close();
    throw e;
  }

  const close = () => (closing ??= (async () => {
    const t0 = Date.now();
    const deadline = t0 + config.shutdownTimeoutMs;
    log.info('shutting down', { unary: tracker.unary, streams: tracker.streams });
    // 1. NOT_SERVING; new calls are refused (interceptor); streams end (drain signal).
    health.setAll(HealthCheckResponse_ServingStatus.NOT_SERVING);
    deps.drain.abort();
    // 2. Stop accepting connections. Closing a listening socket resets the
    // connections the kernel has completed but we have not accepted (a busy
    // event loop leaves them queued), and those clients lose their calls to a
    // TCP reset. So first take every queued connection: each poll phase
    // accepts one (libuv in Node 24), so turn the event loop (setImmediate:
    // one poll phase per turn) until a turn accepts none; each gets a GOAWAY
    // at once (onSession). After the close a new connection is refused
    // (ECONNREFUSED: UNAVAILABLE for the client). A connection completed in
    // the instant before the close can still be reset (TCP has no clean close
    // of a listener); the client reports that as UNAVAILABLE too.
    await new Promise((r) => setImmediate(r)); // we run at the end of a poll phase: sync to the check phase
    for (let turns = 0; turns < MAX_ACCEPT_TURNS && Date.now() < deadline; turns++) {
      const seen = accepted;
      await new Promise((r) => setImmediate(r));
      if (accepted === seen) break;
    }
    for (const l of listeners) l.close();
    // 3. Let in-flight unary calls finish (bounded).
    if (tracker.unary > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        const f = () => {
          clearTimeout(t);
          tracker.onIdle.delete(f);
          resolve();
        };
        tracker.onIdle.add(f);
      });
    }
    // 4. GOAWAY every HTTP/2 session; close idle HTTP/1.1 connections.
    for (const s of sessions) goaway(s);
    h1.closeIdleConnections();
    const waitFor = async (cond: () => boolean, until: number) => {
      while (!cond() && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 10));
        h1.closeIdleConnections();
      }
    };
    await waitFor(() => tracker.streams === 0 && tracker.unary === 0, deadline);
    // 5. Every handler is done. A closed session has sent its GOAWAY and FIN
    // and keeps reading (and discarding) until the client closes its side:
    // closing the socket earlier would answer data still in flight from the
    // client with a TCP reset, which can erase the GOAWAY and trailers the
    // client has not read yet. So wait for the clients, bounded by the deadline.
    await waitFor(() => sessions.size === 0 && h1Sockets.size === 0 && sniffing.size === 0, deadline);
    if (sessions.size > 0 || tracker.streams > 0 || h1Sockets.size > 0 || sniffing.size > 0) {
      log.info('closing connections still open after the drain', { sessions: sessions.size, streams: tracker.streams, http1: h1Sockets.size, sniffing: sniffing.size });
    }
    for (const s of sessions) s.destroy();
    for (const s of h1Sockets) s.destroy();
    for (const s of sniffing) s.destroy();
    // 6. Sync the WALs and close the engines.
    try {
      await documents.close();
    } catch (e) {
      log.warn('closing the document store failed', { error: e });
    }
    if (opts.engine === undefined) {
      try {
        await engine.syncWal();
      } catch (e) {
        log.warn('final WAL sync failed', { error: e });
      }
      await engine.close();
    }
    log.info('shut down', { ms: Date.now() - t0 });
  })());

  return { addresses, deps, documents, health, close };
}
