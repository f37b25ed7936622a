import { freePort } from '../../../helpers/ports';
import { PrometheusClient, type PrometheusClientOptions } from '../../../../src/sources/prometheus/client';
import { mergeChunks, planChunks } from '../../../../src/sources/prometheus/chunks';
import { PrometheusError } from '../../../../src/sources/prometheus/errors';
import {
  failure,
  fakeSleep,
  rangeEvaluator,
  startStubPrometheus,
  success,
  type StubPrometheus,
} from './stubPrometheus';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

let stub: StubPrometheus;
beforeEach(async () => {
  stub = await startStubPrometheus(() => ({ status: 500, body: 'no handler set' }));
});
afterEach(async () => {
  await stub.close();
});

function client(overrides: Partial<PrometheusClientOptions> = {}): {
  c: PrometheusClient;
  delays: number[];
} {
  const { sleep, delays } = fakeSleep();
  const c = new PrometheusClient({ url: stub.url, timeoutMs: 2000, retries: 3, sleep, ...overrides });
  return { c, delays };
}

async function failureOf(p: Promise<unknown>): Promise<PrometheusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PrometheusError) return e;
    throw e;
  }
  throw new Error('expected a PrometheusError, but the call succeeded');
}

const matrixOf = (values: [number, string][]) =>
  success({ resultType: 'matrix', result: [{ metric: { __name__: 'm', host: 'a' }, values }] });

describe('planChunks', () => {
  it('splits 14 days at 30 s (40,320 points) into 4 requests of at most 11,000 points', () => {
    const chunks = planChunks(T0 + 30_000, T0 + 14 * DAY_MS, 30_000, 11_000);
    expect(chunks).toHaveLength(4);
    const points = chunks.map((c) => (c.endMs - c.startMs) / 30_000 + 1);
    expect(points).toEqual([11_000, 11_000, 11_000, 7_320]);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].startMs).toBe(chunks[i - 1].endMs + 30_000);
    expect(chunks[3].endMs).toBe(T0 + 14 * DAY_MS);
  });

  it('keeps a range of exactly one point as one request', () => {
    expect(planChunks(T0, T0, 60_000, 11_000)).toEqual([{ startMs: T0, endMs: T0 }]);
  });

  it('rejects an inverted range', () => {
    expect(() => planChunks(T0, T0 - 1, 60_000, 11_000)).toThrow(/startMs <= endMs/);
  });
});

describe('mergeChunks', () => {
  it('keeps a boundary sample returned by two chunks once', () => {
    const a = { labels: { host: 'a' }, nonFinite: { nan: 0, posInf: 0, negInf: 0 } };
    const merged = mergeChunks([
      [{ ...a, samples: [1, 2, 3].map((t) => ({ timestampMs: t, value: t })) }],
      [{ ...a, samples: [3, 4].map((t) => ({ timestampMs: t, value: t })) }],
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0].samples.map((s) => s.timestampMs)).toEqual([1, 2, 3, 4]);
  });
});

