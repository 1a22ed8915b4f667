/**
 * The one table mapping engine errors (FlowError.code) to gRPC codes and
 * ErrorInfo reasons, plus helpers that build ConnectErrors carrying a
 * google.rpc.ErrorInfo detail. docs/errors.md mirrors this file.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { ErrorReason } from './gen/flowdb/v1/errors_pb.ts';
import { ErrorInfoSchema, RetryInfoSchema, BadRequestSchema } from './gen/google/rpc/error_details_pb.ts';

export const ERROR_DOMAIN = 'flowdb.dev';

/** ErrorReason value names, e.g. 'ERROR_REASON_EMPTY_KEY'. */
export type ReasonName = `ERROR_REASON_${keyof typeof ErrorReason}`;

export interface Mapping {
  code: Code;
  reason: ReasonName;
  /** Suggest a retry delay (RetryInfo) for this error. */
  retryMs?: number;
}

/** Engine FlowError.code → gRPC status. Unknown codes and non-FlowErrors → INTERNAL. */
export const ENGINE_ERRORS: { readonly [engineCode: string]: Mapping } = {
  INVALID_ARGUMENT: { code: Code.InvalidArgument, reason: 'ERROR_REASON_INVALID_ARGUMENT' },
  CORRUPTION: { code: Code.DataLoss, reason: 'ERROR_REASON_CORRUPTION' },
  IO_ERROR: { code: Code.Internal, reason: 'ERROR_REASON_IO_ERROR' },
  NO_SPACE: { code: Code.ResourceExhausted, reason: 'ERROR_REASON_NO_SPACE' },
  NOT_OPEN: { code: Code.Unavailable, reason: 'ERROR_REASON_SHUTTING_DOWN' },
  CLOSED: { code: Code.Unavailable, reason: 'ERROR_REASON_SHUTTING_DOWN' },
  LOCKED: { code: Code.Unavailable, reason: 'ERROR_REASON_LOCKED' },
  NOT_SUPPORTED: { code: Code.Unimplemented, reason: 'ERROR_REASON_NOT_SUPPORTED' },
  READ_ONLY: { code: Code.FailedPrecondition, reason: 'ERROR_REASON_READ_ONLY' },
  ABORTED: { code: Code.Aborted, reason: 'ERROR_REASON_INTERNAL' },
  BUSY: { code: Code.ResourceExhausted, reason: 'ERROR_REASON_OVERLOADED', retryMs: 100 },
};
export const UNKNOWN_ERROR: Mapping = { code: Code.Internal, reason: 'ERROR_REASON_INTERNAL' };

export interface ErrorOptions {
  metadata?: { [k: string]: string };
  retryMs?: number;
  /** Field violation for a google.rpc.BadRequest detail. */
  field?: string;
  cause?: unknown;
}

/** A ConnectError with an ErrorInfo detail (and RetryInfo / BadRequest when asked). */
export function rpcError(code: Code, reason: ReasonName, message: string, opts: ErrorOptions = {}): ConnectError {
  const metadata: { [k: string]: string } = { ...opts.metadata };
  if (opts.field !== undefined) metadata['field'] = opts.field;
  const details: ConstructorParameters<typeof ConnectError>[3] = [
    { desc: ErrorInfoSchema, value: { reason, domain: ERROR_DOMAIN, metadata } },
  ];
  if (opts.retryMs !== undefined) {
    const ms = Math.max(0, Math.round(opts.retryMs));
    details.push({
      desc: RetryInfoSchema,
      value: { retryDelay: create(DurationSchema, { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 }) },
    });
  }
  if (opts.field !== undefined) {
    details.push({ desc: BadRequestSchema, value: { fieldViolations: [{ field: opts.field, description: message }] } });
  }
  return new ConnectError(message, code, undefined, details, opts.cause);
}

