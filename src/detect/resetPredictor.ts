import type { MutableForecastPoint } from './oneStep';
import type { ForecastPoint } from './score';
import { TrustedResidual } from './trustedResidual';

/**
 * One-step prediction for a series with routine resets (a heap that grows between GCs and drops back at
 * each): the next residual is the last trusted one plus the steady growth per step the training history
 * shows between resets (the model's `resetGrowth`, in model z units), so
 *   yhat' = yhat + (z₀ + g·k)·scale
 * k samples after the last trusted residual z₀ — the previous actual, plus the growth, plus the model's own
 * seasonal change since then. The band is the model's half-band (the mean of its two halves: a one-step
 * error is a fresh, roughly symmetric innovation) times the measured width of this predictor's errors
 * (`resetStepRatio`) and √k, so it is narrow and follows the heap wherever it is in its cycle. The AR(1)
 * correction (φ ≈ 0.98) instead drifts back towards the model, lagging the climb by (1 − φ)·z every step:
 * the heap sat 1-3 half-bands off the model for hours after each GC, and its runs became band and drift
 * episodes.
 *
 * Once √k times the ratio reaches 1 (a long gap) the prediction is no better than the model's and the
 * model's point is used. A trusted residual carries at most `clip` half-bands of news (so a level
 * shift is flagged before it is absorbed), and points inside an episode are never trusted — as for
 * `OneStepCorrection`. Pure and deterministic.
 */
export class ResetPredictor extends TrustedResidual {
  private growth = 0;
  private ratio = 1;

  constructor(
    stepMs: number | undefined,
    private readonly clip = 1,
  ) {
    super(stepMs);
  }

  /** Whether the model taught it anything (`learn` with a finite growth and a ratio in (0, 1)). */
  get active(): boolean {
    return this.ratio < 1;
  }

  /** Adopts a new model's growth and error ratio and forgets the old model's residual. */
  learn(growth: number | undefined, ratio: number | undefined): void {
    const known = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);
    if (known(growth) && known(ratio) && ratio > 0 && ratio < 1) {
      this.growth = growth;
      this.ratio = ratio;
    } else {
      this.growth = 0;
      this.ratio = 1;
    }
    this.forget();
  }

  /**
   * Spread of a k-step prediction relative to the model's band (≥ 1: no better than the model, and so
   * beyond {@link MAX_STEPS}).
   */
  private spread(k: number): number {
    return k > MAX_STEPS ? 1 : this.ratio * Math.sqrt(k);
  }

  /**
   * The predicted point at `timestampMs`, written into `into`; the model's point itself when there is no
   * trusted residual or the prediction is no narrower than the model's band.
   */
  correct(timestampMs: number, point: ForecastPoint, into: MutableForecastPoint): ForecastPoint {
    const k = this.stepsSinceTrusted(timestampMs);
    if (k === 0 || !Number.isFinite(point.yhat) || !(point.scale > 0) || !Number.isFinite(point.scale)) {
      return point;
    }
    const spread = this.spread(k);
    if (!(spread < 1)) return point;
    const yhat = point.yhat + (this.trustedZ + this.growth * k) * point.scale;
    const half = 0.5 * (point.upper - point.lower) * spread;
    into.yhat = yhat;
    into.lower = yhat - half;
    into.upper = yhat + half;
    into.scale = point.scale * spread;
    return into;
  }

  /**
   * Records the outcome at `timestampMs` (`z` standardised by the model's scale, NaN when missing;
   * `trusted` false inside episodes). `resync` takes the residual whole: a reset restarts the prediction
   * from the new value.
   */
  update(timestampMs: number, z: number, trusted: boolean, resync = false): void {
    if (!this.see(timestampMs)) return;
    if (!trusted || !Number.isFinite(z)) return;
    const k = this.stepsSinceTrusted(timestampMs);
    if (k === 0 || resync || !(this.spread(k) < 1)) {
      this.trustedZ = z;
      this.trustedMs = timestampMs;
      return;
    }
    const predicted = this.trustedZ + this.growth * k;
    // The band's half in model z units: the model's half-band is about 1.96 z.
    const limit = this.clip * this.spread(k) * HALF_BAND_Z;
    this.trustedZ = predicted + Math.min(limit, Math.max(-limit, z - predicted));
    this.trustedMs = timestampMs;
  }
}

/**
 * Steps after the last trusted residual beyond which the prediction is dropped for the model's: inside an
 * episode no residual is trusted, and a growth extrapolated for hours from a stale residual put a heap that
 * had stopped growing (or dropped at GC meanwhile) 20-40 narrow bands off its prediction for the rest of the
 * episode. Within half an hour a leak or a level shift is measured against the heap's own recent course
 * (12 steps: 0.777 / 0.723 recall, 0.313 / 0.268 false alarms on the tuning / held-out hosts; 6: 0.786 /
 * 0.750 and 0.313 / 0.259).
 */
const MAX_STEPS = 6;

/**
 * The model's half-band in z units (its residual's central 95% interval is about ±2): converts the error
 * ratio, a share of the band, to z units for the clip.
 */
const HALF_BAND_Z = 1.96;
