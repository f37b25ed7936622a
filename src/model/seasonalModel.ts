import { MS_PER_DAY, dayOfWeek, dayPhase, fourierDot, isWeekendDay, weekPhase } from './fourier';
import { PROFILE_BINS, type ResidualDistribution, TailModel, profileAt } from './calibration';
import { trendAt } from './trend';
import { dailyProfileIndex } from './dailyProfile';
import type { FitMetrics, Forecast, FittedModel, SeasonalOptions, SerializedModel } from './types';
import { fromModelScale, toModelScale, type ValueTransform } from './valueTransform';

/**
 * Version of the model file this code writes (2: the scale profile may have a weekend half, 48 entries;
 * 3: `coefficients.weekendLevel`, a step added on Saturday and Sunday, 0 in older files; 4: `dailyProfile`,
 * the per-bin daily residual profile, absent (none) in older files; 5: `transform`, the log scale, absent
 * (the series' units) in older files, and `options.transform`).
 */
export const MODEL_FILE_VERSION = 5;

/** Component names as they appear in `FittedModel.components` and in model files. */
export const COMPONENT_NAMES = [
  'level',
  'trend',
  'daily',
  'weekly',
  'weekend_daily',
  'daily_profile',
] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** The daily residual profile as a model holds it (see {@link SeasonalModelParams.dailyProfile}). */
export interface DailyProfileParams {
  readonly binMs: number;
  readonly offsetMs: number;
  readonly values: Float64Array;
}

/**
 * Everything a fitted seasonal (or fallback level) model needs to predict, on the model's scale (the series'
 * own units, or their log when `valueTransform` is set). Both the fit and the model-file loader build the
 * model from this, which is what makes a loaded model bit-identical.
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
  /** [level, slope per day, slope change at each changepoint (per day)], model units. */
  readonly trend: Float64Array;
  /** Fourier coefficients [sin₁, cos₁, sin₂, …]; length 2·order, empty when the component is off. */
  readonly daily: Float64Array;
  readonly weekly: Float64Array;
  readonly weekendDaily: Float64Array;
  /** Added on weekend days (UTC Saturday and Sunday) with the weekend daily shape; 0 without it. */
  readonly weekendLevel: number;
  /**
   * The daily residual profile (model/dailyProfile.ts), on the model's scale: `values` has one entry per
   * time-of-day bin of width `binMs` starting at `offsetMs` (then as many for weekend days when split);
   * absent or empty when the component is off.
   */
  readonly dailyProfile?: DailyProfileParams;
  /** Residual scale per UTC hour (24 values), model units, > 0. */
  readonly scaleProfile: Float64Array;
  readonly residuals: ResidualDistribution;
  readonly metrics: FitMetrics;
  /** The scale the model works on (model/valueTransform.ts); absent: the series' own units. */
  readonly valueTransform?: ValueTransform;
}

/**
 * The model's arrays in the order {@link SeasonalModel} packs them into its one buffer: changepoint days,
 * trend, daily, weekly and weekend-daily coefficients, scale profile, residual quantiles, hold-out quantiles
 * (empty when absent), fit metric values, daily profile values (empty without the component).
 */
const PART_CHANGEPOINTS = 0;
const PART_TREND = 1;
const PART_DAILY = 2;
const PART_WEEKLY = 3;
const PART_WEEKEND_DAILY = 4;
const PART_SCALE_PROFILE = 5;
const PART_QUANTILES = 6;
const PART_HOLDOUT_QUANTILES = 7;
const PART_METRICS = 8;
const PART_DAILY_PROFILE = 9;

/**
 * One buffer holding copies of `arrays` back to back, with -0 made 0 (it would not survive JSON, it prints
 * as 0, so it never enters a model), and where each ends. One buffer and one view: a daemon keeps a model
 * per series, and each ArrayBuffer costs a few hundred bytes of headers and allocator overhead besides its
 * data, each view ~100 bytes of heap.
 */
function packedPositiveZero(arrays: readonly ArrayLike<number>[]): { data: Float64Array; ends: number[] } {
  let total = 0;
  for (const a of arrays) total += a.length;
  const data = new Float64Array(total);
  const ends: number[] = [];
  let offset = 0;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) data[offset + i] = values[i] === 0 ? 0 : values[i];
    offset += values.length;
    ends.push(offset);
  }
  return { data, ends };
}

function cleanNumber(x: number): number {
  return x === 0 ? 0 : x;
}

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

/**
 * A fitted 'seasonal' model. Construct through the forecaster or `loadModel`.
 *
 * Laid out for a daemon that keeps one per series (10,000 and more): every array, the fit metrics included,
 * lives in one buffer behind one view (see {@link part}), the metrics under a key list shared across models;
 * as nine views and a plain frozen metrics object the same model took ~2 KB more heap.
 */
