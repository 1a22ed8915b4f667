/** Judges a raw reply: a well-formed status in the protocol the server answered in. */
import { fromBinary } from '@bufbuild/protobuf';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { StatusSchema } from '../../../server/src/gen/google/rpc/status_pb.ts';
import { ErrorInfoSchema } from '../../../server/src/gen/google/rpc/error_details_pb.ts';
import type { Plan } from './plan.ts';
import type { Reply } from './send.ts';

export const CODE_NAMES = [
  'OK', 'CANCELED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];
const CONNECT_CODES = CODE_NAMES.map((n) => n.toLowerCase()).map((n) => (n === 'canceled' ? 'canceled' : n));
/** Never acceptable for client-caused input. */
const SERVER_FAULT = new Set(['UNKNOWN', 'INTERNAL', 'DATA_LOSS']);
const DOMAIN = 'flowdb.dev';

export interface Verdict {
  /** 'grpc:INVALID_ARGUMENT', 'connect:OK', 'http:415', 'reset', 'hung'. */
  outcome: string;
  code: string | undefined;
  problems: string[];
}

function envelopes(b: Buffer): { flags: number; data: Buffer }[] | undefined {
  const out: { flags: number; data: Buffer }[] = [];
  for (let off = 0; off < b.length; ) {
    if (b.length - off < 5) return undefined;
    const len = b.readUInt32BE(off + 1);
    if (off + 5 + len > b.length) return undefined;
    out.push({ flags: b[off] as number, data: b.subarray(off + 5, off + 5 + len) });
    off += 5 + len;
  }
  return out;
}

function errorInfoOk(typeUrl: string, value: Uint8Array): boolean {
  if (!typeUrl.endsWith('google.rpc.ErrorInfo')) return false;
  const info = fromBinary(ErrorInfoSchema, value);
  return info.domain === DOMAIN && info.reason.startsWith('ERROR_REASON_');
}

function checkGrpcStatus(h: { [k: string]: string }, problems: string[]): string | undefined {
  const s = h['grpc-status'];
  if (s === undefined) return void problems.push('no grpc-status');
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 16) return void problems.push(`bad grpc-status ${s}`);
  const code = CODE_NAMES[n] as string;
  if (n !== 0) {
    const bin = h['grpc-status-details-bin'];
    if (bin === undefined) problems.push(`${code} without grpc-status-details-bin`);
    else {
      try {
        const st = fromBinary(StatusSchema, Buffer.from(bin, 'base64'));
        if (st.code !== n) problems.push(`details code ${st.code} != grpc-status ${n}`);
        if (!st.details.some((d) => errorInfoOk(d.typeUrl, d.value))) problems.push(`${code} details lack a flowdb ErrorInfo`);
      } catch (e) {
        problems.push(`undecodable grpc-status-details-bin: ${(e as Error).message}`);
      }
    }
  }
  return code;
}

