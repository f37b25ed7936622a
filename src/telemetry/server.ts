import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

import { UserError } from '../domain/errors';
import type { Logger } from '../domain/logger';
import { silentLogger } from '../domain/logger';

/** Whether the daemon can do its job, and if not, why (e.g. "no model fitted yet"). */
export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

export interface TelemetryServerOptions {
  /** Address to bind, e.g. `0.0.0.0` or `127.0.0.1`. */
  readonly host: string;
  /** Port to bind; 0 picks a free one (the bound port is returned). */
  readonly port: number;
  readonly registry: Registry;
  /** Asked on every GET /readyz. */
  readonly ready: () => Readiness;
  /** Where scrape failures are reported. Default: silent. */
  readonly logger?: Logger;
}

export interface TelemetryServer {
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting connections, ends idle keep-alive ones, and resolves once the server is closed. */
  close(): Promise<void>;
}

/**
 * Serves the daemon's own endpoints over plain HTTP:
 * - `GET /metrics`: the registry in Prometheus text format;
 * - `GET /healthz`: 200 `ok` while the process is alive (liveness);
 * - `GET /readyz`: 200 when `ready()` says so, 503 with `{ready, reasons}` as JSON otherwise (readiness);
 * - anything else: 404 (405 for methods other than GET/HEAD on a known path).
 *
 * @throws {UserError} when the address cannot be bound (e.g. the port is in use).
 */
export async function startTelemetryServer(options: TelemetryServerOptions): Promise<TelemetryServer> {
  const logger = options.logger ?? silentLogger;
  const server = createServer((req, res) => {
    handle(req, res, options, logger).catch((err: unknown) => {
      logger.error('telemetry request failed', { path: req.url, err });
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  // Scrapers reuse connections; a short keep-alive stops idle sockets from delaying shutdown.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `${options.host}:${options.port}`;
      const hint =
        err.code === 'EADDRINUSE'
          ? ' (another process uses this port; set telemetry.metrics_port or METRICS_PORT to a free port, or 0 to disable the server)'
          : err.code === 'EACCES'
            ? ' (permission denied; use a port above 1023)'
            : '';
      reject(new UserError(`cannot start the telemetry server on ${where}: ${err.message}${hint}`));
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => logger.error('telemetry server error', { err }));

  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : options.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeIdleConnections();
      }),
  };
}

const KNOWN_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: TelemetryServerOptions,
  logger: Logger,
): Promise<void> {
  // Only the path matters; Prometheus may append query parameters.
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (!KNOWN_PATHS.has(path)) {
    send(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz or /readyz\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  switch (path) {
    case '/metrics': {
      const body = await options.registry.metrics();
      send(res, 200, options.registry.contentType, body);
      return;
    }
    case '/healthz':
      send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      return;
    default: {
      let state: Readiness;
      try {
        state = options.ready();
      } catch (err) {
        logger.warn('readiness check failed', { err });
        state = {
          ready: false,
          reasons: [`readiness check failed: ${err instanceof Error ? err.message : String(err)}`],
        };
      }
      const body = JSON.stringify({ ready: state.ready, reasons: state.reasons });
      send(res, state.ready ? 200 : 503, 'application/json; charset=utf-8', `${body}\n`);
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
