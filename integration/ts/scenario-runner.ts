/**
 * Runs the shared scenario suite (integration/scenarios/*.json) with the TS stack against a target.
 *
 * Until the suite's own format note lands, the runner accepts a language-neutral proto3-JSON form:
 *   { "name": "...", "steps": [ step, ... ] }            (a bare array of steps also works)
 *   step (unary):   { "call": "KVService/Put", "request": {proto3 JSON}, "expect": {subset of the
 *                     proto3 JSON response, implicit fields emitted}, "error": {"code": "FAILED_PRECONDITION",
 *                     "reason": "ERROR_REASON_CONDITION_FAILED"} }
 *   server stream:  "expect_responses": [subset, ...] (exact count unless "take": n stops after n)
 *   Ingest (bidi):  "requests": [ ... ] then the responses as above
 *   background:     "background": "w1" starts the call without waiting; { "await": "w1" } joins it
 *   misc:           { "sleep_ms": 50 }, { "restart": true } (graceful stop + start on the same volume)
 * Method names: "Put", "KVService/Put" or "flowdb.v1.KVService/Put"; keys "rpc"/"method" and
 * "req"/"response"/"expect_error" are aliases.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { fromJson, toJson, type DescMethod, type DescService, type JsonValue } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { KVService, StatsService, EventsService } from '@flowdb/client';
import { Health } from '@flowdb/client/gen/grpc/health/v1/health_pb.ts';
import { ErrorInfoSchema } from '@flowdb/client/gen/google/rpc/error_details_pb.ts';
import { DocumentService } from '@flowdb/client/gen/flowdb/v1/document_pb.ts';
import { REPO } from './targets.ts';

export interface Scenario {
  name: string;
  file: string;
  steps: Step[];
}
export interface ScenarioEnv {
  endpoint: string;
  /** Graceful stop + start on the same data; resolves with the new endpoint. */
  restart: (() => Promise<string>) | undefined;
}
type J = { [k: string]: JsonValue };
interface Step {
  call?: string;
  rpc?: string;
  method?: string;
  request?: J;
  req?: J;
  requests?: J[];
  expect?: JsonValue;
  response?: JsonValue;
  expect_responses?: JsonValue[];
  take?: number;
  timeout_ms?: number;
  error?: { code?: string | number; reason?: string; message_contains?: string; metadata?: Record<string, string> };
  expect_error?: Step['error'];
  background?: string;
  await?: string;
  sleep_ms?: number;
  restart?: boolean;
  name?: string;
  /** Unary paged call (QueryDocuments): follow nextPageToken; the pages are the responses. */
  all_pages?: boolean;
}

const SERVICES: DescService[] = [KVService, StatsService, EventsService, Health, DocumentService];

export async function loadScenarios(dir = process.env['FLOWDB_SCENARIOS'] ?? join(REPO, 'integration/scenarios')): Promise<Scenario[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: Scenario[] = [];
  for (const f of files) {
    const doc = JSON.parse(await readFile(join(dir, f), 'utf8')) as { name?: string; steps?: Step[] } | Step[];
    const steps = Array.isArray(doc) ? doc : (doc.steps ?? []);
    out.push({ name: (Array.isArray(doc) ? undefined : doc.name) ?? f.replace(/\.json$/, ''), file: f, steps });
  }
  return out;
}

function findMethod(name: string): { service: DescService; method: DescMethod } {
  const [svc, m] = name.includes('/') ? (name.split('/') as [string, string]) : [undefined, name];
  for (const service of SERVICES) {
    if (svc !== undefined && service.typeName !== svc && service.name !== svc) continue;
    const method = service.methods.find((x) => x.name === m || x.localName === m);
    if (method) return { service, method };
  }
  throw new Error(`unknown method "${name}"`);
}

const norm = (s: string | number): string => String(s).toLowerCase().replace(/[_\s]/g, '');

/** expected ⊆ actual: objects by key, arrays element-wise with equal length, scalars equal. */
export function assertSubset(actual: JsonValue | undefined, expected: JsonValue, path = '$'): void {
  if (expected !== null && typeof expected === 'object') {
    if (Array.isArray(expected)) {
      assert.ok(Array.isArray(actual), `${path}: expected an array, got ${JSON.stringify(actual)}`);
      assert.equal(actual.length, expected.length, `${path}: length`);
      expected.forEach((e, i) => assertSubset(actual[i], e, `${path}[${i}]`));
      return;
    }
    assert.ok(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${path}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [k, v] of Object.entries(expected)) assertSubset((actual as J)[k], v, `${path}.${k}`);
    return;
  }
  // proto3 JSON writes 64-bit integers as strings: compare numbers loosely
  if (typeof expected === 'number' && typeof actual === 'string') return assert.equal(actual, String(expected), path);
  assert.deepEqual(actual, expected, path);
}

