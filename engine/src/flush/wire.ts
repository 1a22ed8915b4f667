/** Errors across the worker boundary: FlowErrors keep their code, file and offset. */
import { ErrorCode, FlowError } from '../base/errors.ts';
import { CompactionAborted } from '../compaction/merge.ts';
import type { WireError } from './protocol.ts';

export function toWire(e: unknown): WireError {
  if (e instanceof CompactionAborted) return { message: e.message, aborted: true };
  if (e instanceof FlowError) {
    const w: WireError = { message: e.message, code: e.code };
    if (e.file !== undefined) w.file = e.file;
    if (e.offset !== undefined) w.offset = e.offset;
    return w;
  }
  return { message: e instanceof Error ? e.message : String(e) };
}

/** Rebuilds a typed error; an untyped one (a bug, a worker crash) becomes IO_ERROR. */
export function fromWire(w: WireError, what: string): Error {
  if (w.aborted === true) return new CompactionAborted(w.message);
  const opts: { file?: string; offset?: number } = {};
  if (w.file !== undefined) opts.file = w.file;
  if (w.offset !== undefined) opts.offset = w.offset;
  if (w.code !== undefined) return new FlowError(w.code, w.message, opts);
  return new FlowError(ErrorCode.IO_ERROR, `${what}: ${w.message}`, opts);
}

/** The buffers of `bufs` that can be moved (views of a whole ArrayBuffer, each once). */
export function transferList(bufs: readonly Uint8Array[]): ArrayBuffer[] {
  const s = new Set<ArrayBuffer>();
  for (const b of bufs) if (b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) s.add(b.buffer);
  return [...s];
}
