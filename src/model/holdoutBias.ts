import { scratchCopy, scratchFloat64, scratchMark, scratchRelease } from './scratch';
import { MAD_TO_SIGMA, medianInPlace } from './stats';

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
  const mark = scratchMark();
  const buf = scratchFloat64(z.length);
  let m = 0;
  for (let i = 0; i < z.length; i++) if (Number.isFinite(z[i])) buf[m++] = z[i];
  const bias = m === 0 ? 0 : medianInPlace(buf, m);
  scratchRelease(mark);
  if (m === 0) return 0;
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

/** In-sample residuals further than this many robust sigmas from their median are left out of the pool. */
const REJECT_SIGMAS = 4.685;

/** Robust spread of the finite values of z around their median (1.4826·MAD); NaN when there are none. */
function robustSpread(z: Float64Array): number {
  const mark = scratchMark();
  const buf = scratchFloat64(z.length);
  let m = 0;
  for (let i = 0; i < z.length; i++) if (Number.isFinite(z[i])) buf[m++] = z[i];
  let spread = Number.NaN;
  if (m > 0) {
    // The median only reorders buf: its deviations are those of the same values.
    const centre = medianInPlace(buf, m);
    for (let i = 0; i < m; i++) buf[i] = Math.abs(buf[i] - centre);
    spread = MAD_TO_SIGMA * medianInPlace(buf, m);
  }
  scratchRelease(mark);
  return spread;
}

/**
 * The set the band quantiles are read from: the hold-out tail's out-of-sample residuals `outOfSample` (the
 * last `outOfSample.length` points), plus the final fit's in-sample residuals `inSample` of every earlier
 * point, centred on their median and inflated by how much wider the out-of-sample residuals are than the
 * in-sample ones over the same hold-out points (never narrowed: ratio at least 1).
 *
 * The hold-out alone is ~20% of the history (under 3 days of a 2-week window): whether it holds a weekend,
 * one GC cycle or two decides the band, so coverage swung from 0.86 to 0.98 with the weekday a fit ended on.
 * The in-sample residuals span every day type and cycle but are optimistic; the ratio, learnt where both are
 * known, puts them on the out-of-sample scale, and the shape of the tails then comes from the whole history.
 * Written into `out` (at least inSample.length long; a fit passes arena memory).
 */
export function pooledCalibrationSet(
  outOfSample: Float64Array,
  inSample: Float64Array,
  out: Float64Array = new Float64Array(inSample.length),
): Float64Array {
  const h = outOfSample.length;
  const n = inSample.length;
  const start = n - h;
  if (start <= 0) return outOfSample;
  const sameOut = robustSpread(outOfSample);
  const sameIn = robustSpread(inSample.subarray(start));
  const ratio = sameIn > 0 && sameOut > 0 ? Math.max(1, sameOut / sameIn) : 1;
  const mark = scratchMark();
  const head = scratchCopy(inSample.subarray(0, start));
  removeHoldoutBias(head);
  // What the robust fit rejected (beyond Tukey's 4.685 robust sigmas) is an outlier of the history, not
  // noise: an anomaly or outage that stayed in the window would otherwise widen the tails of every later band.
  const reject = REJECT_SIGMAS * robustSpread(head);
  let m = 0;
  for (let i = 0; i < start; i++) if (!(Math.abs(head[i]) > reject)) out[m++] = head[i] * ratio;
  scratchRelease(mark);
  out.set(outOfSample, m);
  return out.subarray(0, m + h);
}
