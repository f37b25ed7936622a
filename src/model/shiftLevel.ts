/**
 * How far the windowed mean of this series' ordinary residuals strays, learnt from the training history:
 * the counterpart of model/driftLevel.ts for the detector's sustained-shift rule (detect/sustainedShift.ts).
 *
 * The training residuals are replayed through the same rule (each read at its normal-equivalent size) and
 * the level is the larger of
 * - the |mean| its window reaches in fewer than max(RUN_MIN_COUNT, SHIFT_RATE_PER_DAY × days) separate
 *   excursions (as the drift and burst levels are learnt: a series whose residual wanders for hours
 *   every day, a GC sawtooth or a temperature, keeps quiet), and
 * - SHIFT_SIGMAS robust standard deviations of the windowed mean (1.4826 × its median absolute deviation):
 *   the history is unlabelled and real incidents in it are few, so the first bound alone is set by them on a
 *   series with a few incidents and no wander; the second is where ordinary noise ends whatever the
 *   incidents. On the synthetic suite (seeds 101-116) it took cpu and latency false episodes from 0.38 and
 *   0.50 to 0.12 and 0.06 per series-day at the first bound's 0.5 a day.
 * Residuals are in-sample (see model/runLevel.ts), so the level errs towards today's sensitivity.
 */
import { SHIFT_WINDOW, SustainedShiftDetector } from '../detect/sustainedShift';
import { DRIFT_RATE_PER_DAY, normalEquivalents } from './driftLevel';
import { excursionLevel } from './runLevel';
import { scratchFloat64, scratchMark, scratchRelease } from './scratch';
import { medianInPlace } from './stats';

/** Excursions at least as high as the level may happen at most this often in the history (per day). */
export const SHIFT_RATE_PER_DAY = DRIFT_RATE_PER_DAY;
/**
 * Robust standard deviations of the windowed mean below which the level never lies. 4 since latency series
 * are judged on the log scale (model/valueTransform.ts), which took false episodes on anomaly-free series
 * from 0.196 to 0.140 per series-day: at 5 (before) the 48-host scan found 0.778 of events at 0.105 false
 * episodes per series-day, held-out seeds 0.778 / 0.075; at 4 0.798 / 0.116 and 0.795 / 0.089, anomaly-free
 * 0.152 (3.5: 0.811 / 0.129, anomaly-free 0.190, NAB 28.0). NAB's wandering series pay for it: 32.5 -> 31.1.
 * 4.5 since the first fit is screened (`model.screen_history`, pipeline/seriesRunner.ts), which finds more
 * and lowers the detector's levels: 16 hosts 0.860 / 0.116, held-out 0.836 / 0.098, anomaly-free 0.146, NAB
 * 31.8 (at 4: 0.878 / 0.137, 0.863 / 0.125, anomaly-free 0.188, NAB 30.9).
 */
export const SHIFT_SIGMAS = 4.5;

/**
 * The shift level of standardised residuals z[0..n) (non-finite = gap) at timestamps ts, in
 * normal-equivalent z units (the rule's mean); 0 when the history is shorter than a window.
 */
export function shiftLevel(
  z: ArrayLike<number>,
  ts: ArrayLike<number>,
  n: number,
  stepMs: number,
  tailProbability: (z: number) => number,
  normal?: Float64Array,
): number {
  if (n < SHIFT_WINDOW || !(stepMs > 0)) return 0;
  const mark = scratchMark();
  const shrunk = normal ?? normalEquivalents(z, n, tailProbability, scratchFloat64(n));
  const detector = new SustainedShiftDetector(stepMs);
  const magnitudes = scratchFloat64(n);
  const means = scratchFloat64(n);
  let full = 0;
  for (let i = 0; i < n; i++) {
    const v = shrunk[i];
    if (Number.isFinite(v)) detector.update(ts[i], v);
    const m = detector.mean;
    magnitudes[i] = Number.isFinite(m) ? Math.abs(m) : 0;
    if (Number.isFinite(m)) means[full++] = m;
  }
  let level = 0;
  if (full > 0) {
    const centre = medianInPlace(means, full);
    for (let i = 0; i < full; i++) means[i] = Math.abs(means[i] - centre);
    const sigma = 1.4826 * medianInPlace(means, full);
    level = Math.max(
      SHIFT_SIGMAS * sigma,
      excursionLevel(magnitudes, ts, n, stepMs, SHIFT_RATE_PER_DAY, SHIFT_WINDOW * stepMs),
    );
  }
  scratchRelease(mark);
  return level;
}
