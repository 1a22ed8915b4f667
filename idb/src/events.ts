/**
 * DOM event dispatch along a parent chain (request -> transaction -> database): capture, target
 * and bubble phases, stopPropagation, stopImmediatePropagation, preventDefault, once listeners and
 * `on<type>` handler attributes. Node's EventTarget has no parent chain, so IDB targets keep their
 * own listener lists (they still extend EventTarget, so `instanceof EventTarget` holds).
 */
import { afterMicrotasks, throwLater } from './scheduling.ts';

interface Listener {
  callback: EventListenerOrEventListenerObject;
  capture: boolean;
  once: boolean;
  removed: boolean;
}

type Handler = ((this: unknown, ev: Event) => unknown) | null;

/** Where listener exceptions go ("report the exception"); defaults to an uncaught exception. */
let reportException = throwLater;
export function setExceptionReporter(fn: (err: unknown) => void): void {
  reportException = fn;
}

export class IDBEventTarget extends EventTarget {
  #listeners = new Map<string, Listener[]>();
  #handlers = new Map<string, Handler>();

  override addEventListener(type: string, callback: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
    if (callback === null) return;
    const capture = typeof options === 'boolean' ? options : options?.capture === true;
    const once = typeof options === 'object' && options.once === true;
    const list = this.#listeners.get(type) ?? [];
    if (list.some((l) => l.callback === callback && l.capture === capture)) return;
    list.push({ callback, capture, once, removed: false });
    this.#listeners.set(type, list);
  }

