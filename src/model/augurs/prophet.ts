import type { Clock } from '../../domain/clock';
import { UserError } from '../../domain/errors';
import type { Forecast, Forecaster, TrainingInput } from '../types';
import {
  AugursModel,
  type AugursModelFacts,
  checkIntervalWidth,
  copyForecast,
  describeError,
  nanColumns,
  MONOTONIC_CLOCK,
  supportedSeasonalities,
  usablePoints,
  zForLevel,
} from './common';
import { type ProphetHandle, type ProphetSeasonalityOption, augurs } from './modules';

/** Options of the augurs Prophet adapter. */
export interface ProphetForecasterOptions {
  /** Central coverage of Prophet's prediction interval, in (0, 1). Default 0.95 (Prophet's own default is 0.8). */
  readonly intervalWidth: number;
  /**
   * Draws Prophet simulates to estimate its intervals (integer, 1..100000). Default 1000, Prophet's
   * default. The cost of `predict` is proportional to it: about 0.5 ms per predicted point at 1000.
   */
  readonly uncertaintySamples: number;
}

export const DEFAULT_PROPHET_OPTIONS: ProphetForecasterOptions = Object.freeze({
  intervalWidth: 0.95,
  uncertaintySamples: 1000,
});

const MAX_UNCERTAINTY_SAMPLES = 100_000;

function resolveOptions(given: Partial<ProphetForecasterOptions>): ProphetForecasterOptions {
  const options = { ...DEFAULT_PROPHET_OPTIONS, ...given };
  checkIntervalWidth('prophet', options.intervalWidth);
  const samples = options.uncertaintySamples;
  if (!(Number.isInteger(samples) && samples >= 1 && samples <= MAX_UNCERTAINTY_SAMPLES)) {
    throw new UserError(
      `prophet: uncertaintySamples must be an integer between 1 and ${MAX_UNCERTAINTY_SAMPLES}, got ${String(samples)}`,
    );
  }
  return options;
}

const manual = (enabled: boolean): ProphetSeasonalityOption => ({ type: 'manual', enabled });

/**
 * augurs' Prophet (MLE via the WASM Stan optimizer) behind anomalyd's {@link Forecaster} interface.
 *
 * - NaN and excluded points are dropped; timestamps go to Prophet in epoch seconds.
 * - Daily / weekly seasonality are forced on when the data supports them (the default model's rule:
 *   ≥ 2 / ≥ 14 days of usable points) and off otherwise; Prophet's own "auto" would drop weekly
 *   seasonality for exactly two weeks of data. Yearly seasonality is off (anomalyd fits days to weeks).
 * - Requires `await initAugurs()` first.
 *
 * Determinism: the point forecast is deterministic; the interval bounds are not bit-identical between runs,
 * because augurs samples Prophet's uncertainty with an unseeded random generator.
 */
export class ProphetForecaster implements Forecaster {
  readonly kind = 'prophet' as const;
  readonly options: ProphetForecasterOptions;

  private readonly clock: Clock;

  /**
   * @param clock times the fit for `metrics.fitMs` (monotonic this.clock.nowMs() by default).
   * @throws UserError for an out-of-range option.
   */
  constructor(options: Partial<ProphetForecasterOptions> = {}, clock: Clock = MONOTONIC_CLOCK) {
    this.options = resolveOptions(options);
    this.clock = clock;
  }

  /**
   * Fits Prophet. The returned model holds the WASM Prophet object (its predict needs it): call
   * `dispose()` when done.
   * @throws UserError with fewer than 2 usable points; Error when augurs is not initialised or fails.
   */
  fit(input: TrainingInput): ProphetModel {
    const modules = augurs();
    const points = usablePoints(input, 'prophet');
    const support = supportedSeasonalities(points);
    const ds = Array.from(points.timestampsMs, (t) => Math.round(t / 1000));
    const started = this.clock.nowMs();
    const handle = new modules.Prophet({
      optimizer: modules.optimizer,
      intervalWidth: this.options.intervalWidth,
      uncertaintySamples: this.options.uncertaintySamples,
      dailySeasonality: manual(support.daily),
      weeklySeasonality: manual(support.weekly),
      yearlySeasonality: manual(false),
    });
    try {
      handle.fit({ ds, y: points.values });
    } catch (error) {
      handle.free();
      throw new Error(`prophet: augurs fit failed on ${ds.length} points: ${describeError(error)}`, {
        cause: error,
      });
    }
    const fitMs = this.clock.nowMs() - started;
    const components = ['trend', ...(support.daily ? ['daily'] : []), ...(support.weekly ? ['weekly'] : [])];
    return new ProphetModel(handle, {
      options: this.options,
      components,
      stepMs: points.stepMs,
      trainStartMs: points.trainStartMs,
      trainEndMs: points.trainEndMs,
      // An in-sample prediction (for residual metrics) costs as much as predicting the whole history with
      // uncertainty sampling — ~20 s at 40k points — so Prophet reports none (NaN, null in JSON).
      metrics: { trainPoints: ds.length, residualMad: Number.NaN, rSquared: Number.NaN, fitMs },
      augursVersion: modules.version,
    });
  }
}

/**
 * A fitted Prophet model. It keeps the WASM Prophet object, because augurs offers no way to predict
 * without it: call {@link ProphetModel.dispose} when done (the bench does after each run).
 */
export class ProphetModel extends AugursModel<ProphetForecasterOptions> {
  readonly kind = 'prophet' as const;
  private handle: ProphetHandle | undefined;
  private readonly z: number;

  constructor(handle: ProphetHandle, facts: AugursModelFacts<ProphetForecasterOptions>) {
    super(facts);
    this.handle = handle;
    this.z = zForLevel(this.intervalWidth);
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this.handle === undefined;
  }

  /**
   * Prophet's forecast at any timestamps (epoch ms, rounded to whole seconds); NaN for a non-finite one.
   * scale = (upper − lower) / (2·z) with z the normal quantile of the interval width.
   * @throws Error after {@link dispose}.
   */
  predict(timestampsMs: ArrayLike<number>): Forecast {
    const handle = this.handle;
    if (handle === undefined) throw new Error('prophet: predict called on a disposed model; fit a new one');
    const ts = Float64Array.from(timestampsMs);
    const out = nanColumns(ts.length);
    const ds: number[] = [];
    const index = new Int32Array(ts.length).fill(-1);
    for (let i = 0; i < ts.length; i++) {
      if (!Number.isFinite(ts[i])) continue;
      index[i] = ds.length;
      ds.push(Math.round(ts[i] / 1000));
    }
    if (ds.length > 0) {
      let predicted;
      try {
        predicted = handle.predict({ ds });
      } catch (error) {
        throw new Error(
          `prophet: augurs predict failed on ${ds.length} timestamps: ${describeError(error)}`,
          {
            cause: error,
          },
        );
      }
      copyForecast(predicted.yhat, index, this.z, out, 'prophet');
    }
    return { timestampsMs: ts, ...out, level: this.intervalWidth };
  }

  /** Frees the WASM Prophet object. Idempotent. */
  dispose(): void {
    const handle = this.handle;
    this.handle = undefined;
    handle?.free();
  }
}
