#!/usr/bin/env node
/**
 * flowdb sidecar entry point: `node server/src/main.ts [--flag=value ...]`.
 * Prints one line "flowdb listening on <addr>[,<addr>...]" to stdout once
 * serving. SIGTERM/SIGINT: graceful shutdown, exit 0 (1 if it fails).
 */
import { loadConfig, redacted, usage } from './config.ts';
import { createLogger } from './log.ts';
import { startServer } from './server.ts';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(usage() + '\n');
  process.exit(0);
}
let config;
try {
  config = loadConfig(argv, process.env);
} catch (e) {
  process.stderr.write(`flowdb: ${(e as Error).message}\n`);
  process.exit(2);
}
const log = createLogger(config.logLevel);
log.info('starting', { config: redacted(config) });
// Signal handlers go in before the server listens: a SIGTERM right after the "listening" line
// must drain, not kill the process (the default action).
let server: Awaited<ReturnType<typeof startServer>> | undefined;
let stopping = false;
const shutdown = (srv: NonNullable<typeof server>) => {
  const hard = setTimeout(() => {
    log.error('shutdown timed out; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs + 5000);
  hard.unref();
  srv.close().then(
    () => process.exit(0),
    (e: unknown) => {
      log.error('shutdown failed', { error: e });
      process.exit(1);
    },
  );
};
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info('signal', { signal });
  if (server !== undefined) shutdown(server); // else: once started
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
try {
  server = await startServer(config, { log });
} catch (e) {
  log.error('startup failed', { error: e });
  process.exit(1);
}
process.stdout.write(`flowdb listening on ${server.addresses.join(',')}\n`);
log.info('listening', { addresses: server.addresses, dataDir: config.dataDir });
if (stopping) shutdown(server);
process.on('uncaughtException', (e) => log.error('uncaught exception', { error: e, stack: e.stack }));
process.on('unhandledRejection', (e) => log.error('unhandled rejection', { error: e }));
