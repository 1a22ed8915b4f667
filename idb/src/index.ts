/** @flowdb/idb: the W3C IndexedDB API over @flowdb/engine. See README.md. */
export {};
