/**
 * Byte coding helpers for the SSTable format (docs/formats/sstable.md):
 * LEB128 varints, little-endian u32, and 8-byte integers holding safe integers
 * (two's complement i64 LE, so negative ts work).
 * ByteReader throws DecodeError on any out-of-bounds or out-of-range read;
 * callers turn it into a FlowError CORRUPTION with file and offset.
 */

const TWO32 = 2 ** 32;

/** A plain Uint8Array view of `b` (never a Buffer, whose slice() does not copy). */
export function plain(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Growable little-endian byte buffer. */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;

  constructor(initial = 256) {
    this.#buf = new Uint8Array(Math.max(16, initial));
    this.#view = new DataView(this.#buf.buffer);
  }

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): void {
    const need = this.#len + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = v;
  }

  u32(v: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.#len, v, true);
    this.#len += 4;
  }

  /** A safe integer as 8-byte two's complement LE. */
  i64(v: number): void {
    this.#reserve(8);
    const hi = Math.floor(v / TWO32);
    this.#view.setUint32(this.#len, v - hi * TWO32, true);
    this.#view.setInt32(this.#len + 4, hi, true);
    this.#len += 8;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  varint(v: number): void {
    this.#reserve(8);
    while (v >= 0x80) {
      this.#buf[this.#len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.#len++] = v;
  }

  bytes(b: Uint8Array): void {
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  /** varint length + bytes. */
  lenBytes(b: Uint8Array): void {
    this.varint(b.length);
    this.bytes(b);
  }

  /** A copy of the written bytes. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  reset(): void {
    this.#len = 0;
  }
}

/** Bounds-checked reader over a byte slice. */
export class ByteReader {
  readonly buf: Uint8Array;
  #view: DataView;
  pos = 0;

  constructor(buf: Uint8Array) {
    buf = plain(buf);
    this.buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  #need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DecodeError(`truncated at ${this.pos} (need ${n})`);
  }

  u8(): number {
    this.#need(1);
    return this.buf[this.pos++] as number;
  }

  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i64(): number {
    this.#need(8);
    const lo = this.#view.getUint32(this.pos, true);
    const hi = this.#view.getInt32(this.pos + 4, true);
    this.pos += 8;
    const v = hi * TWO32 + lo;
    if (!Number.isSafeInteger(v)) throw new DecodeError(`integer out of safe range at ${this.pos - 8}`);
    return v;
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (!Number.isSafeInteger(v)) break;
        return v;
      }
      mul *= 0x80;
    }
    throw new DecodeError(`bad varint at ${this.pos}`);
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  lenBytes(): Uint8Array {
    return this.bytes(this.varint());
  }
}