function trailerText(data: Buffer): { [k: string]: string } {
  const out: { [k: string]: string } = {};
  for (const line of data.toString('utf8').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function connectError(j: unknown, problems: string[]): string | undefined {
  if (j === null || typeof j !== 'object') return void problems.push('connect error is not an object');
  const e = j as { code?: unknown; details?: unknown };
  const idx = CONNECT_CODES.indexOf(String(e.code));
  if (idx <= 0) return void problems.push(`bad connect code ${String(e.code)}`);
  const code = CODE_NAMES[idx] as string;
  const details = Array.isArray(e.details) ? (e.details as { type?: unknown; value?: unknown }[]) : [];
  if (!details.some((d) => typeof d.value === 'string' && errorInfoOk(`x/${String(d.type)}`, Buffer.from(d.value as string, 'base64')))) {
    problems.push(`${code} without a flowdb ErrorInfo detail`);
  }
  return code;
}

function inflate(data: Buffer, enc: string | undefined): Buffer {
  if (enc === 'gzip') return gunzipSync(data);
  if (enc === 'br') return brotliDecompressSync(data);
  return data;
}

export function judge(p: Plan, r: Reply): Verdict {
  const problems: string[] = [];
  if (r.hung) return { outcome: 'hung', code: undefined, problems: p.abortAfter === undefined ? ['no answer in time'] : [] };
  const headerBytes = p.path.length + Object.entries(p.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (r.status === 0 && headerBytes > 16 * 1024 && /REFUSED_STREAM|ENHANCE_YOUR_CALM/.test(r.broken ?? '')) {
    // An oversized header block (a huge Connect GET URL): HTTP/2's answer is to refuse the stream.
    return { outcome: 'h2:refused-headers', code: undefined, problems: [] };
  }
  if (r.broken !== undefined && r.status === 0) {
    // Only our own reset may end an exchange without a status.
    return { outcome: 'reset', code: undefined, problems: p.abortAfter === undefined ? [`no response: ${r.broken}`] : [] };
  }
  if (p.abortAfter !== undefined) return { outcome: 'reset', code: undefined, problems };
  const type = r.headers['content-type'] ?? '';
  let code: string | undefined;
  let proto = 'http';
  try {
    if (type.startsWith('application/grpc-web')) {
      proto = 'grpc-web';
      if (r.headers['grpc-status'] !== undefined) code = checkGrpcStatus(r.headers, problems);
      else {
        const envs = envelopes(r.body);
        const last = envs?.at(-1);
        if (envs === undefined || last === undefined || (last.flags & 0x80) === 0) problems.push('grpc-web body without a trailer frame');
        else code = checkGrpcStatus(trailerText(inflate(last.data, (last.flags & 1) === 1 ? r.headers['grpc-encoding'] : undefined)), problems);
      }
    } else if (type.startsWith('application/grpc')) {
      proto = 'grpc';
      if (r.status !== 200) problems.push(`gRPC reply with HTTP ${r.status}`);
      if (envelopes(r.body) === undefined) problems.push('gRPC body is not whole envelopes');
      code = checkGrpcStatus(r.headers['grpc-status'] !== undefined ? r.headers : r.trailers, problems);
    } else if (type.startsWith('application/connect+')) {
      proto = 'connect';
      const envs = envelopes(r.body);
      const last = envs?.at(-1);
      if (r.status !== 200) problems.push(`connect stream with HTTP ${r.status}`);
      if (envs === undefined || last === undefined || (last.flags & 0x02) === 0) problems.push('connect stream without end-stream message');
      else {
        const end = JSON.parse(inflate(last.data, (last.flags & 1) === 1 ? r.headers['connect-content-encoding'] : undefined).toString('utf8')) as { error?: unknown };
        code = end.error === undefined ? 'OK' : connectError(end.error, problems);
      }
    } else if (r.status === 200 && (type.startsWith('application/proto') || type.startsWith('application/json'))) {
      proto = 'connect';
      code = 'OK';
    } else if (type.startsWith('application/json')) {
      proto = 'connect';
      code = connectError(JSON.parse(inflate(r.body, r.headers['content-encoding']).toString('utf8')), problems);
    } else if (r.status === 505 && p.http === '1.1' && p.method.methodKind === 'bidi_streaming') {
      // Bidi streams need HTTP/2: connect-node answers 505 over HTTP/1.1.
    } else if (![404, 405, 414, 415, 431].includes(r.status) || r.body.length > 0) {
      problems.push(`unexpected reply: HTTP ${r.status} content-type "${type}" (${r.body.length} bytes)`);
    }
  } catch (e) {
    problems.push(`unparseable reply: ${(e as Error).message}`);
  }
  if (code !== undefined && SERVER_FAULT.has(code)) problems.push(`server fault code ${code} for client input`);
  if ((p.token === 'bad' || p.token === 'missing') && code === 'OK' && p.method.parent.typeName !== 'grpc.health.v1.Health') {
    problems.push('call succeeded without a valid token');
  }
  if (p.token === 'bad' || p.token === 'missing') {
    // A handler-level answer (e.g. NOT_FOUND from a lookup) past auth would be a leak too.
    const handlerCodes = ['NOT_FOUND', 'ABORTED', 'FAILED_PRECONDITION', 'OUT_OF_RANGE'];
    if (code !== undefined && handlerCodes.includes(code) && p.method.parent.typeName !== 'grpc.health.v1.Health') {
      problems.push(`unauthenticated call reached a handler (${code})`);
    }
  }
  return { outcome: `${proto}:${code ?? r.status}`, code, problems };
}
