/** https://w3c.github.io/IndexedDB/#request-api */
import { domError } from '../errors.ts';
import { IDBEventTarget } from '../events.ts';
import type { IDBCursor } from './idb-cursor.ts';
import type { IDBIndex } from './idb-index.ts';
import type { IDBObjectStore } from './idb-object-store.ts';
import type { IDBTransaction } from './idb-transaction.ts';

export type RequestSource = IDBObjectStore | IDBIndex | IDBCursor | null;

export type Outcome = { result: unknown } | { error: DOMException };

/** Friend access for the transaction and factory (assigned in the static block). */
export let settleRequest: (req: IDBRequest, outcome: Outcome) => void;
export let resetRequest: (req: IDBRequest) => void;
export let isRequestDone: (req: IDBRequest) => boolean;
export let setRequestTransaction: (req: IDBRequest, tx: IDBTransaction | null) => void;

export class IDBRequest<T = unknown> extends IDBEventTarget {
  #done = false;
  #result: unknown = undefined;
  #error: DOMException | null = null;
  #source: RequestSource;
  #transaction: IDBTransaction | null;

  static {
    settleRequest = (req, outcome) => {
      req.#done = true;
      if ('error' in outcome) { req.#error = outcome.error; req.#result = undefined; }
      else { req.#result = outcome.result; req.#error = null; }
    };
    resetRequest = (req) => { req.#done = false; req.#result = undefined; req.#error = null; };
    isRequestDone = (req) => req.#done;
    setRequestTransaction = (req, tx) => { req.#transaction = tx; };
  }

  /** Created by the library only. */
  constructor(source: RequestSource, transaction: IDBTransaction | null) {
    super();
    this.#source = source;
    this.#transaction = transaction;
  }

  get result(): T {
    if (!this.#done) throw domError('InvalidStateError', 'the request is not done');
    return this.#result as T;
  }
  get error(): DOMException | null {
    if (!this.#done) throw domError('InvalidStateError', 'the request is not done');
    return this.#error;
  }
  get source(): RequestSource {
    return this.#source;
  }
  get transaction(): IDBTransaction | null {
    return this.#transaction;
  }
  get readyState(): IDBRequestReadyState {
    return this.#done ? 'done' : 'pending';
  }
  get onsuccess(): ((ev: Event) => unknown) | null { return this.getHandler('success'); }
  set onsuccess(fn: ((ev: Event) => unknown) | null) { this.setHandler('success', fn); }
  get onerror(): ((ev: Event) => unknown) | null { return this.getHandler('error'); }
  set onerror(fn: ((ev: Event) => unknown) | null) { this.setHandler('error', fn); }

  protected override eventParent(): IDBEventTarget | null {
    return this.#transaction;
  }

  get [Symbol.toStringTag](): string {
    return 'IDBRequest';
  }
}

/** https://w3c.github.io/IndexedDB/#idbopendbrequest */
export class IDBOpenDBRequest extends IDBRequest {
  get onblocked(): ((ev: Event) => unknown) | null { return this.getHandler('blocked'); }
  set onblocked(fn: ((ev: Event) => unknown) | null) { this.setHandler('blocked', fn); }
  get onupgradeneeded(): ((ev: Event) => unknown) | null { return this.getHandler('upgradeneeded'); }
  set onupgradeneeded(fn: ((ev: Event) => unknown) | null) { this.setHandler('upgradeneeded', fn); }

  override get [Symbol.toStringTag](): string {
    return 'IDBOpenDBRequest';
  }
}
