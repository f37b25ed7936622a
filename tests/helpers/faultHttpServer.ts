import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** How the fault server answers one request. */
export type FaultBehaviour =
  /** A plain status (204 accepts; 5xx/4xx reject), optional headers and body (JSON when an object). */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string | Readonly<Record<string, unknown>>;
    }
  /** Never answers (until the server stops); the client must time out. */
  | { readonly kind: 'hang' }
  /** Writes bytes that are not HTTP and closes the connection. */
  | { readonly kind: 'garbage' };

/** Shorthands for scripts. */
export const reply = {
  ok: (): FaultBehaviour => ({ kind: 'status', status: 204 }),
  status: (status: number, body?: string | Record<string, unknown>): FaultBehaviour =>
    body === undefined ? { kind: 'status', status } : { kind: 'status', status, body },
  /** 429 (or another status) with `Retry-After: value` (seconds or an HTTP-date). */
  retryAfter: (value: string, status = 429): FaultBehaviour => ({
    kind: 'status',
    status,
    headers: { 'retry-after': value },
    body: { code: 'too many requests', message: 'rate limited' },
  }),
  /** InfluxDB-style error body: `{"code": .., "message": ..}`. */
  influxError: (status: number, message: string): FaultBehaviour => ({
    kind: 'status',
    status,
    body: { code: status === 401 ? 'unauthorized' : status === 404 ? 'not found' : 'invalid', message },
  }),
  hang: (): FaultBehaviour => ({ kind: 'hang' }),
  garbage: (): FaultBehaviour => ({ kind: 'garbage' }),
};

/** One request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/api/v2/write?org=o&bucket=b&precision=ms`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Body lines (decompressed), empty lines removed. */
  readonly lines: readonly string[];
  /** The behaviour used to answer it. */
  readonly behaviour: FaultBehaviour;
}

/** A running fault server. */
export interface FaultServer {
  /** `http://127.0.0.1:PORT` (stable across stopListening/startListening). */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Lines of requests answered 2xx, in arrival order: what a real server would have stored. */
  readonly accepted: readonly string[];
  /** Queues behaviours for the next requests (FIFO); when the queue is empty, the default answers. */
  script(...behaviours: FaultBehaviour[]): void;
  /** Answer for requests not covered by the script (initially 204). */
  setDefault(behaviour: FaultBehaviour): void;
  /** Called synchronously when a request has been fully received (before it is answered). */
  onRequest(listener: ((req: RecordedRequest) => void) | undefined): void;
  /** Resolves once `n` requests in total have been received. */
  waitForRequests(n: number): Promise<void>;
  /** Stops listening (clients get ECONNREFUSED) and cuts open connections. */
  stopListening(): Promise<void>;
  /** Listens again on the same port. */
  startListening(): Promise<void>;
  /** Stops for good. */
  stop(): Promise<void>;
}

/** Options of {@link startFaultServer}. */
export interface FaultServerOptions {
  /** Port to listen on; 0 (default) asks the kernel for a free one. */
  readonly port?: number;
  /** Only requests whose path starts with this are scripted and recorded (default: all). */
  readonly pathPrefix?: string;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A programmable HTTP server on 127.0.0.1 for fault tests of HTTP clients (InfluxDB write API, and any
 * other JSON/text API): it records every request and its line-protocol lines, answers from a script
 * (status, Retry-After, JSON error bodies, hang, garbage) and can refuse connections and come back on
 * the same port.
 */
export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const requests: RecordedRequest[] = [];
  const accepted: string[] = [];
  const queue: FaultBehaviour[] = [];
  let fallback: FaultBehaviour = reply.ok();
  let listener: ((req: RecordedRequest) => void) | undefined;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const sockets = new Set<Socket>();
  const prefix = options.pathPrefix ?? '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    if (!(req.url ?? '').startsWith(prefix)) {
      res.writeHead(204).end();
      return;
    }
    const behaviour = queue.shift() ?? fallback;
    const rec: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: { ...req.headers },
      lines: body
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
      behaviour,
    };
    requests.push(rec);
    if (behaviour.kind === 'status' && behaviour.status >= 200 && behaviour.status < 300)
      accepted.push(...rec.lines);
    listener?.(rec);
    for (const w of waiters.splice(0)) {
      if (requests.length >= w.n) w.resolve();
      else waiters.push(w);
    }
    switch (behaviour.kind) {
      case 'hang':
        return; // the socket is destroyed by stopListening/stop
      case 'garbage':
        req.socket.end('\x00\x01garbage, not HTTP\r\n\r\n');
        req.socket.destroy();
        return;
      case 'status': {
        const headers: Record<string, string> = { ...(behaviour.headers ?? {}) };
        let text = '';
        if (typeof behaviour.body === 'string') {
          text = behaviour.body;
          headers['content-type'] ??= 'text/plain; charset=utf-8';
        } else if (behaviour.body !== undefined) {
          text = JSON.stringify(behaviour.body);
          headers['content-type'] ??= 'application/json; charset=utf-8';
        }
        res.writeHead(behaviour.status, headers).end(text);
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const addr = server.address();
        if (addr === null || typeof addr === 'string') reject(new Error('fault server: no port'));
        else resolve(addr.port);
      });
    });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
    });

  const port = await listen(options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    accepted,
    script: (...b) => void queue.push(...b),
    setDefault: (b) => {
      fallback = b;
    },
    onRequest: (l) => {
      listener = l;
    },
    waitForRequests: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    stopListening: close,
    startListening: async () => {
      await listen(port);
    },
    stop: close,
  };
}
