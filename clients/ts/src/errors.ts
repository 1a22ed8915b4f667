/** FlowClientError: a ConnectError decoded into code + ErrorInfo reason + retry delay. */
import { Code, ConnectError } from '@connectrpc/connect';
import { ErrorInfoSchema, RetryInfoSchema } from './gen/google/rpc/error_details_pb.ts';

export class FlowClientError extends Error {
  /** gRPC status code (Connect's Code enum: Code.NotFound === 5, ...). */
  readonly code: Code;
  /** ErrorReason name from flowdb.v1 (e.g. "ERROR_REASON_CONDITION_FAILED"); "" when the server sent none. */
  readonly reason: string;
  /** ErrorInfo metadata (e.g. actual_version, oldest_seq, limit, field). */
  readonly metadata: { readonly [k: string]: string };
  /** RetryInfo delay in ms, when the server suggested one. */
  readonly retryDelayMs: number | undefined;

  constructor(code: Code, reason: string, message: string, metadata: { [k: string]: string } = {}, retryDelayMs?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'FlowClientError';
    this.code = code;
    this.reason = reason;
    this.metadata = metadata;
    this.retryDelayMs = retryDelayMs;
  }

  /** Name of the code, e.g. "ResourceExhausted". */
  get codeName(): string {
    return Code[this.code] ?? String(this.code);
  }

  /** Whether a retry may succeed (UNAVAILABLE, or RESOURCE_EXHAUSTED with RetryInfo, ABORTED). */
  get retryable(): boolean {
    return this.code === Code.Unavailable || this.code === Code.Aborted || (this.code === Code.ResourceExhausted && this.retryDelayMs !== undefined);
  }

  static from(err: unknown): FlowClientError {
    if (err instanceof FlowClientError) return err;
    const ce = ConnectError.from(err);
    const info = ce.findDetails(ErrorInfoSchema)[0];
    const retry = ce.findDetails(RetryInfoSchema)[0]?.retryDelay;
    const retryMs = retry === undefined ? undefined : Number(retry.seconds) * 1000 + Math.round(retry.nanos / 1e6);
    const code = (ce.code === Code.Internal && refusedStream(ce)) || (ce.code === Code.Aborted && connectionReset(ce)) ? Code.Unavailable : ce.code;
    return new FlowClientError(code, info?.reason ?? '', ce.rawMessage, { ...(info?.metadata ?? {}) }, retryMs, ce);
  }
}

/**
 * An HTTP/2 REFUSED_STREAM (the server never processed the call, e.g. a GOAWAY during shutdown)
 * is UNAVAILABLE per the gRPC spec; connect-node surfaces it as INTERNAL when the stream errors.
 */
function refusedStream(e: unknown): boolean {
  let c: unknown = e;
  for (let i = 0; c instanceof Error && i < 8; i++, c = c.cause) {
    if ((c as { code?: unknown }).code === 'ERR_HTTP2_STREAM_ERROR' && c.message.includes('NGHTTP2_REFUSED_STREAM')) return true;
  }
  return false;
}

/**
 * The connection broke under the call (a TCP reset or a write into a reset connection): UNAVAILABLE
 * per the gRPC spec ("data transmitted before the connection breaks"); connect-node says ABORTED.
 * As with any UNAVAILABLE of a call in flight, a write's fate is unknown. The usual cause is a
 * connection the sidecar's kernel had accepted when the sidecar stopped listening (see the SIGTERM
 * drain in docs/reliability.md).
 */
export function connectionReset(e: unknown): boolean {
  let c: unknown = e;
  for (let i = 0; c instanceof Error && i < 8; i++, c = c.cause) {
    const code = (c as { code?: unknown }).code;
    if (code === 'ECONNRESET' || code === 'EPIPE') return true;
  }
  return false;
}

/** Runs fn and rethrows any failure as a FlowClientError. */
export async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw FlowClientError.from(e);
  }
}

export async function* wrapStream<T>(it: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* it;
  } catch (e) {
    throw FlowClientError.from(e);
  }
}
