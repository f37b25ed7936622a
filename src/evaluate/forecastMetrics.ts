import type { ForecastMetrics } from './types';

/** Inputs of {@link forecastMetrics}: column-wise, all the same length. */
export interface ForecastMetricsInput {
  readonly actual: Float64Array;
  readonly forecast: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** The model's own prediction interval (optional; without it model_interval_coverage is null). */
  readonly modelLower?: Float64Array;
  readonly modelUpper?: Float64Array;
  /** Labelled-anomalous points (label = 1) are left out: the forecast is judged on normal behaviour. */
  readonly label?: Uint8Array;
  /** Optional mask: only points with include[i] = 1 are used. */
  readonly include?: Uint8Array;
}

/**
 * Forecast accuracy on the unlabelled points whose actual and forecast are both finite.
 *
 * - mae: mean |actual − forecast|, in the series' unit.
 * - mape: mean |actual − forecast| / |actual| × 100 (percent), skipping actual = 0; null if nothing is left.
 * - smape: mean 200 · |actual − forecast| / (|actual| + |forecast|), percent on the 0..200 scale; a point
 *   where both are 0 is a perfect forecast and adds 0.
 * - interval_coverage: fraction of points with lower <= actual <= upper (0..1).
 * - model_interval_coverage: the same for modelLower..modelUpper, null without them.
 * - points: how many points were used. With 0 points mae, smape and coverage are reported as 0.
 */
export function forecastMetrics(input: ForecastMetricsInput): ForecastMetrics {
  const { actual, forecast, lower, upper, modelLower, modelUpper, label, include } = input;
  let points = 0;
  let absSum = 0;
  let apeSum = 0;
  let apeCount = 0;
  let smapeSum = 0;
  let covered = 0;
  let modelCovered = 0;
  for (let i = 0; i < actual.length; i++) {
    if (include && include[i] !== 1) continue;
    if (label && label[i] === 1) continue;
    const a = actual[i];
    const f = forecast[i];
    if (!Number.isFinite(a) || !Number.isFinite(f)) continue;
    points++;
    const err = Math.abs(a - f);
    absSum += err;
    if (a !== 0) {
      apeSum += err / Math.abs(a);
      apeCount++;
    }
    const denom = Math.abs(a) + Math.abs(f);
    if (denom > 0) smapeSum += (2 * err) / denom;
    if (a >= lower[i] && a <= upper[i]) covered++;
    if (modelLower && modelUpper && a >= modelLower[i] && a <= modelUpper[i]) modelCovered++;
  }
  return {
    mae: points > 0 ? absSum / points : 0,
    mape: apeCount > 0 ? (100 * apeSum) / apeCount : null,
    smape: points > 0 ? (100 * smapeSum) / points : 0,
    interval_coverage: points > 0 ? covered / points : 0,
    model_interval_coverage: modelLower && modelUpper ? (points > 0 ? modelCovered / points : 0) : null,
    points,
  };
}