export class SeasonalModel implements FittedModel {
  readonly kind = 'seasonal' as const;
  readonly intervalWidth: number;
  readonly components: readonly string[];
  readonly stepMs: number;
  readonly trainStartMs: number;
  readonly trainEndMs: number;
  readonly valueTransform: ValueTransform | undefined;
  private readonly options: SeasonalOptions;
  /** Time origin of the trend, epoch ms. */
  private readonly originMs: number;
  /** Constant added to every forecast; NaN when no training point was usable. */
  private readonly offset: number;
  private readonly weekendLevel: number;
  /** The daily profile's bin width and grid offset, ms (0 without a profile). */
  private readonly profileBinMs: number;
  private readonly profileOffsetMs: number;
  private readonly qLow: number;
  private readonly qHigh: number;
  private readonly calibrationCount: number;
  /** The packed arrays (see the PART_ constants) and where each ends in `data`. */
  private readonly data: Float64Array;
  private readonly ends: readonly number[];
  private readonly metricKeys: readonly string[];
  private readonly tail: TailModel;
  /** The hold-out's own distribution (`ResidualDistribution.holdoutQuantiles`), when the model has it. */
  private readonly shiftTail: TailModel | undefined;

  constructor(params: SeasonalModelParams) {
    const { metrics, residuals } = params;
    // Keys whose value is undefined are left out: they are absent from the model file either way.
    const metricKeys = Object.keys(metrics).filter((key) => metrics[key] !== undefined);
    const { data, ends } = packedPositiveZero([
      params.changepointsDays,
      params.trend,
      params.daily,
      params.weekly,
      params.weekendDaily,
      params.scaleProfile,
      residuals.quantiles,
      residuals.holdoutQuantiles ?? [],
      metricKeys.map((key) => metrics[key] ?? Number.NaN),
      params.dailyProfile?.values ?? [],
    ]);
    this.options = params.options;
    this.intervalWidth = params.options.intervalWidth;
    this.components = Object.freeze([...params.components]);
    this.stepMs = params.stepMs;
    this.trainStartMs = params.trainStartMs;
    this.trainEndMs = params.trainEndMs;
    this.valueTransform =
      params.valueTransform !== undefined ? Object.freeze({ ...params.valueTransform }) : undefined;
    this.originMs = params.originMs;
    this.offset = cleanNumber(params.offset);
    this.weekendLevel = cleanNumber(params.weekendLevel);
    this.profileBinMs = params.dailyProfile?.binMs ?? 0;
    this.profileOffsetMs = params.dailyProfile?.offsetMs ?? 0;
    this.qLow = cleanNumber(residuals.qLow);
    this.qHigh = cleanNumber(residuals.qHigh);
    this.calibrationCount = residuals.count;
    this.data = data;
    this.ends = ends;
    this.metricKeys = sharedKeyList(metricKeys);
    this.tail = new TailModel(this.part(PART_QUANTILES));
    const held = this.part(PART_HOLDOUT_QUANTILES);
    this.shiftTail = held.length > 0 ? new TailModel(held) : undefined;
  }

  /** A view of one packed array (made per call: views are what the packing saves). */
  private part(k: number): Float64Array {
    return this.data.subarray(k === 0 ? 0 : this.ends[k - 1], this.ends[k]);
  }

  /**
   * The fit metrics, built from the packed values on each read (a new frozen object each time: read it once
   * and keep the object where several metrics are needed, as the detector does per refit).
   */
  get metrics(): FitMetrics {
    const out: Record<string, number | undefined> = {};
    const values = this.part(PART_METRICS);
    for (let i = 0; i < this.metricKeys.length; i++) out[this.metricKeys[i]] = values[i];
    return Object.freeze(out) as FitMetrics;
  }

