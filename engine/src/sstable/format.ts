/**
 * SSTable on-disk constants, block trailer, footer and index block. Full spec: docs/formats/sstable.md.
 *
 *   [data block]* [index block] [bloom block]? [range-del block] [properties block] [footer, 64 B]
 *   block  = payload + trailer[compression u8][crc32 u32 LE over payload + compression byte]
 *   footer = 4 x (offset u64, length u32) for index, bloom, range-del, props   (48 B)
 *            [version u32][crc32 u32 over footer bytes 0..51][magic 8 B]
 */
import { crc32, zstdCompressSync, zstdDecompressSync, constants as zc } from 'node:zlib';
import { ErrorCode, FlowError, corruption } from '../base/errors.ts';
import { ByteReader, ByteWriter, DecodeError, plain } from './coding.ts';

export const FORMAT_VERSION = 1;
/** "flowsst" + 0xdb. */
export const MAGIC = Uint8Array.of(0x66, 0x6c, 0x6f, 0x77, 0x73, 0x73, 0x74, 0xdb);
export const FOOTER_BYTES = 64;
export const TRAILER_BYTES = 5;

export const CompressionType = { NONE: 0, ZSTD: 1 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/** Where a block (payload + trailer) lives. length 0 = absent. */
export interface BlockHandle {
  offset: number;
  length: number;
}

export interface Footer {
  index: BlockHandle;
  bloom: BlockHandle;
  rangeDel: BlockHandle;
  props: BlockHandle;
  version: number;
}

/** One index block record: describes one data block. */
export interface IndexEntry extends BlockHandle {
  firstKey: Uint8Array;
  firstTs: number;
  lastKey: Uint8Array;
  lastTs: number;
  minTs: number;
  maxTs: number;
  /** Max expireAt over every entry (DELETEs included). */
  maxExpireAt: number;
}

function blockCrc(payload: Uint8Array, type: number): number {
  return crc32(Uint8Array.of(type), crc32(payload));
}

/** payload (compressed when asked and worthwhile) + trailer. */
export function sealBlock(raw: Uint8Array, compress: boolean): Uint8Array {
  let payload = raw;
  let type: CompressionType = CompressionType.NONE;
  if (compress && raw.length >= 64) {
    const z = zstdCompressSync(raw, { params: { [zc.ZSTD_c_compressionLevel]: 1 } });
    // Keep compression only if it saves at least 1/8.
    if (z.length < raw.length - (raw.length >>> 3)) {
      payload = z;
      type = CompressionType.ZSTD;
    }
  }
  const out = new Uint8Array(payload.length + TRAILER_BYTES);
  out.set(payload);
  out[payload.length] = type;
  new DataView(out.buffer).setUint32(payload.length + 1, blockCrc(payload, type), true);
  return out;
}

/** Checks the trailer and returns the uncompressed payload. Throws CORRUPTION. */
export function openBlock(stored: Uint8Array, file: string, offset: number): Uint8Array {
  stored = plain(stored);
  if (stored.length < TRAILER_BYTES) throw corruption(`block too short (${stored.length} bytes)`, file, offset);
  const n = stored.length - TRAILER_BYTES;
  const payload = stored.subarray(0, n);
  const type = stored[n] as number;
  const want = new DataView(stored.buffer, stored.byteOffset + n + 1, 4).getUint32(0, true);
  if (blockCrc(payload, type) !== want) throw corruption('block checksum mismatch', file, offset);
  if (type === CompressionType.NONE) return payload;
  if (type === CompressionType.ZSTD) {
    try {
      return plain(zstdDecompressSync(payload));
    } catch (err) {
      throw new FlowError(ErrorCode.CORRUPTION, `zstd decompress failed: ${String(err)}`, { file, offset, cause: err });
    }
  }
  throw corruption(`unknown block compression type ${type}`, file, offset);
}

export function encodeFooter(f: Omit<Footer, 'version'>): Uint8Array {
  const w = new ByteWriter(FOOTER_BYTES);
  for (const h of [f.index, f.bloom, f.rangeDel, f.props]) {
    w.i64(h.offset);
    w.u32(h.length);
  }
  w.u32(FORMAT_VERSION);
  const head = w.finish();
  const out = new Uint8Array(FOOTER_BYTES);
  out.set(head);
  const dv = new DataView(out.buffer);
  dv.setUint32(52, crc32(head), true);
  out.set(MAGIC, 56);
  return out;
}

/** Magic first (CORRUPTION), then version (NOT_SUPPORTED if newer), then crc and handle bounds. */
export function decodeFooter(buf: Uint8Array, fileSize: number, file: string): Footer {
  const at = fileSize - FOOTER_BYTES;
  if (buf.length !== FOOTER_BYTES) throw corruption('file too short for a footer', file, 0);
  for (let i = 0; i < 8; i++) if (buf[56 + i] !== MAGIC[i]) throw corruption('bad sstable magic', file, at + 56);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = dv.getUint32(48, true);
  if (version > FORMAT_VERSION) {
    throw new FlowError(ErrorCode.NOT_SUPPORTED, `sstable format version ${version} is newer than ${FORMAT_VERSION}`, { file });
  }
  if (crc32(buf.subarray(0, 52)) !== dv.getUint32(52, true)) throw corruption('footer checksum mismatch', file, at);
  if (version === 0) throw corruption('sstable format version 0', file, at + 48);
  const r = new ByteReader(buf);
  const handles: BlockHandle[] = [];
  for (let i = 0; i < 4; i++) {
    const h = { offset: r.i64(), length: r.u32() };
    if (h.offset < 0 || h.offset + h.length > at || (h.length > 0 && h.length < TRAILER_BYTES)) {
      throw corruption('footer block handle out of range', file, at + i * 12);
    }
    handles.push(h);
  }
  const [index, bloom, rangeDel, props] = handles as [BlockHandle, BlockHandle, BlockHandle, BlockHandle];
  if (index.length === 0 || props.length === 0) throw corruption('footer lacks index or properties', file, at);
  return { index, bloom, rangeDel, props, version };
}

export function encodeIndex(entries: readonly IndexEntry[]): Uint8Array {
  const w = new ByteWriter(64 + entries.length * 64);
  w.u32(entries.length);
  for (const e of entries) {
    w.i64(e.offset);
    w.varint(e.length);
    w.lenBytes(e.firstKey);
    w.i64(e.firstTs);
    w.lenBytes(e.lastKey);
    w.i64(e.lastTs);
    w.i64(e.minTs);
    w.i64(e.maxTs);
    w.i64(e.maxExpireAt);
  }
  return w.finish();
}

/** Decodes an index block; data blocks must be contiguous from offset 0 up to `dataEnd`. */
export function decodeIndex(payload: Uint8Array, dataEnd: number, file: string, at: number): IndexEntry[] {
  try {
    const r = new ByteReader(payload);
    const n = r.u32();
    const out: IndexEntry[] = [];
    let next = 0;
    for (let i = 0; i < n; i++) {
      const e: IndexEntry = {
        offset: r.i64(),
        length: r.varint(),
        firstKey: r.lenBytes().slice(),
        firstTs: r.i64(),
        lastKey: r.lenBytes().slice(),
        lastTs: r.i64(),
        minTs: r.i64(),
        maxTs: r.i64(),
        maxExpireAt: r.i64(),
      };
      if (e.offset !== next || e.length < TRAILER_BYTES) throw new DecodeError(`index entry ${i} has a bad handle`);
      next = e.offset + e.length;
      out.push(e);
    }
    if (r.remaining !== 0 || next !== dataEnd) throw new DecodeError('index does not cover the data region');
    return out;
  } catch (err) {
    if (err instanceof DecodeError) throw corruption(`bad index block: ${err.message}`, file, at);
    throw err;
  }
}
