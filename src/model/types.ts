import type { TimeSeries } from '../domain/timeSeries';
import type { TransformChoice, ValueTransform } from './valueTransform';

export type ModelKind = 'seasonal' | 'prophet' | 'mstl';

/** Options of the default seasonal forecaster. Every field has a default in DEFAULT_SEASONAL_OPTIONS. */
export interface SeasonalOptions {
  /** Central coverage of the prediction interval, in (0, 1). Default 0.95. */
  readonly intervalWidth: number;
  /** Fourier order of the daily component. Default 10. */
  readonly dailyOrder: number;
  /** Fourier order of the weekly component. Default 3. */
  readonly weeklyOrder: number;
  /** Give weekend days (Sat, Sun) their own daily shape. Default true (when weekly data suffices). */
  readonly weekendDailyShape: boolean;
  /**
   * Learn a per-bin daily residual profile for sharp daily steps the Fourier shape cannot follow, kept only
   * when it predicts held-out data better (model/dailyProfile.ts). Default true.
   */
  readonly dailyProfile: boolean;
  /** Number of potential trend changepoints, placed uniformly over the first 80% of the history. Default 20. */
  readonly changepoints: number;
  /** Ridge penalty on changepoint slope changes (larger = stiffer trend). Default 10. */
  readonly changepointPenalty: number;
  /** Minimum absolute half-band width, in the series' units. Default 0 (off). */
  readonly minBandAbs: number;
  /** Minimum half-band width relative to |forecast|, e.g. 0.05 = 5%. Default 0 (off). */
  readonly minBandRel: number;
  /** Fraction of the history (its tail) held out to calibrate the intervals out of sample. Default 0.2. */
  readonly calibrationFraction: number;
  /**
   * Fit on the log scale: `auto` (default) when the history's noise grows in proportion to its level
   * (latencies, rates; model/valueTransform.ts), `log` whenever it has positive values, `none` never.
   */
  readonly transform: TransformChoice;
}

/** A point-wise forecast with its interval, column-wise. */
export interface Forecast {
  readonly timestampsMs: Float64Array;
  readonly yhat: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /**
   * The residual scale at each point (time-of-day dependent). A standardised residual is
   * z = (actual - yhat) / scale, and the band is [yhat + qLow*scale, yhat + qHigh*scale] before floors.
   */
  readonly scale: Float64Array;
  /** The interval's nominal central coverage. */
  readonly level: number;
}

/** Training input: the series plus an optional mask of points to leave out (e.g. inside anomaly episodes). */
export interface TrainingInput extends TimeSeries {
  /** 1 = exclude this point from fitting and calibration. */
  readonly exclude?: Uint8Array;
}

/** Facts about a fit, saved in the model file. */
export interface FitMetrics {
  readonly trainPoints: number;
  readonly residualMad: number;
  readonly rSquared: number;
  readonly fitMs?: number;
  readonly [key: string]: number | undefined;
}

/** The JSON form of a fitted model (versioned; see model/serialize.ts). */
export interface SerializedModel {
  readonly schema: 'anomalyd.model';
  readonly version: number;
  readonly kind: ModelKind;
  readonly [key: string]: unknown;
}

/**
 * A fitted model. Pure and deterministic: same input, same options, same bytes.
 */
export interface FittedModel {
  readonly kind: ModelKind;
  /** Nominal interval width the model was calibrated for. */
  readonly intervalWidth: number;
  /** Names of the components the data supported, e.g. ['trend', 'daily', 'weekly']. */
  readonly components: readonly string[];
  readonly stepMs: number;
  readonly trainStartMs: number;
  readonly trainEndMs: number;
  readonly metrics: FitMetrics;
  /**
   * The scale the model works on when it is not the series' own units (model/valueTransform.ts): `predict`
   * then forecasts, and `tailProbability` reads residuals, on `toModelScale(valueTransform, value)`, and
   * `fromModelScale` maps a forecast back. Undefined: the series' own units.
   */
  readonly valueTransform?: ValueTransform;
  /** Forecast at arbitrary timestamps (past or future), on the model's scale (see `valueTransform`). */
  predict(timestampsMs: ArrayLike<number>): Forecast;
  /**
   * Two-sided tail probability P(|Z| >= |z|) of a standardised residual under the calibrated, out-of-sample
   * residual distribution. In [0, 1]; 1 at z = 0.
   */
  tailProbability(z: number): number;
  /**
   * The tail probability the sustained-shift rule reads residuals under (their normal-equivalent size,
   * detect/normalScore.ts), when it differs from `tailProbability`: the hold-out's out-of-sample distribution
   * alone, without the pooled history whose own incidents (drifts, missing peaks, shifts) fatten the tails.
   */
  shiftTailProbability?(z: number): number;
  toJSON(): SerializedModel;
  /** Frees resources held outside the JS heap (WASM memory of augurs models). Safe to call twice. */
  dispose?(): void;
}

/** Something that can fit a model to a series. */
export interface Forecaster {
  readonly kind: ModelKind;
  fit(input: TrainingInput): FittedModel;
}
