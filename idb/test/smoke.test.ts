import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as idb from '../src/index.ts';

test('the package loads', () => {
  assert.equal(typeof idb, 'object');
});
