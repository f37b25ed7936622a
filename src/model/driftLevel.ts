/**
 * How high the drift CUSUM's sums climb on this series' ordinary residuals, learnt from the training
 * history: the counterpart of model/runLevel.ts for the drift rule.
 *
 * The CUSUM reads residuals at their normal-equivalent size (detect/normalScore.ts), which tames heavy
 * tails but not persistence: a series that wanders (tweet volumes, traffic, a temperature) fills the sums
 * several times a day — ~570 false drift alerts on the NAB corpus, and with N-of-M gated by the run level
 * the same excursions reach the drift rule instead. The training residuals are replayed through the same
 * CUSUM (the default allowance, no threshold) and the level is the height its sums reach in fewer than
 * max(RUN_MIN_COUNT, DRIFT_RATE_PER_DAY × days) separate excursions. The detector raises its threshold h to this level (never
 * lowers it), so on a series whose sums stay low, the drift rule is unchanged.
 */
import { DriftDetector } from '../detect/drift';
import { shrinkToNormal } from '../detect/normalScore';
import { excursionLevel } from './runLevel';
import { scratchFloat64, scratchMark, scratchRelease } from './scratch';

/**
 * Excursions of the sums at least as high as the level may happen at most this often in the history (per
 * day), and at least RUN_MIN_COUNT of them are needed. Looser than the run level's 0.1: the first fit
 * learns from an unlabelled history, and the sums of a genuine drift or level shift in it climb far
 * higher than any run statistic. At 0.1 a day, two or three real incidents in a 14-day history set the
 * level and hide the next ones (the synthetic suite, 0.5 incidents a day, lost 5 of 59 events); at 0.5 it
 * loses none and still raises h on series whose ordinary sums reach it every other day.
 */
export const DRIFT_RATE_PER_DAY = 0.5;

/** The CUSUM allowance the level is learnt for (the default `detection.drift.k`). */
export const DRIFT_LEVEL_K = 0.5;

/**
 * The drift level of standardised residuals z[0..n) (non-finite = gap) at timestamps ts, in the units of
 * the CUSUM's sums (long-run standard deviations, widened for φ exactly as `DriftDetector` widens h); 0
 * when the history is too short to say.
 */
export function driftLevel(
  z: ArrayLike<number>,
  ts: ArrayLike<number>,
  n: number,
  stepMs: number,
  phi: number,
  tailProbability: (z: number) => number,
  normal?: Float64Array,
): number {
  if (n < 2 || !(stepMs > 0)) return 0;
  const mark = scratchMark();
  const shrunk = normal ?? normalEquivalents(z, n, tailProbability, scratchFloat64(n));
  const cusum = new DriftDetector(
    { enabled: true, k: DRIFT_LEVEL_K, h: Number.POSITIVE_INFINITY },
    { residualAutocorrelation: phi },
  );
  const sums = scratchFloat64(n);
  for (let i = 0; i < n; i++) {
    const v = shrunk[i];
    if (Number.isFinite(v)) cusum.update(v);
    sums[i] = Math.max(cusum.upperStatistic, cusum.lowerStatistic);
  }
  const level = excursionLevel(sums, ts, n, stepMs, DRIFT_RATE_PER_DAY, stepMs);
  scratchRelease(mark);
  return level;
}

/**
 * Each finite z[i] at its normal-equivalent size (`shrinkToNormal`), NaN where z[i] is not finite: what the
 * drift and shift levels replay. Fitting computes it once for both (each is a tail probability and a normal
 * quantile per point) and passes it as their `normal` argument. Written into `out` when given (n entries).
 */
export function normalEquivalents(
  z: ArrayLike<number>,
  n: number,
  tailProbability: (z: number) => number,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  for (let i = 0; i < n; i++) {
    const v = z[i];
    out[i] = Number.isFinite(v) ? shrinkToNormal(v, tailProbability) : Number.NaN;
  }
  return out;
}
