import type { Direction, ScoredPoint, Severity } from '../domain/anomaly';
import type { SeverityCutoffs } from './types';

/** One forecast point: the model's expectation, its calibrated band and its residual scale. */
export interface ForecastPoint {
  /** Point forecast, in the series' units. */
  readonly yhat: number;
  /** Lower band edge (un-scaled calibrated interval), in the series' units; normally <= yhat. */
  readonly lower: number;
  /** Upper band edge (un-scaled calibrated interval), in the series' units; normally >= yhat. */
  readonly upper: number;
  /** Residual scale: z = (actual - yhat) / scale. Positive; see `Forecast.scale`. */
  readonly scale: number;
}

/**
 * Two-sided tail probability P(|Z| >= |z|) of a standardised residual under the model's calibrated
 * residual distribution (`FittedModel.tailProbability`). In [0, 1], 1 at z = 0.
 */
export type TailProbability = (z: number) => number;

/** The subset of `DetectionOptions` the point scorer needs. */
export interface ScoreOptions {
  /** A point is anomalous when score > thresholdMultiplier. Range (0, ∞); default 1.0. */
  readonly thresholdMultiplier: number;
  readonly severity: SeverityCutoffs;
}

/**
 * Largest score ever reported. A deviation from a zero-width half-band is "infinitely" far outside it;
 * reporting a large finite number instead keeps sums, means, JSON and InfluxDB fields free of Infinity
 * while still ranking above every real exceedance.
 */
export const SCORE_CAP = 1e6;

/**
 * Deviation of `actual` from the forecast in half-band units: 0 at `yhat`, 1 at the band edge on the side
 * the point lies on (upper half-band above the forecast, lower half-band below), 2 at twice that distance.
 *
 * Degenerate inputs, chosen so no NaN or Infinity ever leaves the scorer:
 * - `actual` or `yhat` not finite (a missing sample, an unusable forecast): 0.
 * - the relevant half-band NaN: 0 (no band, no verdict).
 * - the relevant half-band zero or negative (a collapsed band, or an edge on the wrong side of `yhat`):
 *   0 when `actual` equals `yhat`, otherwise `SCORE_CAP`.
 * - an infinite half-band: 0.
 * Finite results are capped at `SCORE_CAP`. Range [0, SCORE_CAP].
 */
export function deviationScore(actual: number, point: ForecastPoint): number {
  if (!Number.isFinite(actual) || !Number.isFinite(point.yhat)) return 0;
  const deviation = actual - point.yhat;
  if (deviation === 0) return 0;
  const halfBand = deviation > 0 ? point.upper - point.yhat : point.yhat - point.lower;
  if (Number.isNaN(halfBand)) return 0;
  if (halfBand <= 0) return SCORE_CAP;
  return Math.min(Math.abs(deviation) / halfBand, SCORE_CAP);
}

/**
 * Standardised residual z = (actual - yhat) / scale.
 *
 * Returns NaN when `actual` or `yhat` is not finite (callers treat the point as missing). When `scale` is
 * not a positive finite number, returns 0 for an exact hit and ±Infinity otherwise (the sign of the
 * deviation), so consumers that winsorise or take tail probabilities still see the side.
 */
export function standardisedResidual(actual: number, point: ForecastPoint): number {
  if (!Number.isFinite(actual) || !Number.isFinite(point.yhat)) return Number.NaN;
  const deviation = actual - point.yhat;
  if (deviation === 0) return 0;
  if (!(point.scale > 0) || !Number.isFinite(point.scale)) return deviation > 0 ? Infinity : -Infinity;
  return deviation / point.scale;
}

/**
 * Severity for a score by the cut-offs: CRITICAL above `critical`, HIGH above `high`, MEDIUM above
 * `medium`, LOW above `low`, else NONE. Cut-offs are in score units and compared with strict `>`.
 */
export function severityForScore(score: number, cutoffs: SeverityCutoffs): Severity {
  if (score > cutoffs.critical) return 'CRITICAL';
  if (score > cutoffs.high) return 'HIGH';
  if (score > cutoffs.medium) return 'MEDIUM';
  if (score > cutoffs.low) return 'LOW';
  return 'NONE';
}

/**
 * Severity of something known to be anomalous: as `severityForScore`, but never below LOW (with a
 * threshold multiplier under `cutoffs.low` a point can be anomalous below the LOW cut-off).
 */
export function anomalySeverity(score: number, cutoffs: SeverityCutoffs): Severity {
  const severity = severityForScore(score, cutoffs);
  return severity === 'NONE' ? 'LOW' : severity;
}

