/**
 * https://w3c.github.io/IndexedDB/#transaction : lifecycle (active only while its creation task
 * and its request events run, auto-commit when inactive with nothing pending, commit(), abort()),
 * requests executed in order against a TxStorage, and one engine batch at commit.
 */
import { requireArgs } from './args.ts';
import type { BatchOp, KV } from '@flowdb/engine';
import { domError, fromEngineError } from '../errors.ts';
import { type DispatchResult, IDBDispatchEvent, IDBEventTarget, dispatchEvent, fireEvent } from '../events.ts';
import { type DatabaseSchema, type SchemaSnapshot, type StoreSchema, restoreSchema, snapshotSchema } from '../model/catalog.ts';
import { type PendingBatch, pipelineFor } from '../model/commit-pipeline.ts';
import type { TxScheduler } from '../model/tx-scheduler.ts';
import { TxStorage } from '../model/tx-storage.ts';
import { afterMicrotasks, queueEventTask, queueTask } from '../scheduling.ts';
import { stringList, type StringList } from './string-list.ts';
import type { IDBDatabase } from './idb-database.ts';
import { IDBObjectStore } from './idb-object-store.ts';
import { IDBRequest, type RequestSource, isRequestDone, resetRequest, settleRequest } from './idb-request.ts';

type TxState = 'active' | 'inactive' | 'committing' | 'finished';
export type TxOutcome = 'committed' | 'aborted';

/** What a transaction needs from its connection. */
export interface TxHost {
  readonly kv: KV;
  readonly schema: DatabaseSchema;
  readonly scheduler: TxScheduler;
  /** The engine fsyncs every write (sync 'always'), so 'strict' needs no extra syncWal(). */
  readonly walSyncedOnWrite: boolean;
  /** Catalog ops written with a versionchange transaction's batch. */
  upgradeOps(): BatchOp[];
  /** A versionchange transaction aborted: the connection's version reverts. */
  upgradeAborted(snapshotVersion: number): void;
  finished(tx: IDBTransaction): void;
  /** Right before complete/abort is fired: the database's upgrade transaction becomes null. */
  settling(tx: IDBTransaction): void;
  /** The engine failed for good (closed, read-only): every connection is closed by force. */
  storageLost(err: unknown): void;
}

interface QueuedOp {
  request: IDBRequest | null;
  run: (storage: TxStorage) => Promise<unknown>;
  /** Creation order of requests, across every transaction (0: an internal op). */
  seq: number;
}

/**
 * Requests that a started transaction is running or is about to fire an event for. Transactions
 * that run at the same time (readonly ones, or ones with disjoint scopes) fire their requests'
 * events in the order the requests were made, as browsers do, not in the order their reads
 * finish: a request whose result is ready first waits for the events of earlier requests that
 * are already running (never for a request of a transaction that has not started: that one
 * may be waiting for this transaction to finish).
 */
interface InFlight { seq: number; waiters: (() => void)[] | undefined }
const inFlight = new Set<InFlight>();
let requestSeq = 0;

/**
 * Holds back the events of requests made from now on until release() (an upgrade's open
 * request: its success event comes after the upgrade transaction's complete event, before the
 * events of requests that complete handlers make).
 */
function holdLaterEvents(): () => void {
  const flight: InFlight = { seq: ++requestSeq, waiters: undefined };
  inFlight.add(flight);
  const release = (): void => {
    if (inFlight.delete(flight) && flight.waiters) for (const w of flight.waiters) w();
  };
  // A safety net: should the open request's event never come (an internal error), nothing
  // waits on this for good.
  setTimeout(release, 1000).unref();
  return release;
}

async function earlierFired(own: InFlight): Promise<void> {
  for (;;) {
    let first: InFlight | undefined;
    for (const f of inFlight) if (f.seq < own.seq && (first === undefined || f.seq < first.seq)) first = f;
    if (first === undefined) return;
    const f = first;
    await new Promise<void>((resolve) => { (f.waiters ??= []).push(resolve); });
  }
}

export interface TxInternals {
  create(db: IDBDatabase, host: TxHost, names: string[], mode: IDBTransactionMode, durability: IDBTransactionDurability): IDBTransaction;
  /** Throws TransactionInactiveError unless active. */
  checkActive(tx: IDBTransaction): void;
  isActive(tx: IDBTransaction): boolean;
  isFinished(tx: IDBTransaction): boolean;
  addRequest(tx: IDBTransaction, source: RequestSource, run: QueuedOp['run'], request?: IDBRequest): IDBRequest;
  /** An operation without a request (index backfill, store deletion); failure aborts. */
  addInternalOp(tx: IDBTransaction, run: QueuedOp['run']): void;
  /** Runs fn with the transaction inactive (cloning, as the spec requires). */
  whileInactive<T>(tx: IDBTransaction, fn: () => T): T;
  abort(tx: IDBTransaction, error: DOMException | null): void;
  outcome(tx: IDBTransaction): Promise<TxOutcome>;
  host(tx: IDBTransaction): TxHost;
  forgetStore(tx: IDBTransaction, store: StoreSchema): void;
  /** An index handle made in tx: its name is fixed when tx finishes (see frozenNames). */
  noteHandle(tx: IDBTransaction, handle: object, schema: { readonly name: string }): void;
  /** After an upgrade's open request has fired success or error: later requests' events may fire. */
  releaseUpgradeHold(tx: IDBTransaction): void;
}
export let txi: TxInternals;

