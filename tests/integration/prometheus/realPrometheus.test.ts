import type { QueryConfig } from '../../../src/config/types';
import { canonicalSeriesId } from '../../../src/domain/series';
import { PrometheusClient } from '../../../src/sources/prometheus/client';
import { PrometheusSource } from '../../../src/sources/prometheus/source';
import type { SeriesData } from '../../../src/sources/prometheus/types';
import { describeWithBinaries } from '../../helpers/integration';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheusServer';
import {
  seasonalOpenMetrics,
  seasonalValue,
  startSeasonalExporter,
  type SeasonalExporter,
} from '../../helpers/seasonalExporter';
import { collect } from '../../helpers/collect';
import { mergeChunks } from '../../../src/sources/prometheus/chunks';

const MIN = 60_000;
const DAY_MS = 86_400_000;
const BACKFILL_DAYS = 14;

jest.setTimeout(180_000);

describeWithBinaries(['prometheus', 'promtool'])('PrometheusSource against a real Prometheus', () => {
  let exporter: SeasonalExporter;
  let prom: PrometheusServer | undefined;
  let source: PrometheusSource;
  /** Backfilled samples lie on the minute grid in [backfillStartMs, backfillEndMs]. */
  let backfillStartMs: number;
  let backfillEndMs: number;

  beforeAll(async () => {
    exporter = await startSeasonalExporter({ hosts: ['a', 'b'] });
    const startMinuteMs = Math.floor(Date.now() / MIN) * MIN;
    backfillEndMs = startMinuteMs - 2 * MIN;
    backfillStartMs = backfillEndMs - BACKFILL_DAYS * DAY_MS;
    prom = await startPrometheus({
      scrapeTargets: [exporter.address],
      backfill: {
        openMetricsText: seasonalOpenMetrics({
          startMs: backfillStartMs,
          endMs: backfillEndMs,
          stepMs: MIN,
          // What Prometheus attaches to the scraped exporter, so history and live samples are one series.
          extraLabels: { job: 'seasonal', instance: exporter.address },
        }),
      },
    });
    source = makeSource([{ name: 'cpu', promql: 'demo_cpu', stepSeconds: 60 }]);
  });

  function makeSource(queries: readonly QueryConfig[]): PrometheusSource {
    if (prom === undefined) throw new Error('prometheus did not start');
    return new PrometheusSource({
      client: new PrometheusClient({ url: prom.url, timeoutMs: 20_000, retries: 2 }),
      queries,
      defaultStepSeconds: 60,
    });
  }

  afterAll(async () => {
    await prom?.stop();
    await exporter?.close();
  });

  const byHost = (list: SeriesData[], host: string): SeriesData => {
    const s = list.find((x) => x.labels.host === host);
    if (s === undefined)
      throw new Error(`no series for host ${host} in ${JSON.stringify(list.map((x) => x.labels))}`);
    return s;
  };

  it('returns the backfilled 14 days of both series with the exact values at known timestamps', async () => {
    const nowMs = Date.now();
    // Streamed in time chunks (sized for 2 series); merged back here to compare whole series.
    const chunks = await collect<SeriesData[]>((on) =>
      source.history('cpu', BACKFILL_DAYS * DAY_MS, nowMs, on, 2),
    );
    expect(chunks.length).toBeGreaterThan(1);
    const history = mergeChunks(chunks);
    const windowStartMs = Math.floor(nowMs / MIN) * MIN - BACKFILL_DAYS * DAY_MS + MIN;
    const firstBackfilled = Math.max(windowStartMs, backfillStartMs);
    const expectedCount = (backfillEndMs - firstBackfilled) / MIN + 1;
    expect(expectedCount).toBeGreaterThan(BACKFILL_DAYS * 1440 - 5);

    for (const host of ['a', 'b']) {
      const s = byHost(history, host);
      const backfilled = s.samples.filter((x) => x.timestampMs <= backfillEndMs);
      expect(backfilled).toHaveLength(expectedCount);
      expect(backfilled[0].timestampMs).toBe(firstBackfilled);
      for (const x of backfilled) expect(x.value).toBe(seasonalValue(host, x.timestampMs));
      expect(s.nonFinite).toEqual({ nan: 0, posInf: 0, negInf: 0 });
    }
    // The two hosts are different series with different levels.
    expect(byHost(history, 'a').samples[0].value).not.toBe(byHost(history, 'b').samples[0].value);
  });

  it('discovers both series with canonical labels (job and instance, no __name__)', async () => {
    const [cpu] = await source.poll(Date.now());
    const ids = cpu.seriesList.map((s) => canonicalSeriesId('cpu', s.labels)).sort();
    expect(ids).toEqual([
      `cpu{host="a",instance="${exporter.address}",job="seasonal"}`,
      `cpu{host="b",instance="${exporter.address}",job="seasonal"}`,
    ]);
  });

  it('polls the live scraped samples, each once, including an injected anomaly', async () => {
    // A fresh source, so its first poll is the query's first (latest step only).
    const live = makeSource([{ name: 'cpu_live', promql: 'demo_cpu', stepSeconds: 1 }]);
    await exporter.waitForScrapes(2);
    const first = (await live.poll(Date.now())).find((p) => p.query === 'cpu_live');
    expect(first?.error).toBeUndefined();
    const firstA = byHost(first?.seriesList ?? [], 'a');
    expect(firstA.samples).toHaveLength(1);
    const cursorMs = firstA.samples[0].timestampMs;
    expect(cursorMs).toBeGreaterThan(backfillEndMs);

    exporter.injectAnomaly({ host: 'b', offset: 100 });
    await exporter.waitForScrapes(3);
    const second = (await live.poll(Date.now())).find((p) => p.query === 'cpu_live');
    for (const host of ['a', 'b']) {
      const samples = byHost(second?.seriesList ?? [], host).samples;
      expect(samples.length).toBeGreaterThanOrEqual(2);
      expect(samples[0].timestampMs).toBe(cursorMs + 1000);
      for (let i = 1; i < samples.length; i++) {
        expect(samples[i].timestampMs).toBe(samples[i - 1].timestampMs + 1000);
      }
    }
    // Host a follows the seasonal curve (a sample is at most ~1 s older than its evaluation time).
    for (const x of byHost(second?.seriesList ?? [], 'a').samples) {
      expect(Math.abs(x.value - seasonalValue('a', x.timestampMs))).toBeLessThan(0.05);
    }
    const lastB = byHost(second?.seriesList ?? [], 'b').samples.at(-1);
    expect(lastB).toBeDefined();
    expect((lastB?.value ?? 0) - seasonalValue('b', lastB?.timestampMs ?? 0)).toBeCloseTo(100, 1);
  });

  it('checks the queries against the real server', async () => {
    const checked = makeSource([
      { name: 'cpu', promql: 'demo_cpu' },
      { name: 'broken', promql: 'rate(demo_cpu[1m]' },
    ]);
    const [cpu, broken] = await checked.checkQueries();
    expect(cpu).toEqual({ query: 'cpu', ok: true, seriesCount: 2 });
    expect(broken).toMatchObject({ query: 'broken', ok: false, errorKind: 'bad_query' });
    expect(broken.error).toContain('parse error');
  });
});