  override removeEventListener(type: string, callback: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void {
    const capture = typeof options === 'boolean' ? options : options?.capture === true;
    const list = this.#listeners.get(type);
    if (!list || callback === null) return;
    const i = list.findIndex((l) => l.callback === callback && l.capture === capture);
    if (i < 0) return;
    (list[i] as Listener).removed = true;
    list.splice(i, 1);
  }

  override dispatchEvent(event: Event): boolean {
    return !dispatchEvent(event, [this]).defaultPrevented;
  }

  /** The next target when an event bubbles; null at the top. */
  protected eventParent(): IDBEventTarget | null {
    return null;
  }

  protected getHandler(type: string): Handler {
    return this.#handlers.get(type) ?? null;
  }

  protected setHandler(type: string, fn: unknown): void {
    const handler = typeof fn === 'function' ? (fn as Handler) : null;
    if (!this.#handlers.has(type)) {
      // Registered once, at the position of the first assignment, as the DOM does.
      this.addEventListener(type, (ev: Event) => {
        const h = this.#handlers.get(type);
        if (h) h.call(this, ev);
      });
    }
    this.#handlers.set(type, handler);
  }

  /**
   * Calls this target's listeners for one phase; returns true when one threw. Yields before
   * each listener after the first of the dispatch (see dispatchSteps).
   */
  static *invoke(target: IDBEventTarget, event: Event, phase: 'capture' | 'target' | 'bubble', flags: Flags): Generator<void, boolean> {
    const list = target.#listeners.get(event.type);
    if (!list) return false;
    let threw = false;
    for (const l of [...list]) {
      if (phase === 'capture' && !l.capture) continue;
      if (phase === 'bubble' && l.capture) continue;
      if (flags.invoked > 0 && !l.removed) yield;
      if (l.removed) continue;
      if (l.once) target.removeEventListener(event.type, l.callback, l.capture);
      flags.invoked++;
      try {
        if (typeof l.callback === 'function') l.callback.call(target, event);
        else {
          const handle: unknown = l.callback.handleEvent;
          if (typeof handle !== 'function') throw new TypeError('the listener\'s handleEvent is not callable');
          handle.call(l.callback, event);
        }
      } catch (err) {
        threw = true;
        reportException(err);
      }
      if (flags.immediate) break;
    }
    return threw;
  }

  static listens(t: IDBEventTarget, type: string): boolean {
    return (t.#listeners.get(type)?.length ?? 0) > 0;
  }

  static parentOf(t: IDBEventTarget): IDBEventTarget | null {
    return t.eventParent();
  }
}

interface Flags {
  stop: boolean;
  immediate: boolean;
  /** Listeners called so far in this dispatch. */
  invoked: number;
}

export interface DispatchResult {
  /** A listener threw ("legacy output did listeners throw"). */
  threw: boolean;
  defaultPrevented: boolean;
}

const NOBODY: DispatchResult = Object.freeze({ threw: false, defaultPrevented: false });

/**
 * Dispatches along [target, ...parents] (the path is computed from eventParent when omitted), all
 * listeners in one go: what EventTarget.dispatchEvent() does when script calls it.
 */
export function dispatchEvent(event: Event, path?: IDBEventTarget[]): DispatchResult {
  const steps = dispatchSteps(event, path);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Dispatches from a task, as the spec's "fire an event" steps do: a browser runs a microtask
 * checkpoint after each listener returns (the script stack is empty), so promise continuations
 * of one listener run before the next listener. Each listener after the first therefore runs
 * once the microtask queue has drained (afterMicrotasks). Returns the result at once when no
 * second listener ran (the common case), else a promise of it.
 */
export function fireEvent(event: Event, path: IDBEventTarget[]): DispatchResult | Promise<DispatchResult> {
  const steps = dispatchSteps(event, path);
  const first = steps.next();
  if (first.done) return first.value;
  return new Promise((resolve) => {
    const resume = (): void => {
      const r = steps.next();
      if (r.done) resolve(r.value);
      else afterMicrotasks(resume);
    };
    afterMicrotasks(resume);
  });
}

const STATE = Symbol('dispatch state');

/** Where a dispatch is: what the event's target, currentTarget, eventPhase and composedPath() report. */
interface DispatchState {
  target: IDBEventTarget;
  current: IDBEventTarget | null;
  phase: number;
  full: IDBEventTarget[];
  flags: Flags;
}

const stateOf = (e: Event): DispatchState | undefined => (e as Event & { [STATE]?: DispatchState })[STATE];

/** Node's Event keeps target & co. internal: these read the dispatch state instead (shared functions). */
const ACCESSORS: PropertyDescriptorMap = {
  target: { get(this: Event) { return stateOf(this)?.target ?? null; }, configurable: true },
  srcElement: { get(this: Event) { return stateOf(this)?.target ?? null; }, configurable: true },
  currentTarget: { get(this: Event) { return stateOf(this)?.current ?? null; }, configurable: true },
  eventPhase: { get(this: Event) { return stateOf(this)?.phase ?? Event.NONE; }, configurable: true },
  composedPath: { value(this: Event) { const s = stateOf(this); return s?.current ? [...s.full] : []; }, configurable: true, writable: true },
  stopPropagation: {
    value(this: Event) { const s = stateOf(this); if (s) s.flags.stop = true; Event.prototype.stopPropagation.call(this); },
    configurable: true, writable: true,
  },
  stopImmediatePropagation: {
    value(this: Event) {
      const s = stateOf(this);
      if (s) { s.flags.stop = true; s.flags.immediate = true; }
      Event.prototype.stopImmediatePropagation.call(this);
    },
    configurable: true, writable: true,
  },
};

/** An event the library fires: the dispatch accessors are on its prototype, not defined per event. */
export class IDBDispatchEvent extends Event {}
Object.defineProperties(IDBDispatchEvent.prototype, ACCESSORS);

/** The dispatch algorithm; yields between two listener calls. */
function* dispatchSteps(event: Event, path?: IDBEventTarget[]): Generator<void, DispatchResult> {
  const target = path?.[0];
  if (!target) throw new TypeError('dispatch needs a target');
  const full = path.length > 1 ? path : chain(target);
  // Nobody listens: nothing can observe the dispatch (the common case for success events).
  if (!full.some((t) => IDBEventTarget.listens(t, event.type))) return NOBODY;
  const flags: Flags = { stop: false, immediate: false, invoked: 0 };
  const st: DispatchState = { target, current: null, phase: Event.NONE, full, flags };
  (event as Event & { [STATE]?: DispatchState })[STATE] = st;
  // Script-created events get the accessors on the instance.
  if (!(event instanceof IDBDispatchEvent)) Object.defineProperties(event, ACCESSORS);
  let threw = false;
  // Targets without listeners of this type are passed without a generator (invoke would return false).
  const type = event.type;
  for (let i = full.length - 1; i >= 1 && !flags.stop; i--) {
    st.current = full[i] as IDBEventTarget;
    st.phase = Event.CAPTURING_PHASE;
    if (IDBEventTarget.listens(st.current, type)) threw = (yield* IDBEventTarget.invoke(st.current, event, 'capture', flags)) || threw;
  }
  if (!flags.stop) {
    st.current = target;
    st.phase = Event.AT_TARGET;
    if (IDBEventTarget.listens(target, type)) {
      threw = (yield* IDBEventTarget.invoke(target, event, 'capture', flags)) || threw;
      if (!flags.immediate) threw = (yield* IDBEventTarget.invoke(target, event, 'bubble', flags)) || threw;
    }
  }
  if (event.bubbles) {
    for (let i = 1; i < full.length && !flags.stop; i++) {
      st.current = full[i] as IDBEventTarget;
      st.phase = Event.BUBBLING_PHASE;
      if (IDBEventTarget.listens(st.current, type)) threw = (yield* IDBEventTarget.invoke(st.current, event, 'bubble', flags)) || threw;
    }
  }
  st.current = null;
  st.phase = Event.NONE;
  return { threw, defaultPrevented: event.defaultPrevented };
}

function chain(t: IDBEventTarget): IDBEventTarget[] {
  const out = [t];
  for (let p = IDBEventTarget.parentOf(t); p; p = IDBEventTarget.parentOf(p)) out.push(p);
  return out;
}

export interface IDBVersionChangeEventInit extends EventInit {
  oldVersion?: number;
  newVersion?: number | null;
}

/** https://w3c.github.io/IndexedDB/#events */
export class IDBVersionChangeEvent extends IDBDispatchEvent {
  readonly oldVersion: number;
  readonly newVersion: number | null;
  constructor(type: string, init: IDBVersionChangeEventInit = {}) {
    super(type, init);
    this.oldVersion = init.oldVersion ?? 0;
    this.newVersion = init.newVersion ?? null;
  }
}
