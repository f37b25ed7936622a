import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { Severity } from '../domain/anomaly';
import type { SourceMode } from '../config/types';
import type { SinkResult, SinkStats } from '../sinks/types';
import { METRIC } from './metricNames';

/** The source actually polled (the `auto` setting resolves to one of these at any moment). */
export type ActiveSourceMode = Exclude<SourceMode, 'auto'>;

/** Severities that count as anomalies. */
export type AnomalySeverity = Exclude<Severity, 'NONE'>;

export const ACTIVE_SOURCE_MODES: readonly ActiveSourceMode[] = ['prometheus', 'simulator'];
const ANOMALY_SEVERITIES: readonly AnomalySeverity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const SINK_RESULTS: readonly SinkResult[] = ['written', 'retried', 'spooled', 'dead_letter', 'dropped'];

/** A counter without labels. */
export interface CounterHandle {
  inc(value?: number): void;
}

/** A counter with one label whose values are known at compile time. */
export interface KeyedCounterHandle<K extends string> {
  inc(key: K, value?: number): void;
}

export interface GaugeHandle {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}

export interface HistogramHandle {
  /** Records one observation in the histogram's unit (seconds for every histogram here). */
  observe(value: number): void;
}

/** `anomalyd_source_mode{mode}`: 1 for the mode being polled, 0 for the others. */
export interface SourceModeHandle {
  set(mode: ActiveSourceMode): void;
}

/** The forecast and score of one series at its latest point. */
export interface SeriesSnapshot {
  readonly yhat: number;
  readonly lower: number;
  readonly upper: number;
  readonly score: number;
}

/**
 * `anomalyd_forecast{series,bound}` and `anomalyd_anomaly_score{series}`. When per-series gauges are
 * disabled these calls do nothing, so callers need not check `enabled`.
 */
export interface PerSeriesHandle {
  readonly enabled: boolean;
  set(seriesId: string, snapshot: SeriesSnapshot): void;
  /** Forgets an expired series so it stops being exported. */
  remove(seriesId: string): void;
  /** Forgets every exported series not in `activeIds`. */
  retain(activeIds: Iterable<string>): void;
}

/**
 * Readers for state gauges, evaluated at scrape time (in `collect()`), so the pipeline need not push
 * values that only matter when someone looks.
 */
export interface StateReaders {
  readonly series?: () => number;
  readonly episodesOpen?: () => number;
  readonly sinkBufferPoints?: () => number;
  readonly spoolBytes?: () => number;
  /**
   * The sink's cumulative stats: feeds sinkPointsTotal (by the growth of each total since the last
   * scrape), and sinkBufferPoints and spoolBytes unless their own readers are given.
   */
  readonly sink?: () => SinkStats;
}

/** Typed handles for every metric in metricNames.ts. */
export interface Metrics {
  readonly registry: Registry;
  /** Seconds one monitor cycle took (poll, score, write). */
  readonly cycleDurationSeconds: HistogramHandle;
  /** Tracked series. */
  readonly series: GaugeHandle;
  readonly sourceMode: SourceModeHandle;
  readonly pointsProcessedTotal: CounterHandle;
  /** Anomalous points by severity (label values in lower case). */
  readonly anomaliesTotal: KeyedCounterHandle<AnomalySeverity>;
  readonly episodesOpen: GaugeHandle;
  /** Points by sink outcome. */
  readonly sinkPointsTotal: KeyedCounterHandle<SinkResult>;
  readonly sinkBufferPoints: GaugeHandle;
  readonly spoolBytes: GaugeHandle;
  readonly modelFitSeconds: HistogramHandle;
  /** Failed Prometheus requests by kind, e.g. `timeout`, `connection`, `http_5xx`, `bad_query`. */
  readonly prometheusErrorsTotal: KeyedCounterHandle<string>;
  /** Series ignored because `prometheus.max_series` was reached. */
  readonly seriesDroppedTotal: CounterHandle;
  /** Unix time in seconds at which the last cycle ended. */
  readonly lastCycleTimestampSeconds: GaugeHandle;
  /** The configured monitor interval. */
  readonly intervalSeconds: GaugeHandle;
  readonly perSeries: PerSeriesHandle;
  /** Makes the state gauges read their values at scrape time (replacing earlier readers). */
  readStateFrom(readers: StateReaders): void;
}

export interface MetricsOptions {
  /** Register the per-series gauges (telemetry.per_series_gauges). Default false. */
  readonly perSeriesGauges?: boolean;
  /** Also collect Node's process metrics, prefixed `anomalyd_`. Default true. */
  readonly defaultMetrics?: boolean;
}

/** Prefix of the default process metrics, e.g. `anomalyd_process_cpu_seconds_total`. */
export const DEFAULT_METRICS_PREFIX = 'anomalyd_';

