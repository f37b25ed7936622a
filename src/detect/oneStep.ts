import type { ForecastPoint } from './score';
import { TrustedResidual } from './trustedResidual';

/** A forecast point a caller may overwrite (scratch space for `OneStepCorrection.correct`). */
export type MutableForecastPoint = { -readonly [K in keyof ForecastPoint]: ForecastPoint[K] };

/**
 * One-step-ahead correction of a seasonal forecast by the residual's lag-1 autocorrelation φ (an AR(1) on
 * the standardised residual z = (actual − yhat) / scale).
 *
 * Model residuals persist: noise is autocorrelated and a model misses a busy day or a slow wave for hours.
 * Judged against the plain forecast, every such excursion that leaves the 95% band for a few samples looks
 * like an incident. Given the last trusted residual z₀, k samples back, the AR(1) forecast of the next one is
 * φᵏ·z₀ with standard deviation √(1 − φ²ᵏ) (in units of the marginal one), so the corrected point is
 *   yhat' = yhat + φᵏ·z₀·scale,   half-bands and scale × √(1 − φ²ᵏ).
 * One sample after a trusted one the band is narrow and follows the series; the longer the gap, the closer
 * it is to the model's own forecast and band. The model's half-bands may differ (its calibrated residual
 * distribution is skewed, or its 2.5% tails were estimated from a few days of strongly autocorrelated
 * residuals); a one-step error is mostly a fresh innovation, so the corrected half-bands are drawn towards
 * their mean by φ²ᵏ, the share of the residual the correction explains. On the simulated metrics this
 * halved cpu false episodes (lopsided bands flagged ordinary noise on their narrow side).
 *
 * A residual is trusted (becomes z₀) only when its point belongs to no episode, and then only up to
 * `clip` one-step standard deviations beyond the prediction: a sudden level shift is therefore not absorbed
 * before it is flagged, and once its episode opens the correction decays back to the model (the episode's
 * points are never trusted), so a sustained anomaly stays measured against the model's forecast and band
 * — as without the correction — until it ends.
 *
 * Pure and deterministic.
 */
/** The one-step spread is never below this share of AR(1)'s √(1 − φ²) (see `OneStepCorrection.reset`). */
export const ONE_STEP_FLOOR_OF_AR1 = 0.5;

export class OneStepCorrection extends TrustedResidual {
  private phi = 0;
  /** c in the k-step variance 1 − c·φ²ᵏ (c = 1 for AR(1); see `reset`). */
  private excess = 1;

  /**
   * @param clip largest one-step innovation, in one-step standard deviations, a trusted residual may carry
   * @param maxPhi φ is clamped to [0, maxPhi]: near 1 a single residual would steer the forecast for hours;
   *   0.99 (not 0.95) so a heap's φ ≈ 0.98 is kept and its one-step band can be as narrow as its errors
   */
  constructor(
    stepMs: number | undefined,
    private readonly clip = 3,
    private readonly maxPhi = 0.99,
  ) {
    super(stepMs);
  }

