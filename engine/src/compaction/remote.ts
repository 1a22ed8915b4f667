/**
 * RemoteIO: MergeIO inside the worker. Every operation is a 'call' message to the main
 * thread, which does it with FilesIO (io.ts) and answers with a 'reply'. Appends are
 * pipelined: at most MAX_AHEAD unanswered; finish() waits for all of them.
 */
import type { FromWorker, IoCall, ToWorker } from '../flush/protocol.ts';
import { fromWire, transferList } from '../flush/wire.ts';
import type { MergeIO } from './merge.ts';

const MAX_AHEAD = 4;

type Reply = Extract<ToWorker, { kind: 'reply' }>;

export class RemoteIO implements MergeIO {
  readonly #id: number;
  readonly #post: (m: FromWorker, transfer: ArrayBuffer[]) => void;
  readonly #calls = new Map<number, { resolve(v: Reply['value']): void; reject(e: unknown): void }>();
  #req = 1;
  #writes: Promise<unknown>[] = [];

  constructor(id: number, post: (m: FromWorker, transfer: ArrayBuffer[]) => void) {
    this.#id = id;
    this.#post = post;
  }

  reply(m: Reply): void {
    const c = this.#calls.get(m.req);
    if (c === undefined) return;
    this.#calls.delete(m.req);
    if (m.error !== undefined) c.reject(fromWire(m.error, 'compaction I/O'));
    else c.resolve(m.value);
  }

  async read(input: number, offset: number, length: number): Promise<Uint8Array> {
    const v = await this.#call({ op: 'read', input, offset, length }, []);
    if (!(v instanceof Uint8Array)) throw new Error('compaction I/O: read answered no bytes');
    return v;
  }

  async open(): Promise<number> {
    const v = await this.#call({ op: 'open' }, []);
    if (typeof v !== 'number') throw new Error('compaction I/O: open answered no file number');
    return v;
  }

  async append(bufs: Uint8Array[]): Promise<void> {
    if (bufs.length === 0) return;
    // One buffer, joined here: the engine's thread appends it without a copy.
    const one = [bufs.length === 1 ? (bufs[0] as Uint8Array) : Buffer.concat(bufs)];
    const p = this.#call({ op: 'append', bufs: one }, transferList(one));
    p.catch(() => undefined);
    this.#writes.push(p);
    while (this.#writes.length > MAX_AHEAD) await this.#writes.shift();
  }

  async finish(tail: Uint8Array[]): Promise<void> {
    const one = [tail.length === 1 ? (tail[0] as Uint8Array) : Buffer.concat(tail)];
    const p = this.#call({ op: 'finish', tail: one }, transferList(one));
    p.catch(() => undefined);
    this.#writes.push(p);
    for (const w of this.#writes.splice(0)) await w;
  }

  #call(call: IoCall, transfer: ArrayBuffer[]): Promise<Reply['value']> {
    return new Promise((resolve, reject) => {
      const req = this.#req++;
      this.#calls.set(req, { resolve, reject });
      this.#post({ id: this.#id, type: 'call', req, call }, transfer);
    });
  }
}