// Cycles should take well under the 30 s interval; the top buckets show when they do not.
const CYCLE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
// The seasonal model fits in milliseconds; prophet and mstl can take seconds.
const FIT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Registers the daemon's metrics on `registry` (never prom-client's global registry, so tests and
 * several daemons in one process stay apart) and returns typed handles.
 */
export function createMetrics(registry: Registry = new Registry(), options: MetricsOptions = {}): Metrics {
  const registers = [registry];
  let readers: StateReaders = {};

  // A failing reader must not fail the whole scrape; the gauge keeps its last value instead.
  const stateGauge = (
    name: string,
    help: string,
    read: (r: StateReaders) => (() => number) | undefined,
  ): Gauge =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const fn = read(readers);
        if (fn === undefined) return;
        try {
          this.set(fn());
        } catch {
          // Keep the previous value; the owner of the state logs its own failures.
        }
      },
    });

  const cycle = new Histogram({
    name: METRIC.cycleDurationSeconds,
    help: 'Duration of one monitor cycle (poll, score, write) in seconds.',
    buckets: CYCLE_BUCKETS,
    registers,
  });
  const series = stateGauge(METRIC.series, 'Number of tracked series.', (r) => r.series);
  const sourceMode = new Gauge({
    name: METRIC.sourceMode,
    help: 'The source being polled: 1 for the active mode, 0 for the others.',
    labelNames: ['mode'] as const,
    registers,
  });
  for (const mode of ACTIVE_SOURCE_MODES) sourceMode.set({ mode }, 0);
  const points = new Counter({
    name: METRIC.pointsProcessedTotal,
    help: 'Observed points scored.',
    registers,
  });
  const anomalies = new Counter({
    name: METRIC.anomaliesTotal,
    help: 'Anomalous points by severity.',
    labelNames: ['severity'] as const,
    registers,
  });
  // Zero-initialised so rate() and alerts see every label set from the first scrape.
  for (const s of ANOMALY_SEVERITIES) anomalies.inc({ severity: s.toLowerCase() }, 0);
  const episodes = stateGauge(METRIC.episodesOpen, 'Anomaly episodes currently open.', (r) => r.episodesOpen);
  // The sink keeps cumulative totals; the counter follows them by adding what each total grew by.
  const lastSinkTotals = new Map<SinkResult, number>();
  const sinkPoints = new Counter({
    name: METRIC.sinkPointsTotal,
    help: 'Points handled by the InfluxDB sink, by outcome.',
    labelNames: ['result'] as const,
    registers,
    collect() {
      const read = readers.sink;
      if (read === undefined) return;
      let totals: SinkStats['points'];
      try {
        totals = read().points;
      } catch {
        return;
      }
      for (const result of SINK_RESULTS) {
        const total = totals[result];
        const growth = total - (lastSinkTotals.get(result) ?? 0);
        // A smaller total means a new sink instance: its total is all new.
        this.inc({ result }, growth >= 0 ? growth : total);
        lastSinkTotals.set(result, total);
      }
    },
  });
  for (const result of SINK_RESULTS) sinkPoints.inc({ result }, 0);
  const buffer = stateGauge(
    METRIC.sinkBufferPoints,
    'Points waiting in the sink buffer.',
    (r) => r.sinkBufferPoints ?? sinkField(r, 'bufferPoints'),
  );
  const spool = stateGauge(
    METRIC.spoolBytes,
    'Bytes in the on-disk spool.',
    (r) => r.spoolBytes ?? sinkField(r, 'spoolBytes'),
  );
  const fit = new Histogram({
    name: METRIC.modelFitSeconds,
    help: 'Duration of one model fit in seconds.',
    buckets: FIT_BUCKETS,
    registers,
  });
  const promErrors = new Counter({
    name: METRIC.prometheusErrorsTotal,
    help: 'Failed Prometheus requests by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const dropped = new Counter({
    name: METRIC.seriesDroppedTotal,
    help: 'Series ignored because prometheus.max_series was reached.',
    registers,
  });
  const lastCycle = new Gauge({
    name: METRIC.lastCycleTimestampSeconds,
    help: 'Unix time in seconds at which the last monitor cycle ended.',
    registers,
  });
  const interval = new Gauge({
    name: METRIC.intervalSeconds,
    help: 'The configured monitor interval in seconds.',
    registers,
  });

  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: DEFAULT_METRICS_PREFIX });

  return {
    registry,
    cycleDurationSeconds: { observe: (v) => cycle.observe(v) },
    series: gaugeHandle(series),
    sourceMode: {
      set: (active) => {
        for (const mode of ACTIVE_SOURCE_MODES) sourceMode.set({ mode }, mode === active ? 1 : 0);
      },
    },
    pointsProcessedTotal: { inc: (v = 1) => points.inc(v) },
    anomaliesTotal: { inc: (severity, v = 1) => anomalies.inc({ severity: severity.toLowerCase() }, v) },
    episodesOpen: gaugeHandle(episodes),
    sinkPointsTotal: { inc: (result, v = 1) => sinkPoints.inc({ result }, v) },
    sinkBufferPoints: gaugeHandle(buffer),
    spoolBytes: gaugeHandle(spool),
    modelFitSeconds: { observe: (v) => fit.observe(v) },
    prometheusErrorsTotal: { inc: (kind, v = 1) => promErrors.inc({ kind }, v) },
    seriesDroppedTotal: { inc: (v = 1) => dropped.inc(v) },
    lastCycleTimestampSeconds: gaugeHandle(lastCycle),
    intervalSeconds: gaugeHandle(interval),
    perSeries: options.perSeriesGauges === true ? perSeriesGauges(registry) : DISABLED_PER_SERIES,
    readStateFrom: (r) => {
      readers = { ...r };
    },
  };
}

