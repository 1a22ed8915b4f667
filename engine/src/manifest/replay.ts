/**
 * replayManifest: folds a MANIFEST file into a ManifestState. A torn final frame is a
 * crash mid-append and is ignored; anything else unreadable is CORRUPTION.
 */
import { ErrorCode, FlowError, corruption, ioError, isFlowError } from '../base/errors.ts';
import { manifestFileName } from '../base/file-names.ts';
import { joinPath, type FS } from '../vfs/fs.ts';
import { FrameType, isKnownFrameType } from '../record/frame.ts';
import { readFrames } from '../record/reader.ts';
import { decodeEdit } from './edit.ts';
import { applyEdit, emptyManifestState, type ManifestState } from './state.ts';

export async function replayManifest(fs: FS, dir: string, manifestNum: number): Promise<ManifestState> {
  const path = joinPath(dir, manifestFileName(manifestNum));
  let buf: Uint8Array;
  try {
    buf = await fs.readFile(path);
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === 'ENOENT') throw corruption(`manifest ${path} is missing`, path);
    throw ioError(`read manifest ${path}`, err);
  }
  const { frames } = readFrames(buf, path, { isLastFile: true, salvage: false });
  const state = emptyManifestState();
  for (const f of frames) {
    try {
      if (!isKnownFrameType(f.type)) throw new FlowError(ErrorCode.NOT_SUPPORTED, `unknown frame type ${f.type}`);
      if (f.type !== FrameType.MANIFEST_EDIT) throw corruption(`unexpected frame type ${f.type}`);
      const edit = decodeEdit(f.payload);
      if (state.edits === 0 && edit.snapshot !== true) throw corruption('first edit is not a snapshot');
      applyEdit(state, edit);
    } catch (err) {
      if (!isFlowError(err)) throw err;
      throw new FlowError(err.code, `${path}: ${err.message} (frame at offset ${f.offset})`, {
        cause: err,
        file: path,
        offset: f.offset,
      });
    }
  }
  if (state.edits === 0) throw corruption(`manifest ${path} holds no complete edit`, path, 0);
  // Never hand out a file number that is already in use.
  let next = Math.max(state.nextFileNum, manifestNum + 1, state.logNumber + 1);
  for (const num of state.tables.keys()) next = Math.max(next, num + 1);
  state.nextFileNum = next;
  return state;
}
