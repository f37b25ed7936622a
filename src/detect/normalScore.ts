import { normalQuantile } from '../model/stats';
import type { TailProbability } from './score';

/** Normal scores are clipped here: a tail probability that small is "far out" and no more. */
const MAX_NORMAL_SCORE = 8;

/**
 * The standard-normal equivalent of a standardised residual z under the model's calibrated residual
 * distribution: the z' with P(|N(0,1)| ≥ |z'|) = tailProbability(z), on z's side.
 *
 * The drift CUSUM's allowance and threshold are in standard deviations of a unit-variance residual, but z is
 * scaled by a robust (MAD) scale: for heavy-tailed or skewed residuals — bursty counts, request rates,
 * anything with spikes — z's real spread is several times that, so every burst of ordinary spikes filled
 * the sums and raised a "drift" (NAB cpu_utilization_asg_misconfiguration: 194 drift alerts in 60 days).
 * Mapped through the calibrated distribution, residuals are N(0, 1) whatever their shape. NaN stays NaN;
 * ±Infinity (a degenerate scale) maps to ±MAX_NORMAL_SCORE.
 */
export function normalScore(z: number, tailProbability: TailProbability): number {
  return normalScoreOfTail(z, Number.isFinite(z) && z !== 0 ? tailProbability(z) : Number.NaN);
}

/**
 * `normalScore` given p = tailProbability(z) (read only for a finite z ≠ 0), for a caller that has it
 * already: the scorer asks the tail of the same residual for the point's confidence.
 */
export function normalScoreOfTail(z: number, p: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z === 0) return 0;
  const sign = z > 0 ? 1 : -1;
  if (!Number.isFinite(z)) return sign * MAX_NORMAL_SCORE;
  if (!(p < 1)) return 0;
  if (!(p > 0)) return sign * MAX_NORMAL_SCORE;
  return sign * Math.min(MAX_NORMAL_SCORE, normalQuantile(1 - p / 2));
}

/**
 * The residual the drift CUSUM is fed: z, or its normal score when that is smaller in size. Heavy tails
 * are brought back to the scale k and h were chosen for; residuals lighter-tailed than normal in robust
 * units (a model that follows the series closely) keep their z, so the detector is no more sensitive on
 * them than before.
 */
export function shrinkToNormal(z: number, tailProbability: TailProbability): number {
  return shrinkToNormalOfTail(z, Number.isFinite(z) && z !== 0 ? tailProbability(z) : Number.NaN);
}

/** `shrinkToNormal` given p = tailProbability(z) (see `normalScoreOfTail`). */
export function shrinkToNormalOfTail(z: number, p: number): number {
  const n = normalScoreOfTail(z, p);
  return Math.abs(n) < Math.abs(z) ? n : z;
}