/**
 * Names of object store and index handles whose transaction has finished. A handle's name is
 * the store's or index's name while its transaction runs (renames and an aborted upgrade's
 * revert show at once); afterwards it keeps the name it had then, so a later upgrade on
 * another connection that renames the store or index does not show through an old handle.
 */
export const frozenNames = new WeakMap<object, string>();

export class IDBTransaction extends IDBEventTarget {
  #db: IDBDatabase;
  #host: TxHost;
  #mode: IDBTransactionMode;
  #durability: IDBTransactionDurability;
  #names: string[];
  #state: TxState = 'active';
  #error: DOMException | null = null;
  #storage: TxStorage | undefined;
  /** Batches of earlier transactions this one read through (commit pipelining). */
  #deps: readonly PendingBatch[] = [];
  #started = false;
  #running = false;
  #commitStarted = false;
  /** Ops in request order; run ones are cleared to undefined. */
  #queue: (QueuedOp | undefined)[] = [];
  /** The next queued op to run (a moving head instead of shift()). */
  #head = 0;
  #pending = new Set<IDBRequest>();
  #stores = new Map<StoreSchema, IDBObjectStore>();
  /** Store and index handles made in this transaction, with their schema (see frozenNames). */
  #handles: [object, { readonly name: string }][] = [];
  /** A committed upgrade: held until the open request's event (see holdLaterEvents). */
  #upgradeHold: (() => void) | undefined;
  /** A finished upgrade's store names: a later upgrade on another connection does not change them. */
  #finalNames: string[] | undefined;
  #upgradeSnapshot: SchemaSnapshot | undefined;
  #outcome: Promise<TxOutcome>;
  #resolveOutcome!: (o: TxOutcome) => void;
  readonly scopeIds: ReadonlySet<number> | undefined;

