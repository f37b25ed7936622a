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
 *
 * immediateScore 2.5 rather than 3: a spike lasts 1-3 samples, so it is found by this rule or not at all,
 * and 2.5 half-bands is already ~4.9 standard deviations of a Gaussian residual (~1e-6 per point). It is the
 * score for Gaussian-tailed one-step errors: the series detector raises it in proportion to how heavy the
 * model's one-step errors are (`oneStepTailRatio`), since on a bursty series (NAB's tweet volumes) a point
 * 2.5 bands out is routine. Fixed at 2.5, it found more simulated spikes than 3 but added 850 alerts over
 * the NAB corpus (Twitter_volume_CVS 148 -> 602); scaled, the corpus raised 130 alerts fewer than with 3
 * fixed, and the simulated metrics (40 hosts x cpu/memory/latency) kept most of the gain in recall (0.64
 * against 0.62 with 3 fixed, at the same false-episode rate).
 *
 * Then 2 rather than 2.5: 2 half-bands of a 95% band is ~3.9 Gaussian standard deviations (~5e-5 per point,
 * still under the rarity bound of detect/rarity.ts), and a 3-4.5σ spike or dip on a simulated cpu or
 * latency series reached 2-2.5 against its one-step band and was lost. With the narrower heap band
 * (detect/oneStep.ts), 16 hosts x cpu/memory/latency went from recall 0.57 to 0.68 (spikes 0.50 -> 0.71,
 * dips 0.35 -> 0.52) at 0.155 false episodes per series-day (from 0.08); the NAB corpus's product alert
 * score went from 25.2 to 20.7 (more single-point alerts on its heavy-tailed files).
 *
 * mergeGapMs an hour rather than 15 minutes: an incident flaps (a tweet storm, a struggling host, a wandering
 * sensor) and each return within the hour was a new episode, a new alert for the same trouble. Measured: the
 * NAB corpus's product alert score 22.6 -> 31.1 (2 hours: 33.4, but an episode then resolves 2 hours after
 * its last anomalous point); the simulated metrics' false episodes per series-day 0.110 -> 0.107 (16 hosts),
 * held-out seeds 0.080 -> 0.074 and 0.100 -> 0.094 (48 hosts), recall the same but one spike of 192 held-out
 * events that fell inside a merged episode's gap.
 */
export const DEFAULT_EPISODE_OPTIONS: EpisodeOptions = {
  minPoints: 4,
  window: 5,
  closeRatio: 0.7,
  closeAfter: 2,
  mergeGapMs: 60 * 60_000,
  immediateScore: 2,
};

/**
 * Residual CUSUM. Ranges: k >= 0 and h > 0, both in long-run standard deviations of the standardised
 * residual z: the series detector widens them by sqrt((1+φ)/(1−φ)), φ = the fitted model's residual lag-1
 * autocorrelation (`metrics.residualLag1`, clamped to [0, 0.9]), since sums of persistent residuals wander
 * further than sums of white ones (with no φ known, they are plain z units).
 *
 * k = 0.5, h = 8 (the textbook allowance, a longer threshold) in those units. Model residuals on realistic
 * series persist strongly (φ 0.7–0.95 at 5 minutes: AR noise plus hours-long model misses), and the band
 * works on one-step-corrected forecasts (detect/oneStep.ts) that follow slow changes, so this CUSUM on the
 * model's own residual is what catches drifts, missing peaks and small level shifts. On white residuals
 * (φ = 0) it raises about 0.03 false alarms per series per day (Siegmund's ARL ≈ 9,500 points two-sided at
 * 288 points a day). Measured on the simulator (cpu/memory/latency, 21 days at 5 min, seeds 1–6, ~1
 * anomaly a day, false episodes per series-day band and drift together, cpu / latency): the former
 * 0.75 / 14 never signals once widened; 0.5 / 5 gives 0.17 / 0.33; 0.5 / 8 gives 0.10 / 0.10 at the same
 * cpu recall and one latency drift fewer.
 *
 * Then h = 10: with the sustained-shift rule and the one-step band catching the small shifts this CUSUM was
 * tuned for, most of what h 8 added was false episodes on wandering residuals. 16-host scan (seeds 101-116)
 * 0.786 / 0.107 -> 0.786 / 0.101 (recall / false episodes per series-day), held-out seeds 301-316 0.747 /
 * 0.074 -> 0.750 / 0.071, 48 hosts 0.771 / 0.124 -> 0.771 / 0.115, held-out 0.758 / 0.094 -> 0.756 / 0.083;
 * anomaly-free series 0.220 -> 0.196 (held-out 0.199); the NAB corpus's alert score 31.1 -> 33.0. h = 12
 * took 0.003 more recall away for 0.006 fewer false episodes, and scored 32.5 on NAB.
 */
export const DEFAULT_DRIFT_OPTIONS: DriftOptions = {
  enabled: true,
  k: 0.5,
  h: 10,
};

/**
 * Every detection default in one place; merge user settings over it with one spread per level.
 * thresholdMultiplier: range (0, ∞), default 1 (flag what leaves the calibrated band as drawn).
 */
export const DEFAULT_DETECTION_OPTIONS: DetectionOptions = {
  thresholdMultiplier: 1.0,
  severity: DEFAULT_SEVERITY_CUTOFFS,
  episode: DEFAULT_EPISODE_OPTIONS,
  drift: DEFAULT_DRIFT_OPTIONS,
};
