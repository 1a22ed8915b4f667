/** @flowdb/server: the flowdb sidecar as a library (main.ts is the CLI). */
export { startServer, routes, createReflector, API_SERVICES, type RunningServer } from './server.ts';
export { loadConfig, usage, type Config } from './config.ts';
export { Deps } from './deps.ts';
export { HealthState } from './health.ts';
export { ENGINE_ERRORS, ERROR_DOMAIN, rpcError, toConnectError } from './errors.ts';
export { createLogger, silentLogger, type Logger } from './log.ts';
