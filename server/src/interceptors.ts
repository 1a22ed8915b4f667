/** Interceptors: auth, drain refusal, error enrichment, metrics, in-flight tracking. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { Code as CodeEnum } from '@connectrpc/connect';
import { rpcError, shuttingDown, toConnectError } from './errors.ts';
import type { Metrics } from './metrics.ts';
import type { Logger } from './log.ts';

const HEALTH = 'grpc.health.v1.Health';

export function tokenMatches(header: string | null | undefined, token: string): boolean {
  const given = header ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(`Bearer ${token}`).digest();
  return timingSafeEqual(a, b);
}

export interface CallTracker {
  unary: number;
  streams: number;
  onIdle: Set<() => void>;
}

export function interceptors(opts: {
  token: string | undefined;
  draining: () => boolean;
  metrics: Metrics;
  tracker: CallTracker;
  log: Logger;
}): Interceptor[] {
  const { token, draining, metrics, tracker, log } = opts;
  const idle = () => {
    if (tracker.unary === 0) for (const f of tracker.onIdle) f();
  };
  const observe: Interceptor = (next) => async (req) => {
    const service = req.service.typeName;
    const method = req.method.name;
    const start = performance.now();
    const done = (err: unknown) => {
      const code = err === undefined ? 'OK' : CodeEnum[ConnectError.from(err).code];
      metrics.handled(service, method, String(code), (performance.now() - start) / 1000);
      if (err !== undefined) {
        const ce = ConnectError.from(err);
        const level = ce.code === Code.Internal || ce.code === Code.DataLoss || ce.code === Code.Unknown ? 'error' : 'debug';
        log[level]('rpc failed', { service, method, code, error: ce.rawMessage });
      }
    };
    const isStream = req.stream || req.method.methodKind !== 'unary';
    if (!isStream) tracker.unary++;
    else tracker.streams++;
    try {
      if (token !== undefined && service !== HEALTH && !tokenMatches(req.header.get('authorization'), token)) {
        throw rpcError(Code.Unauthenticated, 'ERROR_REASON_UNAUTHENTICATED', 'missing or invalid bearer token');
      }
      if (draining() && service !== HEALTH) throw shuttingDown();
      const res = await next(req);
      if (!res.stream) {
        done(undefined);
        return res;
      }
      const inner = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* inner;
            done(undefined);
          } catch (e) {
            const ce = toConnectError(e);
            done(ce);
            throw ce;
          } finally {
            tracker.streams--;
          }
        })(),
      };
    } catch (e) {
      const ce = toConnectError(e);
      done(ce);
      if (isStream) tracker.streams--;
      throw ce;
    } finally {
      if (!isStream) {
        tracker.unary--;
        idle();
      }
    }
  };
  return [observe];
}
