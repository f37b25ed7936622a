import { medianInPlace } from './stats';

/**
 * Removes the hold-out bias from out-of-sample standardised residuals, in place, and returns it (the
 * median of the finite values; 0 when there are none).
 *
 * The intervals are calibrated on the residuals of a fit of the history's first 80% over its last 20%. Their
 * spread is what an honest band needs, but their median is not: it is mostly the shorter fit's trend
 * extrapolated over the hold-out (a level that moved during the hold-out, a slope that bent), an error the
 * final fit — which sees the hold-out — does not make. Left in, a median of +1.5 puts both band edges above
 * the forecast: every point below the forecast then scores as infinitely far outside (the band excludes
 * the model's own prediction), and a constant offset reads as lag-1 autocorrelation near 1, which steers
 * the one-step correction and widens the drift detector for nothing. The robust fit aims at the median of
 * the residuals, so centring them on 0 is also the consistent choice when they are skewed.
 */
export function removeHoldoutBias(z: Float64Array): number {
  const buf = new Float64Array(z.length);
  let m = 0;
  for (let i = 0; i < z.length; i++) if (Number.isFinite(z[i])) buf[m++] = z[i];
  if (m === 0) return 0;
  const bias = medianInPlace(buf, m);
  for (let i = 0; i < z.length; i++) z[i] -= bias;
  return bias;
}

/** The narrow side of a band is at least this fraction of the wide side: never more lopsided than 3 : 1. */
export const MIN_SIDE_RATIO = 1 / 3;

/**
 * Keeps both band multipliers on their own side of the forecast, the narrow side at least
 * {@link MIN_SIDE_RATIO} of the wide one (widening the narrow side only).
 *
 * Empirical quantiles of quantised or zero-inflated residuals (a CPU gauge that reads 0.066 most of the
 * time, a count that is mostly 0) put a point mass at or next to the forecast, so one multiplier can be 0:
 * the band then has a zero-width side and every ordinary reading on that side scores as infinitely far
 * outside it. Skewed residuals keep most of their asymmetry (an exponential's 90% band, 3.6 : 1, becomes
 * 3 : 1).
 */
export function balanceBand<T extends { readonly qLow: number; readonly qHigh: number }>(d: T): T {
  const { qLow, qHigh } = d;
  if (!Number.isFinite(qLow) || !Number.isFinite(qHigh) || !(qHigh > qLow)) return d;
  const low = qHigh >= -qLow ? Math.min(qLow, -MIN_SIDE_RATIO * qHigh) : qLow;
  const high = qHigh >= -qLow ? qHigh : Math.max(qHigh, -MIN_SIDE_RATIO * qLow);
  return low === qLow && high === qHigh ? d : { ...d, qLow: low, qHigh: high };
}
