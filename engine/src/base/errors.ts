/**
 * FlowError: the engine's one error type. `code` is stable API; messages are not.
 * Programmer mistakes (bad option types) throw TypeError/RangeError instead.
 */
export const ErrorCode = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  CORRUPTION: 'CORRUPTION',
  IO_ERROR: 'IO_ERROR',
  NO_SPACE: 'NO_SPACE',
  NOT_OPEN: 'NOT_OPEN',
  CLOSED: 'CLOSED',
  LOCKED: 'LOCKED',
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  READ_ONLY: 'READ_ONLY',
  ABORTED: 'ABORTED',
  BUSY: 'BUSY',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface FlowErrorOptions {
  cause?: unknown;
  file?: string;
  offset?: number;
}

export class FlowError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly offset: number | undefined;
  constructor(code: ErrorCode, message: string, opts: FlowErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FlowError';
    this.code = code;
    this.file = opts.file;
    this.offset = opts.offset;
  }
}

export function isFlowError(err: unknown, code?: ErrorCode): err is FlowError {
  return err instanceof FlowError && (code === undefined || err.code === code);
}

export function corruption(message: string, file?: string, offset?: number): FlowError {
  const opts: FlowErrorOptions = {};
  if (file !== undefined) opts.file = file;
  if (offset !== undefined) opts.offset = offset;
  return new FlowError(ErrorCode.CORRUPTION, message, opts);
}

/** Wraps an fs failure (errno-style `code` such as EIO, ENOSPC) into a FlowError. */
export function ioError(op: string, err: unknown): FlowError {
  if (err instanceof FlowError) return err;
  const errno = (err as { code?: unknown } | null)?.code;
  const code = errno === 'ENOSPC' ? ErrorCode.NO_SPACE : ErrorCode.IO_ERROR;
  const msg = err instanceof Error ? err.message : String(err);
  return new FlowError(code, `${op}: ${msg}`, { cause: err });
}
