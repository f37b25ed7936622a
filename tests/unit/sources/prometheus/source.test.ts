import type { QueryConfig } from '../../../../src/config/types';
import type { Logger } from '../../../../src/domain/logger';
import { PrometheusClient } from '../../../../src/sources/prometheus/client';
import { PrometheusError } from '../../../../src/sources/prometheus/errors';
import { PrometheusSource, type QueryPoll } from '../../../../src/sources/prometheus/source';
import type { SeriesData } from '../../../../src/sources/prometheus/types';
import { mergeChunks } from '../../../../src/sources/prometheus/chunks';
import { collect } from '../../../helpers/collect';
import {
  failure,
  fakeSleep,
  rangeEvaluator,
  startStubPrometheus,
  type StubPrometheus,
  type StubSeries,
} from './stubPrometheus';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const DAY_MS = 86_400_000;

let stub: StubPrometheus;
/** Samples exist at every evaluation time up to this instant (emulates what Prometheus has ingested). */
let dataUntilMs: number;

const hostSeries = (host: string, offset: number): StubSeries => ({
  metric: { __name__: 'demo_cpu', host, job: 'node' },
  value: (t) => (t <= dataUntilMs ? offset + (t - T0) / MIN : undefined),
});
const series = [hostSeries('a', 0), hostSeries('b', 1000)];

beforeEach(async () => {
  dataUntilMs = Infinity;
  const evaluate = rangeEvaluator(() => series);
  stub = await startStubPrometheus((req) =>
    req.params.get('query') === 'bad('
      ? failure(400, 'bad_data', '1:5: parse error: unclosed left parenthesis')
      : evaluate(req),
  );
});
afterEach(async () => {
  await stub.close();
});

function makeSource(
  queries: readonly QueryConfig[] = [{ name: 'cpu', promql: 'demo_cpu' }],
  extra: { maxCatchUpMs?: number; logger?: Logger; nowMs?: number } = {},
): PrometheusSource {
  const client = new PrometheusClient({
    url: stub.url,
    timeoutMs: 2000,
    retries: 0,
    sleep: fakeSleep().sleep,
  });
  return new PrometheusSource({
    client,
    queries,
    defaultStepSeconds: 60,
    clock: { nowMs: () => extra.nowMs ?? T0 },
    ...(extra.maxCatchUpMs === undefined ? {} : { maxCatchUpMs: extra.maxCatchUpMs }),
    ...(extra.logger === undefined ? {} : { logger: extra.logger }),
  });
}

/** Timestamps (relative to T0, in minutes) per host of one query's poll result. */
function minutesByHost(polls: QueryPoll[], query = 'cpu'): Record<string, number[]> {
  const p = polls.find((x) => x.query === query);
  if (p === undefined) throw new Error(`no poll result for ${query}`);
  return Object.fromEntries(
    p.seriesList.map((s: SeriesData) => [s.labels.host, s.samples.map((x) => (x.timestampMs - T0) / MIN)]),
  );
}

