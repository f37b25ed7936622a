import { Registry } from 'prom-client';

import { METRIC } from '../../../src/telemetry/metricNames';
import type { MonitorMetrics } from '../../../src/pipeline/ports';
import type { SinkStats } from '../../../src/sinks/types';
import { createMetrics, monitorMetrics } from '../../../src/telemetry/metrics';

/** `name{labels} value` lines of the scrape, without comments. */
async function samples(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

/** The value of one exact sample line prefix, e.g. `anomalyd_series` or `anomalyd_x{a="b"}`. */
async function valueOf(registry: Registry, series: string): Promise<number | undefined> {
  const line = (await samples(registry)).find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Names declared with `# TYPE` in the scrape. */
async function declaredNames(registry: Registry): Promise<string[]> {
  return (await registry.metrics())
    .split('\n')
    .filter((l) => l.startsWith('# TYPE '))
    .map((l) => l.split(' ')[2] ?? '');
}

describe('createMetrics', () => {
  it('registers every metric of metricNames.ts except the opt-in per-series ones, and nothing else of its own', async () => {
    const registry = new Registry();
    createMetrics(registry);
    const names = await declaredNames(registry);
    const own = Object.values(METRIC).filter((n) => n !== METRIC.forecast && n !== METRIC.anomalyScore);
    expect(own.filter((n) => !names.includes(n))).toEqual([]);
    expect(names).not.toContain(METRIC.forecast);
    expect(names).not.toContain(METRIC.anomalyScore);
    // Anything else must be a default process metric under the same prefix.
    const extra = names.filter((n) => !own.includes(n as (typeof own)[number]));
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.filter((n) => !/^anomalyd_(process|nodejs)_/.test(n))).toEqual([]);
  });

  it('uses its own registry, never the global one', async () => {
    const { register } = await import('prom-client');
    const before = (await register.getMetricsAsJSON()).length;
    createMetrics(new Registry());
    expect((await register.getMetricsAsJSON()).length).toBe(before);
    // Two instances can coexist because they do not share a registry.
    expect(() => createMetrics(new Registry())).not.toThrow();
  });

  it('counts anomalies by lower-case severity, with every severity present from the start', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, { defaultMetrics: false });
    expect(await valueOf(registry, `${METRIC.anomaliesTotal}{severity="critical"}`)).toBe(0);
    m.anomaliesTotal.inc('HIGH');
    m.anomaliesTotal.inc('HIGH', 2);
    expect(await valueOf(registry, `${METRIC.anomaliesTotal}{severity="high"}`)).toBe(3);
    expect(await valueOf(registry, `${METRIC.anomaliesTotal}{severity="low"}`)).toBe(0);
  });

  it('counts sink points by result, zero-initialised for every result', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, { defaultMetrics: false });
    m.sinkPointsTotal.inc('written', 5000);
    m.sinkPointsTotal.inc('spooled', 7);
    const values = await Promise.all(
      ['written', 'retried', 'spooled', 'dead_letter', 'dropped'].map((r) =>
        valueOf(registry, `${METRIC.sinkPointsTotal}{result="${r}"}`),
      ),
    );
    expect(values).toEqual([5000, 0, 7, 0, 0]);
  });

  it('sets the active source mode to 1 and the other to 0', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, { defaultMetrics: false });
    m.sourceMode.set('prometheus');
    m.sourceMode.set('simulator');
    expect(await valueOf(registry, `${METRIC.sourceMode}{mode="simulator"}`)).toBe(1);
    expect(await valueOf(registry, `${METRIC.sourceMode}{mode="prometheus"}`)).toBe(0);
  });

  it('records histograms in seconds and plain counters and gauges', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, { defaultMetrics: false });
    m.cycleDurationSeconds.observe(0.2);
    m.cycleDurationSeconds.observe(3);
    m.modelFitSeconds.observe(0.004);
    m.pointsProcessedTotal.inc(12);
    m.prometheusErrorsTotal.inc('timeout');
    m.seriesDroppedTotal.inc();
    m.lastCycleTimestampSeconds.set(1_767_225_600);
    m.intervalSeconds.set(30);
    expect(await valueOf(registry, `${METRIC.cycleDurationSeconds}_count`)).toBe(2);
    expect(await valueOf(registry, `${METRIC.cycleDurationSeconds}_sum`)).toBeCloseTo(3.2);
    expect(await valueOf(registry, `${METRIC.cycleDurationSeconds}_bucket{le="0.25"}`)).toBe(1);
    expect(await valueOf(registry, `${METRIC.modelFitSeconds}_bucket{le="0.005"}`)).toBe(1);
    expect(await valueOf(registry, METRIC.pointsProcessedTotal)).toBe(12);
    expect(await valueOf(registry, `${METRIC.prometheusErrorsTotal}{kind="timeout"}`)).toBe(1);
    expect(await valueOf(registry, METRIC.seriesDroppedTotal)).toBe(1);
    expect(await valueOf(registry, METRIC.lastCycleTimestampSeconds)).toBe(1_767_225_600);
    expect(await valueOf(registry, METRIC.intervalSeconds)).toBe(30);
  });

  it('reads state gauges at scrape time from the registered readers', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, { defaultMetrics: false });
    let tracked = 3;
    m.readStateFrom({
      series: () => tracked,
      episodesOpen: () => 1,
      sinkBufferPoints: () => 250,
      spoolBytes: () => 4096,
    });
    expect(await valueOf(registry, METRIC.series)).toBe(3);
    tracked = 8;
    expect(await valueOf(registry, METRIC.series)).toBe(8);
    expect(await valueOf(registry, METRIC.episodesOpen)).toBe(1);
    expect(await valueOf(registry, METRIC.sinkBufferPoints)).toBe(250);
    expect(await valueOf(registry, METRIC.spoolBytes)).toBe(4096);
  });

  it('keeps the last value when a state reader throws instead of failing the scrape', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, { defaultMetrics: false });
    m.series.set(5);
    m.readStateFrom({
      series: () => {
        throw new Error('not ready');
      },
    });
    expect(await valueOf(registry, METRIC.series)).toBe(5);
  });

  it('follows the sink totals at scrape time, counting each point once', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, { defaultMetrics: false });
    let stats: SinkStats = {
      points: { written: 100, retried: 5, spooled: 0, dead_letter: 0, dropped: 0 },
      bufferPoints: 40,
      spoolBytes: 0,
      healthy: true,
    };
    m.readStateFrom({ sink: () => stats });
    expect(await valueOf(registry, `${METRIC.sinkPointsTotal}{result="written"}`)).toBe(100);
    stats = {
      ...stats,
      points: { ...stats.points, written: 150, spooled: 20 },
      bufferPoints: 0,
      spoolBytes: 2048,
    };
    expect(await valueOf(registry, `${METRIC.sinkPointsTotal}{result="written"}`)).toBe(150);
    expect(await valueOf(registry, `${METRIC.sinkPointsTotal}{result="spooled"}`)).toBe(20);
    expect(await valueOf(registry, `${METRIC.sinkPointsTotal}{result="retried"}`)).toBe(5);
    expect(await valueOf(registry, METRIC.sinkBufferPoints)).toBe(0);
    expect(await valueOf(registry, METRIC.spoolBytes)).toBe(2048);
  });

  it('adapts to the monitor loop port', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, { defaultMetrics: false, perSeriesGauges: true });
    // Compile-time check that the adapter fits pipeline/ports.ts.
    const port: MonitorMetrics = monitorMetrics(m);
    port.cycleCompleted(0.5, 1_767_225_600_000);
    port.anomalies('CRITICAL', 2);
    port.anomalies('NONE', 7);
    port.seriesCount(4);
    port.openEpisodes(1);
    port.sourceMode('simulator');
    port.seriesValues('s', { yhat: 1, lower: 0, upper: 2, score: 0.1 });
    port.seriesRemoved('s');
    expect(await valueOf(registry, `${METRIC.cycleDurationSeconds}_count`)).toBe(1);
    expect(await valueOf(registry, METRIC.lastCycleTimestampSeconds)).toBe(1_767_225_600);
    expect(await valueOf(registry, `${METRIC.anomaliesTotal}{severity="critical"}`)).toBe(2);
    expect(await registry.metrics()).not.toContain('severity="none"');
    expect(await valueOf(registry, METRIC.series)).toBe(4);
    expect(await valueOf(registry, METRIC.episodesOpen)).toBe(1);
    expect(await valueOf(registry, `${METRIC.sourceMode}{mode="simulator"}`)).toBe(1);
    expect(await valueOf(registry, `${METRIC.anomalyScore}{series="s"}`)).toBeUndefined();
  });

  describe('per-series gauges', () => {
    const snapshot = { yhat: 50, lower: 40, upper: 60, score: 0.5 };

    it('are not registered, and ignore updates, unless enabled', async () => {
      const registry = new Registry();
      const m = createMetrics(registry, { defaultMetrics: false });
      m.perSeries.set('cpu{instance="a"}', snapshot);
      expect(m.perSeries.enabled).toBe(false);
      expect(await registry.metrics()).not.toContain(METRIC.forecast);
    });

    it('export the bounds and score of each series when enabled', async () => {
      const registry = new Registry();
      const m = createMetrics(registry, { defaultMetrics: false, perSeriesGauges: true });
      m.perSeries.set('cpu{instance="a"}', snapshot);
      const id = 'cpu{instance=\\"a\\"}'; // label values are escaped in the text format
      expect(await valueOf(registry, `${METRIC.forecast}{series="${id}",bound="yhat"}`)).toBe(50);
      expect(await valueOf(registry, `${METRIC.forecast}{series="${id}",bound="lower"}`)).toBe(40);
      expect(await valueOf(registry, `${METRIC.forecast}{series="${id}",bound="upper"}`)).toBe(60);
      expect(await valueOf(registry, `${METRIC.anomalyScore}{series="${id}"}`)).toBe(0.5);
      expect(await declaredNames(registry)).toEqual(
        expect.arrayContaining([METRIC.forecast, METRIC.anomalyScore]),
      );
    });

    it('stop exporting removed and expired series', async () => {
      const registry = new Registry();
      const m = createMetrics(registry, { defaultMetrics: false, perSeriesGauges: true });
      for (const id of ['a', 'b', 'c']) m.perSeries.set(id, snapshot);
      m.perSeries.remove('a');
      m.perSeries.retain(['c']);
      const lines = (await samples(registry)).filter(
        (l) => l.startsWith('anomalyd_forecast') || l.startsWith('anomalyd_anomaly_score'),
      );
      expect(lines).toHaveLength(4);
      expect(lines.every((l) => l.includes('series="c"'))).toBe(true);
    });
  });
});
