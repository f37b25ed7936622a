import type { Clock } from '../../domain/clock';
import { UserError } from '../../domain/errors';
import { MS_PER_DAY, MS_PER_WEEK } from '../fourier';
import type { Forecast, Forecaster, TrainingInput } from '../types';
import {
  AugursModel,
  type AugursModelFacts,
  checkIntervalWidth,
  copyForecast,
  describeError,
  type ForecastColumns,
  fitQuality,
  nanColumns,
  MONOTONIC_CLOCK,
  supportedSeasonalities,
  usablePoints,
  zForLevel,
} from './common';
import { type WasmForecast, augurs } from './modules';

/** Options of the augurs MSTL adapter. */
export interface MstlForecasterOptions {
  /** Central coverage of the prediction interval, in (0, 1). Default 0.95. */
  readonly intervalWidth: number;
  /**
   * How far past the end of training the model forecasts, ms (> 0). Default 7 days. The forecast is
   * computed once at fit time; later timestamps predict NaN.
   */
  readonly horizonMs: number;
  /**
   * How the forecast interval accounts for the seasonal fit. augurs' MSTL takes its interval from the
   * in-sample remainder, but each seasonal component, estimated from k cycles, absorbs about 1/k of the
   * noise variance in sample and adds about 1/k out of sample: with two weeks of data (k = 2 for the
   * weekly period) its "95%" interval covers about 68% of the next day.
   * - 'seasonal-dof' (default): widen the forecast interval by √((1 + s)/(1 − s)), s = Σ 1/k over the
   *   periods (×1.91 for 2 weeks of 5-minute data, ×1.34 for 4 weeks). In-sample intervals are unchanged.
   * - 'none': augurs' interval as is.
   */
  readonly intervalCorrection: 'seasonal-dof' | 'none';
}

export const DEFAULT_MSTL_OPTIONS: MstlForecasterOptions = Object.freeze({
  intervalWidth: 0.95,
  horizonMs: 7 * MS_PER_DAY,
  intervalCorrection: 'seasonal-dof',
});

/** Cap on s = Σ 1/k in the seasonal-dof correction (never reached with ≥ 2 cycles per period). */
const MAX_SEASONAL_SHARE = 0.75;

/** Upper bound on grid length (training + horizon), so a tiny step on a long span fails with a message. */
export const MAX_MSTL_GRID_POINTS = 2_000_000;

function resolveOptions(given: Partial<MstlForecasterOptions>): MstlForecasterOptions {
  const options = { ...DEFAULT_MSTL_OPTIONS, ...given };
  checkIntervalWidth('mstl', options.intervalWidth);
  if (!(Number.isFinite(options.horizonMs) && options.horizonMs > 0)) {
    throw new UserError(
      `mstl: horizonMs must be a positive number of milliseconds, got ${String(options.horizonMs)}`,
    );
  }
  if (options.intervalCorrection !== 'seasonal-dof' && options.intervalCorrection !== 'none') {
    throw new UserError(
      `mstl: intervalCorrection must be 'seasonal-dof' or 'none', got ${JSON.stringify(options.intervalCorrection)}`,
    );
  }
  return options;
}

/**
 * augurs' MSTL (multiple STL decomposition, AutoETS on the seasonally adjusted trend) behind anomalyd's
 * {@link Forecaster} interface.
 *
 * - Periods: steps per day (with ≥ 2 days of usable data) and steps per week (≥ 14 days), the default
 *   model's rule; a series with less than 2 days of data is refused (MSTL needs a period).
 * - NaN and excluded points are dropped, then the regular grid between the first and last usable point
 *   is filled by linear interpolation (augurs' own imputation fails on gaps at the ends).
 * - Deterministic: same data, same options → same forecast.
 * - Requires `await initAugurs()` first.
 */
export class MstlForecaster implements Forecaster {
  readonly kind = 'mstl' as const;
  readonly options: MstlForecasterOptions;

  private readonly clock: Clock;

  /**
   * @param clock times the fit for `metrics.fitMs` (monotonic this.clock.nowMs() by default).
   * @throws UserError for an out-of-range option.
   */
  constructor(options: Partial<MstlForecasterOptions> = {}, clock: Clock = MONOTONIC_CLOCK) {
    this.options = resolveOptions(options);
    this.clock = clock;
  }