  static {
    txi = {
      create: (db, host, names, mode, durability) => new IDBTransaction(db, host, names, mode, durability),
      checkActive: (tx) => {
        if (tx.#state !== 'active') throw domError('TransactionInactiveError', 'the transaction is not active');
      },
      isActive: (tx) => tx.#state === 'active',
      isFinished: (tx) => tx.#state === 'finished',
      addRequest: (tx, source, run, request) => {
        const req = request ?? new IDBRequest(source, tx);
        if (request) resetRequest(request);
        tx.#pending.add(req);
        tx.#queue.push({ request: req, run, seq: ++requestSeq });
        void tx.#pump();
        return req;
      },
      addInternalOp: (tx, run) => {
        tx.#queue.push({ request: null, run, seq: 0 });
        void tx.#pump();
      },
      whileInactive: (tx, fn) => {
        const was = tx.#state;
        if (was === 'active') tx.#state = 'inactive';
        try { return fn(); } finally { if (was === 'active' && tx.#state === 'inactive') tx.#state = 'active'; }
      },
      abort: (tx, error) => tx.#abort(error),
      outcome: (tx) => tx.#outcome,
      host: (tx) => tx.#host,
      forgetStore: (tx, store) => { tx.#stores.delete(store); },
      noteHandle: (tx, handle, schema) => { tx.#handles.push([handle, schema]); },
      releaseUpgradeHold: (tx) => { tx.#upgradeHold?.(); tx.#upgradeHold = undefined; },
    };
  }

  private constructor(db: IDBDatabase, host: TxHost, names: string[], mode: IDBTransactionMode, durability: IDBTransactionDurability) {
    super();
    this.#db = db;
    this.#host = host;
    this.#mode = mode;
    this.#durability = durability;
    this.#names = [...names].sort();
    this.#outcome = new Promise((resolve) => { this.#resolveOutcome = resolve; });
    if (mode === 'versionchange') {
      this.scopeIds = undefined;
      this.#upgradeSnapshot = snapshotSchema(host.schema);
    } else {
      this.scopeIds = new Set(names.map((n) => (host.schema.stores.get(n) as StoreSchema).id));
    }
    afterMicrotasks(() => this.#deactivate());
    host.scheduler.add(this);
  }

  get db(): IDBDatabase { return this.#db; }
  get mode(): IDBTransactionMode { return this.#mode; }
  get durability(): IDBTransactionDurability { return this.#durability; }
  get error(): DOMException | null { return this.#error; }
  get objectStoreNames(): StringList {
    if (this.#mode === 'versionchange') return stringList(this.#finalNames ?? [...this.#host.schema.stores.keys()]);
    return stringList(this.#names);
  }
  get onabort(): ((ev: Event) => unknown) | null { return this.getHandler('abort'); }
  set onabort(fn: ((ev: Event) => unknown) | null) { this.setHandler('abort', fn); }
  get oncomplete(): ((ev: Event) => unknown) | null { return this.getHandler('complete'); }
  set oncomplete(fn: ((ev: Event) => unknown) | null) { this.setHandler('complete', fn); }
  get onerror(): ((ev: Event) => unknown) | null { return this.getHandler('error'); }
  set onerror(fn: ((ev: Event) => unknown) | null) { this.setHandler('error', fn); }

  protected override eventParent(): IDBEventTarget | null {
    return this.#db;
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbtransaction-objectstore */
  objectStore(name: string): IDBObjectStore {
    requireArgs(arguments.length, 1, 'objectStore()');
    if (this.#state === 'finished') throw domError('InvalidStateError', 'the transaction has finished');
    name = String(name);
    const schema = this.#host.schema.stores.get(name);
    if (!schema || (this.#mode !== 'versionchange' && !this.#names.includes(name))) {
      throw domError('NotFoundError', `no object store "${name}" in this transaction's scope`);
    }
    let store = this.#stores.get(schema);
    if (!store) {
      store = new IDBObjectStore(this, schema);
      this.#stores.set(schema, store);
      this.#handles.push([store, schema]);
    }
    return store;
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbtransaction-commit */
  commit(): void {
    if (this.#state !== 'active') throw domError('InvalidStateError', 'the transaction is not active');
    this.#state = 'committing';
    this.#maybeCommit();
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbtransaction-abort */
  abort(): void {
    if (this.#state === 'committing' || this.#state === 'finished') {
      throw domError('InvalidStateError', 'the transaction is committing or finished');
    }
    this.#state = 'inactive';
    this.#abort(null);
  }

  /** Called by the scheduler. */
  start(): void {
    if (this.#state === 'finished') return;
    this.#started = true;
    const pipeline = pipelineFor(this.#host.kv);
    if (this.#mode === 'readwrite' && pipeline.pipelining) {
      // Earlier readwrite transactions may still be writing their batches: read through them.
      this.#deps = pipeline.inherit();
      this.#storage = new TxStorage(this.#host.kv, this.#deps.map((d) => d.overlay));
    } else {
      this.#storage = new TxStorage(this.#host.kv);
    }
    void this.#pump();
  }

  #deactivate(): void {
    if (this.#state === 'active') this.#state = 'inactive';
    this.#maybeCommit();
  }

  async #pump(): Promise<void> {
    if (this.#running || !this.#started) return;
    this.#running = true;
    try {
      while (this.#head < this.#queue.length && this.#state !== 'finished') {
        const op = this.#queue[this.#head] as QueuedOp;
        this.#queue[this.#head++] = undefined;
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        let flight: InFlight | undefined;
        if (op.request) {
          flight = { seq: op.seq, waiters: undefined };
          inFlight.add(flight);
        }
        try {
          let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
          try {
            outcome = { ok: true, value: await op.run(this.#storage as TxStorage) };
          } catch (error) {
            outcome = { ok: false, error };
          }
          if ((this.#state as TxState) === 'finished') break;
          if (!op.request || !flight) {
            if (!outcome.ok) this.#abort(toDomError(outcome.error));
            continue;
          }
          if (inFlight.size > 1) {
            await earlierFired(flight);
            if ((this.#state as TxState) === 'finished') break;
          }
          await this.#fire(op.request, outcome.ok ? { result: outcome.value } : { error: toDomError(outcome.error) });
        } finally {
          if (flight) {
            inFlight.delete(flight);
            if (flight.waiters) for (const w of flight.waiters) w();
          }
        }
      }
    } finally {
      this.#running = false;
      if (this.#state === 'finished') this.#releaseStorage();
    }
    this.#maybeCommit();
  }

  /** #fire-a-success-event / #fire-an-error-event, in a new task (see queueEventTask). */
  #fire(req: IDBRequest, outcome: { result: unknown } | { error: DOMException }): Promise<void> {
    return new Promise((resolve) => queueEventTask(() => {
      if (this.#state === 'finished' || isRequestDone(req)) return resolve();
      settleRequest(req, outcome);
      this.#pending.delete(req);
      const failed = 'error' in outcome;
      if (this.#state === 'inactive') this.#state = 'active';
      const event = new IDBDispatchEvent(failed ? 'error' : 'success', { bubbles: failed, cancelable: failed });
      const after = (r: DispatchResult): void => {
        afterMicrotasks(() => this.#deactivate());
        // Only while the transaction is active: after commit() (committing) a listener's
        // exception or an unhandled error no longer aborts it (spec: fire a success/error event).
        if (this.#state !== 'active') { /* committing or finished */ }
        else if (r.threw) this.#abort(domError('AbortError', 'an event listener threw'));
        else if (failed && !r.defaultPrevented) this.#abort(outcome.error);
        resolve();
      };
      const r = fireEvent(event, [req, this, this.#db]);
      if (r instanceof Promise) void r.then(after);
      else after(r);
    }));
  }

  #maybeCommit(): void {
    if (!this.#started || this.#running || this.#head < this.#queue.length || this.#commitStarted) return;
    if (this.#state !== 'inactive' && this.#state !== 'committing') return;
    this.#commitStarted = true;
    this.#state = 'committing';
    void this.#commit();
  }

  /**
   * #commit-a-transaction: one engine batch; 'strict'/'default' durability waits for the WAL
   * fsync, shared with concurrent commits (model/commit-pipeline.ts). With commit pipelining,
   * later readwrite transactions may start once the batch is fixed (before it is written).
   * complete events go out in commit order, each after its own batch is durable.
   */
  async #commit(): Promise<void> {
    const storage = this.#storage as TxStorage;
    const host = this.#host;
    const pipeline = this.#mode === 'readonly' ? undefined : pipelineFor(host.kv);
    const ticket = pipeline?.enter();
    try {
      const ops = this.#mode === 'versionchange' ? [...host.upgradeOps(), ...storage.ops()] : storage.ops();
      if (pipeline && ticket) {
        const applied = pipeline.apply(ops, storage.overlay, this.#deps);
        // The batch is fixed and queued in commit order: later readwrite transactions may start.
        if (pipeline.pipelining) host.scheduler.applied(this);
        await applied;
        this.#releaseStorage();
        if (ops.length > 0 && this.#durability !== 'relaxed' && !host.walSyncedOnWrite) await pipeline.sync();
        await ticket.previous;
        // An earlier commit's fsync failed: this one may have read its lost writes.
        if (pipeline.error !== undefined) throw pipeline.error;
      }
      this.#releaseStorage();
    } catch (err) {
      await ticket?.previous;
      this.#abort(fromEngineError(err));
      ticket?.done();
      if (isFatal(err)) host.storageLost(err);
      return;
    }
    if (this.#state === 'finished') { ticket?.done(); return; }
    queueTask(() => {
      this.#host.settling(this);
      this.#state = 'finished';
      if (this.#mode === 'versionchange') this.#upgradeHold = holdLaterEvents();
      dispatchEvent(new IDBDispatchEvent('complete'), [this]);
      this.#finish('committed');
    });
    ticket?.done();
  }

  /** #abort-a-transaction */
  #abort(error: DOMException | null): void {
    if (this.#state === 'finished') return;
    if (this.#upgradeSnapshot) {
      restoreSchema(this.#host.schema, this.#upgradeSnapshot);
      this.#host.upgradeAborted(this.#upgradeSnapshot.version);
    }
    this.#state = 'finished';
    if (error) this.#error = error;
    this.#queue = [];
    this.#head = 0;
    if (!this.#running) this.#releaseStorage();
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const req of pending) {
      settleRequest(req, { error: domError('AbortError', 'the transaction was aborted') });
      queueTask(() => { dispatchEvent(new IDBDispatchEvent('error', { bubbles: true, cancelable: true }), [req, this, this.#db]); });
    }
    queueTask(() => {
      this.#host.settling(this);
      dispatchEvent(new IDBDispatchEvent('abort', { bubbles: true }), [this, this.#db]);
      this.#finish('aborted');
    });
  }

  #releaseStorage(): void {
    this.#storage?.release();
    this.#storage = undefined;
  }

  #finish(outcome: TxOutcome): void {
    for (const [handle, schema] of this.#handles) frozenNames.set(handle, schema.name);
    if (this.#mode === 'versionchange') this.#finalNames = [...this.#host.schema.stores.keys()];
    this.#handles = [];
    this.#host.scheduler.finished(this);
    this.#host.finished(this);
    this.#resolveOutcome(outcome);
  }

  get [Symbol.toStringTag](): string {
    return 'IDBTransaction';
  }
}

/** Engine errors after which no transaction can commit. */
function isFatal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'CLOSED' || code === 'READ_ONLY';
}

function toDomError(err: unknown): DOMException {
  return err instanceof DOMException ? err : fromEngineError(err);
}