describe('PrometheusSource.poll', () => {
  it('reads only the latest step on the first poll of a query', async () => {
    const source = makeSource();
    const polls = await source.poll(T0 + 30_000);
    expect(minutesByHost(polls)).toEqual({ a: [0], b: [0] });
    expect(stub.requests[0].params.get('start')).toBe(stub.requests[0].params.get('end'));
    expect(polls[0].seriesList[0].labels).toEqual({ host: 'a', job: 'node' });
    expect(source.cursorOf('cpu')).toBe(T0);
  });

  it('reads every sample since the last one after a late cycle, and none twice', async () => {
    const source = makeSource();
    const seen: number[] = [];
    for (const nowMs of [T0 + 30_000, T0 + 90_000, T0 + 90_000 + 3.5 * MIN, T0 + 6 * MIN + 1]) {
      seen.push(...minutesByHost(await source.poll(nowMs)).a);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // The late cycle asked for exactly the missed span, from one step after the cursor.
    expect(Number(stub.requests[2].params.get('start')) * 1000).toBe(T0 + 2 * MIN);
    expect(Number(stub.requests[2].params.get('end')) * 1000).toBe(T0 + 5 * MIN);
  });

  it('sends no request when no new step has completed', async () => {
    const source = makeSource();
    await source.poll(T0 + 1000);
    const polls = await source.poll(T0 + 59_000);
    expect(polls).toEqual([{ query: 'cpu', seriesList: [] }]);
    expect(stub.requests).toHaveLength(1);
  });

  it('re-reads from the last sample seen when Prometheus had not ingested up to now', async () => {
    const source = makeSource();
    await source.poll(T0);
    dataUntilMs = T0 + MIN; // the 2- and 3-minute points are not there yet
    expect(minutesByHost(await source.poll(T0 + 3 * MIN))).toEqual({ a: [1], b: [1] });
    dataUntilMs = Infinity;
    expect(minutesByHost(await source.poll(T0 + 4 * MIN))).toEqual({ a: [2, 3, 4], b: [2, 3, 4] });
  });

  it('throws when Prometheus is down, keeps the cursor, and catches up once it is back', async () => {
    const source = makeSource();
    await source.poll(T0);
    const evaluate = rangeEvaluator(() => series);
    stub.setHandler(() => ({ status: 503, body: 'down' }));
    await expect(source.poll(T0 + 2 * MIN)).rejects.toMatchObject({ kind: 'http', httpStatus: 503 });
    expect(source.cursorOf('cpu')).toBe(T0);
    stub.setHandler(evaluate);
    expect(minutesByHost(await source.poll(T0 + 3 * MIN))).toEqual({ a: [1, 2, 3], b: [1, 2, 3] });
  });

  it('reports a broken query on its own and still returns the others', async () => {
    const source = makeSource([
      { name: 'cpu', promql: 'demo_cpu' },
      { name: 'broken', promql: 'bad(' },
    ]);
    const polls = await source.poll(T0);
    expect(minutesByHost(polls, 'cpu')).toEqual({ a: [0], b: [0] });
    const broken = polls.find((p) => p.query === 'broken');
    expect(broken?.seriesList).toEqual([]);
    expect(broken?.error).toBeInstanceOf(PrometheusError);
    expect(broken?.error?.kind).toBe('bad_query');
    expect(broken?.error?.message).toContain('query "broken"');
    expect(source.cursorOf('broken')).toBeUndefined();
  });

  it('uses the query step when set, aligned to it', async () => {
    const source = makeSource([{ name: 'cpu5', promql: 'demo_cpu', stepSeconds: 300 }]);
    await source.poll(T0 + 7 * MIN);
    expect(stub.requests[0].params.get('step')).toBe('300');
    expect(Number(stub.requests[0].params.get('end')) * 1000).toBe(T0 + 5 * MIN);
  });

  it('skips (and logs) unread samples older than maxCatchUpMs after a very long stall', async () => {
    const warnings: string[] = [];
    const logger: Logger = {
      error: () => undefined,
      warn: (m) => void warnings.push(m),
      info: () => undefined,
      debug: () => undefined,
    };
    const source = makeSource(undefined, { maxCatchUpMs: 5 * MIN, logger });
    await source.poll(T0);
    expect(minutesByHost(await source.poll(T0 + 60 * MIN)).a).toEqual([56, 57, 58, 59, 60]);
    expect(warnings).toContain('Prometheus poll is too far behind; skipping the oldest unread samples');
  });

  it('keeps __name__ for good once a query has returned several metric names', async () => {
    const other: StubSeries = { metric: { __name__: 'demo_mem', host: 'a', job: 'node' }, value: () => 5 };
    let withOther = true;
    const evaluate = rangeEvaluator(() => (withOther ? [...series, other] : series));
    stub.setHandler(evaluate);
    const source = makeSource();
    const first = await source.poll(T0);
    expect(first[0].seriesList.map((s) => s.labels.__name__)).toEqual(['demo_cpu', 'demo_cpu', 'demo_mem']);
    withOther = false;
    const second = await source.poll(T0 + MIN);
    expect(second[0].seriesList.map((s) => s.labels.__name__)).toEqual(['demo_cpu', 'demo_cpu']);
  });
});

describe('PrometheusSource.history', () => {
  it('streams the 14-day window at 30 s for every series in 4 chunks, without moving the cursor', async () => {
    const source = makeSource([{ name: 'cpu', promql: 'demo_cpu', stepSeconds: 30 }]);
    const nowMs = T0 + 14 * DAY_MS + 10_000;
    const chunks = await collect<SeriesData[]>((on) => source.history('cpu', 14 * DAY_MS, nowMs, on, 2));
    expect(stub.requests).toHaveLength(4);
    expect(chunks).toHaveLength(4);
    // Handed over oldest first, each chunk with both series.
    for (const c of chunks) expect(c.map((s) => s.labels.host)).toEqual(['a', 'b']);
    expect(chunks[1][0].samples[0].timestampMs).toBeGreaterThan(
      chunks[0][0].samples.at(-1)?.timestampMs ?? 0,
    );
    const history = mergeChunks(chunks);
    expect(history.map((s) => s.labels.host)).toEqual(['a', 'b']);
    for (const s of history) {
      expect(s.samples).toHaveLength(40_320);
      expect(s.samples[0].timestampMs).toBe(T0 + 30_000);
      expect(s.samples[s.samples.length - 1].timestampMs).toBe(T0 + 14 * DAY_MS);
      expect(new Set(s.samples.map((x) => x.timestampMs)).size).toBe(40_320);
    }
    expect(history[1].samples[0].value).toBe(1000.5);
    expect(source.cursorOf('cpu')).toBeUndefined();
  });

  it('sizes chunks by the expected series count, so no answer holds more than ~250,000 samples', async () => {
    const source = makeSource([{ name: 'cpu', promql: 'demo_cpu', stepSeconds: 30 }]);
    const nowMs = T0 + 14 * DAY_MS + 10_000;
    let samples = 0;
    // 100 series: 2,500 points per request, so 40,320 points take 17 requests.
    await source.history('cpu', 14 * DAY_MS, nowMs, (c) => (samples += c[0].samples.length), 100);
    expect(stub.requests).toHaveLength(17);
    expect(samples).toBe(40_320);
  });

  it('rejects an unknown query name', async () => {
    await expect(makeSource().history('nope', DAY_MS, T0, () => undefined)).rejects.toThrow(
      'unknown prometheus query "nope"',
    );
  });
});

describe('PrometheusSource.checkQueries', () => {
  it('runs each query once at the clock time and reports series counts and errors', async () => {
    const source = makeSource(
      [
        { name: 'cpu', promql: 'demo_cpu' },
        { name: 'broken', promql: 'bad(' },
      ],
      { nowMs: T0 + 5 * MIN },
    );
    const checks = await source.checkQueries();
    expect(checks[0]).toEqual({ query: 'cpu', ok: true, seriesCount: 2 });
    expect(checks[1]).toMatchObject({ query: 'broken', ok: false, seriesCount: 0, errorKind: 'bad_query' });
    expect(checks[1].error).toContain('unclosed left parenthesis');
    expect(stub.requests.map((r) => r.params.get('time'))).toEqual([
      String((T0 + 5 * MIN) / 1000),
      String((T0 + 5 * MIN) / 1000),
    ]);
  });

  it('reports an unreachable Prometheus per query instead of throwing', async () => {
    const source = makeSource();
    await stub.close();
    const checks = await source.checkQueries();
    expect(checks).toEqual([expect.objectContaining({ query: 'cpu', ok: false, errorKind: 'unreachable' })]);
    stub = await startStubPrometheus(() => ({ body: '' })); // so afterEach has something to close
  });
});
