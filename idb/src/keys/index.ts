/** Keys: conversion, spec ordering, order-preserving bytes, key paths. */
export { type Key, type KeyType, keyType, toKey, toKeyOrInvalid, isValidKey } from './key.ts';
export { compareKeys, compareBytes } from './compare.ts';
export { encodeKey, decodeKey, decodeKeyAt } from './encode.ts';
export { type KeyPath, isValidKeyPath, toKeyPath, evaluateKeyPath, extractKey, extractMultiEntryKeys, NO_VALUE, NOT_A_KEY, canInjectKey, injectKey } from './key-path.ts';