function checkError(e: unknown, want: NonNullable<Step['error']>, where: string): void {
  const ce = ConnectError.from(e);
  if (want.code !== undefined) {
    const wantCode = typeof want.code === 'number' ? want.code : Object.entries(Code).find(([k, v]) => typeof v === 'number' && norm(k) === norm(want.code!))?.[1];
    assert.equal(ce.code, wantCode, `${where}: code ${Code[ce.code]} (${ce.rawMessage}), want ${want.code}`);
  }
  if (want.reason !== undefined) {
    const reason = ce.findDetails(ErrorInfoSchema)[0]?.reason ?? '';
    assert.equal(reason, want.reason, `${where}: ErrorInfo reason`);
  }
  if (want.message_contains !== undefined) assert.ok(ce.rawMessage.includes(want.message_contains), `${where}: message "${ce.rawMessage}"`);
  for (const [k, v] of Object.entries(want.metadata ?? {})) {
    assert.equal(ce.findDetails(ErrorInfoSchema)[0]?.metadata[k], v, `${where}: ErrorInfo metadata ${k}`);
  }
}

async function runCall(clients: Map<DescService, any>, step: Step, where: string): Promise<void> {
  const { service, method } = findMethod((step.call ?? step.rpc ?? step.method)!);
  const client = clients.get(service);
  const fn = client[method.localName].bind(client);
  const req = step.request ?? step.req ?? {};
  const wantErr = step.error ?? step.expect_error;
  const abort = new AbortController();
  const opts = { signal: abort.signal, timeoutMs: step.timeout_ms ?? 10_000 };
  const toJ = (m: any): JsonValue => toJson(method.output, m, { alwaysEmitImplicit: true });
  try {
    if (method.methodKind === 'unary' && step.all_pages) {
      const pages: JsonValue[] = [];
      for (let token = String(req['pageToken'] ?? req['page_token'] ?? ''); ; ) {
        const res = await fn(fromJson(method.input, { ...req, pageToken: token }), opts);
        pages.push(toJ(res));
        token = res.nextPageToken;
        if (!token) break;
      }
      assert.equal(wantErr, undefined, `${where}: expected an error, got ${pages.length} pages`);
      if (step.expect_responses !== undefined) assertSubset(pages, step.expect_responses, where);
      return;
    }
    if (method.methodKind === 'unary') {
      const res = toJ(await fn(fromJson(method.input, req), opts));
      assert.equal(wantErr, undefined, `${where}: expected an error, got ${JSON.stringify(res)}`);
      const exp = step.expect ?? step.response;
      if (exp !== undefined) assertSubset(res, exp, where);
      return;
    }
    const input =
      method.methodKind === 'server_streaming'
        ? fromJson(method.input, req)
        : (async function* () {
            for (const r of step.requests ?? [req]) yield fromJson(method.input, r);
          })();
    const got: JsonValue[] = [];
    for await (const m of fn(input, opts)) {
      got.push(toJ(m));
      if (step.take !== undefined && got.length >= step.take) {
        abort.abort();
        break;
      }
    }
    assert.equal(wantErr, undefined, `${where}: expected an error, got ${got.length} responses`);
    const exp = step.expect_responses ?? (step.expect === undefined ? undefined : [step.expect].flat());
    if (exp !== undefined) assertSubset(got, exp, where);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    if (abort.signal.aborted && step.take !== undefined) return;
    if (wantErr === undefined) throw new Error(`${where}: ${ConnectError.from(e).message}`, { cause: e });
    checkError(e, wantErr, where);
  }
}

export async function runScenario(sc: Scenario, env: ScenarioEnv): Promise<void> {
  let clients = connect(env.endpoint);
  const bg = new Map<string, Promise<void>>();
  for (const [i, step] of sc.steps.entries()) {
    const where = `${sc.file} step ${i}${step.name ? ` (${step.name})` : ''}`;
    if (step.sleep_ms !== undefined) await new Promise((r) => setTimeout(r, step.sleep_ms));
    if (step.await !== undefined) {
      const p = bg.get(step.await);
      assert.ok(p, `${where}: no background call "${step.await}"`);
      await p;
      bg.delete(step.await);
    }
    if (step.restart) {
      assert.ok(env.restart, `${where}: this target cannot restart`);
      clients = connect(await env.restart());
    }
    if (step.call === undefined && step.rpc === undefined && step.method === undefined) continue;
    const p = runCall(clients, step, where);
    if (step.background !== undefined) {
      p.catch(() => undefined); // surfaced by the await step
      bg.set(step.background, p);
    } else await p;
  }
  await Promise.all(bg.values());
}

function connect(endpoint: string): Map<DescService, any> {
  const transport = createGrpcTransport({ baseUrl: endpoint });
  return new Map(SERVICES.map((s) => [s, createClient(s, transport)]));
}