/**
 * Scores one observation against its forecast point.
 *
 * - `score`: `deviationScore` (half-band units, see there for degenerate bands and NaN).
 * - `threshold`: `options.thresholdMultiplier`; `isAnomaly` is `score > threshold`, i.e. the multiplier
 *   scales the band (1.5 flags points beyond 1.5 half-bands).
 * - `direction`: the side of the forecast (1 above, -1 below) when anomalous, else 0.
 * - `severity`: NONE when not anomalous, else `anomalySeverity(score)`.
 * - `confidence`: 1 - tailProbability(z) with z = (actual - yhat) / scale: the probability, under the
 *   calibrated residual distribution, that a normal point deviates less than this one did. In [0, 1]; 0 at
 *   the forecast, about 0.95 at the edge of a 95% band, → 1 far outside. 0 for a missing value; 1 when the
 *   scale is degenerate and the point misses the forecast (tailProbability is not asked about infinities).
 * - `drift`: always false here; the series detector sets it from the drift detector.
 *
 * @param timestampMs epoch milliseconds of the observation
 * @param actual the observed value (NaN = missing)
 */
export function scorePoint(
  timestampMs: number,
  actual: number,
  point: ForecastPoint,
  tailProbability: TailProbability,
  options: ScoreOptions,
): ScoredPoint {
  return scoredPointOf(
    timestampMs,
    actual,
    scoreInto(SCRATCH, actual, point, tailProbability, options),
    options,
  );
}

/**
 * A `ScoredPoint` without its timestamp, value and severity, in a mutable object a caller reuses: scoring
 * millions of points then builds no object per point (the collector had been a third of scoring time).
 */
export interface PointScore {
  yhat: number;
  lower: number;
  upper: number;
  score: number;
  threshold: number;
  direction: Direction;
  confidence: number;
  isAnomaly: boolean;
  drift: boolean;
}

/** A fresh `PointScore` to reuse with `scoreInto`. */
export function emptyPointScore(): PointScore {
  return {
    yhat: 0,
    lower: 0,
    upper: 0,
    score: 0,
    threshold: 0,
    direction: 0,
    confidence: 0,
    isAnomaly: false,
    drift: false,
  };
}

/** Shared by `scorePoint`, which copies it out at once. */
const SCRATCH = emptyPointScore();

/** `scorePoint` written into `out` (returned); `drift` is reset to false. */
export function scoreInto(
  out: PointScore,
  actual: number,
  point: ForecastPoint,
  tailProbability: TailProbability,
  options: ScoreOptions,
): PointScore {
  const z = standardisedResidual(actual, point);
  return scoreWithTail(out, actual, point, z, Number.isFinite(z) ? tailProbability(z) : Number.NaN, options);
}

/**
 * `scoreInto` given the point's standardised residual z and p = tailProbability(z) (read only for a finite
 * z), for a caller that asks the same tail probability for other rules and so asks it once.
 */
export function scoreWithTail(
  out: PointScore,
  actual: number,
  point: ForecastPoint,
  z: number,
  p: number,
  options: ScoreOptions,
): PointScore {
  const score = deviationScore(actual, point);
  const threshold = options.thresholdMultiplier;
  const isAnomaly = score > threshold;
  out.yhat = point.yhat;
  out.lower = point.lower;
  out.upper = point.upper;
  out.score = score;
  out.threshold = threshold;
  out.direction = isAnomaly ? (actual > point.yhat ? 1 : -1) : 0;
  out.confidence = confidenceOfTail(z, p);
  out.isAnomaly = isAnomaly;
  out.drift = false;
  return out;
}

/** The `ScoredPoint` of a `PointScore` (severity from `options.severity`). */
export function scoredPointOf(
  timestampMs: number,
  actual: number,
  s: PointScore,
  options: ScoreOptions,
): ScoredPoint {
  return {
    timestampMs,
    actual,
    yhat: s.yhat,
    lower: s.lower,
    upper: s.upper,
    score: s.score,
    threshold: s.threshold,
    direction: s.direction,
    severity: s.isAnomaly ? anomalySeverity(s.score, options.severity) : 'NONE',
    confidence: s.confidence,
    isAnomaly: s.isAnomaly,
    drift: s.drift,
  };
}

/**
 * `ScoredPoint.confidence` for a standardised residual z (see `scorePoint`): 1 − tailProbability(z), 0 for
 * a missing value (NaN), 1 for a degenerate scale (±Infinity).
 */
export function confidenceFor(z: number, tailProbability: TailProbability): number {
  return confidenceOfTail(z, Number.isFinite(z) ? tailProbability(z) : Number.NaN);
}

/** `confidenceFor` given p = tailProbability(z) (read only for a finite z). */
export function confidenceOfTail(z: number, p: number): number {
  if (Number.isNaN(z)) return 0;
  if (!Number.isFinite(z)) return 1;
  const c = 1 - p;
  // A model's tail function is trusted to stay in [0, 1], but clamping costs nothing and keeps a
  // rounding error (or a buggy model) from writing a confidence of 1.0000000002 or NaN.
  if (Number.isNaN(c)) return 0;
  return Math.min(1, Math.max(0, c));
}
