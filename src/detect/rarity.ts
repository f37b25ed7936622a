import { standardisedResidual, type ForecastPoint, type TailProbability } from './score';

/**
 * Tail probability (one side, as `TailProbability` reports it) below which a single point is rare enough
 * for this series to open an episode on its own (the spike rule).
 *
 * `immediate_score` is in half-band units, the same for every series but for the raise by the one-step
 * errors' tail ratio (SeriesDetector.onRefit), which the bulk of the errors sets, not their rare spikes.
 * On Gaussian-like residuals a 95% band's 3 half-bands is z ≈ 5.9, a tail probability around 1e-6 under
 * the calibrated table (its GPD tail), and 2.5 half-bands about 1e-5, so this bound changes nothing there. On heavy-tailed residuals (request
 * counts, tweet volumes, bursty CPU) 3 half-bands is an everyday event, at tail probabilities of 1e-2 to
 * 1e-3: single spikes raised ~875 false alerts over the NAB corpus.
 */
export const RARE_TAIL_PROBABILITY = 1e-4;

/** Spike sizes the series' training history shows to be ordinary (a model's `spikeUpper` / `spikeLower`). */
export interface SpikeLevels {
  /** Standardised residual at or below which an upward spike is ordinary; 0 = unknown. */
  readonly upper: number;
  /** Standardised residual at or above which a downward spike is ordinary (<= 0); 0 = unknown. */
  readonly lower: number;
}

export const NO_SPIKE_LEVELS: SpikeLevels = { upper: 0, lower: 0 };

/**
 * The spike rule's gate for a series without one-step spike levels (a model file without them, augurs, or
 * a series judged by the reset predictor, whose one-step errors the levels do not describe); the others
 * compare the judged residual with those levels instead (SeriesDetector.judge, model/spikeLevel.ts).
 *
 * Whether `actual` is rare for this series, judged against `judged` (the point it is scored against: the
 * one-step-corrected forecast when the correction applies, else `model`):
 * - its residual standardised by the judged point's scale has a tail probability under the model's
 *   calibrated out-of-sample residual distribution at or below {@link RARE_TAIL_PROBABILITY}, and
 * - its deviation from the judged forecast in the model's residual scale lies beyond the spike level of
 *   its side (model/spikeLevel.ts): spikes that size happened more often than 1 in 1,000 training points.
 *   The model's scale, not the narrowed one-step scale, since the levels are deviations from the model.
 *
 * A missing value is not rare. A degenerate scale (zero, a model that never saw this series move) makes
 * any miss rare: there is no distribution to say otherwise, and the band score already reports SCORE_CAP.
 */
export function isRare(
  actual: number,
  judged: ForecastPoint,
  model: ForecastPoint,
  tailProbability: TailProbability,
  levels: SpikeLevels,
): boolean {
  const z = standardisedResidual(actual, judged);
  if (Number.isNaN(z)) return false;
  if (!Number.isFinite(z)) return true;
  // A model whose tail function answers NaN cannot vouch for anything: the table test passes then.
  if (tailProbability(z) > RARE_TAIL_PROBABILITY) return false;
  const size = standardisedResidual(actual, { ...judged, scale: model.scale });
  return size > 0 ? !(size <= levels.upper) : !(size >= levels.lower);
}
