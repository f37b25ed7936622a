import { MS_PER_DAY, dayOfWeek, dayPhase, fourierDot, isWeekendDay, weekPhase } from './fourier';
import { PROFILE_BINS, type ResidualDistribution, TailModel, profileAt } from './calibration';
import { trendAt } from './trend';
import type { FitMetrics, Forecast, FittedModel, SeasonalOptions, SerializedModel } from './types';

/** Version of the model file this code writes (2: the scale profile may have a weekend half, 48 entries). */
export const MODEL_FILE_VERSION = 2;

/** Component names as they appear in `FittedModel.components` and in model files. */
export const COMPONENT_NAMES = ['level', 'trend', 'daily', 'weekly', 'weekend_daily'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

/**
 * Everything a fitted seasonal (or fallback level) model needs to predict, in the series' own units. Both the
 * fit and the model-file loader build the model from this, which is what makes a loaded model bit-identical.
 */
export interface SeasonalModelParams {
  readonly options: SeasonalOptions;
  readonly stepMs: number;
  readonly trainStartMs: number;
  readonly trainEndMs: number;
  readonly components: readonly ComponentName[];
  /** Time origin of the trend, epoch ms (the first training point). */
  readonly originMs: number;
  /** Trend hinge positions, days since `originMs`, ascending. */
  readonly changepointsDays: Float64Array;
  /** Constant added to every forecast (the training median); NaN when no training point was usable. */
  readonly offset: number;
  /** [level, slope per day, slope change at each changepoint (per day)], series units. */
  readonly trend: Float64Array;
  /** Fourier coefficients [sin₁, cos₁, sin₂, …]; length 2·order, empty when the component is off. */
  readonly daily: Float64Array;
  readonly weekly: Float64Array;
  readonly weekendDaily: Float64Array;
  /** Residual scale per UTC hour (24 values), series units, > 0. */
  readonly scaleProfile: Float64Array;
  readonly residuals: ResidualDistribution;
  readonly metrics: FitMetrics;
}

/**
 * Copies of `arrays` as views of one buffer, with -0 made 0 (it would not survive JSON, it prints as 0,
 * so it never enters a model). One buffer: a daemon keeps a model per series, and each separate
 * ArrayBuffer costs a few hundred bytes of headers and allocator overhead besides its data.
 */
function packedPositiveZero(arrays: readonly Float64Array[]): Float64Array[] {
  let total = 0;
  for (const a of arrays) total += a.length;
  const buffer = new ArrayBuffer(8 * total);
  let offset = 0;
  return arrays.map((values) => {
    const out = new Float64Array(buffer, 8 * offset, values.length);
    offset += values.length;
    for (let i = 0; i < values.length; i++) out[i] = values[i] === 0 ? 0 : values[i];
    return out;
  });
}

function cleanNumber(x: number): number {
  return x === 0 ? 0 : x;
}

/** What the model keeps of its parameters besides the fit metrics, which it keeps packed (see below). */
type ModelShape = Omit<SeasonalModelParams, 'metrics'>;

/**
 * Key lists of packed fit metrics, shared by every model with the same keys in the same order (a fit
 * yields one of a handful of key sets). Bounded: past {@link MAX_SHARED_KEY_LISTS} distinct sets (model
 * files with unusual extra metrics) a model keeps its own list.
 */
const sharedKeyLists = new Map<string, readonly string[]>();
const MAX_SHARED_KEY_LISTS = 64;

function sharedKeyList(keys: string[]): readonly string[] {
  const signature = keys.join('\n');
  const known = sharedKeyLists.get(signature);
  if (known !== undefined) return known;
  const list = Object.freeze(keys);
  if (sharedKeyLists.size < MAX_SHARED_KEY_LISTS) sharedKeyLists.set(signature, list);
  return list;
}

/** A fitted 'seasonal' model. Construct through the forecaster or `loadModel`. */
export class SeasonalModel implements FittedModel {
  readonly kind = 'seasonal' as const;
  readonly intervalWidth: number;
  readonly components: readonly string[];
  readonly stepMs: number;
  readonly trainStartMs: number;
  readonly trainEndMs: number;
  private readonly params: ModelShape;
  /**
   * The fit metrics as values in the model's one buffer, keyed by a key list shared across models (see
   * {@link metrics}). A daemon keeps a model per series: as a plain object the ~30 metrics cost ~1.4 KB each
   * (a boxed number per value, and a hidden class and descriptor array of its own once frozen), ~14 MB at
   * 10,000 series; packed they cost their 8 bytes each.
   */
  private readonly metricKeys: readonly string[];
  private readonly metricValues: Float64Array;
  private readonly tail: TailModel;
  /** The hold-out's own distribution (`ResidualDistribution.holdoutQuantiles`), when the model has it. */
  private readonly shiftTail: TailModel | undefined;
  private readonly weeklyEnabled: boolean;

  constructor(params: SeasonalModelParams) {
    const { metrics, ...shape } = params;
    // Keys whose value is undefined are left out: they are absent from the model file either way.
    const metricKeys = Object.keys(metrics).filter((key) => metrics[key] !== undefined);
    const [
      changepointsDays,
      trend,
      daily,
      weekly,
      weekendDaily,
      scaleProfile,
      quantiles,
      holdoutQuantiles,
      metricValues,
    ] = packedPositiveZero([
      params.changepointsDays,
      params.trend,
      params.daily,
      params.weekly,
      params.weekendDaily,
      params.scaleProfile,
      params.residuals.quantiles,
      params.residuals.holdoutQuantiles ?? new Float64Array(0),
      Float64Array.from(metricKeys, (key) => metrics[key] ?? Number.NaN),
    ]);
    const cleaned: ModelShape = {
      ...shape,
      components: Object.freeze([...params.components]),
      offset: cleanNumber(params.offset),
      changepointsDays,
      trend,
      daily,
      weekly,
      weekendDaily,
      scaleProfile,
      residuals: {
        qLow: cleanNumber(params.residuals.qLow),
        qHigh: cleanNumber(params.residuals.qHigh),
        quantiles,
        count: params.residuals.count,
        ...(holdoutQuantiles.length > 0 ? { holdoutQuantiles } : {}),
      },
    };
    this.params = cleaned;
    this.metricKeys = sharedKeyList(metricKeys);
    this.metricValues = metricValues;
    this.intervalWidth = cleaned.options.intervalWidth;
    this.components = cleaned.components;
    this.stepMs = cleaned.stepMs;
    this.trainStartMs = cleaned.trainStartMs;
    this.trainEndMs = cleaned.trainEndMs;
    this.tail = new TailModel(cleaned.residuals.quantiles);
    const held = cleaned.residuals.holdoutQuantiles;
    this.shiftTail = held !== undefined ? new TailModel(held) : undefined;
    this.weeklyEnabled = cleaned.weekly.length > 0;
  }

  /**
   * The fit metrics, built from the packed values on each read (a new frozen object each time: read it once
   * and keep the object where several metrics are needed, as the detector does per refit).
   */
  get metrics(): FitMetrics {
    const out: Record<string, number | undefined> = {};
    for (let i = 0; i < this.metricKeys.length; i++) out[this.metricKeys[i]] = this.metricValues[i];
    return Object.freeze(out) as FitMetrics;
  }

  /**
   * Forecast at arbitrary timestamps (epoch ms, any order). Beyond the training end the trend continues
   * with its last slope. A model trained on no usable point returns NaN everywhere.
   */
  predict(timestampsMs: ArrayLike<number>): Forecast {
    const n = timestampsMs.length;
    const p = this.params;
    const ts = Float64Array.from(timestampsMs);
    const yhat = new Float64Array(n);
    const lower = new Float64Array(n);
    const upper = new Float64Array(n);
    const scale = new Float64Array(n);
    const dailyOrder = p.daily.length / 2;
    const weeklyOrder = p.weekly.length / 2;
    const weekendOrder = p.weekendDaily.length / 2;
    const { qLow, qHigh } = p.residuals;
    const { minBandAbs, minBandRel } = p.options;
    for (let i = 0; i < n; i++) {
      const t = ts[i];
      const phase = dayPhase(t);
      let v = p.offset + trendAt((t - p.originMs) / MS_PER_DAY, p.trend, p.changepointsDays);
      v += fourierDot(phase, dailyOrder, p.daily);
      if (this.weeklyEnabled) v += fourierDot(weekPhase(t), weeklyOrder, p.weekly);
      if (weekendOrder > 0 && isWeekendDay(dayOfWeek(t)))
        v += fourierDot(phase, weekendOrder, p.weekendDaily);
      const s = Number.isNaN(v) ? Number.NaN : profileAt(p.scaleProfile, t);
      let down = -qLow * s;
      let up = qHigh * s;
      const floor = Math.max(minBandAbs, minBandRel * Math.abs(v));
      if (floor > 0) {
        // Floors only ever widen a half-band, so near-flat series do not alarm on rounding noise.
        if (down < floor) down = floor;
        if (up < floor) up = floor;
      }
      yhat[i] = v;
      scale[i] = s;
      lower[i] = v - down;
      upper[i] = v + up;
    }
    return { timestampsMs: ts, yhat, lower, upper, scale, level: this.intervalWidth };
  }

  tailProbability(z: number): number {
    return this.tail.probability(z);
  }

  shiftTailProbability(z: number): number {
    return (this.shiftTail ?? this.tail).probability(z);
  }

  /** The model file content (JSON-safe: the only non-finite value, a NaN offset, is written as null). */
  toJSON(): SerializedModel {
    const p = this.params;
    const list = (a: Float64Array): number[] => Array.from(a);
    return {
      schema: 'anomalyd.model',
      version: MODEL_FILE_VERSION,
      kind: 'seasonal',
      trainStartMs: p.trainStartMs,
      trainEndMs: p.trainEndMs,
      stepMs: p.stepMs,
      options: { ...p.options },
      components: [...p.components],
      trend: { originMs: p.originMs, changepointsDays: list(p.changepointsDays) },
      orders: {
        daily: p.daily.length / 2,
        weekly: p.weekly.length / 2,
        weekendDaily: p.weekendDaily.length / 2,
      },
      coefficients: {
        offset: Number.isNaN(p.offset) ? null : p.offset,
        level: p.trend[0],
        slopePerDay: p.trend[1],
        changepointDeltas: list(p.trend.subarray(2)),
        daily: list(p.daily),
        weekly: list(p.weekly),
        weekendDaily: list(p.weekendDaily),
      },
      scaleProfile: list(p.scaleProfile),
      residuals: {
        qLow: p.residuals.qLow,
        qHigh: p.residuals.qHigh,
        count: p.residuals.count,
        quantiles: list(p.residuals.quantiles),
        ...(p.residuals.holdoutQuantiles !== undefined
          ? { holdoutQuantiles: list(p.residuals.holdoutQuantiles) }
          : {}),
      },
      metrics: { ...this.metrics },
    };
  }
}

/** Number of hour bins in a pooled scale profile (a day-type-aware one has twice as many). */
export const SCALE_PROFILE_LENGTH = PROFILE_BINS;
