import type { Clock } from '../../domain/clock';
import { UserError } from '../../domain/errors';
import { MIN_DAILY_DAYS, MIN_WEEKLY_DAYS } from '../forecaster';
import { MS_PER_DAY } from '../fourier';
import { medianInPlace, normalQuantile } from '../stats';
import type { FitMetrics, Forecast, FittedModel, ModelKind, SerializedModel, TrainingInput } from '../types';
import type { WasmForecast } from './modules';

/** Version of the augurs model file layout (see {@link augursModelJson}). */
export const AUGURS_MODEL_FILE_VERSION = 1;

/**
 * A fitted augurs model. It may hold WASM memory: call `dispose()` once it is no longer needed (idempotent;
 * `predict` afterwards throws). Forgetting it is not fatal — wasm-bindgen frees the memory when the object
 * is garbage-collected — but the WASM heap then grows until the collector runs.
 */
export interface AugursFittedModel extends FittedModel {
  dispose(): void;
}

/** What an augurs adapter knows about a model it fitted (augurs keeps the fitted state itself). */
export interface AugursModelFacts<Options extends object> {
  readonly options: Options;
  readonly components: readonly string[];
  readonly stepMs: number;
  readonly trainStartMs: number;
  readonly trainEndMs: number;
  readonly metrics: FitMetrics;
  readonly augursVersion: string;
}

/**
 * The part every augurs model shares: the facts of its fit, a normal tail probability (both adapters turn
 * augurs' interval into a normal scale) and the honest JSON form. Subclasses forecast and free WASM memory.
 */
export abstract class AugursModel<
  Options extends { readonly intervalWidth: number },
> implements AugursFittedModel {
  abstract readonly kind: ModelKind;
  readonly intervalWidth: number;
  readonly components: readonly string[];
  readonly stepMs: number;
  readonly trainStartMs: number;
  readonly trainEndMs: number;
  readonly metrics: FitMetrics;
  protected readonly options: Options;
  private readonly augursVersion: string;

  protected constructor(facts: AugursModelFacts<Options>) {
    this.options = facts.options;
    this.intervalWidth = facts.options.intervalWidth;
    this.components = facts.components;
    this.stepMs = facts.stepMs;
    this.trainStartMs = facts.trainStartMs;
    this.trainEndMs = facts.trainEndMs;
    this.metrics = facts.metrics;
    this.augursVersion = facts.augursVersion;
  }

  abstract predict(timestampsMs: ArrayLike<number>): Forecast;
  abstract dispose(): void;

  /** Normal tail probability, consistent with the scale of `predict`. */
  tailProbability(z: number): number {
    return normalTailProbability(z);
  }

  /** What was fitted and how; `refit_required: true` (augurs exposes no fitted state to save). */
  toJSON(): SerializedModel {
    return augursModelJson(this, this.options, this.augursVersion);
  }
}

/** Usable training points (finite, not excluded), ascending in time. */
export interface UsablePoints {
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
  readonly stepMs: number;
  readonly trainStartMs: number;
  readonly trainEndMs: number;
}

/** Drops NaN and excluded points; sorts a misordered input; resolves the step (declared, else median gap). */
export function usablePoints(input: TrainingInput, kind: ModelKind): UsablePoints {
  const { timestampsMs, values, exclude } = input;
  const len = Math.min(timestampsMs.length, values.length);
  const order: number[] = [];
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(values[i]) || !Number.isFinite(timestampsMs[i])) continue;
    if (exclude !== undefined && exclude[i] === 1) continue;
    order.push(i);
  }
  order.sort((a, b) => timestampsMs[a] - timestampsMs[b] || a - b);
  const n = order.length;
  if (n < 2) {
    throw new UserError(`${kind}: needs at least 2 usable training points (finite, not excluded), got ${n}`);
  }
  const ts = Float64Array.from(order, (i) => timestampsMs[i]);
  const vs = Float64Array.from(order, (i) => values[i]);
  let stepMs = input.stepMs;
  if (!(Number.isFinite(stepMs) && stepMs > 0)) {
    const gaps = new Float64Array(n - 1);
    let m = 0;
    for (let i = 1; i < n; i++) if (ts[i] > ts[i - 1]) gaps[m++] = ts[i] - ts[i - 1];
    stepMs = m > 0 ? medianInPlace(gaps, m) : 60_000;
  }
  return { timestampsMs: ts, values: vs, stepMs, trainStartMs: ts[0], trainEndMs: ts[n - 1] };
}

/**
 * Which seasonalities the data supports — the default model's rule: days covered by usable points
 * (count × step) of at least {@link MIN_DAILY_DAYS} for daily and {@link MIN_WEEKLY_DAYS} for weekly, and a
 * step shorter than half the period. Exactly two weeks of data keeps the weekly component.
 */
