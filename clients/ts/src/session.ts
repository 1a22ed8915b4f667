/**
 * The HTTP/2 session manager of the client: connect-node's, made immune to connect-es #1768.
 *
 * connect-node 2.2.0: a GOAWAY reaching a connection without open streams (the sidecar restarting
 * or a load balancer closing idle connections) makes the manager destroy the session with an
 * error that Node raises only once the socket has closed. If a new call has moved the manager to
 * a new connection meanwhile, its listeners are gone and the error is uncaught: the process dies
 * ("received GOAWAY without any open streams"). Fix proposed upstream in connect-es PR #1769.
 *
 * Here every session that carried a stream gets one more 'error' listener that outlives the
 * manager's: the manager and the streams still see every error while they listen; afterwards a
 * late error of a session already abandoned is dropped instead of crashing the process.
 * (connect() opens a session without a stream, so it is not covered; FlowClient never calls it.)
 */
import type * as http2 from 'node:http2';
import { Http2SessionManager } from '@connectrpc/connect-node';

const guarded = new WeakSet<http2.Http2Session>();
const dropLateError = (): void => {};

export class FlowSessionManager extends Http2SessionManager {
  override async request(...args: Parameters<Http2SessionManager['request']>): Promise<http2.ClientHttp2Stream> {
    const stream = await super.request(...args);
    const session = stream.session;
    if (session !== undefined && !guarded.has(session)) {
      guarded.add(session);
      session.on('error', dropLateError);
    }
    return stream;
  }
}
