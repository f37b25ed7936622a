/**
 * What a one-step predictor of the model residual keeps between samples: the last trusted residual z₀ (model
 * z units) and when it was seen, and the spacing of the series' samples (the configured step, or the
 * smallest gap seen so far). The AR(1) correction (oneStep.ts) and the reset predictor (resetPredictor.ts)
 * differ only in how they extrapolate z₀ over k samples. Pure.
 */
export abstract class TrustedResidual {
  protected trustedZ = 0;
  protected trustedMs = Number.NaN;
  private lastSeenMs = Number.NEGATIVE_INFINITY;
  private inferredStepMs = Number.POSITIVE_INFINITY;
  private readonly stepMs: number | undefined;

  constructor(stepMs: number | undefined) {
    this.stepMs = stepMs !== undefined && stepMs > 0 ? stepMs : undefined;
  }

  /** Forgets the last trusted residual: the next point is judged against the model's own. */
  forget(): void {
    this.trustedMs = Number.NaN;
    this.trustedZ = 0;
  }

  /** Samples since the last trusted residual, at least 1 (0 when there is none, or the step is unknown). */
  protected stepsSinceTrusted(timestampMs: number): number {
    if (!Number.isFinite(this.trustedMs) || !(timestampMs > this.trustedMs)) return 0;
    const step = this.stepMs ?? this.inferredStepMs;
    if (!Number.isFinite(step)) return 0;
    return Math.max(1, Math.round((timestampMs - this.trustedMs) / step));
  }

  /** Notes a sample at `timestampMs`; false when it is not newer than the last one (it changes nothing). */
  protected see(timestampMs: number): boolean {
    if (!(timestampMs > this.lastSeenMs)) return false;
    if (Number.isFinite(this.lastSeenMs) && this.stepMs === undefined) {
      this.inferredStepMs = Math.min(this.inferredStepMs, timestampMs - this.lastSeenMs);
    }
    this.lastSeenMs = timestampMs;
    return true;
  }
}