export const invalid = (field: string, message: string, reason: ReasonName = 'ERROR_REASON_INVALID_ARGUMENT'): ConnectError =>
  rpcError(Code.InvalidArgument, reason, message, { field });

export const shuttingDown = (): ConnectError =>
  rpcError(Code.Unavailable, 'ERROR_REASON_SHUTTING_DOWN', 'the server is shutting down');

export const overloaded = (message: string, retryMs: number): ConnectError =>
  rpcError(Code.ResourceExhausted, 'ERROR_REASON_OVERLOADED', message, { retryMs });

/** The mapping for any thrown value (FlowError by `code`, else INTERNAL). */
export function mappingOf(err: unknown): Mapping {
  if (err !== null && typeof err === 'object' && (err as { name?: unknown }).name === 'FlowError') {
    const m = ENGINE_ERRORS[String((err as { code?: unknown }).code)];
    if (m !== undefined) return m;
  }
  return UNKNOWN_ERROR;
}

/**
 * Converts anything thrown inside a handler to a ConnectError with ErrorInfo.
 * ConnectErrors pass through; an aborted call signal yields CANCELED /
 * DEADLINE_EXCEEDED (ConnectError reasons).
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return withErrorInfo(err);
  if (err instanceof Error && err.name === 'AbortError') {
    return rpcError(Code.Canceled, 'ERROR_REASON_CANCELED', 'the call was canceled', { cause: err });
  }
  const m = mappingOf(err);
  const msg = err instanceof Error ? err.message : String(err);
  const opts: ErrorOptions = { cause: err };
  if (m.retryMs !== undefined) opts.retryMs = m.retryMs;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') opts.metadata = { engine_code: code };
  return rpcError(m.code, m.reason, m === UNKNOWN_ERROR ? `internal error: ${msg}` : msg, opts);
}

/**
 * Errors raised by the RPC framework itself (undecodable bodies, size limits,
 * bad envelopes, unknown methods) carry no ErrorInfo. This maps them to the
 * code a client-caused problem deserves plus an ErrorReason.
 */
export function frameworkMapping(code: Code, message: string): { code: Code; reason: ReasonName } {
  const clientFault =
    /^(parse binary|received compressed envelope|invalid envelope|received parsed JSON|protocol error: |decompression failed)/.test(message);
  if (clientFault) return { code: Code.InvalidArgument, reason: 'ERROR_REASON_INVALID_ARGUMENT' };
  switch (code) {
    case Code.InvalidArgument:
    case Code.NotFound:
    case Code.OutOfRange:
      return { code, reason: 'ERROR_REASON_INVALID_ARGUMENT' };
    case Code.ResourceExhausted:
      return { code, reason: 'ERROR_REASON_MESSAGE_TOO_LARGE' };
    case Code.Unimplemented:
      return { code, reason: 'ERROR_REASON_NOT_SUPPORTED' };
    case Code.Canceled:
    case Code.DeadlineExceeded:
      return { code, reason: 'ERROR_REASON_CANCELED' };
    case Code.Unavailable:
      return { code, reason: 'ERROR_REASON_SHUTTING_DOWN' };
    case Code.Unauthenticated:
      return { code, reason: 'ERROR_REASON_UNAUTHENTICATED' };
    case Code.DataLoss:
      return { code, reason: 'ERROR_REASON_CORRUPTION' };
    default:
      return { code: code === Code.Unknown ? Code.Internal : code, reason: 'ERROR_REASON_INTERNAL' };
  }
}

/** The error itself when it has details; else a mapped copy carrying ErrorInfo (metadata source=framework). */
export function withErrorInfo(err: ConnectError): ConnectError {
  if (err.details.length > 0) return err;
  const m = frameworkMapping(err.code, err.rawMessage);
  const e = rpcError(m.code, m.reason, err.rawMessage, { metadata: { source: 'framework' }, cause: err.cause ?? err });
  if (!err.isWireError) err.metadata.forEach((v, k) => e.metadata.set(k, v));
  return e;
}