  /**
   * Sets φ (from a newly fitted model) and forgets the last trusted residual, which the old model made.
   * `oneStepRatio` is the measured width of the one-step errors' central interval relative to the
   * residual's own (√(1 − φ²) for Gaussian AR(1) residuals, the default; half of it is the floor; larger when one-step
   * errors have heavy tails): the k-step spread is then √(1 − c·φ²ᵏ) with c = (1 − ratio²)/φ², so one step
   * ahead it is the ratio and far ahead the model's own.
   */
  reset(phi: number, oneStepRatio?: number): void {
    this.phi = Number.isFinite(phi) ? Math.min(this.maxPhi, Math.max(0, phi)) : 0;
    // Never narrower than half of AR(1)'s spread with this φ: a smooth wave the ratio calls predictable (a
    // GC sawtooth) still breaks off abruptly, and a band far tighter than AR(1)'s flags every break. The
    // full AR(1) floor was too wide for a heap: its residual (a sawtooth plus a little noise) has φ ≈ 0.98,
    // one-step errors 0.06-0.1 of its spread against AR(1)'s 0.17-0.2, and a 4σ dip or shift hid inside the
    // band. Half of it (with φ clamped at 0.99 rather than 0.95, whose floor was 0.31) found 0.41 of the
    // simulated memory anomalies instead of 0.30 (16 hosts, bench/syntheticScan.ts).
    const ar1 = Math.sqrt(1 - this.phi * this.phi);
    const ratio =
      oneStepRatio !== undefined && Number.isFinite(oneStepRatio) && oneStepRatio <= 1
        ? Math.max(ONE_STEP_FLOOR_OF_AR1 * ar1, oneStepRatio)
        : ar1;
    // c ≤ 1/φ², so 1 − c·φ²ᵏ ≥ 1 − φ²ᵏ⁻² ≥ 0: the spread rises from the ratio at k = 1 towards 1.
    this.excess = this.phi > 0 ? (1 - ratio * ratio) / (this.phi * this.phi) : 1;
    this.forget();
  }

  /** The autocorrelation in use. */
  get autocorrelation(): number {
    return this.phi;
  }

  /** φᵏ for the point at `timestampMs` (0 when there is no trusted residual or no correction). */
  private decay(timestampMs: number): number {
    if (this.phi === 0) return 0;
    const k = this.stepsSinceTrusted(timestampMs);
    // One step after a trusted residual is nearly every point: φ¹ is φ exactly (what Math.pow answers too),
    // without the call into the C pow routine, which this path made twice per scored point.
    if (k === 1) return this.phi;
    return k === 0 ? 0 : Math.pow(this.phi, k);
  }

  /** Spread of the k-step prediction error relative to the model's, given d = φᵏ. */
  private spread(d: number): number {
    return Math.sqrt(Math.max(0, 1 - this.excess * d * d));
  }

  /**
   * The corrected forecast point at `timestampMs` (the model's point unchanged when there is nothing to add).
   * With `into`, the corrected values are written there and it is returned, so a per-point caller allocates
   * nothing.
   */
  correct(timestampMs: number, point: ForecastPoint, into?: MutableForecastPoint): ForecastPoint {
    const d = this.decay(timestampMs);
    if (d === 0 || !Number.isFinite(point.yhat) || !(point.scale > 0) || !Number.isFinite(point.scale)) {
      return point;
    }
    const shrink = this.spread(d);
    const yhat = point.yhat + d * this.trustedZ * point.scale;
    const half = 0.5 * (point.upper - point.lower);
    const w = d * d;
    const lowHalf = (1 - w) * (point.yhat - point.lower) + w * half;
    const highHalf = (1 - w) * (point.upper - point.yhat) + w * half;
    const lower = yhat - lowHalf * shrink;
    const upper = yhat + highHalf * shrink;
    const scale = point.scale * shrink;
    if (into === undefined) return { yhat, lower, upper, scale };
    into.yhat = yhat;
    into.lower = lower;
    into.upper = upper;
    into.scale = scale;
    return into;
  }

  /**
   * Records the outcome at `timestampMs`: `z` is the residual standardised by the MODEL's scale (NaN when
   * missing), `trusted` false for points inside an episode. `resync` takes a trusted residual whole, without
   * clipping its innovation: for a point known to be back at the model's normal (see
   * `SeriesDetector.judgedAgainst`), where clipping would leave the correction stuck at the old excursion.
   */
  update(timestampMs: number, z: number, trusted: boolean, resync = false): void {
    if (!this.see(timestampMs)) return;
    if (!trusted || !Number.isFinite(z) || this.phi === 0) return;
    const d = this.decay(timestampMs);
    const predicted = d * this.trustedZ;
    const sd = this.spread(d);
    const limit = resync ? Number.POSITIVE_INFINITY : this.clip * sd;
    const innovation = Math.min(limit, Math.max(-limit, z - predicted));
    this.trustedZ = predicted + innovation;
    this.trustedMs = timestampMs;
  }
}
