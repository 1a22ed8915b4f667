/**
 * The one table mapping IndexedDB DOMException names to gRPC codes and
 * ErrorInfo reasons (docs/errors.md mirrors it), and the document-service
 * error helpers. Anything else goes through the server-wide toConnectError.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { rpcError, toConnectError, type Mapping } from '../errors.ts';

export const IDB_ERRORS: { readonly [domExceptionName: string]: Mapping } = {
  ConstraintError: { code: Code.AlreadyExists, reason: 'ERROR_REASON_ALREADY_EXISTS' },
  DataError: { code: Code.InvalidArgument, reason: 'ERROR_REASON_INVALID_KEY' },
  DataCloneError: { code: Code.InvalidArgument, reason: 'ERROR_REASON_INVALID_ARGUMENT' },
  SyntaxError: { code: Code.InvalidArgument, reason: 'ERROR_REASON_INVALID_ARGUMENT' },
  InvalidAccessError: { code: Code.InvalidArgument, reason: 'ERROR_REASON_INVALID_ARGUMENT' },
  NotFoundError: { code: Code.NotFound, reason: 'ERROR_REASON_NOT_FOUND' },
  QuotaExceededError: { code: Code.ResourceExhausted, reason: 'ERROR_REASON_NO_SPACE' },
  VersionError: { code: Code.FailedPrecondition, reason: 'ERROR_REASON_SCHEMA_CONFLICT' },
  AbortError: { code: Code.Aborted, reason: 'ERROR_REASON_INTERNAL' },
  TimeoutError: { code: Code.DeadlineExceeded, reason: 'ERROR_REASON_CANCELED' },
  UnknownError: { code: Code.Internal, reason: 'ERROR_REASON_IO_ERROR' },
  InvalidStateError: { code: Code.Internal, reason: 'ERROR_REASON_INTERNAL' },
  TransactionInactiveError: { code: Code.Internal, reason: 'ERROR_REASON_INTERNAL' },
  ReadOnlyError: { code: Code.Internal, reason: 'ERROR_REASON_INTERNAL' },
};

/** The FlowError inside an error's cause chain, if any (engine failures under the IDB layer). */
function engineCause(err: unknown): unknown {
  for (let e = err, i = 0; e !== null && typeof e === 'object' && i < 8; e = (e as { cause?: unknown }).cause, i++) {
    if ((e as { name?: unknown }).name === 'FlowError') return e;
  }
  return undefined;
}

/**
 * Any error thrown while serving a document call as a ConnectError with
 * ErrorInfo. metadata is added to DOMException mappings (e.g. op_index).
 */
export function toDocError(err: unknown, metadata: { [k: string]: string } = {}): ConnectError {
  if (err instanceof ConnectError) return err;
  const flow = engineCause(err);
  if (flow !== undefined) return toConnectError(flow);
  const name = err !== null && typeof err === 'object' ? (err as { name?: unknown }).name : undefined;
  const m = typeof name === 'string' ? IDB_ERRORS[name] : undefined;
  if (m === undefined) return toConnectError(err);
  const msg = err instanceof Error || (err !== null && typeof err === 'object' && 'message' in err) ? String((err as { message: unknown }).message) : String(err);
  return rpcError(m.code, m.reason, msg, { metadata: { ...metadata, dom_exception: String(name) }, cause: err });
}

export const notFound = (what: string, metadata: { [k: string]: string }): ConnectError =>
  rpcError(Code.NotFound, 'ERROR_REASON_NOT_FOUND', `${what} does not exist`, { metadata });

export const schemaConflict = (message: string, metadata: { [k: string]: string }): ConnectError =>
  rpcError(Code.FailedPrecondition, 'ERROR_REASON_SCHEMA_CONFLICT', message, { metadata });
