/** WebIDL: calling an operation with fewer than its required arguments is a TypeError. */
export function requireArgs(got: number, need: number, what: string): void {
  if (got < need) throw new TypeError(`${what} needs ${need} argument${need === 1 ? '' : 's'}, got ${got}`);
}
