import type { DetectionOptions, DriftOptions, EpisodeOptions, SeverityCutoffs } from './types';

/** Severity cut-offs in score (half-band) units; a score strictly above a cut-off earns that severity. */
export const DEFAULT_SEVERITY_CUTOFFS: SeverityCutoffs = {
  low: 1.0,
  medium: 1.5,
  high: 2.5,
  critical: 4.0,
};

/**
 * Episode rules. Ranges (validated by config, trusted here): minPoints integer in [1, window];
 * window integer >= 1; closeRatio in (0, 1]; closeAfter integer >= 1; mergeGapMs >= 0;
 * immediateScore > 0 (at or above the threshold multiplier to be meaningful).
 *
 * 4-of-5 rather than 2-of-3: with a 95% band, 5% of normal points leave it, and 2-of-3 opened
 * 1.23 false episodes per series per day on white N(0,1) residuals and 2.17 on AR(1) φ=0.5 residuals
 * (288 points/day, 60 seeds × 30 days). 4-of-5 opens 0.006 and 0.121. The product bar is 0.2 per day, band
 * and drift together. A spike still opens at once through immediateScore; a level shift waits 4 points.
 */
export const DEFAULT_EPISODE_OPTIONS: EpisodeOptions = {
  minPoints: 4,
  window: 5,
  closeRatio: 0.7,
  closeAfter: 2,
  mergeGapMs: 15 * 60_000,
  immediateScore: 3.0,
};

/**
 * Residual CUSUM. Ranges: k >= 0 and h > 0, both in units of the standardised residual z.
 *
 * k = 0.75, h = 14 rather than the textbook 0.5 / 8, because model residuals are autocorrelated and
 * sums of autocorrelated z wander further. Measured alarms per series per day (288 points/day, 60 seeds
 * × 30 days): white N(0,1) 0.035 → 0; AR(1) φ=0.5 1.56 → 0.017. The price is speed: a ramp of +0.02σ
 * per point in N(0,1) noise is signalled at a median of 72 points (max 85) instead of 48, still well
 * before its mean leaves a 95% band (point 98).
 */
export const DEFAULT_DRIFT_OPTIONS: DriftOptions = {
  enabled: true,
  k: 0.75,
  h: 14,
};

/**
 * Every detection default in one place; merge user settings over it with one spread per level.
 * thresholdMultiplier: range (0, ∞), default 1 (flag what leaves the calibrated band as drawn).
 * Together (95% band): 0.006 false episodes per series per day on white residuals, 0.134 on AR(1) φ=0.5.
 */
export const DEFAULT_DETECTION_OPTIONS: DetectionOptions = {
  thresholdMultiplier: 1.0,
  severity: DEFAULT_SEVERITY_CUTOFFS,
  episode: DEFAULT_EPISODE_OPTIONS,
  drift: DEFAULT_DRIFT_OPTIONS,
};
