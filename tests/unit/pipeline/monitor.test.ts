import { DEFAULT_CONFIG } from '../../../src/config/defaults';
import type { AppConfig } from '../../../src/config/types';
import type { Logger } from '../../../src/domain/logger';
import { Monitor } from '../../../src/pipeline/monitor';
import { noopMetrics, type Sleeper } from '../../../src/pipeline/ports';
import { MemorySink, MeanForecaster, ScriptedSource, ThresholdDetector, batch } from './fakes';

const STEP = 30_000;
const T0 = Date.UTC(2026, 0, 5);

function setup(overrides: Partial<AppConfig['prometheus']> = {}, model: Partial<AppConfig['model']> = {}) {
  const config: AppConfig = {
    ...DEFAULT_CONFIG,
    intervalSeconds: 30,
    prometheus: {
      ...DEFAULT_CONFIG.prometheus,
      queries: [{ name: 'cpu', promql: 'cpu' }],
      maxSeries: 3,
      seriesExpiryMs: 10 * 60_000,
      ...overrides,
    },
    model: { ...DEFAULT_CONFIG.model, retrainIntervalMs: 3600_000, maxFitsPerCycle: 50, ...model },
  };
  let now = T0;
  const clock = { nowMs: () => now };
  const source = new ScriptedSource();
  const sink = new MemorySink();
  const forecaster = new MeanForecaster();
  const logs: Array<[string, string, Record<string, unknown> | undefined]> = [];
  const logger: Logger = {
    error: (m, x) => logs.push(['error', m, x]),
    warn: (m, x) => logs.push(['warn', m, x]),
    info: (m, x) => logs.push(['info', m, x]),
    debug: () => undefined,
  };
  const dropped: number[] = [];
  const sleeper: Sleeper = { sleep: () => Promise.resolve() };
  // A fake stopwatch: time passes only when a test says a fit (or a backfill) costs some.
  let watchMs = 0;
  const cost = { fitMs: 0 };
  const monitor = new Monitor({
    config,
    source,
    sink,
    forecaster: {
      kind: forecaster.kind,
      fit: (input) => {
        watchMs += cost.fitMs;
        return forecaster.fit(input);
      },
    },
    createDetector: (id) => new ThresholdDetector(id),
    clock,
    stopwatch: () => watchMs,
    sleeper,
    logger,
    metrics: { ...noopMetrics, seriesDropped: (n) => dropped.push(n) },
  });
  return {
    monitor,
    source,
    sink,
    forecaster,
    logs,
    dropped,
    advance: (ms: number) => (now += ms),
    now: () => now,
    cost,
    spend: (ms: number) => (watchMs += ms),
  };
}

