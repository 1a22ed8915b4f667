/**
 * CURRENT: names the live manifest ("MANIFEST-000042\n"). It is switched atomically:
 * write CURRENT.tmp, sync, rename over CURRENT, sync the directory.
 */
import { corruption, ioError } from '../base/errors.ts';
import { CURRENT, manifestFileName, parseFileName } from '../base/file-names.ts';
import { joinPath, type FS } from '../vfs/fs.ts';

export const CURRENT_TMP = `${CURRENT}.tmp`;

export async function setCurrent(fs: FS, dir: string, manifestNum: number): Promise<void> {
  const tmp = joinPath(dir, CURRENT_TMP);
  try {
    const f = await fs.create(tmp);
    try {
      await f.append(new TextEncoder().encode(`${manifestFileName(manifestNum)}\n`));
      await f.sync();
    } finally {
      await f.close();
    }
    await fs.rename(tmp, joinPath(dir, CURRENT));
    await fs.syncDir(dir);
  } catch (err) {
    throw ioError(`set CURRENT to manifest ${manifestNum}`, err);
  }
}

/** The live manifest number, or undefined when there is no CURRENT (a new database). */
export async function readCurrent(fs: FS, dir: string): Promise<number | undefined> {
  const path = joinPath(dir, CURRENT);
  let buf: Uint8Array;
  try {
    buf = await fs.readFile(path);
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === 'ENOENT') return undefined;
    throw ioError(`read ${path}`, err);
  }
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('latin1');
  const parsed = text.endsWith('\n') ? parseFileName(text.slice(0, -1)) : undefined;
  if (parsed?.kind !== 'manifest') throw corruption(`${path} does not name a manifest: ${JSON.stringify(text.slice(0, 64))}`, path, 0);
  return parsed.num;
}
