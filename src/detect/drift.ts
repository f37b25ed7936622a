import type { Direction } from '../domain/anomaly';
import type { DriftOptions } from './types';

/** Tuning of `DriftDetector` beyond the user-facing `DriftOptions`. */
export interface DriftTuning {
  /**
   * z is clipped to ±winsorLimit before it enters the sums, so one spike adds at most this. Default 3;
   * widened with k and h by the long-run standard deviation (below), so k never reaches the clip.
   */
  readonly winsorLimit?: number;
  /**
   * After a signal the signalling sum restarts at headstart·h instead of 0 (a "fast initial response"
   * restart, Lucas & Crosier 1982): a drift that goes on re-signals within a few points and so keeps the
   * alarm (and its episode) alive, while a false signal decays back to 0. In [0, 1); default 0.5.
   */
  readonly headstart?: number;
  /**
   * Lag-1 autocorrelation φ of the model's residuals, if known. Autocorrelated residuals make sums of z
   * wander further than white noise, so k and h are widened by the long-run standard deviation
   * sqrt((1+φ)/(1-φ)). Clamped to [0, 0.9]; default 0 (white residuals).
   */
  readonly residualAutocorrelation?: number;
  /**
   * Lowest decision threshold, in the sums' own (widened) units: the height the series' ordinary residuals
   * drive them to (a model's `driftLevel`, model/driftLevel.ts). Raises h, never lowers it. Default 0.
   */
  readonly minThreshold?: number;
}

/** The detector's verdict for one residual. */
export interface DriftStep {
  /** The detector is in alarm at this point: a signal was raised and the drift has not yet died out. */
  readonly drift: boolean;
  /** A sum crossed h at this very point. */
  readonly signalled: boolean;
  /** Side of the alarm: 1 upward drift, -1 downward, 0 no alarm. */
  readonly direction: Direction;
}

const NO_DRIFT: DriftStep = { drift: false, signalled: false, direction: 0 };
/**
 * The four steps in alarm, shared: a step is read at once and never changed, and an object per point in
 * alarm (a third of the points on some series) was most of the garbage the CUSUM made while scoring.
 */
const UP: DriftStep = { drift: true, signalled: false, direction: 1 };
const UP_SIGNALLED: DriftStep = { drift: true, signalled: true, direction: 1 };
const DOWN: DriftStep = { drift: true, signalled: false, direction: -1 };
const DOWN_SIGNALLED: DriftStep = { drift: true, signalled: true, direction: -1 };

/**
 * Two-sided CUSUM on standardised residuals, for slow drifts (a memory leak) that never leave the band.
 *
 * For each residual z (clipped to ±winsorLimit):
 *   S⁺ ← max(0, S⁺ + z − k),  S⁻ ← max(0, S⁻ − z − k).
 * A sum above h raises a signal on that side; both sums reset (the signalling one to headstart·h, the
 * other to 0). The detector stays in alarm on that side until the signalling sum falls back to 0, so a
 * continuing drift re-signals and keeps `drift` true, and a finished one ends the alarm within roughly
 * headstart·h / k points. k and h are in units of z (widened for autocorrelation, see `DriftTuning`).
 *
 * Pure and deterministic; NaN residuals (missing samples) leave the state unchanged.
 */
export class DriftDetector {
  private readonly enabled: boolean;
  private readonly k: number;
  private readonly h: number;
  private readonly winsorLimit: number;
  private readonly headstart: number;
  private upperSum = 0;
  private lowerSum = 0;
  private alarm: Direction = 0;

  constructor(options: DriftOptions, tuning: DriftTuning = {}) {
    const phi = Math.min(0.9, Math.max(0, tuning.residualAutocorrelation ?? 0));
    const longRunSd = Math.sqrt((1 + phi) / (1 - phi));
    this.enabled = options.enabled;
    this.k = options.k * longRunSd;
    this.h = Math.max(options.h * longRunSd, tuning.minThreshold ?? 0);
    // Clipping scales too: the detector then works on z / longRunSd, so k can never exceed the clip.
    this.winsorLimit = (tuning.winsorLimit ?? 3) * longRunSd;
    this.headstart = tuning.headstart ?? 0.5;
  }

  /** The upward sum S⁺ (for diagnostics and tests). */
  get upperStatistic(): number {
    return this.upperSum;
  }

  /** The downward sum S⁻. */
  get lowerStatistic(): number {
    return this.lowerSum;
  }

  /** Feeds one standardised residual z = (actual - yhat) / scale. */
  update(z: number): DriftStep {
    if (!this.enabled || Number.isNaN(z)) return this.alarm === 0 ? NO_DRIFT : this.state(false);
    const w = Math.min(this.winsorLimit, Math.max(-this.winsorLimit, z));
    this.upperSum = Math.max(0, this.upperSum + w - this.k);
    this.lowerSum = Math.max(0, this.lowerSum - w - this.k);
    if (this.upperSum > this.h) {
      this.upperSum = this.headstart * this.h;
      this.lowerSum = 0;
      this.alarm = 1;
      return this.state(true);
    }
    if (this.lowerSum > this.h) {
      this.lowerSum = this.headstart * this.h;
      this.upperSum = 0;
      this.alarm = -1;
      return this.state(true);
    }
    if ((this.alarm === 1 && this.upperSum === 0) || (this.alarm === -1 && this.lowerSum === 0)) {
      this.alarm = 0;
    }
    return this.alarm === 0 ? NO_DRIFT : this.state(false);
  }

  /**
   * Forgets all accumulated evidence and any alarm. Call after the model is refitted: the new model's
   * residuals are centred afresh, so sums built on the old model's bias would raise a stale signal.
   */
  reset(): void {
    this.upperSum = 0;
    this.lowerSum = 0;
    this.alarm = 0;
  }

  /** The step in alarm (`alarm` is 1 or -1 wherever this is asked). */
  private state(signalled: boolean): DriftStep {
    if (this.alarm > 0) return signalled ? UP_SIGNALLED : UP;
    return signalled ? DOWN_SIGNALLED : DOWN;
  }
}
