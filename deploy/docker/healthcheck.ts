/**
 * Container HEALTHCHECK probe (bundled to /app/healthcheck.mjs; the image has no shell or curl).
 * GETs /readyz over HTTP/1.1 on the server's first listen address (FLOWDB_LISTEN; 0.0.0.0/:: are
 * probed on loopback; unix:/path via the socket; https when FLOWDB_TLS_CERT is set).
 * FLOWDB_HEALTHCHECK_URL overrides. Exit 0 when ready (200), 1 otherwise. 2 s timeout.
 */
import * as http from 'node:http';
import * as https from 'node:https';

function target(env: NodeJS.ProcessEnv): { url: URL; socketPath?: string } {
  if (env['FLOWDB_HEALTHCHECK_URL']) return { url: new URL(env['FLOWDB_HEALTHCHECK_URL']) };
  const scheme = env['FLOWDB_TLS_CERT'] ? 'https' : 'http';
  const listen = (env['FLOWDB_LISTEN'] ?? '127.0.0.1:50051').split(',').map((s) => s.trim()).filter(Boolean);
  const tcp = listen.find((a) => !a.startsWith('unix:'));
  if (tcp === undefined) {
    const sock = listen[0]?.slice('unix:'.length) ?? '';
    return { url: new URL(`${scheme}://localhost/readyz`), socketPath: sock };
  }
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(tcp);
  if (!m) throw new Error(`bad FLOWDB_LISTEN entry "${tcp}"`);
  let host = m[1] ?? m[2] ?? '';
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return { url: new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${m[3]}/readyz`) };
}

const { url, socketPath } = target(process.env);
const mod = url.protocol === 'https:' ? https : http;
const headers: http.OutgoingHttpHeaders = {};
const req = mod.request(
  url,
  { method: 'GET', timeout: 2000, headers, rejectUnauthorized: false, ...(socketPath ? { socketPath } : {}) },
  (res) => {
    res.resume();
    res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1));
  },
);
req.on('timeout', () => {
  process.stderr.write('healthcheck: timeout\n');
  req.destroy();
  process.exit(1);
});
req.on('error', (e) => {
  process.stderr.write(`healthcheck: ${e.message}\n`);
  process.exit(1);
});
req.end();
