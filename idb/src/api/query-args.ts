/** WebIDL argument conversions shared by stores and indexes. */
import { types } from 'node:util';
import { domError } from '../errors.ts';
import { IDBKeyRange, toKeyRange } from './idb-key-range.ts';

/** [EnforceRange] unsigned long (count arguments); undefined -> 0 (no limit). */
export function toCount(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v === 'bigint') throw new TypeError('count must be a number');
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

/**
 * #is-a-potentially-valid-key-range: a key range, or a value of a type "convert a value to a key"
 * accepts (number, string, Date, buffer source, Array), whether or not the value itself converts
 * (NaN, an invalid Date, a detached buffer, an Array holding a non-key still answer true).
 */
export function isPotentiallyValidKeyRange(v: unknown): boolean {
  if (v instanceof IDBKeyRange) return true;
  if (typeof v === 'number' || typeof v === 'string') return true;
  if (typeof v !== 'object' || v === null || types.isProxy(v)) return false;
  return types.isDate(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v) || Array.isArray(v);
}

/** An IDBGetAllOptions dictionary; count 0 when not given (no limit, as 0 is). */
export interface GetAllOptions {
  query: unknown;
  count: number;
  direction: IDBCursorDirection;
}

/**
 * WebIDL conversion of a value to IDBGetAllOptions { any query = null; [EnforceRange] unsigned long
 * count; IDBCursorDirection direction = "next" }: undefined and null are the empty dictionary, other
 * non-objects a TypeError; members are read (getters run) and converted in lexicographic order:
 * count, direction, query.
 */
export function toGetAllOptions(v: unknown): GetAllOptions {
  if (v === undefined || v === null) return { query: null, count: 0, direction: 'next' };
  if (typeof v !== 'object' && typeof v !== 'function') throw new TypeError('IDBGetAllOptions must be an object');
  const o = v as { count?: unknown; direction?: unknown; query?: unknown };
  const count = toCount(o.count);
  const direction = toDirection(o.direction);
  const query = o.query;
  return { query: query === undefined ? null : query, count, direction };
}

export interface GetAllArgs {
  range: IDBKeyRange | null;
  count: number;
  direction: IDBCursorDirection;
}

/**
 * #create-a-request-to-retrieve-multiple-items steps 6-9, run after its deleted and active checks:
 * getAll/getAllKeys(queryOrOptions, count). A potentially valid key range is the query (DataError
 * when it does not convert), with direction "next" and the count argument; anything else is an
 * IDBGetAllOptions (TypeError from its conversion, then DataError from its query), whose count
 * replaces the count argument.
 */
export function getAllArgs(queryOrOptions: unknown, count: number): GetAllArgs {
  // Deviation: undefined and null count as the query (an unbounded range), so getAll(null, 10) keeps
  // its count. Read literally, step 8 sends them to the dictionary branch, whose absent count
  // replaces 10 (no limit); WPT getAll(undefined, 10) expects 10 records, as Firefox and Chrome do.
  if (queryOrOptions === undefined || queryOrOptions === null || isPotentiallyValidKeyRange(queryOrOptions)) return { range: toKeyRange(queryOrOptions), count, direction: 'next' };
  const o = toGetAllOptions(queryOrOptions);
  return { range: toKeyRange(o.query), count: o.count, direction: o.direction };
}
