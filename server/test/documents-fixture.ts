/** Test fixture: DocumentService over a router transport (no sockets) on a given IndexedDB backend. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, createRouterTransport } from '@connectrpc/connect';
import { openEngine } from '@flowdb/engine';
import { FlowClient, FlowClientError } from '@flowdb/client';
import { loadConfig } from '../src/config.ts';
import { Deps } from '../src/deps.ts';
import { interceptors } from '../src/interceptors.ts';
import { Metrics } from '../src/metrics.ts';
import { silentLogger } from '../src/log.ts';
import { DocumentService } from '../src/gen/flowdb/v1/document_pb.ts';
import { documentService } from '../src/documents/service.ts';
import { DocumentStore } from '../src/documents/store.ts';
import { DocumentFeed } from '../src/documents/feed.ts';
import type { IdbBackend } from '../src/documents/idb.ts';

export interface DocFixture {
  client: FlowClient;
  deps: Deps;
  store: DocumentStore;
  close(): Promise<void>;
}

/** backend(dir) builds the IndexedDB backend; extra args are server flags. */
export async function docFixture(backend: (dir: string) => Promise<IdbBackend & { close?(): Promise<void> }>, args: string[] = []): Promise<DocFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'flowdb-docs-'));
  const engine = await openEngine(join(dir, 'kv'), { sync: { mode: 'none' } });
  const deps = new Deps(engine, loadConfig(args, {}), silentLogger);
  const b = await backend(join(dir, 'documents'));
  const store = new DocumentStore(b, new DocumentFeed(deps.config.changeRetention));
  const tracker = { unary: 0, streams: 0, onIdle: new Set<() => void>() };
  const transport = createRouterTransport((router) => router.service(DocumentService, documentService(deps, store)), {
    router: { interceptors: interceptors({ token: undefined, draining: () => deps.draining, metrics: new Metrics(), tracker, log: silentLogger }) },
  });
  return {
    client: new FlowClient({ transport }),
    deps,
    store,
    async close() {
      deps.drain.abort();
      await store.close();
      await b.close?.();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Asserts a FlowClientError with this code and reason (and metadata subset); returns it. */
export async function rejects(p: Promise<unknown>, code: Code, reason: string, metadata: { [k: string]: string } = {}): Promise<FlowClientError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FlowClientError, `expected FlowClientError, got ${String(e)}`);
    assert.equal(e.code, code, `code ${e.codeName} (${e.reason}): ${e.message}`);
    assert.equal(e.reason, reason, e.message);
    for (const [k, v] of Object.entries(metadata)) assert.equal(e.metadata[k], v, `metadata ${k}`);
    return e;
  }
  assert.fail('expected a rejection');
}
