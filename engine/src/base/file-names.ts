/** Every data-dir file name comes from here. */
export type FileKind = 'wal' | 'table' | 'manifest' | 'current' | 'lock' | 'temp' | 'options';

export function formatFileNum(n: number): string {
  return String(n).padStart(6, '0');
}
export const walFileName = (n: number): string => `${formatFileNum(n)}.log`;
export const tableFileName = (n: number): string => `${formatFileNum(n)}.sst`;
export const manifestFileName = (n: number): string => `MANIFEST-${formatFileNum(n)}`;
export const CURRENT = 'CURRENT';
export const LOCK = 'LOCK';

export function parseFileName(name: string): { kind: FileKind; num: number } | undefined {
  let m = /^(\d{6,})\.log$/.exec(name);
  if (m) return { kind: 'wal', num: Number(m[1]) };
  m = /^(\d{6,})\.sst$/.exec(name);
  if (m) return { kind: 'table', num: Number(m[1]) };
  m = /^MANIFEST-(\d{6,})$/.exec(name);
  if (m) return { kind: 'manifest', num: Number(m[1]) };
  if (name === CURRENT) return { kind: 'current', num: 0 };
  if (name === LOCK) return { kind: 'lock', num: 0 };
  if (name.endsWith('.tmp')) return { kind: 'temp', num: 0 };
  return undefined;
}
