/**
 * Key paths: validation (https://w3c.github.io/IndexedDB/#valid-key-path), evaluation on a
 * value (#evaluate-a-key-path-on-a-value) and key injection (#inject-a-key-into-a-value-using-a-key-path).
 */
import { domError } from '../errors.ts';
import { type Key, appendOwn, toKeyOrInvalid } from './key.ts';

export type KeyPath = string | string[];

const IDENT = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

function validString(p: string): boolean {
  return p === '' || p.split('.').every((part) => IDENT.test(part));
}

export function isValidKeyPath(p: unknown): p is KeyPath {
  if (typeof p === 'string') return validString(p);
  return Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string' && validString(x));
}

/** Converts an IDL `(DOMString or sequence<DOMString>)?` argument; throws SyntaxError. */
export function toKeyPath(raw: unknown): KeyPath | null {
  if (raw === null || raw === undefined) return null;
  let p: unknown = raw;
  if (typeof raw !== 'string' && typeof raw === 'object' && Symbol.iterator in raw) {
    p = Array.from(raw as Iterable<unknown>, (x) => String(x));
  } else if (typeof raw !== 'string') p = String(raw);
  if (!isValidKeyPath(p)) throw domError('SyntaxError', 'invalid key path');
  return Array.isArray(p) ? [...p] : p;
}

const FAIL = Symbol('key path failure');

/** One identifier of a key path applied to v (FAIL: no such property). */
function step(v: unknown, id: string): unknown {
  if (typeof v === 'string' && id === 'length') return v.length;
  if (Array.isArray(v) && id === 'length') return v.length;
  if (typeof Blob !== 'undefined' && v instanceof Blob && (id === 'size' || id === 'type')) return v[id];
  if (typeof File !== 'undefined' && v instanceof File && (id === 'name' || id === 'lastModified')) return v[id];
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return FAIL;
  if (!Object.hasOwn(v, id)) return FAIL;
  return (v as Record<string, unknown>)[id];
}

function evalString(value: unknown, path: string): unknown {
  if (path === '') return value;
  if (!path.includes('.')) return step(value, path);
  let v = value;
  for (const id of path.split('.')) {
    v = step(v, id);
    if (v === FAIL) return FAIL;
  }
  return v;
}

/** The raw value at the key path, or undefined on failure (#evaluate-a-key-path-on-a-value). */
export function evaluateKeyPath(value: unknown, path: KeyPath): { value: unknown } | undefined {
  if (Array.isArray(path)) {
    const out: unknown[] = [];
    for (const p of path) {
      const r = evalString(value, p);
      if (r === FAIL) return undefined;
      appendOwn(out, r);
    }
    return { value: out };
  }
  const r = evalString(value, path);
  return r === FAIL ? undefined : { value: r };
}

/** No value at the key path. */
export const NO_VALUE: unique symbol = Symbol('no value at the key path');
/** The value at the key path is not a valid key. */
export const NOT_A_KEY: unique symbol = Symbol('not a valid key');

/** #extract-a-key-from-a-value-using-a-key-path */
export function extractKey(value: unknown, path: KeyPath): Key | typeof NO_VALUE | typeof NOT_A_KEY {
  const r = evaluateKeyPath(value, path);
  if (r === undefined) return NO_VALUE;
  return toKeyOrInvalid(r.value) ?? NOT_A_KEY;
}

/** #convert-a-value-to-a-multientry-key: invalid members are skipped, duplicates removed by the caller. */
export function extractMultiEntryKeys(value: unknown, path: KeyPath): Key[] | typeof NO_VALUE | typeof NOT_A_KEY {
  const r = evaluateKeyPath(value, path);
  if (r === undefined) return NO_VALUE;
  const v = r.value;
  if (!Array.isArray(v)) {
    const k = toKeyOrInvalid(v);
    return k === undefined ? NOT_A_KEY : [k];
  }
  const out: Key[] = [];
  const seen = new Set<object>([v]);
  for (let i = 0; i < v.length; i++) {
    if (!Object.hasOwn(v, i)) continue;
    const k = toKeyOrInvalid(v[i], seen);
    if (k !== undefined) appendOwn(out, k);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function');
}

/** #check-that-a-key-could-be-injected-into-a-value */
export function canInjectKey(value: unknown, path: string): boolean {
  const ids = path.split('.');
  let v = value;
  for (let i = 0; i < ids.length - 1; i++) {
    if (!isObject(v)) return false;
    const id = ids[i] as string;
    if (!Object.hasOwn(v, id)) return true;
    v = v[id];
  }
  return isObject(v);
}

/** #inject-a-key-into-a-value-using-a-key-path (the caller checked canInjectKey). */
export function injectKey(value: unknown, key: Key, path: string): void {
  const ids = path.split('.');
  let v = value as Record<string, unknown>;
  for (let i = 0; i < ids.length - 1; i++) {
    const id = ids[i] as string;
    if (!Object.hasOwn(v, id)) {
      Object.defineProperty(v, id, { value: {}, writable: true, enumerable: true, configurable: true });
    }
    v = v[id] as Record<string, unknown>;
  }
  Object.defineProperty(v, ids[ids.length - 1] as string, { value: key, writable: true, enumerable: true, configurable: true });
}
