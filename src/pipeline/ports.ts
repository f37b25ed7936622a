import type { Sample } from '../domain/timeSeries';
import type { Labels } from '../domain/series';
import type { QueryConfig } from '../config/types';
import type { SourceTag } from '../sinks/schema';

/** New samples of one series from one poll. */
export interface SeriesBatch {
  readonly query: string;
  readonly labels: Labels;
  /** Samples in time order. Values may be NaN/±Inf (gaps, division by zero in PromQL). */
  readonly samples: readonly Sample[];
  /**
   * History on a regular grid, as columns: `values[i]` at `startMs + i * stepMs`. Used instead of `samples`
   * for large backfills (the simulator), where one object per sample would cost gigabytes at fleet scale.
   */
  readonly grid?: { readonly startMs: number; readonly stepMs: number; readonly values: ArrayLike<number> };
}

/** Where samples come from: Prometheus, the simulator, or the auto switch between them. */
export interface MetricSource {
  /** Which source produced the last answer (auto mode switches). */
  readonly mode: SourceTag;
  /** Every sample since the previous poll, for every series of every query. */
  poll(nowMs: number): Promise<readonly SeriesBatch[]>;
  /**
   * History of one query's series over `windowMs` before `nowMs`, for initial fits, handed to `onBatch`
   * piece by piece (a series, or a time chunk of many series) in time order per series, so a fleet's
   * backfill is never held in memory at once; a batch's arrays may be reused once `onBatch` returns.
   * `expectedSeries` (how many new series the query has) lets a source size its requests.
   */
  history(
    query: QueryConfig,
    windowMs: number,
    nowMs: number,
    onBatch: (batch: SeriesBatch) => void,
    expectedSeries?: number,
  ): Promise<void>;
}

/** Cancellable waiting, so tests drive time and SIGTERM interrupts a sleeping daemon at once. */
export interface Sleeper {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A monotonic high-resolution timer for measuring durations (fit time, cycle time), in ms. */
export type Stopwatch = () => number;

/** What the monitor reports about itself (implemented over prom-client in telemetry/). */
export interface MonitorMetrics {
  cycleCompleted(durationSeconds: number, nowMs: number): void;
  seriesCount(n: number): void;
  sourceMode(mode: 'prometheus' | 'simulator'): void;
  pointsProcessed(n: number): void;
  anomalies(severity: string, n: number): void;
  openEpisodes(n: number): void;
  modelFit(durationSeconds: number): void;
  prometheusError(kind: string): void;
  seriesDropped(n: number): void;
  /** Per-series gauges (no-ops unless enabled). */
  seriesValues(seriesId: string, values: { yhat: number; lower: number; upper: number; score: number }): void;
  seriesRemoved(seriesId: string): void;
}

export const noopMetrics: MonitorMetrics = {
  cycleCompleted: () => undefined,
  seriesCount: () => undefined,
  sourceMode: () => undefined,
  pointsProcessed: () => undefined,
  anomalies: () => undefined,
  openEpisodes: () => undefined,
  modelFit: () => undefined,
  prometheusError: () => undefined,
  seriesDropped: () => undefined,
  seriesValues: () => undefined,
  seriesRemoved: () => undefined,
};
