/** DOMStringList (https://html.spec.whatwg.org/#domstringlist): a sorted, read-only name list. */
export interface StringList extends ReadonlyArray<string> {
  contains(name: string): boolean;
  item(index: number): string | null;
}

export function stringList(names: Iterable<string>): StringList {
  const arr = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const list = Object.assign(arr, {
    contains: (name: string): boolean => arr.includes(String(name)),
    item: (index: number): string | null => arr[index] ?? null,
  });
  return Object.freeze(list);
}
