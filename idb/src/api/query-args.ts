/** WebIDL argument conversions shared by stores and indexes. */
import { domError } from '../errors.ts';

/** [EnforceRange] unsigned long (count arguments); undefined -> 0 (no limit). */
export function toCount(v: unknown): number {
  if (v === undefined) return 0;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError('count must be a finite number');
  const t = Math.trunc(n);
  if (t < 0 || t > 0xffffffff) throw new TypeError('count is out of range');
  return t;
}

const DIRECTIONS: readonly IDBCursorDirection[] = ['next', 'nextunique', 'prev', 'prevunique'];

export function toDirection(v: unknown): IDBCursorDirection {
  const d = v === undefined ? 'next' : String(v);
  if (!(DIRECTIONS as readonly string[]).includes(d)) throw new TypeError(`invalid cursor direction "${d}"`);
  return d as IDBCursorDirection;
}

export function deletedError(what: string): DOMException {
  return domError('InvalidStateError', `the ${what} has been deleted`);
}
