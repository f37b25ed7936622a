/**
 * The scale a model sees a series on: its own units, or their logarithm.
 *
 * Latencies, request rates and byte counts are multiplicative: their noise grows in proportion to their
 * level (a 50 ms latency wobbles by a few ms, a 500 ms one by tens), and their residuals are skewed upwards.
 * An additive model with one calibrated band per hour then over-covers quiet hours and under-covers busy
 * ones, and the busy hours' upward skew reads as runs of anomalies. On the log scale the same series is
 * additive with a constant, nearly symmetric noise: the forecaster fits it there, the detector judges it
 * there, and forecasts are mapped back for people (the band's edges map exactly: the transform is monotone).
 *
 * On the simulated latency metrics (syntheticScan, 16 hosts, 2026-11-21) fitting on the log scale took false
 * episodes on anomaly-free series from 0.205 to 0.036 per series-day, and held-out event recall from 0.741 to
 * 0.821. On cpu (noise growing more slowly than the level) it did harm (clean 0.098 -> 0.188), hence the
 * choice from the data below rather than always.
 *
 * Pure: no I/O, no state.
 */
import { scratchFloat64, scratchMark, scratchRelease } from './scratch';
import { medianOfRange, selectInPlace } from './stats';

/** A log transform with a linear tail below `floor` (> 0), so every finite value maps (see {@link toModelScale}). */
export interface ValueTransform {
  readonly kind: 'log';
  readonly floor: number;
}

/** `model.transform`: choose from the data, never, or always (when the history has positive values). */
export type TransformChoice = 'auto' | 'none' | 'log';
export const TRANSFORM_CHOICES: readonly TransformChoice[] = ['auto', 'none', 'log'];

/** Whether `v` is one of {@link TRANSFORM_CHOICES} (for the config and model-file checks). */
export function isTransformChoice(v: unknown): v is TransformChoice {
  return (TRANSFORM_CHOICES as readonly unknown[]).includes(v);
}

/**
 * The log scale is chosen when the noise grows (nearly) in proportion to the level: the slope of log(noise)
 * on log(level) across the history's 2-hour blocks is at least 0.9 (1 = a constant coefficient of variation,
 * 0 = additive noise). The estimate runs a little low, as the level also moves within a block: noise exactly
 * proportional to a daily cycle from 40 to 200 measures 0.97. Measured on the first 14 days of the 5-minute
 * hosts (seeds 101-148): simulated latency 1.19-1.81, cpu 0.26-0.80 (noise = a floor plus a share of the
 * load), memory anywhere in 0.2-3.5 but over a level range too narrow to tell (see {@link MIN_LEVEL_RANGE}).
 */
export const LOG_MIN_SLOPE = 0.9;
/**
 * ...and only when the blocks' levels differ enough to measure a slope: the 10th and 90th percentiles of
 * log(level) at least this far apart (0.3: levels 35% apart). A heap that stays within ±10% of its mean
 * says nothing about how its noise scales.
 */
export const MIN_LEVEL_RANGE = 0.3;
/**
 * Blocks of this duration (or of {@link MIN_BLOCK_POINTS} steps, when longer) give one level and one noise
 * each; a block needs that many points (10-minute means of a compacted 30 s history have 12).
 */
export const BLOCK_MS = 2 * 3_600_000;
const MIN_BLOCK_POINTS = 12;
/** Fewer usable blocks than this (a day of 2-hour blocks) choose no transform. */
const MIN_BLOCKS = 12;

/**
 * The value on the model's scale: log(v) at or above the floor, and below it the tangent line at the floor,
 * log(floor) + (v − floor)/floor, so a zero or negative live value (a broken exporter on a latency series)
 * still maps to a finite, far-low value instead of −∞ or NaN. Continuous, strictly increasing.
 */
export function toModelScale(t: ValueTransform, v: number): number {
  const f = t.floor;
  return v >= f ? Math.log(v) : Math.log(f) + (v - f) / f;
}

/** The inverse of {@link toModelScale}: a model-scale forecast in the series' units. */
export function fromModelScale(t: ValueTransform, x: number): number {
  const f = t.floor;
  const lf = Math.log(f);
  return x >= lf ? Math.exp(x) : f + f * (x - lf);
}

