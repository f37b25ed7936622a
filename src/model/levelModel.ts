import { normalDistribution, PROFILE_BINS } from './calibration';
import { scratchFloat64, scratchMark, scratchRelease } from './scratch';
import { SeasonalModel } from './seasonalModel';
import { MAD_TO_SIGMA, medianInPlace } from './stats';
import type { SeasonalOptions } from './types';

/**
 * The fallback for histories too short for a seasonal fit (fewer than ~20 points or less than a day of
 * data): a constant median level with a MAD-based scale and normal intervals widened by √(1 + 1/n) for the
 * uncertainty of the level itself. Never fails: a single point gives a model at that value whose scale is
 * a tiny positive floor (1e-9·max(1, |level|)), so any deviation scores high unless `minBandAbs` /
 * `minBandRel` set a floor; no usable point gives a model that predicts NaN.
 */
export function fitLevelModel(
  timestampsMs: Float64Array,
  values: Float64Array,
  n: number,
  stepMs: number,
  trainStartMs: number,
  trainEndMs: number,
  options: SeasonalOptions,
): SeasonalModel {
  const mark = scratchMark();
  const buf = scratchFloat64(n);
  buf.set(values.subarray(0, n));
  const level = medianInPlace(buf, n);
  let meanAbs = 0;
  for (let i = 0; i < n; i++) {
    buf[i] = Math.abs(values[i] - level);
    meanAbs += buf[i] / n;
  }
  const mad = n > 0 ? medianInPlace(buf, n) : Number.NaN;
  scratchRelease(mark);
  // MAD is 0 when more than half the points coincide; the mean deviation (×√(π/2) ≈ σ) still sees the rest.
  let scale = MAD_TO_SIGMA * mad;
  if (!(scale > 0)) scale = 1.2533141373155 * meanAbs;
  if (!(scale > 0)) scale = 1e-9 * Math.max(1, Math.abs(level));
  if (n === 0) scale = 1;
  const residuals = normalDistribution(0, Math.sqrt(1 + 1 / Math.max(n, 1)), options.intervalWidth, n);
  return new SeasonalModel({
    options,
    stepMs,
    trainStartMs,
    trainEndMs,
    components: ['level'],
    originMs: n > 0 ? timestampsMs[0] : trainStartMs,
    changepointsDays: new Float64Array(0),
    offset: level,
    trend: new Float64Array(2),
    daily: new Float64Array(0),
    weekly: new Float64Array(0),
    weekendDaily: new Float64Array(0),
    weekendLevel: 0,
    scaleProfile: new Float64Array(PROFILE_BINS).fill(scale),
    residuals,
    metrics: { trainPoints: n, residualMad: Number.isFinite(mad) ? mad : 0, rSquared: 0 },
  });
}
