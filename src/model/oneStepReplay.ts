/**
 * The training history replayed through the detector's one-step correction: what the detector would have
 * computed per point as its judged residual, `(z − ẑ′) / scale′`, had it watched the history. The learnt
 * levels that the detector compares its judged residuals with (the run level, the single-point levels) are
 * read from this replay, so training and live statistics are in the same units.
 */
import { OneStepCorrection } from '../detect/oneStep';

/**
 * Writes the signed one-step residuals of z[0..n) (standardised residuals at timestamps ts, non-finite =
 * gap) into out[0..n) (NaN at gaps) and returns `out`.
 *
 * @param phi, oneStepRatio the correction's parameters as the detector will use them
 *   (`metrics.residualLag1`, `metrics.residualOneStepRatio`)
 * @param clip the limit on a trusted residual's innovation, in one-step deviations
 */
export function replayOneStep(
  z: ArrayLike<number>,
  ts: ArrayLike<number>,
  n: number,
  stepMs: number,
  phi: number,
  oneStepRatio: number,
  clip: number,
  out: Float64Array,
): Float64Array {
  const correction = new OneStepCorrection(stepMs, clip);
  correction.reset(phi, oneStepRatio);
  const unit = { yhat: 0, lower: -1, upper: 1, scale: 1 };
  const scratch = { yhat: 0, lower: -1, upper: 1, scale: 1 };
  for (let i = 0; i < n; i++) {
    const v = z[i];
    if (!Number.isFinite(v)) {
      out[i] = Number.NaN;
      correction.update(ts[i], Number.NaN, false);
      continue;
    }
    const p = correction.correct(ts[i], unit, scratch);
    out[i] = p.scale > 0 ? (v - p.yhat) / p.scale : v;
    correction.update(ts[i], v, true);
  }
  return out;
}
