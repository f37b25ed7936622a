/**
 * A tiny HTTP server on 127.0.0.1 that answers like the Prometheus API, for unit tests of the client and
 * source. Each test decides the answer with a handler; `rangeEvaluator` emulates query_range over
 * generated series, including Prometheus' 11,000-points-per-series limit.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Labels } from '../../../../src/domain/series';

export interface StubRequest {
  readonly method: string;
  readonly path: string;
  readonly params: URLSearchParams;
}

export type StubReply =
  | { readonly status?: number; readonly body: string; readonly headers?: Record<string, string> }
  | { readonly hang: true };

export type StubHandler = (req: StubRequest) => StubReply;

export interface StubPrometheus {
  readonly url: string;
  readonly requests: StubRequest[];
  setHandler(handler: StubHandler): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the stub on a random port. */
export async function startStubPrometheus(handler: StubHandler): Promise<StubPrometheus> {
  let current = handler;
  const requests: StubRequest[] = [];
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const params = new URLSearchParams(url.search);
    const body = await readBody(req);
    for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
    const r: StubRequest = { method: req.method ?? 'GET', path: url.pathname, params };
    requests.push(r);
    const reply = current(r);
    if ('hang' in reply) return; // never answer: the client's timeout must fire
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.body);
  };
  const server = createServer((req, res) => {
    serve(req, res).catch((e: unknown) => {
      res.writeHead(599);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** Formats a value the way Prometheus does in the API. */
export function promValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** A 200 `{status: "success", data}` answer. */
export function success(data: unknown): StubReply {
  return { body: JSON.stringify({ status: 'success', data }) };
}

/** A Prometheus API error answer with the given HTTP status. */
export function failure(status: number, errorType: string, error: string): StubReply {
  return { status, body: JSON.stringify({ status: 'error', errorType, error }) };
}

/** A generated series: `value(tMs)` is its sample at an evaluation time, or undefined for "no data". */
export interface StubSeries {
  readonly metric: Labels;
  value(tMs: number): number | undefined;
}

/**
 * A handler evaluating query_range/query over `series()` at `start + k·step <= end`, rejecting ranges over
 * 11,000 points exactly as Prometheus does. `series` is called per request so tests can change the data.
 */
export function rangeEvaluator(series: () => readonly StubSeries[]): StubHandler {
  return (req) => {
    if (req.path === '/api/v1/query') {
      const t = Number(req.params.get('time')) * 1000;
      const result = series().flatMap((s) => {
        const v = s.value(t);
        return v === undefined ? [] : [{ metric: s.metric, value: [t / 1000, promValue(v)] }];
      });
      return success({ resultType: 'vector', result });
    }
    const start = Number(req.params.get('start')) * 1000;
    const end = Number(req.params.get('end')) * 1000;
    const step = Number(req.params.get('step')) * 1000;
    if ((end - start) / step > 11000) {
      return failure(
        400,
        'bad_data',
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      );
    }
    const result = series().flatMap((s) => {
      const values: [number, string][] = [];
      for (let t = start; t <= end; t += step) {
        const v = s.value(t);
        if (v !== undefined) values.push([t / 1000, promValue(v)]);
      }
      return values.length === 0 ? [] : [{ metric: s.metric, values }];
    });
    return success({ resultType: 'matrix', result });
  };
}

/** A sleep port that records the delays asked for and resolves at once. */
export function fakeSleep(): {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  delays: number[];
} {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}
