import type { Labels } from '../../domain/series';
import type { LabelledSeries } from '../../domain/timeSeries';
import type { DayShapeCache } from './profile';

/** The metric families the simulator can produce. */
export const METRIC_KINDS = ['cpu', 'memory', 'latency'] as const;
/**
 * - `cpu`: utilisation in percent, softly bounded to 0..100, strong daily cycle, noise growing with load.
 * - `memory`: percent in use, weak daily cycle, slow growth cut by GC-like drops (normal behaviour).
 * - `latency`: milliseconds, log-normal (right-skewed) around a load-driven median.
 */
export type MetricKind = (typeof METRIC_KINDS)[number];

/** The labelled anomaly shapes the simulator can inject. */
export const ANOMALY_TYPES = [
  'spike',
  'dip',
  'level_shift',
  'drift',
  'variance_burst',
  'missing_peak',
  'flatline',
] as const;
/**
 * - `spike` / `dip`: 1-3 points far above / below the usual range.
 * - `level_shift`: the level jumps by a few noise widths for 1-6 hours, then returns.
 * - `drift`: a linear ramp away from normal over 2-8 hours (labelled from its first point), then returns.
 * - `variance_burst`: the noise widens 2-6x for 1-4 hours.
 * - `missing_peak`: one day's peak does not happen: load is capped at a fraction of that day's maximum.
 * - `flatline`: the value freezes at the last reading for 1-6 hours (a stuck exporter).
 */
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

/** Options of {@link SeriesGenerator} (see `createSeriesGenerator`). */
export interface SeriesGeneratorOptions {
  readonly kind: MetricKind;
  /** Seeds every random choice; the per-host shape (peak hour, weekend shape) depends on the seed only. */
  readonly seed: number;
  /** The nominal sampling step in ms: the unit of anomaly durations and of the anomaly grid. */
  readonly stepMs: number;
  /** Start of the simulated history (epoch ms UTC): the trend's origin and where the quiet start begins. */
  readonly startMs: number;
  /** Mean anomalies per day (Poisson, with at least 6 hours between anomalies). Default 0: none. */
  readonly anomalyRatePerDay?: number;
  /** Types to draw from; default all of {@link ANOMALY_TYPES}. */
  readonly anomalyTypes?: readonly AnomalyType[];
  /** Anomaly-free time after `startMs` so models have clean history. Default 2 days. */
  readonly quietStartMs?: number;
  /**
   * Keep the day shapes per time of day on the step grid (~46 KB at 30 s): much faster for a generator
   * that produces days of readings at once (a backfill), wasted on one that emits a reading per cycle.
   * The readings are the same either way. Default false. A {@link DayShapeCache} keeps the cache there
   * (cleared first): for a caller that generates one series after another.
   */
  readonly cacheDayShapes?: boolean | DayShapeCache;
}

/** One simulated reading. */
export interface GeneratedPoint {
  readonly value: number;
  /** 1 when an anomaly changed this value, else 0. */
  readonly label: 0 | 1;
  /** Set exactly when `label` is 1. */
  readonly anomalyType?: AnomalyType;
  /** The noise-free, anomaly-free signal at this time (the median for `latency`): a perfect forecast. */
  readonly expected: number;
  /** Standard deviation of the normal noise at this time, in value units. */
  readonly noiseSigma: number;
}

/** A stateful simulated series that advances through time. */
export interface SeriesGenerator {
  /**
   * The reading at `timestampMs`. Call with increasing timestamps at any spacing (backfill at the step, then
   * live at cycle times); the autocorrelated noise is advanced by the elapsed time. A timestamp not after the
   * previous one is answered without advancing the noise.
   */
  next(timestampMs: number): GeneratedPoint;
  /**
   * Moves to `timestampMs` exactly as `next` would — the readings after it are the same — without
   * computing this reading (much cheaper; for fast-forwarding over a backfill generated elsewhere).
   */
  skip(timestampMs: number): void;
  /** `next(timestampMs).value`, without building the reading's other fields (for backfills). */
  nextValue(timestampMs: number): number;
}

/** Options of `generateSeries`. Give `anomalies` (an exact count) or `anomalyRatePerDay`, not both. */
export interface GenerateSeriesOptions {
  readonly kind: MetricKind;
  readonly seed: number;
  /** First timestamp, epoch ms UTC. */
  readonly startMs: number;
  readonly stepMs: number;
  readonly points: number;
  /** Mean anomalies per day, placed as by the streaming generator. */
  readonly anomalyRatePerDay?: number;
  /**
   * Exactly this many anomalies, spread evenly over the series after the quiet start; the types cycle through
   * `anomalyTypes` (shuffled), so every type appears once `anomalies` >= the number of types.
   */
  readonly anomalies?: number;
  readonly anomalyTypes?: readonly AnomalyType[];
  /** Default 2 days; 0 allows anomalies from the first point. */
  readonly quietStartMs?: number;
}

/** One injected anomaly as it landed on the grid. */
export interface AnomalyEvent {
  readonly type: AnomalyType;
  /** First and last labelled timestamps (inclusive). */
  readonly startMs: number;
  readonly endMs: number;
  /** Drawn from the subtle end of the magnitude range (about 1 in 4); the rest are clear. */
  readonly subtle: boolean;
}

/** A finished simulated series with its ground truth. */
export interface GeneratedSeries {
  /** Values with `labels` (1 = changed by an anomaly). */
  readonly series: LabelledSeries;
  readonly events: AnomalyEvent[];
  /** Root-mean-square of the per-point noise standard deviation (value units): the series' noise floor. */
  readonly noiseSigma: number;
  /** The noise-free, anomaly-free signal per point (see {@link GeneratedPoint.expected}). */
  readonly expected: Float64Array;
}

/** One series the daemon simulates. */
export interface SimulatedSeriesSpec {
  readonly labels: Labels;
  readonly kind: MetricKind;
  /** Seed for `createSeriesGenerator`; the same for every kind of one host so they share its daily shape. */
  readonly seed: number;
}
