/**
 * How high the variance-burst statistic climbs on this series' ordinary residuals, learnt from the training
 * history: the counterpart of model/driftLevel.ts for the detector's variance-burst rule
 * (detect/varianceBurst.ts).
 *
 * The rule's fixed threshold (5 × the median |Δz|) is set for noise that keeps its size. Real series often
 * do not: tweet volumes, taxi counts and travel times get several times noisier with their level every day,
 * and on the NAB corpus the fixed threshold alone raised ~870 alerts outside the labelled windows. The
 * training residuals are replayed through the same detector and the level is the height its statistic
 * reaches in fewer than max(RUN_MIN_COUNT, BURST_RATE_PER_DAY × days) separate excursions; the detector's
 * threshold is raised to it (never lowered), so a series whose noise keeps its size keeps the fixed rule.
 */
import { VARIANCE_WINDOW, VarianceBurstDetector } from '../detect/varianceBurst';
import { DRIFT_RATE_PER_DAY } from './driftLevel';
import { excursionLevel } from './runLevel';
import { scratchFloat64, scratchMark, scratchRelease } from './scratch';

/**
 * Excursions at least as high as the level may happen at most this often in the history (per day). The
 * same rate as the drift level, for the same reason: the first fit learns from an unlabelled history, and a
 * few genuine bursts in it must not set the level and hide the next ones.
 */
export const BURST_RATE_PER_DAY = DRIFT_RATE_PER_DAY;

/**
 * The burst level of standardised residuals z[0..n) (non-finite = gap) at timestamps ts, in the rule's
 * units (clipped mean |Δz| over `reference`); 0 when the history is too short or has no usable reference.
 */
export function burstLevel(
  z: ArrayLike<number>,
  ts: ArrayLike<number>,
  n: number,
  stepMs: number,
  reference: number,
): number {
  if (n < VARIANCE_WINDOW + 1 || !(stepMs > 0) || !(reference > 0) || !Number.isFinite(reference)) return 0;
  const mark = scratchMark();
  const detector = new VarianceBurstDetector(stepMs);
  detector.setReference(reference);
  const ratios = scratchFloat64(n);
  for (let i = 0; i < n; i++) {
    detector.update(ts[i], z[i]);
    const r = detector.ratio;
    ratios[i] = Number.isFinite(r) ? r : 0;
  }
  const level = excursionLevel(ratios, ts, n, stepMs, BURST_RATE_PER_DAY, VARIANCE_WINDOW * stepMs);
  scratchRelease(mark);
  return level;
}
