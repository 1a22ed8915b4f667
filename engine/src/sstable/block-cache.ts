/**
 * BlockCache: LRU of decoded data blocks keyed by (fileNum, blockOffset), bounded by a byte
 * budget. Each block is charged what the reader says (payload bytes + per-entry overhead).
 * Capacity 0 disables caching. Cached entries are shared: callers must not mutate them.
 */
import type { Entry } from '../base/entry.ts';

interface Node {
  fileNum: number;
  offset: number;
  entries: readonly Entry[];
  charge: number;
  prev: Node | undefined;
  next: Node | undefined;
}

export class BlockCache {
  hits = 0;
  misses = 0;
  readonly capacityBytes: number;
  #bytes = 0;
  #files = new Map<number, Map<number, Node>>();
  /** Most recently used. */
  #head: Node | undefined;
  /** Least recently used. */
  #tail: Node | undefined;

  constructor(capacityBytes: number) {
    if (!(capacityBytes >= 0)) throw new RangeError('capacityBytes must be >= 0');
    this.capacityBytes = capacityBytes;
  }

  bytes(): number {
    return this.#bytes;
  }

  /** Number of cached blocks. */
  size(): number {
    let n = 0;
    for (const m of this.#files.values()) n += m.size;
    return n;
  }

  /** Looks a block up, counting a hit or a miss. */
  get(fileNum: number, offset: number): readonly Entry[] | undefined {
    const node = this.#files.get(fileNum)?.get(offset);
    if (node === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.#unlink(node);
    this.#pushHead(node);
    return node.entries;
  }

  /** Inserts (or replaces) a block, then evicts LRU blocks until within capacity. */
  put(fileNum: number, offset: number, entries: readonly Entry[], charge: number): void {
    if (charge > this.capacityBytes) return;
    const old = this.#files.get(fileNum)?.get(offset);
    if (old !== undefined) this.#remove(old);
    let m = this.#files.get(fileNum);
    if (m === undefined) {
      m = new Map();
      this.#files.set(fileNum, m);
    }
    const node: Node = { fileNum, offset, entries, charge, prev: undefined, next: undefined };
    m.set(offset, node);
    this.#pushHead(node);
    this.#bytes += charge;
    while (this.#bytes > this.capacityBytes && this.#tail !== undefined) this.#remove(this.#tail);
  }

  /** Drops every block of a file (call when the table is deleted). */
  evictFile(fileNum: number): void {
    const m = this.#files.get(fileNum);
    if (m === undefined) return;
    for (const node of [...m.values()]) this.#remove(node);
  }

  #remove(node: Node): void {
    this.#unlink(node);
    this.#bytes -= node.charge;
    const m = this.#files.get(node.fileNum);
    m?.delete(node.offset);
    if (m !== undefined && m.size === 0) this.#files.delete(node.fileNum);
  }

  #unlink(node: Node): void {
    if (node.prev !== undefined) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next !== undefined) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = node.next = undefined;
  }

  #pushHead(node: Node): void {
    node.next = this.#head;
    if (this.#head !== undefined) this.#head.prev = node;
    this.#head = node;
    if (this.#tail === undefined) this.#tail = node;
  }
}
