/**
 * Variance bursts: the series gets noisy (a flapping dependency, retries, a failing disk) while its level
 * stays where the forecast says, so few points leave the band and the CUSUM, which sums signed residuals,
 * sees nothing.
 *
 * The statistic is the mean, over the last {@link VARIANCE_WINDOW} samples, of the one-step change of the
 * standardised residual |z(t) − z(t−1)|, each clipped at {@link VARIANCE_CLIP} reference units so a single
 * jump (a spike, a GC drop) cannot carry it, divided by the reference: the median |Δz| of the model's
 * training history. Differences cancel the level, the seasonal shape and most of the model's slow misses, so
 * they measure the noise alone, even on a GC sawtooth whose residual the noise hardly moves. The series is
 * in a burst while the statistic exceeds {@link VARIANCE_RATIO}.
 *
 * Measured on the simulator (40 hosts per kind, 5-minute, a week each, the initial model's residuals alone):
 * at a threshold of 3, noise crossed it in 0.001-0.006 runs per series-day and 36/40 cpu, 36/40 memory and
 * 40/40 latency variance bursts (2-6 times the noise for 1-4 hours) did; at 5 noise never did and 23, 28 and
 * 29 of the bursts did. Through the whole detector (band, CUSUM and this rule together) 5 was chosen:
 * variance-burst recall 0.60 -> 0.82 (memory 0.13 -> 0.75) for false episodes 0.126 -> 0.123 per
 * series-day; lower thresholds found more bursts but the NAB corpus raised 100-180 more alerts (nyc_taxi's
 * and TravelTime's noise grows with their level, which the hour-of-day scale only partly follows).
 *
 * Pure and deterministic; missing samples and gaps restart the differences, not the window.
 */
export const VARIANCE_WINDOW = 12;
/** Reference units at which one |Δz| is clipped: one jump adds at most 10/12 to the statistic. */
export const VARIANCE_CLIP = 10;
/**
 * Burst threshold on the clipped mean |Δz| over the reference (the median): Gaussian noise gives about 1.2
 * (mean over median of a half-normal), so 5 is noise about 4 times its usual size (clipping aside).
 */
export const VARIANCE_RATIO = 5;

export class VarianceBurstDetector {
  private readonly window = new Float64Array(VARIANCE_WINDOW);
  private count = 0;
  private next = 0;
  private sum = 0;
  private reference = Number.NaN;
  private threshold = VARIANCE_RATIO;
  private previousZ = Number.NaN;
  private previousMs = Number.NEGATIVE_INFINITY;

  /** @param stepMs sampling step; two samples more than 1.5 steps apart are not differenced */
  constructor(private readonly stepMs: number | undefined) {}

  /**
   * Adopts a model's reference (its training history's median |Δz|, `metrics.residualDiffMedian`) and, when
   * the model learnt one, its burst level (`metrics.burstLevel`) as a higher threshold. Without
   * a usable one the detector stays silent. The window is kept: a refit does not end a burst in progress.
   */
  setReference(reference: number | undefined, level?: number): void {
    this.reference = reference !== undefined && Number.isFinite(reference) && reference > 0 ? reference : NaN;
    // The series' own burst level (model/burstLevel.ts) raises the threshold, never lowers it.
    this.threshold =
      level !== undefined && Number.isFinite(level) ? Math.max(VARIANCE_RATIO, level) : VARIANCE_RATIO;
  }

  /** The current statistic (clipped mean |Δz| over the reference), NaN until the window is full. */
  get ratio(): number {
    if (this.count < VARIANCE_WINDOW || !Number.isFinite(this.reference)) return Number.NaN;
    return this.sum / VARIANCE_WINDOW / this.reference;
  }

  /** Feeds the standardised residual of the sample at `timestampMs` (NaN = missing); true while in a burst. */
  update(timestampMs: number, z: number): boolean {
    if (!Number.isFinite(z)) {
      this.previousZ = Number.NaN;
      return false;
    }
    const adjacent = this.stepMs === undefined || timestampMs - this.previousMs <= 1.5 * this.stepMs;
    if (Number.isFinite(this.previousZ) && adjacent && Number.isFinite(this.reference)) {
      const change = Math.min(Math.abs(z - this.previousZ), VARIANCE_CLIP * this.reference);
      if (this.count === VARIANCE_WINDOW) this.sum -= this.window[this.next];
      else this.count++;
      this.window[this.next] = change;
      this.sum += change;
      this.next = (this.next + 1) % VARIANCE_WINDOW;
    }
    this.previousZ = z;
    this.previousMs = timestampMs;
    return this.ratio > this.threshold;
  }
}