  /**
   * Forecast at arbitrary timestamps (epoch ms, any order), on the model's scale. Beyond the training end the
   * trend continues with its last slope. A model trained on no usable point returns NaN everywhere.
   */
  predict(timestampsMs: ArrayLike<number>): Forecast {
    const n = timestampsMs.length;
    const changepointsDays = this.part(PART_CHANGEPOINTS);
    const trend = this.part(PART_TREND);
    const daily = this.part(PART_DAILY);
    const weekly = this.part(PART_WEEKLY);
    const weekendDaily = this.part(PART_WEEKEND_DAILY);
    const scaleProfile = this.part(PART_SCALE_PROFILE);
    const dailyProfile = this.part(PART_DAILY_PROFILE);
    const hasProfile = dailyProfile.length > 0;
    const { profileBinMs, profileOffsetMs } = this;
    const profileBins = hasProfile ? Math.round(MS_PER_DAY / profileBinMs) : 0;
    const profileSplit = hasProfile && dailyProfile.length === 2 * profileBins;
    const ts = Float64Array.from(timestampsMs);
    const yhat = new Float64Array(n);
    const lower = new Float64Array(n);
    const upper = new Float64Array(n);
    const scale = new Float64Array(n);
    const dailyOrder = daily.length / 2;
    const weeklyOrder = weekly.length / 2;
    const weekendOrder = weekendDaily.length / 2;
    const { qLow, qHigh, offset, originMs, weekendLevel, valueTransform } = this;
    const { minBandAbs, minBandRel } = this.options;
    for (let i = 0; i < n; i++) {
      const t = ts[i];
      const phase = dayPhase(t);
      let v = offset + trendAt((t - originMs) / MS_PER_DAY, trend, changepointsDays);
      v += fourierDot(phase, dailyOrder, daily);
      if (weeklyOrder > 0) v += fourierDot(weekPhase(t), weeklyOrder, weekly);
      const weekend = (weekendOrder > 0 || profileSplit) && isWeekendDay(dayOfWeek(t));
      if (weekendOrder > 0 && weekend) v += fourierDot(phase, weekendOrder, weekendDaily) + weekendLevel;
      if (hasProfile) {
        v +=
          dailyProfile[
            dailyProfileIndex(t, profileBinMs, profileOffsetMs, profileBins, profileSplit && weekend)
          ];
      }
      const s = Number.isNaN(v) ? Number.NaN : profileAt(scaleProfile, t);
      let down = -qLow * s;
      let up = qHigh * s;
      if (valueTransform === undefined) {
        const floor = Math.max(minBandAbs, minBandRel * Math.abs(v));
        if (floor > 0) {
          // Floors only ever widen a half-band, so near-flat series do not alarm on rounding noise.
          if (down < floor) down = floor;
          if (up < floor) up = floor;
        }
      } else if (minBandAbs > 0 || minBandRel > 0) {
        // The floors are in the series' units: the band is widened there and mapped back.
        const value = fromModelScale(valueTransform, v);
        const floor = Math.max(minBandAbs, minBandRel * Math.abs(value));
        const downFloor = v - toModelScale(valueTransform, value - floor);
        const upFloor = toModelScale(valueTransform, value + floor) - v;
        if (down < downFloor) down = downFloor;
        if (up < upFloor) up = upFloor;
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
    const list = (k: number): number[] => Array.from(this.part(k));
    const trend = this.part(PART_TREND);
    const held = this.part(PART_HOLDOUT_QUANTILES);
    return {
      schema: 'anomalyd.model',
      version: MODEL_FILE_VERSION,
      kind: 'seasonal',
      trainStartMs: this.trainStartMs,
      trainEndMs: this.trainEndMs,
      stepMs: this.stepMs,
      options: { ...this.options },
      components: [...this.components],
      ...(this.valueTransform !== undefined ? { transform: { ...this.valueTransform } } : {}),
      trend: { originMs: this.originMs, changepointsDays: list(PART_CHANGEPOINTS) },
      orders: {
        daily: this.part(PART_DAILY).length / 2,
        weekly: this.part(PART_WEEKLY).length / 2,
        weekendDaily: this.part(PART_WEEKEND_DAILY).length / 2,
      },
      coefficients: {
        offset: Number.isNaN(this.offset) ? null : this.offset,
        level: trend[0],
        slopePerDay: trend[1],
        changepointDeltas: Array.from(trend.subarray(2)),
        daily: list(PART_DAILY),
        weekly: list(PART_WEEKLY),
        weekendDaily: list(PART_WEEKEND_DAILY),
        weekendLevel: this.weekendLevel,
      },
      ...(this.profileBinMs > 0
        ? {
            dailyProfile: {
              binMs: this.profileBinMs,
              offsetMs: this.profileOffsetMs,
              values: list(PART_DAILY_PROFILE),
            },
          }
        : {}),
      scaleProfile: list(PART_SCALE_PROFILE),
      residuals: {
        qLow: this.qLow,
        qHigh: this.qHigh,
        count: this.calibrationCount,
        quantiles: list(PART_QUANTILES),
        ...(held.length > 0 ? { holdoutQuantiles: Array.from(held) } : {}),
      },
      metrics: { ...this.metrics },
    };
  }
}

/** Number of hour bins in a pooled scale profile (a day-type-aware one has twice as many). */
export const SCALE_PROFILE_LENGTH = PROFILE_BINS;
