/**
 * readWal: decodes a WAL file and cuts off a torn or salvaged tail on disk, so a later
 * append never lands after garbage. Recovery rule: docs/formats/record.md.
 */
import type { Entry } from '../base/entry.ts';
import { ErrorCode, FlowError, corruption, ioError, isFlowError } from '../base/errors.ts';
import type { FS } from '../vfs/fs.ts';
import { FrameType, isKnownFrameType } from '../record/frame.ts';
import { readFrames, type ReadFramesOptions, type TailState } from '../record/reader.ts';
import { decodeBatch } from './batch.ts';

export interface ReadWalResult {
  batches: { firstSeq: number; entries: Entry[] }[];
  validBytes: number;
  tail: TailState;
  dropped: number;
}

export async function readWal(fs: FS, path: string, opts: ReadFramesOptions): Promise<ReadWalResult> {
  let buf: Uint8Array;
  try {
    buf = await fs.readFile(path);
  } catch (err) {
    throw ioError(`read WAL ${path}`, err);
  }
  const res = readFrames(buf, path, opts);
  const batches: ReadWalResult['batches'] = [];
  let { validBytes, tail, dropped } = res;
  for (const f of res.frames) {
    if (!isKnownFrameType(f.type)) {
      // Written by a newer format (docs/formats/wal.md, "Changing the format").
      throw new FlowError(ErrorCode.NOT_SUPPORTED, `${path}: unknown frame type ${f.type} at offset ${f.offset}`, {
        file: path,
        offset: f.offset,
      });
    }
    try {
      if (f.type !== FrameType.WAL_BATCH) throw corruption(`unexpected frame type ${f.type}`);
      batches.push(decodeBatch(f.payload));
    } catch (err) {
      if (!isFlowError(err, ErrorCode.CORRUPTION)) throw err;
      // A checksummed frame that does not decode is mid-log corruption.
      if (!opts.salvage) throw corruption(`${path}: ${err.message} in frame at offset ${f.offset}`, path, f.offset);
      validBytes = f.offset;
      tail = 'salvaged';
      dropped = buf.length - validBytes;
      break;
    }
  }
  if (tail !== 'clean') {
    try {
      await fs.truncate(path, validBytes);
    } catch (err) {
      throw ioError(`truncate WAL ${path}`, err);
    }
  }
  return { batches, validBytes, tail, dropped };
}
