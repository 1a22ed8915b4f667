/**
 * Errors: the spec's DOMException names (https://w3c.github.io/IndexedDB/#exceptions).
 * Engine failures are wrapped with the FlowError kept as `cause`.
 */
export type IDBErrorName =
  | 'AbortError' | 'ConstraintError' | 'DataCloneError' | 'DataError' | 'InvalidAccessError'
  | 'InvalidStateError' | 'NotFoundError' | 'QuotaExceededError' | 'ReadOnlyError' | 'SyntaxError'
  | 'TransactionInactiveError' | 'UnknownError' | 'VersionError' | 'TimeoutError';

export function domError(name: IDBErrorName, message: string, cause?: unknown): DOMException {
  const e = new DOMException(message, name);
  if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, configurable: true, writable: true });
  return e;
}

/** An engine failure as the spec error a request or transaction reports. */
export function fromEngineError(err: unknown): DOMException {
  if (err instanceof DOMException) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'NO_SPACE') return domError('QuotaExceededError', 'the storage is full', err);
  const msg = err instanceof Error ? err.message : String(err);
  return domError('UnknownError', `storage failure: ${msg}`, err);
}