describe('Monitor cycle', () => {
  it('backfills a new series from history, fits it, and scores its first live samples', async () => {
    const s = setup();
    const history = batch('cpu', { host: 'a' }, T0 - 100 * STEP, STEP, new Array<number>(100).fill(10));
    s.source.histories.set('cpu', [history]);
    s.source.next = [batch('cpu', { host: 'a' }, T0, STEP, [10.2])];
    const summary = await s.monitor.runCycle();
    expect(summary).toMatchObject({ series: 1, newSeries: 1, points: 1, fits: 1, anomalies: 0 });
    expect(s.source.historyCalls).toEqual([
      { query: 'cpu', windowMs: DEFAULT_CONFIG.prometheus.trainingWindowMs, nowMs: T0, expectedSeries: 1 },
    ]);
    // The first fit screens the backfill (model.screen_history); its replay marks nothing here, so the
    // screening model is the one used: one fit.
    expect(s.forecaster.fits).toEqual([100]);
    expect(s.sink.records).toHaveLength(1);
    expect(s.sink.records[0]).toMatchObject({
      seriesId: 'cpu{host="a"}',
      query: 'cpu',
      source: 'prometheus',
      actual: 10.2,
      forecast: { yhat: 10, lower: 9, upper: 11 },
      anomaly: { isAnomaly: false, episodeId: '' },
    });
  });

  it('does not load history samples that the live poll also returned', async () => {
    const s = setup();
    // History overlaps the live sample at T0: the overlapping point must not be counted twice.
    s.source.histories.set('cpu', [batch('cpu', { host: 'a' }, T0 - 4 * STEP, STEP, [1, 1, 1, 1, 99])]);
    s.source.next = [batch('cpu', { host: 'a' }, T0, STEP, [1])];
    await s.monitor.runCycle();
    expect(s.forecaster.fits).toEqual([4]);
  });

  it('backfills from a regular-grid history without loading points the live poll also returned', async () => {
    const s = setup();
    const values = Float32Array.from({ length: 10 }, () => 4);
    s.source.histories.set('cpu', [
      {
        query: 'cpu',
        labels: { host: 'a' },
        samples: [],
        grid: { startMs: T0 - 8 * STEP, stepMs: STEP, values },
      },
    ]);
    s.source.next = [batch('cpu', { host: 'a' }, T0, STEP, [4])];
    await s.monitor.runCycle();
    // Grid points at T0-8..T0-1 steps are history; T0 and T0+1 step are the live poll's (or later).
    expect(s.forecaster.fits).toEqual([8]);
    expect(s.sink.records[0].forecast).toMatchObject({ yhat: 4 });
  });

  it('writes actual-only points while a series has no history to fit on, then fits next cycle', async () => {
    const s = setup();
    s.source.next = [batch('cpu', { host: 'a' }, T0, STEP, [5])];
    const first = await s.monitor.runCycle();
    expect(first.fits).toBe(0);
    expect(s.sink.records[0].forecast).toBeUndefined();
    s.advance(STEP);
    s.source.next = [batch('cpu', { host: 'a' }, T0 + STEP, STEP, [5])];
    const second = await s.monitor.runCycle();
    expect(second.fits).toBe(1);
    expect(s.sink.records[1].forecast).toBeDefined();
  });

  it('caps the number of series, counts the excess and logs each refused series once', async () => {
    const s = setup({ maxSeries: 2 });
    const hosts = ['a', 'b', 'c', 'd'];
    s.source.next = hosts.map((h) => batch('cpu', { host: h }, T0, STEP, [1]));
    const summary = await s.monitor.runCycle();
    expect(summary.series).toBe(2);
    expect(s.dropped).toEqual([2]);
    s.advance(STEP);
    s.source.next = hosts.map((h) => batch('cpu', { host: h }, T0 + STEP, STEP, [1]));
    await s.monitor.runCycle();
    const warnings = s.logs.filter(([lvl, m]) => lvl === 'warn' && m.startsWith('series cap reached'));
    expect(warnings.map(([, , meta]) => meta?.series)).toEqual(['cpu{host="c"}', 'cpu{host="d"}']);
    expect(s.dropped).toEqual([2]);
  });

  it('expires series that stop reporting', async () => {
    const s = setup();
    s.source.next = [batch('cpu', { host: 'a' }, T0, STEP, [1]), batch('cpu', { host: 'b' }, T0, STEP, [1])];
    await s.monitor.runCycle();
    s.advance(11 * 60_000);
    s.source.next = [batch('cpu', { host: 'a' }, s.now(), STEP, [1])];
    const summary = await s.monitor.runCycle();
    expect(summary.series).toBe(1);
    expect(
      s.logs.some(([, m, meta]) => m.startsWith('series expired') && meta?.series === 'cpu{host="b"}'),
    ).toBe(true);
  });

  it('bounds the fits per cycle: first models for every series, then screening, then refits', async () => {
    const s = setup({ maxSeries: 10 }, { maxFitsPerCycle: 2 });
    // Host a's history holds an incident (a 12 among 10s) that screening finds; b's and c's hold none.
    const history = (h: string) => {
      const values = new Array<number>(100).fill(10);
      if (h === 'a') values[50] = 12;
      return batch('cpu', { host: h }, T0 - 100 * STEP, STEP, values);
    };
    const hosts = ['a', 'b', 'c'];
    s.source.histories.set('cpu', hosts.map(history));
    const cycle = async () => {
      s.source.next = hosts.map((h) => batch('cpu', { host: h }, s.now(), STEP, [10]));
      const summary = await s.monitor.runCycle();
      s.advance(STEP);
      return summary;
    };
    // Plain first fits (the whole backfill) for two series; c waits, without forecasts.
    expect(await cycle()).toMatchObject({ fits: 2, pendingFits: 1, pendingScreenings: 2 });
    expect(s.forecaster.fits).toEqual([100, 100]);
    expect(s.monitor.modelsReady).toBe(false);
    // c's first model before any screening; then a's screening marks its incident and refits without it.
    expect(await cycle()).toMatchObject({ fits: 2, pendingFits: 0, pendingScreenings: 2 });
    expect(s.forecaster.fits).toEqual([100, 100, 101, 100]);
    expect(s.monitor.modelsReady).toBe(true);
    // b's and c's screenings mark nothing: they keep their models (two passes of the budget, no fit).
    expect(await cycle()).toMatchObject({ fits: 0, pendingFits: 0, pendingScreenings: 0 });
    expect(await cycle()).toMatchObject({ fits: 0, pendingFits: 0, pendingScreenings: 0 });
    expect(s.forecaster.fits).toEqual([100, 100, 101, 100]);
  });

  it('starts the fit time budget after the backfill, so a slow first backfill still fits many series', async () => {
    // One fit per series (no screening), so each costs the 1 s below.
    const s = setup({ maxSeries: 100 }, { maxFitsPerCycle: 50, screenHistory: false });
    const hosts = Array.from({ length: 30 }, (_, i) => `h${i}`);
    s.source.histories.set(
      'cpu',
      hosts.map((h) => batch('cpu', { host: h }, T0 - 10 * STEP, STEP, new Array<number>(10).fill(1))),
    );
    // The backfill takes 40 s of the 30 s interval; each fit 1 s; the budget is half the interval (15 s).
    s.source.onHistory = () => s.spend(40_000);
    s.cost.fitMs = 1_000;
    s.source.next = hosts.map((h) => batch('cpu', { host: h }, T0, STEP, [1]));
    const first = await s.monitor.runCycle();
    expect(first.series).toBe(30);
    // Fits run while at most 15 s have passed since the backfill ended: 16 (the 16th starts at 15 s).
    expect(first).toMatchObject({ fits: 16, pendingFits: 14 });
    s.advance(STEP);
    s.source.next = hosts.map((h) => batch('cpu', { host: h }, s.now(), STEP, [1]));
    expect(await s.monitor.runCycle()).toMatchObject({ fits: 14, pendingFits: 0 });
    expect(s.monitor.modelsReady).toBe(true);
  });

  it('reports a new episode to the sink and logs it at WARN with series, score and severity', async () => {
    const s = setup();
    s.source.histories.set('cpu', [
      batch('cpu', { host: 'a' }, T0 - 10 * STEP, STEP, new Array<number>(10).fill(1)),
    ]);
    s.source.next = [batch('cpu', { host: 'a' }, T0, STEP, [1, 9, 1])];
    const summary = await s.monitor.runCycle();
    expect(summary).toMatchObject({ anomalies: 1, episodesOpened: 1 });
    expect(s.sink.events.map((e) => e.kind)).toEqual(['opened', 'closed']);
    const warn = s.logs.find(([lvl, m]) => lvl === 'warn' && m === 'anomaly episode opened');
    expect(warn?.[2]).toMatchObject({ series: 'cpu{host="a"}', score: 8, severity: 'HIGH' });
    expect(s.sink.records[1].anomaly).toMatchObject({
      isAnomaly: true,
      episodeId: `cpu{host="a"}:${T0 + STEP}`,
    });
  });

  it('skips NaN samples without writing or scoring them', async () => {
    const s = setup();
    s.source.next = [batch('cpu', { host: 'a' }, T0, STEP, [NaN, Infinity, 3])];
    const summary = await s.monitor.runCycle();
    expect(summary.points).toBe(1);
    expect(s.sink.records.map((r) => r.actual)).toEqual([3]);
  });

  it('survives a failed poll: logs it, counts the cycle as failed, and keeps its series', async () => {
    const s = setup();
    s.source.next = [batch('cpu', { host: 'a' }, T0, STEP, [1])];
    await s.monitor.runCycle();
    s.source.fail = new Error('connect ECONNREFUSED');
    const summary = await s.monitor.runCycle();
    expect(summary.error).toBe('connect ECONNREFUSED');
    expect(summary.series).toBe(1);
    expect(s.monitor.summary.failedCycles).toBe(1);
  });

  it('runs cycles until aborted', async () => {
    const s = setup();
    const controller = new AbortController();
    let cycles = 0;
    const original = s.monitor.runCycle.bind(s.monitor);
    s.monitor.runCycle = async () => {
      cycles++;
      if (cycles === 3) controller.abort();
      return original();
    };
    const totals = await s.monitor.run(controller.signal);
    expect(cycles).toBe(3);
    expect(totals.cycles).toBe(3);
  });
});
