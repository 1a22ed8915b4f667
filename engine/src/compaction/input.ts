/**
 * One compaction input as a run source: reads the footer and index block, then streams the
 * data region in reads of whole blocks (about spec.readBytes each, one read ahead) and
 * decodes one block per run. Only CPU work and MergeIO.read calls, so it runs in a worker.
 */
import type { Entry } from '../base/entry.ts';
import { corruption } from '../base/errors.ts';
import type { RunSource } from '../read.ts';
import { decodeBlock } from '../sstable/block.ts';
import { FOOTER_BYTES, type IndexEntry, decodeFooter, decodeIndex, openBlock } from '../sstable/format.ts';
import type { MergeIO } from './merge.ts';

interface Chunk {
  bytes: Uint8Array;
  /** File offset of bytes[0]. */
  base: number;
  /** Index entries [first, end) are in bytes. */
  first: number;
  end: number;
}

export async function openInput(io: MergeIO, input: number, path: string, size: number, readBytes: number): Promise<RunSource> {
  if (size < FOOTER_BYTES) throw corruption(`file too short for an sstable (${size} bytes)`, path, 0);
  const footer = decodeFooter(await io.read(input, size - FOOTER_BYTES, FOOTER_BYTES), size, path);
  const h = footer.index;
  const index = decodeIndex(openBlock(await io.read(input, h.offset, h.length), path, h.offset), h.offset, path, h.offset);
  return new BlockStream(io, input, path, index, readBytes);
}

class BlockStream implements RunSource {
  readonly #io: MergeIO;
  readonly #input: number;
  readonly #path: string;
  readonly #index: IndexEntry[];
  readonly #readBytes: number;
  #next = 0;
  #chunk: Chunk | undefined;
  #pos = 0;
  #ahead: Promise<Chunk> | undefined;

  constructor(io: MergeIO, input: number, path: string, index: IndexEntry[], readBytes: number) {
    this.#io = io;
    this.#input = input;
    this.#path = path;
    this.#index = index;
    this.#readBytes = readBytes;
  }

  async nextRun(): Promise<Entry[] | undefined> {
    let c = this.#chunk;
    if (c === undefined || this.#pos >= c.end) {
      const p = this.#ahead ?? this.#fetch();
      if (p === undefined) return undefined;
      c = await p;
      this.#chunk = c;
      this.#pos = c.first;
      this.#ahead = this.#fetch();
    }
    const ie = this.#index[this.#pos++] as IndexEntry;
    const at = ie.offset - c.base;
    const es = decodeBlock(openBlock(c.bytes.subarray(at, at + ie.length), this.#path, ie.offset), this.#path, ie.offset);
    if (es.length === 0) throw corruption('empty data block', this.#path, ie.offset);
    return es;
  }

  /** Starts reading the next whole blocks (at least one); undefined at the end. */
  #fetch(): Promise<Chunk> | undefined {
    const idx = this.#index;
    const first = this.#next;
    if (first >= idx.length) return undefined;
    const base = (idx[first] as IndexEntry).offset;
    let end = first;
    let len = 0;
    while (end < idx.length && (end === first || len + (idx[end] as IndexEntry).length <= this.#readBytes)) {
      len += (idx[end] as IndexEntry).length;
      end++;
    }
    this.#next = end;
    const p = this.#io.read(this.#input, base, len).then((bytes) => ({ bytes, base, first, end }));
    // Awaited later (or dropped when the merge fails first).
    p.catch(() => undefined);
    return p;
  }
}