/** What {@link spreadLevelSlope} measured. */
export interface SpreadLevel {
  /** Least-squares slope of log(noise) on log(level) over the blocks; NaN with too few blocks. */
  readonly slope: number;
  /** Distance between the 10th and 90th percentiles of the blocks' log(level). */
  readonly levelRange: number;
  readonly blocks: number;
}

/**
 * The spread-versus-level slope (the classic diagnostic for choosing a Box-Cox power, λ = 1 − slope) of the
 * first n values (ascending times, all > 0): per block of {@link BLOCK_MS}, the level is the median value
 * and the noise the median |change| between consecutive points (differences cancel the level and most of
 * the daily shape, and medians ignore spikes and outages); blocks with a zero noise are skipped.
 */
export function spreadLevelSlope(
  ts: ArrayLike<number>,
  values: ArrayLike<number>,
  n: number,
  stepMs: number,
): SpreadLevel {
  const blockMs = Math.max(BLOCK_MS, MIN_BLOCK_POINTS * stepMs);
  // A fit calls this on every history: its buffers come from the scratch arena (model/scratch.ts). A block
  // is a run of points, so its levels and changes sit in the buffers at its own offsets.
  const mark = scratchMark();
  const level = scratchFloat64(n);
  const change = scratchFloat64(n);
  const maxBlocks = Math.ceil(n / MIN_BLOCK_POINTS) + 1;
  const xs = scratchFloat64(maxBlocks);
  const ys = scratchFloat64(maxBlocks);
  let m = 0;
  let start = 0;
  let block = 0;
  for (let i = 0; i <= n; i++) {
    const b = i < n ? Math.floor((ts[i] - ts[0]) / blockMs) : -1;
    if (b === block) {
      level[i] = values[i];
      if (i > start) change[i - 1] = Math.abs(values[i] - values[i - 1]);
      continue;
    }
    // Points [start, i) form a block.
    const size = i - start;
    if (size >= MIN_BLOCK_POINTS) {
      const l = medianOfRange(level, start, size);
      const c = medianOfRange(change, start, size - 1);
      if (l > 0 && c > 0) {
        xs[m] = Math.log(l);
        ys[m] = Math.log(c);
        m++;
      }
    }
    if (i < n) {
      start = i;
      block = b;
      level[i] = values[i];
    }
  }
  let out: SpreadLevel = { slope: Number.NaN, levelRange: 0, blocks: m };
  if (m >= MIN_BLOCKS) {
    let mx = 0;
    let my = 0;
    for (let j = 0; j < m; j++) {
      mx += xs[j] / m;
      my += ys[j] / m;
    }
    let sxy = 0;
    let sxx = 0;
    for (let j = 0; j < m; j++) {
      sxy += (xs[j] - mx) * (ys[j] - my);
      sxx += (xs[j] - mx) * (xs[j] - mx);
    }
    const high = selectInPlace(xs, m, Math.floor(0.9 * (m - 1)));
    const low = selectInPlace(xs, m, Math.floor(0.1 * (m - 1)));
    out = { slope: sxx > 0 ? sxy / sxx : Number.NaN, levelRange: high - low, blocks: m };
  }
  scratchRelease(mark);
  return out;
}

/**
 * The transform a fit of these (usable, ascending) values should use, or undefined for the series' own
 * units:
 * - `none`: never;
 * - `log`: whenever some value is positive, the floor half the smallest positive value;
 * - `auto`: when every value is positive and the noise grows with the level at least as fast as
 *   {@link LOG_MIN_SLOPE} over a level range of at least {@link MIN_LEVEL_RANGE}; the floor is half the
 *   smallest value.
 */
export function chooseTransform(
  choice: TransformChoice,
  ts: ArrayLike<number>,
  values: ArrayLike<number>,
  n: number,
  stepMs: number,
): ValueTransform | undefined {
  if (choice === 'none' || n === 0) return undefined;
  let minPositive = Number.POSITIVE_INFINITY;
  let allPositive = true;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v > 0) {
      if (v < minPositive) minPositive = v;
    } else allPositive = false;
  }
  if (!Number.isFinite(minPositive)) return undefined;
  const transform: ValueTransform = { kind: 'log', floor: minPositive / 2 };
  if (choice === 'log') return transform;
  if (!allPositive || !(stepMs > 0)) return undefined;
  const s = spreadLevelSlope(ts, values, n, stepMs);
  return s.slope >= LOG_MIN_SLOPE && s.levelRange >= MIN_LEVEL_RANGE ? transform : undefined;
}