  /**
   * Fits MSTL and computes the in-sample fit and the forecast up to `horizonMs` at once, then frees the
   * WASM object: the returned model is plain JS (its `dispose()` is a no-op, kept for a uniform API).
   * @throws UserError with less than 2 days of data or too long a grid; Error when augurs is not
   * initialised or fails.
   */
  fit(input: TrainingInput): MstlModel {
    const modules = augurs();
    const points = usablePoints(input, 'mstl');
    const { stepMs, trainStartMs, trainEndMs } = points;
    const support = supportedSeasonalities(points);
    const gridLength = Math.round((trainEndMs - trainStartMs) / stepMs) + 1;
    const horizonSteps = Math.ceil(this.options.horizonMs / stepMs);
    if (gridLength + horizonSteps > MAX_MSTL_GRID_POINTS) {
      throw new UserError(
        `mstl: ${gridLength} training + ${horizonSteps} forecast steps of ${stepMs} ms exceed ${MAX_MSTL_GRID_POINTS}; ` +
          'shorten the training window or the horizon',
      );
    }
    const y = regularGrid(points.timestampsMs, points.values, trainStartMs, stepMs, gridLength);
    const stepsPerDay = Math.round(MS_PER_DAY / stepMs);
    const stepsPerWeek = Math.round(MS_PER_WEEK / stepMs);
    const periods: number[] = [];
    const components = ['trend'];
    if (support.daily && stepsPerDay >= 2 && gridLength >= 2 * stepsPerDay) {
      periods.push(stepsPerDay);
      components.push('daily');
    }
    if (support.weekly && gridLength >= 2 * stepsPerWeek) {
      periods.push(stepsPerWeek);
      components.push('weekly');
    }
    if (periods.length === 0) {
      throw new UserError(
        `mstl: needs at least 2 days of data to find a daily period, got ${((points.values.length * stepMs) / MS_PER_DAY).toFixed(2)} days; ` +
          'use model.kind "seasonal" for short histories',
      );
    }

    const level = this.options.intervalWidth;
    const started = this.clock.nowMs();
    const handle = modules.MSTL.ets(periods);
    let inSample: WasmForecast;
    let future: WasmForecast;
    let fitMs: number;
    try {
      handle.fit(y);
      fitMs = this.clock.nowMs() - started;
      inSample = handle.predictInSample(level);
      future = handle.predict(horizonSteps, level);
    } catch (error) {
      throw new Error(
        `mstl: augurs failed on ${gridLength} points (periods ${periods.join(', ')}): ${describeError(error)}`,
        { cause: error },
      );
    } finally {
      handle.free();
    }
    const forecastMs = this.clock.nowMs() - started - fitMs;

    const z = zForLevel(level);
    const all = nanColumns(gridLength + horizonSteps);
    const identity = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
    const inPart = nanColumns(gridLength);
    copyForecast(inSample, identity(gridLength), z, inPart, 'mstl in-sample');
    const outPart = nanColumns(horizonSteps);
    copyForecast(future, identity(horizonSteps), z, outPart, 'mstl forecast');
    const widening = this.options.intervalCorrection === 'none' ? 1 : seasonalWidening(periods, gridLength);
    if (widening !== 1) widen(outPart, widening);
    for (const key of ['yhat', 'lower', 'upper', 'scale'] as const) {
      all[key].set(inPart[key], 0);
      all[key].set(outPart[key], gridLength);
    }
    const fittedAtPoints = Float64Array.from(
      points.timestampsMs,
      (t) => inPart.yhat[Math.round((t - trainStartMs) / stepMs)],
    );
    const quality = fitQuality(points.values, fittedAtPoints);
    return new MstlModel(all, {
      options: this.options,
      components,
      stepMs,
      trainStartMs,
      trainEndMs,
      metrics: {
        trainPoints: points.values.length,
        ...quality,
        fitMs,
        forecastMs,
        intervalWidening: widening,
      },
      augursVersion: modules.version,
    });
  }
}

/** √((1 + s)/(1 − s)) with s = Σ 1/k, k = cycles of each period in the training grid. */
export function seasonalWidening(periods: readonly number[], gridLength: number): number {
  let share = 0;
  for (const period of periods) share += period / gridLength;
  share = Math.min(share, MAX_SEASONAL_SHARE);
  return Math.sqrt((1 + share) / (1 - share));
}

function widen(columns: ForecastColumns, factor: number): void {
  const { yhat, lower, upper, scale } = columns;
  for (let i = 0; i < yhat.length; i++) {
    lower[i] = yhat[i] - factor * (yhat[i] - lower[i]);
    upper[i] = yhat[i] + factor * (upper[i] - yhat[i]);
    scale[i] *= factor;
  }
}

/** Values on the grid start + k·step, k < length; gaps filled linearly (ends are usable points). */
function regularGrid(
  timestampsMs: Float64Array,
  values: Float64Array,
  startMs: number,
  stepMs: number,
  length: number,
): Float64Array {
  const y = new Float64Array(length).fill(Number.NaN);
  // Points sharing a grid slot are averaged.
  const counts = new Uint32Array(length);
  for (let i = 0; i < timestampsMs.length; i++) {
    const k = Math.round((timestampsMs[i] - startMs) / stepMs);
    y[k] = counts[k] === 0 ? values[i] : y[k] + values[i];
    counts[k]++;
  }
  let last = -1;
  for (let k = 0; k < length; k++) {
    if (counts[k] === 0) continue;
    if (counts[k] > 1) y[k] /= counts[k];
    for (let g = last + 1; g < k; g++) y[g] = y[last] + ((y[k] - y[last]) * (g - last)) / (k - last);
    last = k;
  }
  return y;
}

/** A fitted MSTL model: the in-sample fit and the forecast on the grid, in plain typed arrays. */
export class MstlModel extends AugursModel<MstlForecasterOptions> {
  readonly kind = 'mstl' as const;
  private readonly grid: ForecastColumns;

  constructor(grid: ForecastColumns, facts: AugursModelFacts<MstlForecasterOptions>) {
    super(facts);
    this.grid = grid;
  }

  /**
   * The forecast at the grid step nearest each timestamp: in-sample fitted values inside the training span,
   * the h-step-ahead forecast after it (h = steps from the training end, up to `horizonMs`), NaN before the
   * training start, past the horizon, or for a non-finite timestamp.
   */
  predict(timestampsMs: ArrayLike<number>): Forecast {
    const ts = Float64Array.from(timestampsMs);
    const out = nanColumns(ts.length);
    const size = this.grid.yhat.length;
    for (let i = 0; i < ts.length; i++) {
      const k = Math.round((ts[i] - this.trainStartMs) / this.stepMs);
      if (!(k >= 0 && k < size)) continue;
      out.yhat[i] = this.grid.yhat[k];
      out.lower[i] = this.grid.lower[k];
      out.upper[i] = this.grid.upper[k];
      out.scale[i] = this.grid.scale[k];
    }
    return { timestampsMs: ts, ...out, level: this.intervalWidth };
  }

  /** No-op: the WASM object was freed at fit time. */
  dispose(): void {}
}
