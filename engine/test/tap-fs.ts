/** Test helper: an FS that calls `onOp` before every mutating operation (to clone a MemFS at each). */
import type { FS } from '../src/vfs/fs.ts';
import type { MemFS } from '../src/vfs/index.ts';

export function tapFS(inner: MemFS, onOp: () => void): FS {
  const wrapFile = <T extends object>(f: T): T =>
    new Proxy(f, {
      get(t, p, recv) {
        const v = Reflect.get(t, p, recv);
        if (typeof v !== 'function') return v;
        return (...a: unknown[]) => {
          if (p === 'append' || p === 'sync') onOp();
          return (v as (...x: unknown[]) => unknown).apply(t, a);
        };
      },
    });
  return new Proxy(inner as unknown as FS, {
    get(t, p, recv) {
      const v = Reflect.get(t, p, recv);
      if (typeof v !== 'function') return v;
      return async (...a: unknown[]) => {
        if (['create', 'rename', 'remove', 'syncDir', 'truncate', 'openAppend'].includes(String(p))) onOp();
        const res = await (v as (...x: unknown[]) => Promise<unknown>).apply(t, a);
        return p === 'create' || p === 'openAppend' ? wrapFile(res as object) : res;
      };
    },
  });
}