describe('PrometheusClient.queryRange', () => {
  it('fetches 14 days at 30 s in 4 accepted requests, every point once, in order', async () => {
    const series = ['a', 'b'].map((host, i) => ({
      metric: { __name__: 'demo_cpu', host },
      value: (t: number) => i * 1000 + (t - T0) / 30_000,
    }));
    stub.setHandler(rangeEvaluator(() => series));
    const { c } = client();
    const start = T0 + 30_000;
    const end = T0 + 14 * DAY_MS;

    const result = await c.queryRange('demo_cpu', start, end, 30);

    expect(stub.requests).toHaveLength(4);
    expect(result.map((s) => s.labels)).toEqual([{ host: 'a' }, { host: 'b' }]);
    for (const [i, s] of result.entries()) {
      expect(s.samples).toHaveLength(40_320);
      expect(s.samples[0]).toEqual({ timestampMs: start, value: i * 1000 + 1 });
      expect(s.samples[40_319]).toEqual({ timestampMs: end, value: i * 1000 + 40_320 });
      // Consecutive, so neither duplicated nor missing at any chunk boundary.
      expect(s.samples.every((x, k) => x.timestampMs === start + k * 30_000)).toBe(true);
    }
  });

  it('posts the query form-encoded, under the path prefix of the base URL', async () => {
    stub.setHandler(() => matrixOf([]));
    const { sleep } = fakeSleep();
    const c = new PrometheusClient({ url: `${stub.url}/prom/`, timeoutMs: 2000, retries: 0, sleep });
    await c.queryRange('sum by (host) (rate(x{a="b"}[5m]))', T0, T0 + 60_000, 60);
    expect(stub.requests[0].method).toBe('POST');
    expect(stub.requests[0].path).toBe('/prom/api/v1/query_range');
    expect(Object.fromEntries(stub.requests[0].params)).toEqual({
      query: 'sum by (host) (rate(x{a="b"}[5m]))',
      start: String(T0 / 1000),
      end: String((T0 + 60_000) / 1000),
      step: '60',
    });
  });

  it('parses NaN, +Inf and -Inf as numbers and counts them', async () => {
    const t = T0 / 1000;
    stub.setHandler(() =>
      matrixOf([
        [t, '1.5'],
        [t + 60, 'NaN'],
        [t + 120, '+Inf'],
        [t + 180, '-Inf'],
        [t + 240, '-2e-3'],
        [t + 300, 'NaN'],
      ]),
    );
    const [s] = await client().c.queryRange('m', T0, T0 + 300_000, 60);
    expect(s.samples.map((x) => x.value)).toEqual([1.5, NaN, Infinity, -Infinity, -0.002, NaN]);
    expect(s.nonFinite).toEqual({ nan: 2, posInf: 1, negInf: 1 });
  });

  it('rejects a non-finite timestamp as a bad response', async () => {
    stub.setHandler(() => ({
      body: '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1e999,"1"]]}]}}',
    }));
    const e = await failureOf(client().c.queryRange('m', T0, T0, 60, { queryName: 'cpu' }));
    expect(e.kind).toBe('bad_response');
    expect(e.message).toMatch(/non-finite or non-numeric timestamp/);
  });

  it('rejects a value that is not a number', async () => {
    stub.setHandler(() => matrixOf([[T0 / 1000, '0x10']]));
    const e = await failureOf(client().c.queryRange('m', T0, T0, 60));
    expect(e.kind).toBe('bad_response');
    expect(e.message).toContain('unparsable value "0x10"');
  });

  it('reports a 400 bad_data as a bad query, quoting Prometheus, the query name, URL and PromQL, without retrying', async () => {
    stub.setHandler(() => failure(400, 'bad_data', '1:5: parse error: unexpected right parenthesis'));
    const { c, delays } = client();
    const e = await failureOf(c.queryRange('rate(x))', T0, T0, 60, { queryName: 'cpu' }));
    expect(e.kind).toBe('bad_query');
    expect(e.retryable).toBe(false);
    expect(stub.requests).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(e.message).toContain('query "cpu"');
    expect(e.message).toContain('parse error: unexpected right parenthesis');
    expect(e.message).toContain(`${stub.url}/api/v1/query_range`);
    expect(e.message).toContain('PromQL: rate(x))');
    expect(e.message).toContain('Fix the PromQL');
  });

  it('treats a 422 execution error as a bad query', async () => {
    stub.setHandler(() => failure(422, 'execution', 'query processing would load too many samples'));
    const e = await failureOf(client().c.queryRange('m', T0, T0, 60));
    expect(e.kind).toBe('bad_query');
    expect(e.errorType).toBe('execution');
  });

  it('honours status "error" even in a 200 answer', async () => {
    stub.setHandler(() => failure(200, 'bad_data', 'invalid parameter "query"'));
    const e = await failureOf(client().c.queryRange('m', T0, T0, 60));
    expect(e.kind).toBe('bad_query');
    expect(e.message).toContain('invalid parameter "query"');
  });

  it('retries a 503 with exponential backoff and succeeds', async () => {
    let calls = 0;
    stub.setHandler(() => {
      calls++;
      return calls <= 2 ? { status: 503, body: 'Service Unavailable' } : matrixOf([[T0 / 1000, '7']]);
    });
    const { c, delays } = client({ retryInitialMs: 500 });
    const [s] = await c.queryRange('m', T0, T0, 60);
    expect(s.samples).toEqual([{ timestampMs: T0, value: 7 }]);
    expect(stub.requests).toHaveLength(3);
    expect(delays).toEqual([500, 1000]);
  });

  it('gives up after `retries` retries with a retryable http error', async () => {
    stub.setHandler(() => ({ status: 502, body: 'Bad Gateway' }));
    const { c, delays } = client({ retries: 3, retryInitialMs: 500, retryMaxMs: 1500 });
    const e = await failureOf(c.queryRange('m', T0, T0, 60, { queryName: 'cpu' }));
    expect(e.kind).toBe('http');
    expect(e.httpStatus).toBe(502);
    expect(e.attempts).toBe(4);
    expect(e.message).toContain('after 4 attempts');
    expect(stub.requests).toHaveLength(4);
    expect(delays).toEqual([500, 1000, 1500]);
  });

  it('waits as long as Retry-After (seconds) asks, within the cap', async () => {
    let calls = 0;
    stub.setHandler(() =>
      ++calls === 1
        ? { status: 429, body: '', headers: { 'retry-after': '3' } }
        : matrixOf([[T0 / 1000, '1']]),
    );
    const { c, delays } = client({ retryMaxMs: 10_000 });
    await c.queryRange('m', T0, T0, 60);
    expect(delays).toEqual([3000]);
  });

  it('does not retry a 404 and points at the URL', async () => {
    stub.setHandler(() => ({ status: 404, body: '404 page not found' }));
    const e = await failureOf(client().c.queryRange('m', T0, T0, 60));
    expect(e.kind).toBe('http');
    expect(e.retryable).toBe(false);
    expect(stub.requests).toHaveLength(1);
    expect(e.message).toContain('check prometheus.url');
  });

  it('reports garbage as a bad response without retrying', async () => {
    stub.setHandler(() => ({ body: '<html><body>Please log in</body></html>' }));
    const e = await failureOf(client().c.queryRange('m', T0, T0, 60));
    expect(e.kind).toBe('bad_response');
    expect(e.message).toContain('not valid JSON');
    expect(e.message).toContain('Please log in');
    expect(stub.requests).toHaveLength(1);
  });

  it('reports truncated JSON as a bad response', async () => {
    stub.setHandler(() => ({
      body: '{"status":"success","data":{"resultType":"matrix","result":[{"metric":',
    }));
    const e = await failureOf(client().c.queryRange('m', T0, T0, 60));
    expect(e.kind).toBe('bad_response');
  });

  it('reports a wrong resultType as a bad response', async () => {
    stub.setHandler(() => success({ resultType: 'vector', result: [] }));
    const e = await failureOf(client().c.queryRange('m', T0, T0, 60));
    expect(e.kind).toBe('bad_response');
    expect(e.message).toContain('expected resultType "matrix", got "vector"');
  });

  it('reports a wrong shape (labels not strings) as a bad response', async () => {
    stub.setHandler(() => success({ resultType: 'matrix', result: [{ metric: { host: 1 }, values: [] }] }));
    const e = await failureOf(client().c.queryRange('m', T0, T0, 60));
    expect(e.kind).toBe('bad_response');
    expect(e.message).toContain('result[0].metric.host is not a string');
  });

  it('times out on a server that never answers, and retries', async () => {
    stub.setHandler(() => ({ hang: true }));
    const { c, delays } = client({ timeoutMs: 100, retries: 1 });
    const e = await failureOf(c.queryRange('m', T0, T0, 60, { queryName: 'cpu' }));
    expect(e.kind).toBe('timeout');
    expect(e.retryable).toBe(true);
    expect(stub.requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
    expect(e.message).toContain('prometheus.timeoutMs');
  });

  it('aborts a hanging request at once when its signal aborts (SIGTERM), and does not retry it', async () => {
    const controller = new AbortController();
    // The abort comes while the request hangs on the server (timeout 60 s, 3 retries: minutes otherwise).
    stub.setHandler(() => {
      controller.abort();
      return { hang: true };
    });
    const { c, delays } = client({ timeoutMs: 60_000, retries: 3, signal: controller.signal });
    const started = Date.now();
    const e = await failureOf(c.queryRange('m', T0, T0, 60, { queryName: 'cpu' }));
    expect(e.kind).toBe('aborted');
    expect(e.retryable).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(stub.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('cuts the wait between retries short when the signal aborts, and sends nothing more', async () => {
    const controller = new AbortController();
    stub.setHandler(() => ({ status: 503, body: 'down' }));
    const waits: number[] = [];
    // A sleep that only ends on abort: without the signal the call would never return.
    const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
      new Promise((resolve) => {
        waits.push(ms);
        signal?.addEventListener('abort', () => resolve(), { once: true });
        controller.abort();
      });
    const c = new PrometheusClient({
      url: stub.url,
      timeoutMs: 2000,
      retries: 3,
      sleep,
      signal: controller.signal,
    });
    const e = await failureOf(c.queryRange('m', T0, T0, 60));
    expect(e.kind).toBe('aborted');
    expect(waits).toEqual([500]);
    expect(stub.requests).toHaveLength(1);
    // Once aborted, no request is even sent.
    await expect(c.query('m', T0)).rejects.toMatchObject({ kind: 'aborted' });
    expect(stub.requests).toHaveLength(1);
  });

  it('reports connection refused as unreachable after retrying', async () => {
    const port = await freePort();
    const { sleep, delays } = fakeSleep();
    const c = new PrometheusClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000, retries: 2, sleep });
    const e = await failureOf(c.queryRange('m', T0, T0, 60, { queryName: 'cpu' }));
    expect(e.kind).toBe('unreachable');
    expect(e.message).toContain('ECONNREFUSED');
    expect(e.message).toContain(`http://127.0.0.1:${port}/api/v1/query_range`);
    expect(delays).toEqual([500, 1000]);
  });

  it('drops __name__ when one metric is returned and keeps it when several are', async () => {
    const values = [[T0 / 1000, '1']];
    stub.setHandler(() =>
      success({
        resultType: 'matrix',
        result: [
          { metric: { __name__: 'a', host: 'x' }, values },
          { metric: { __name__: 'b', host: 'x' }, values },
        ],
      }),
    );
    const several = await client().c.queryRange('{__name__=~"a|b"}', T0, T0, 60);
    expect(several.map((s) => s.labels)).toEqual([
      { __name__: 'a', host: 'x' },
      { __name__: 'b', host: 'x' },
    ]);
    stub.setHandler(() =>
      success({ resultType: 'matrix', result: [{ metric: { __name__: 'a', host: 'x' }, values }] }),
    );
    const one = await client().c.queryRange('a', T0, T0, 60);
    expect(one.map((s) => s.labels)).toEqual([{ host: 'x' }]);
    const kept = await client().c.queryRange('a', T0, T0, 60, { metricName: 'keep' });
    expect(kept.map((s) => s.labels)).toEqual([{ __name__: 'a', host: 'x' }]);
  });
});

describe('PrometheusClient.query', () => {
  it('returns one sample per series of an instant vector', async () => {
    stub.setHandler(() =>
      success({
        resultType: 'vector',
        result: [{ metric: { __name__: 'up', job: 'node' }, value: [T0 / 1000, '1'] }],
      }),
    );
    const result = await client().c.query('up', T0);
    expect(stub.requests[0].path).toBe('/api/v1/query');
    expect(stub.requests[0].params.get('time')).toBe(String(T0 / 1000));
    expect(result).toEqual([
      {
        labels: { job: 'node' },
        samples: [{ timestampMs: T0, value: 1 }],
        nonFinite: { nan: 0, posInf: 0, negInf: 0 },
      },
    ]);
  });

  it('returns a scalar as one unlabelled series', async () => {
    stub.setHandler(() => success({ resultType: 'scalar', result: [T0 / 1000, '+Inf'] }));
    const [s] = await client().c.query('1/0', T0);
    expect(s.labels).toEqual({});
    expect(s.samples).toEqual([{ timestampMs: T0, value: Infinity }]);
    expect(s.nonFinite.posInf).toBe(1);
  });

  it('explains that a range selector cannot be an instant query', async () => {
    stub.setHandler(() => success({ resultType: 'matrix', result: [] }));
    const e = await failureOf(client().c.query('up[5m]', T0, { queryName: 'up' }));
    expect(e.kind).toBe('bad_query');
    expect(e.message).toContain('Remove the [range] selector');
  });
});
