/** Builds one fuzz request (protocol, headers, body bytes) from a seed. */
import { toBinary, toJsonString, type DescMethod } from '@bufbuild/protobuf';
import type { Rng } from './rng.ts';
import { randomMessage, type Limits } from './values.ts';

export type Protocol = 'grpc' | 'grpc-web' | 'connect';
export type TokenCase = 'good' | 'bad' | 'missing' | 'none';

export interface Plan {
  index: number;
  method: DescMethod;
  protocol: Protocol;
  http: '1.1' | '2';
  httpMethod: 'POST' | 'GET';
  path: string;
  headers: { [k: string]: string };
  body: Uint8Array;
  /** Reset the request after this many body bytes (then no status is expected). */
  abortAfter?: number;
  token: TokenCase;
  /** What was done to the request, for the failure report. */
  notes: string[];
}

const enc = new TextEncoder();

export function envelope(flags: number, data: Uint8Array, declared = data.length): Uint8Array {
  const b = new Uint8Array(5 + data.length);
  b[0] = flags;
  new DataView(b.buffer).setUint32(1, declared >>> 0);
  b.set(data, 5);
  return b;
}

/** Byte-level damage to a serialized message. */
function mutateBinary(rng: Rng, b: Uint8Array, notes: string[]): Uint8Array {
  switch (rng.int(9)) {
    case 0:
      notes.push('random bytes');
      return rng.bytes(rng.int(64));
    case 1: {
      const at = rng.int(b.length + 1);
      notes.push(`truncated at ${at}`);
      return b.subarray(0, at);
    }
    case 2: {
      const c = Uint8Array.from(b);
      for (let k = rng.int(4) + 1; k > 0 && c.length > 0; k--) c[rng.int(c.length)] ^= 1 << rng.int(8);
      notes.push('bit flips');
      return c;
    }
    case 3:
      notes.push('junk appended');
      return Buffer.concat([b, rng.bytes(rng.int(16) + 1)]);
    case 4: {
      // A length-delimited field (1..15) holding invalid UTF-8.
      const field = rng.int(15) + 1;
      notes.push(`invalid utf-8 in field ${field}`);
      return Buffer.concat([b, Uint8Array.of((field << 3) | 2, 4, 0xff, 0xfe, 0xc0, 0x80)]);
    }
    case 5: {
      const field = rng.int(15) + 1;
      notes.push(`wrong wire type for field ${field}`);
      return Buffer.concat([b, Uint8Array.of((field << 3) | rng.pick([0, 1, 5]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)]);
    }
    case 6:
      notes.push('length past end');
      return Buffer.concat([b, Uint8Array.of((1 << 3) | 2, 0xff, 0xff, 0x03, 1, 2)]);
    case 7:
      notes.push('group wire type');
      return Buffer.concat([b, Uint8Array.of((2 << 3) | 3)]);
    default:
      notes.push('huge unknown field');
      return Buffer.concat([b, Uint8Array.of(0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01)]);
  }
}

function mutateJson(rng: Rng, s: string, notes: string[]): Uint8Array {
  switch (rng.int(6)) {
    case 0: notes.push('json truncated'); return enc.encode(s.slice(0, rng.int(s.length + 1)));
    case 1: notes.push('json wrong types'); return enc.encode('{"key":12,"limit":"many","reverse":"yes","ts":[1]}');
    case 2: notes.push('json invalid utf-8'); return Buffer.concat([enc.encode('{"key":"'), Uint8Array.of(0xff, 0xfe), enc.encode('"}')]);
    case 3: notes.push('json not an object'); return enc.encode(rng.pick(['[]', 'null', '1', '"x"', '']));
    case 4: notes.push('json bad base64'); return enc.encode('{"key":"!!!not base64***","value":"%%"}');
    default: notes.push('json unknown field'); return enc.encode('{"noSuchField":1,"__proto__":{"x":1}}');
  }
}

function requestBytes(rng: Rng, method: DescMethod, lim: Limits, json: boolean, notes: string[]): Uint8Array {
  const msg = randomMessage(rng, method.input, lim);
  if (json) {
    let s: string;
    try {
      s = toJsonString(method.input, msg);
    } catch {
      s = '{';
      notes.push('json unserializable message');
    }
    return rng.chance(0.3) ? mutateJson(rng, s, notes) : enc.encode(s);
  }
  const b = toBinary(method.input, msg);
  return rng.chance(0.45) ? mutateBinary(rng, b, notes) : b;
}

/** Envelope-level damage (gRPC, gRPC-Web, Connect streaming). */
function envelopes(rng: Rng, msgs: Uint8Array[], readMax: number, notes: string[]): Uint8Array {
  if (rng.chance(0.75)) return Buffer.concat(msgs.map((m) => envelope(0, m)));
  const m = msgs[0] ?? new Uint8Array();
  switch (rng.int(8)) {
    case 0: notes.push('compressed flag, no encoding'); return envelope(1, m);
    case 1: notes.push('declared length 2^32-1'); return envelope(0, m, 0xffffffff);
    case 2: notes.push(`declared length readMax+1`); return envelope(0, m, readMax + 1);
    case 3: notes.push('declared longer than sent'); return envelope(0, m, m.length + 10);
    case 4: notes.push('header only'); return envelope(0, m).subarray(0, rng.int(5));
    case 5: notes.push('no message'); return new Uint8Array();
    case 6: notes.push('flag 0x80/0x02 in request'); return envelope(rng.pick([0x80, 0x02, 0x7e]), m);
    default: notes.push('two messages'); return Buffer.concat([envelope(0, m), envelope(0, m)]);
  }
}

export function makePlan(rng: Rng, index: number, methods: readonly DescMethod[], lim: Limits & { readMax: number }, withToken: boolean): Plan {
  const method = rng.pick(methods);
  const notes: string[] = [];
  const protocol = rng.pick<Protocol>(['grpc', 'grpc', 'grpc-web', 'connect', 'connect']);
  const streaming = method.methodKind !== 'unary';
  const clientStream = method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming';
  // gRPC needs HTTP/2; Connect/gRPC-Web go over both (client streams only over HTTP/2 half-duplex here too).
  const http = protocol === 'grpc' ? '2' : rng.chance(0.5) ? '2' : '1.1';
  const json = protocol !== 'grpc' && rng.chance(0.3);
  const headers: { [k: string]: string } = {};
  let body: Uint8Array;
  let httpMethod: 'POST' | 'GET' = 'POST';
  let path = `/${method.parent.typeName}/${method.name}`;
  const count = clientStream ? rng.int(4) + 1 : 1;
  const msgs: Uint8Array[] = [];
  for (let k = 0; k < count; k++) msgs.push(requestBytes(rng, method, lim, json, notes));
  const deadlineMs = streaming ? 300 : 5000;
  if (protocol === 'grpc' || protocol === 'grpc-web') {
    headers['content-type'] = protocol === 'grpc' ? (json ? 'application/grpc+json' : rng.pick(['application/grpc', 'application/grpc+proto'])) : json ? 'application/grpc-web+json' : 'application/grpc-web+proto';
    if (protocol === 'grpc') headers['te'] = 'trailers';
    headers['grpc-timeout'] = `${deadlineMs}m`;
    body = envelopes(rng, msgs, lim.readMax, notes);
  } else if (streaming) {
    headers['content-type'] = json ? 'application/connect+json' : 'application/connect+proto';
    headers['connect-protocol-version'] = '1';
    headers['connect-timeout-ms'] = String(deadlineMs);
    body = envelopes(rng, msgs, lim.readMax, notes);
  } else {
    headers['content-type'] = json ? 'application/json' : 'application/proto';
    headers['connect-protocol-version'] = '1';
    headers['connect-timeout-ms'] = String(deadlineMs);
    body = msgs[0] as Uint8Array;
    if (rng.chance(0.05)) {
      httpMethod = 'GET';
      path += `?encoding=${json ? 'json' : 'proto'}&base64=1&connect=v1&message=${Buffer.from(body).toString('base64url')}`;
      body = new Uint8Array();
      notes.push('Connect GET');
    }
  }
  // Header-level damage.
  if (rng.chance(0.12)) {
    const what = rng.int(9);
    if (what === 0) { delete headers['content-type']; notes.push('no content-type'); }
    else if (what === 1) { headers['content-type'] = rng.pick(['text/plain', 'application/xml', 'application/grpc+bogus', 'application/json; charset=latin1', 'application/grpc-web-text']); notes.push(`content-type ${headers['content-type']}`); }
    else if (what === 2) { headers['grpc-timeout'] = rng.pick(['abc', '99999999999H', '-1m', '']); headers['connect-timeout-ms'] = rng.pick(['abc', '-5', '1e99']); notes.push('bad timeout'); }
    else if (what === 3) { headers['grpc-encoding'] = rng.pick(['zstd', 'nonsense', 'gzip']); headers['connect-content-encoding'] = headers['grpc-encoding']; notes.push(`encoding ${headers['grpc-encoding']}`); }
    else if (what === 4) { delete headers['connect-protocol-version']; headers['connect-protocol-version'] = rng.pick(['2', '']); notes.push('bad connect version'); }
    else if (what === 5) { httpMethod = rng.pick(['GET', 'POST']); path = rng.pick([`/${method.parent.typeName}/NoSuch`, '/no.Such/Method', `/${method.parent.typeName}/${method.name}/x`, '/../../etc/passwd']); notes.push(`path ${path}`); }
    else if (what === 6) { headers['content-encoding'] = 'gzip'; notes.push('content-encoding gzip, plain body'); }
    else if (what === 7) { headers['x-huge'] = 'x'.repeat(8000); notes.push('large header'); }
    else { headers['grpc-accept-encoding'] = 'gzip'; headers['accept-encoding'] = 'gzip, br'; notes.push('accept compressed response'); }
  }
  let token: TokenCase = 'none';
  if (withToken) {
    token = rng.pick<TokenCase>(['good', 'good', 'bad', 'missing']);
    if (token === 'good') headers['authorization'] = 'Bearer fuzz-secret-token';
    else if (token === 'bad') headers['authorization'] = rng.pick(['Bearer wrong', 'Bearer fuzz-secret-toke', 'bearer fuzz-secret-token', 'Basic Zm9v', '']);
  }
  const plan: Plan = { index, method, protocol, http, httpMethod, path, headers, body, token, notes };
  if (rng.chance(0.04) && body.length > 1) {
    plan.abortAfter = rng.int(body.length);
    notes.push(`reset after ${plan.abortAfter} bytes`);
  }
  return plan;
}
