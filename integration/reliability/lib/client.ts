/** A FlowClient on its own HTTP/2 session, so a harness can close the connection for real. */
import { Code, FlowClient, FlowClientError, FlowSessionManager } from '@flowdb/client';
import { createGrpcTransport } from '@connectrpc/connect-node';

export interface OwnedClient {
  db: FlowClient;
  close(): void;
}

export function openClient(baseUrl: string): OwnedClient {
  const sessionManager = new FlowSessionManager(baseUrl, { pingIntervalMs: 30_000 });
  const transport = createGrpcTransport({ baseUrl, sessionManager });
  return { db: new FlowClient({ transport }), close: () => sessionManager.abort() };
}

/** The gRPC code name of a client-side failure ("Unavailable", ...); "non-FlowClientError" otherwise. */
export function codeName(e: unknown): string {
  if (e instanceof FlowClientError) return Code[e.code] ?? String(e.code);
  return 'non-FlowClientError';
}

export function isCode(e: unknown, code: Code): boolean {
  return e instanceof FlowClientError && e.code === code;
}
