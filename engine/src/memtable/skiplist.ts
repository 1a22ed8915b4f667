/**
 * SkipList: an ordered set of Entries in internal order (key asc, ts asc, seq desc).
 * Single-threaded (JS); iteration tolerates inserts made while it runs: a forward
 * cursor may or may not see entries inserted behind or ahead of it, never a broken link.
 * Level 0 is doubly linked, so reverse steps are O(1).
 */
import { compareEntries, type Entry } from '../base/entry.ts';

const MAX_HEIGHT = 20;

interface Node {
  entry: Entry;
  next: (Node | undefined)[];
  /** Level-0 predecessor; undefined for the first node. */
  prev: Node | undefined;
}

export class SkipList {
  #head: Node = { entry: undefined as unknown as Entry, next: new Array(MAX_HEIGHT).fill(undefined), prev: undefined };
  #height = 1;
  #length = 0;
  #rand = 0x9e3779b9;

  get length(): number {
    return this.#length;
  }

  #randomHeight(): number {
    // xorshift32; deterministic, no Math.random in engine core.
    let x = this.#rand;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rand = x >>> 0;
    let h = 1;
    let bits = this.#rand;
    while (h < MAX_HEIGHT && (bits & 3) === 0) {
      h++;
      bits >>>= 2;
    }
    return h;
  }

  insert(e: Entry): void {
    const prev: Node[] = new Array(MAX_HEIGHT);
    let x = this.#head;
    for (let lvl = this.#height - 1; lvl >= 0; lvl--) {
      let n = x.next[lvl];
      while (n !== undefined && compareEntries(n.entry, e) < 0) {
        x = n;
        n = x.next[lvl];
      }
      prev[lvl] = x;
    }
    const h = this.#randomHeight();
    if (h > this.#height) {
      for (let lvl = this.#height; lvl < h; lvl++) prev[lvl] = this.#head;
      this.#height = h;
    }
    const p0 = prev[0] as Node;
    const node: Node = { entry: e, next: new Array(h), prev: p0 === this.#head ? undefined : p0 };
    const succ = p0.next[0];
    if (succ !== undefined) succ.prev = node;
    for (let lvl = 0; lvl < h; lvl++) {
      const p = prev[lvl] as Node;
      node.next[lvl] = p.next[lvl];
      p.next[lvl] = node;
    }
    this.#length++;
  }

  /** First node with entry >= target (internal order), or undefined. */
  #seekGE(target: Entry): Node | undefined {
    let x = this.#head;
    for (let lvl = this.#height - 1; lvl >= 0; lvl--) {
      let n = x.next[lvl];
      while (n !== undefined && compareEntries(n.entry, target) < 0) {
        x = n;
        n = x.next[lvl];
      }
    }
    return x.next[0];
  }

  /** Last node with entry < target, or undefined. */
  #seekLT(target: Entry | undefined): Node | undefined {
    let x = this.#head;
    for (let lvl = this.#height - 1; lvl >= 0; lvl--) {
      let n = x.next[lvl];
      while (n !== undefined && (target === undefined || compareEntries(n.entry, target) < 0)) {
        x = n;
        n = x.next[lvl];
      }
    }
    return x === this.#head ? undefined : x;
  }

  /** Entries >= from (or from the start), ascending. */
  *ascending(from: Entry | undefined): Generator<Entry> {
    let n = from === undefined ? this.#head.next[0] : this.#seekGE(from);
    while (n !== undefined) {
      yield n.entry;
      n = n.next[0];
    }
  }

  /** Entries < before (or from the end), descending. */
  *descending(before: Entry | undefined): Generator<Entry> {
    let n = this.#seekLT(before);
    while (n !== undefined) {
      yield n.entry;
      n = n.prev;
    }
  }
}
