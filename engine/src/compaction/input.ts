/**
 * One compaction input as a run source: reads the footer and index block, then streams the
 * data region in reads of whole blocks (about spec.readBytes each, one read ahead) and
 * decodes one block per run. Only CPU work and MergeIO.read calls, so it runs in a worker.
 * Only the blocks' (offset, length) pairs are kept, in one Float64Array: a full merge has all
 * tables open at once, and decoded index entries (two key copies per block) cost ~300 B each.
 */
import type { Entry } from '../base/entry.ts';
import { corruption } from '../base/errors.ts';
import type { RunSource } from '../read.ts';
import { decodeBlock } from '../sstable/block.ts';
import { FOOTER_BYTES, decodeFooter, decodeIndex, openBlock } from '../sstable/format.ts';
import type { MergeIO } from './merge.ts';

interface Chunk {
  bytes: Uint8Array;
  /** File offset of bytes[0]. */
  base: number;
  /** Blocks [first, end) are in bytes. */
  first: number;
  end: number;
}

export async function openInput(io: MergeIO, input: number, path: string, size: number, readBytes: number): Promise<RunSource> {
  if (size < FOOTER_BYTES) throw corruption(`file too short for an sstable (${size} bytes)`, path, 0);
  const footer = decodeFooter(await io.read(input, size - FOOTER_BYTES, FOOTER_BYTES), size, path);
  const h = footer.index;
  const index = decodeIndex(openBlock(await io.read(input, h.offset, h.length), path, h.offset), h.offset, path, h.offset);
  const blocks = new Float64Array(2 * index.length);
  index.forEach((e, i) => {
    blocks[2 * i] = e.offset;
    blocks[2 * i + 1] = e.length;
  });
  return new BlockStream(io, input, path, blocks, readBytes);
}

class BlockStream implements RunSource {
  readonly #io: MergeIO;
  readonly #input: number;
  readonly #path: string;
  /** Block i is at blocks[2i] with length blocks[2i + 1]. */
  readonly #blocks: Float64Array;
  readonly #readBytes: number;
  #next = 0;
  #chunk: Chunk | undefined;
  #pos = 0;
  #ahead: Promise<Chunk> | undefined;

  constructor(io: MergeIO, input: number, path: string, blocks: Float64Array, readBytes: number) {
    this.#io = io;
    this.#input = input;
    this.#path = path;
    this.#blocks = blocks;
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
    const i = this.#pos++;
    const offset = this.#blocks[2 * i] as number;
    const at = offset - c.base;
    const bytes = c.bytes.subarray(at, at + (this.#blocks[2 * i + 1] as number));
    const es = decodeBlock(openBlock(bytes, this.#path, offset), this.#path, offset);
    if (es.length === 0) throw corruption('empty data block', this.#path, offset);
    return es;
  }

  /** Starts reading the next whole blocks (at least one); undefined at the end. */
  #fetch(): Promise<Chunk> | undefined {
    const b = this.#blocks;
    const n = b.length / 2;
    const first = this.#next;
    if (first >= n) return undefined;
    const base = b[2 * first] as number;
    let end = first;
    let len = 0;
    while (end < n && (end === first || len + (b[2 * end + 1] as number) <= this.#readBytes)) {
      len += b[2 * end + 1] as number;
      end++;
    }
    this.#next = end;
    const p = this.#io.read(this.#input, base, len).then((bytes) => ({ bytes, base, first, end }));
    // Awaited later (or dropped when the merge fails first).
    p.catch(() => undefined);
    return p;
  }
}