function sinkField(r: StateReaders, field: 'bufferPoints' | 'spoolBytes'): (() => number) | undefined {
  const read = r.sink;
  return read === undefined ? undefined : () => read()[field];
}

function gaugeHandle(g: Gauge): GaugeHandle {
  return {
    set: (v) => g.set(v),
    inc: (v = 1) => g.inc(v),
    dec: (v = 1) => g.dec(v),
  };
}

const DISABLED_PER_SERIES: PerSeriesHandle = {
  enabled: false,
  set: () => undefined,
  remove: () => undefined,
  retain: () => undefined,
};

const BOUNDS = ['yhat', 'lower', 'upper'] as const;

function perSeriesGauges(registry: Registry): PerSeriesHandle {
  const forecast = new Gauge({
    name: METRIC.forecast,
    help: 'Latest forecast of each series: bound=yhat is the point forecast, lower/upper the interval.',
    labelNames: ['series', 'bound'] as const,
    registers: [registry],
  });
  const score = new Gauge({
    name: METRIC.anomalyScore,
    help: 'Latest anomaly score of each series (1 = at the band edge).',
    labelNames: ['series'] as const,
    registers: [registry],
  });
  const exported = new Set<string>();
  const remove = (id: string): void => {
    if (!exported.delete(id)) return;
    for (const bound of BOUNDS) forecast.remove({ series: id, bound });
    score.remove({ series: id });
  };
  return {
    enabled: true,
    set: (id, s) => {
      exported.add(id);
      forecast.set({ series: id, bound: 'yhat' }, s.yhat);
      forecast.set({ series: id, bound: 'lower' }, s.lower);
      forecast.set({ series: id, bound: 'upper' }, s.upper);
      score.set({ series: id }, s.score);
    },
    remove,
    retain: (activeIds) => {
      const keep = new Set(activeIds);
      for (const id of [...exported]) if (!keep.has(id)) remove(id);
    },
  };
}

/**
 * What the monitor loop reports (structurally the `MonitorMetrics` port of pipeline/ports.ts, restated
 * here because telemetry must not import the pipeline).
 */
export interface MonitorMetricsAdapter {
  cycleCompleted(durationSeconds: number, nowMs: number): void;
  seriesCount(n: number): void;
  sourceMode(mode: ActiveSourceMode): void;
  pointsProcessed(n: number): void;
  anomalies(severity: string, n: number): void;
  openEpisodes(n: number): void;
  modelFit(durationSeconds: number): void;
  prometheusError(kind: string): void;
  seriesDropped(n: number): void;
  seriesValues(seriesId: string, values: SeriesSnapshot): void;
  seriesRemoved(seriesId: string): void;
}

/** Adapts the metric handles to the monitor loop's port. Severity `NONE` is not an anomaly and is ignored. */
export function monitorMetrics(m: Metrics): MonitorMetricsAdapter {
  const severities = new Set<string>(ANOMALY_SEVERITIES);
  return {
    cycleCompleted: (seconds, nowMs) => {
      m.cycleDurationSeconds.observe(seconds);
      m.lastCycleTimestampSeconds.set(nowMs / 1000);
    },
    seriesCount: (n) => m.series.set(n),
    sourceMode: (mode) => m.sourceMode.set(mode),
    pointsProcessed: (n) => m.pointsProcessedTotal.inc(n),
    anomalies: (severity, n) => {
      const upper = severity.toUpperCase();
      if (severities.has(upper)) m.anomaliesTotal.inc(upper as AnomalySeverity, n);
    },
    openEpisodes: (n) => m.episodesOpen.set(n),
    modelFit: (seconds) => m.modelFitSeconds.observe(seconds),
    prometheusError: (kind) => m.prometheusErrorsTotal.inc(kind),
    seriesDropped: (n) => m.seriesDroppedTotal.inc(n),
    seriesValues: (id, values) => m.perSeries.set(id, values),
    seriesRemoved: (id) => m.perSeries.remove(id),
  };
}