export function supportedSeasonalities(points: UsablePoints): { daily: boolean; weekly: boolean } {
  const coveredDays = (points.values.length * points.stepMs) / MS_PER_DAY;
  return {
    daily: coveredDays >= MIN_DAILY_DAYS && points.stepMs * 2 < MS_PER_DAY,
    weekly: coveredDays >= MIN_WEEKLY_DAYS && points.stepMs * 2 < 7 * MS_PER_DAY,
  };
}

/**
 * Validates an interval width (central coverage).
 * @throws UserError unless 0 < width < 1.
 */
export function checkIntervalWidth(kind: ModelKind, width: number): number {
  if (!(Number.isFinite(width) && width > 0 && width < 1)) {
    throw new UserError(`${kind}: intervalWidth must be between 0 and 1 (exclusive), got ${String(width)}`);
  }
  return width;
}

/** The standard-normal quantile z with P(|Z| <= z) = level. */
export function zForLevel(level: number): number {
  return normalQuantile((1 + level) / 2);
}

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided normal tail probability P(|Z| >= |z|); 1 at z = 0, NaN for NaN. */
export function normalTailProbability(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/**
 * Copies a WASM forecast into `out` at the given positions (`index[k]` is the forecast's element for output
 * k; -1 leaves NaN). Scale is the half-width over z, so that (actual − yhat)/scale is a standard-normal z
 * when the interval is a normal one at `level`.
 * @throws Error when the forecast has fewer points than an index needs.
 */
export function copyForecast(
  source: WasmForecast,
  index: Int32Array,
  z: number,
  out: ForecastColumns,
  what: string,
): void {
  const { point, intervals } = source;
  for (let k = 0; k < index.length; k++) {
    const j = index[k];
    if (j < 0) continue;
    if (j >= point.length)
      throw new Error(`${what}: augurs returned ${point.length} points, needed ${j + 1}`);
    out.yhat[k] = point[j];
    if (intervals === undefined) continue;
    const lo = intervals.lower[j];
    const hi = intervals.upper[j];
    out.lower[k] = lo;
    out.upper[k] = hi;
    out.scale[k] = (hi - lo) / (2 * z);
  }
}

/** A forecast's value columns (what `predict` returns beside the timestamps and level). */
export interface ForecastColumns {
  readonly yhat: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly scale: Float64Array;
}

/** NaN-filled columns of length n. */
export function nanColumns(n: number): ForecastColumns {
  return {
    yhat: new Float64Array(n).fill(Number.NaN),
    lower: new Float64Array(n).fill(Number.NaN),
    upper: new Float64Array(n).fill(Number.NaN),
    scale: new Float64Array(n).fill(Number.NaN),
  };
}

/** In-sample fit quality: MAD of residuals (unscaled) and R² over the points where both are finite. */
export function fitQuality(
  actual: Float64Array,
  fitted: ArrayLike<number>,
): { residualMad: number; rSquared: number } {
  const n = Math.min(actual.length, fitted.length);
  const r = new Float64Array(n);
  let m = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(fitted[i])) continue;
    r[m++] = actual[i] - fitted[i];
    mean += actual[i];
  }
  if (m === 0) return { residualMad: 0, rSquared: 0 };
  mean /= m;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0, k = 0; i < n; i++) {
    if (!Number.isFinite(fitted[i])) continue;
    ssRes += r[k] * r[k];
    ssTot += (actual[i] - mean) * (actual[i] - mean);
    k++;
  }
  for (let k = 0; k < m; k++) r[k] = Math.abs(r[k]);
  const residualMad = medianInPlace(r, m);
  return { residualMad, rSquared: ssTot > 0 ? 1 - ssRes / ssTot : 0 };
}

/**
 * The honest JSON form of an augurs model: what was fitted and how, but not the fitted state, which augurs
 * does not expose. `refit_required: true` tells a loader it must refit on the recorded training span; the
 * result is close to, but not bit-identical with, the original (Prophet's intervals are sampled).
 */
export function augursModelJson(model: FittedModel, options: object, augursVersion: string): SerializedModel {
  return {
    schema: 'anomalyd.model',
    version: AUGURS_MODEL_FILE_VERSION,
    kind: model.kind,
    refit_required: true,
    engine: { package: '@bsull/augurs', version: augursVersion },
    options: { ...options },
    intervalWidth: model.intervalWidth,
    trainStartMs: model.trainStartMs,
    trainEndMs: model.trainEndMs,
    stepMs: model.stepMs,
    components: [...model.components],
    metrics: jsonMetrics(model.metrics),
  };
}

function jsonMetrics(metrics: FitMetrics): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (value !== undefined) out[key] = Number.isFinite(value) ? value : null;
  }
  return out;
}

/** The message of a thrown value (augurs throws strings as well as Errors). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The default clock for fit timings: monotonic, sub-millisecond. */
export const MONOTONIC_CLOCK: Clock = { nowMs: () => performance.now() };
