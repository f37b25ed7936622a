/**
 * How large a single-point excursion has to be before it is rare for this series, learnt from the training
 * history.
 *
 * The calibrated residual table comes from a hold-out tail (a fifth of the history, 150 points on a short
 * series), so its extreme quantiles are the few largest hold-out residuals and its GPD tail a guess. Spikes
 * are what that guess misses: on a bursty series (tweet volumes, request counts) a spike of 20 residual
 * scales every few hundred points is ordinary, and the hold-out may hold none. The whole training window
 * shows how often spikes of a given size happen; the robust fit gives them zero weight, so their residuals
 * keep their full size. Points the detector flagged (left out of a refit) are not in it, so a spike that
 * raised an alert does not teach the model that such spikes are normal.
 */
import { replayOneStep } from './oneStepReplay';
import { scratchFloat64, scratchMark, scratchRelease } from './scratch';
import { selectInPlace } from './stats';

/** Spikes at least as large as the level must be at most this frequent in the history: 1 in 1,000 points. */
export const SPIKE_RATE = 1e-3;
/**
 * ...and the level is never below the SPIKE_MIN_COUNT-th largest residual: one or two spikes in a short
 * history are exactly what a spike rule should still catch when they recur.
 */
export const SPIKE_MIN_COUNT = 3;

/** The upward and downward spike levels, in units of the standardised residual z. */
export interface SpikeLevels {
  /** Size (> 0) of the k-th largest upward spike, or 0 when there are fewer than k. */
  readonly upper: number;
  /** Minus the size of the k-th largest downward spike (< 0), or 0 when there are fewer than k. */
  readonly lower: number;
}

/**
 * Spike levels of standardised residuals z[0..n) in time order (non-finite entries are gaps). A spike is a
 * point that stands out from both neighbours: its upward size is z[i] − max(z[i−1], z[i+1]) when positive
 * (downward: min(z[i−1], z[i+1]) − z[i]), the neighbour alone at the ends and next to a gap. So a level
 * shift, a drift or a long burst in the history counts once at most, at its edge, and does not raise the
 * level: they are the N-of-M and drift rules' business, and a series that had one is no spikier for it.
 * On each side the level is the k-th largest spike, k = max(SPIKE_MIN_COUNT, ceil(SPIKE_RATE · n)).
 * O(n·k) with k ≤ 0.1% of n (a sorted top-k insertion): microseconds per thousand points.
 */
export function spikeLevels(z: ArrayLike<number>, n: number): SpikeLevels {
  const k = Math.max(SPIKE_MIN_COUNT, Math.ceil(SPIKE_RATE * n));
  // top[0] is the smallest kept value; kept ascending.
  const up = new Float64Array(k);
  const down = new Float64Array(k);
  let nu = 0;
  let nd = 0;
  for (let i = 0; i < n; i++) {
    const v = z[i];
    if (!Number.isFinite(v) || v === 0) continue;
    const a = i > 0 && Number.isFinite(z[i - 1]) ? z[i - 1] : Number.NaN;
    const b = i + 1 < n && Number.isFinite(z[i + 1]) ? z[i + 1] : Number.NaN;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const hi = Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
    const lo = Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
    if (v > 0 && v - hi > 0) nu = insertTop(up, nu, v - hi);
    else if (v < 0 && lo - v > 0) nd = insertTop(down, nd, lo - v);
  }
  return { upper: nu === k ? up[0] : 0, lower: nd === k ? -down[0] : 0 };
}

/** Keeps the `top.length` largest values seen in `top[0..count)`, ascending; returns the new count. */
function insertTop(top: Float64Array, count: number, v: number): number {
  const k = top.length;
  if (count === k) {
    if (v <= top[0]) return count;
    let j = 1;
    while (j < k && top[j] < v) {
      top[j - 1] = top[j];
      j++;
    }
    top[j - 1] = v;
    return count;
  }
  let j = count;
  while (j > 0 && top[j - 1] > v) {
    top[j] = top[j - 1];
    j--;
  }
  top[j] = v;
  return count + 1;
}

/**
 * Single-point excursions beyond the one-step level of their side may happen in the clean history at most
 * this often per point (each side): once in 3,333 samples, about once in 12 days of 5-minute samples per
 * side, so up to 0.17 a day from the two sides together (the Weibull extrapolation errs towards silence:
 * on clean synthetic series the spike rule opens about 0.11 false episodes per series-day).
 */
export const ONE_STEP_SPIKE_RATE = 3e-4;
/** Survival shares of the two bulk quantiles the exponential tail is drawn through (see below). */
export const ONE_STEP_BULK_HIGH = 0.2;
export const ONE_STEP_BULK_LOW = 0.02;
/**
 * The detector's limit on a trusted residual's innovation, in one-step standard deviations (see
 * detect/oneStep.ts): the history is replayed with the same limit.
 */
export const TRUSTED_CLIP = 2;
/** The one-step level is learnt only from at least this many replayed points. */
export const ONE_STEP_MIN_POINTS = 500;

/**
 * How far a single point has to lie beyond its one-step prediction (the detector's judged residual,
 * `(actual − yhat′) / scale′`) before it is rare for this series, per side, learnt from the training
 * history replayed through the same one-step correction the detector applies.
 *
 * Levels that rank the history's own largest excursions (the k-th largest spike) are set by the anomalies
 * the history holds: a 14-day window of a metric with an incident every other day holds ~7 of them, and
 * "this big happens 3 times in the history" then means "this big happened in the last 3 incidents". Here
 * the level comes from the bulk instead: a Weibull tail drawn through the side's quantiles at survival
 * {@link ONE_STEP_BULK_HIGH} and {@link ONE_STEP_BULK_LOW} of all points (where a few dozen anomalous points
 * barely move them) and extrapolated to {@link ONE_STEP_SPIKE_RATE}. Through those two quantiles a Gaussian
 * side gets a Weibull shape a little heavier than its own tail, so on Gaussian-like errors the level lies a
 * little beyond the Gaussian quantile (the rule errs towards silence); on a heavy-tailed side (a bursty series' upward side, latency's right skew) the
 * bulk quantiles spread out and the level rises with them, while a light side (latency's downward side,
 * compressed by the logarithm) gets a lower level than the other, so a dip need not be as large as a spike.
 *
 * Returns { upper > 0, lower < 0 } in units of the one-step residual, or 0 on a side when it cannot be
 * learnt (fewer than ONE_STEP_MIN_POINTS points, or that side holds under ONE_STEP_BULK_HIGH of them).
 *
 * @param phi, oneStepRatio the one-step correction's parameters as the detector will use them
 *   (`metrics.residualLag1`, `metrics.residualOneStepRatio`)
 * @param clip the detector's limit on a trusted residual's innovation (in one-step deviations)
 */
export function oneStepSpikeLevels(
  z: ArrayLike<number>,
  ts: ArrayLike<number>,
  n: number,
  stepMs: number,
  phi: number,
  oneStepRatio: number,
  clip: number,
): SpikeLevels {
  const mark = scratchMark();
  const e = replayOneStep(z, ts, n, stepMs, phi, oneStepRatio, clip, scratchFloat64(n));
  // Each side's sizes; the downward ones overwrite the replay in place (written at nd <= i after e[i] is read).
  const up = scratchFloat64(n);
  const down = e;
  let nu = 0;
  let nd = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = e[i];
    if (!Number.isFinite(v)) continue;
    total++;
    if (v > 0) up[nu++] = v;
    else if (v < 0) down[nd++] = -v;
  }
  let levels: SpikeLevels = { upper: 0, lower: 0 };
  if (total >= ONE_STEP_MIN_POINTS) {
    const below = sideLevel(down, nd, total);
    levels = { upper: sideLevel(up, nu, total), lower: below > 0 ? -below : 0 };
  }
  scratchRelease(mark);
  return levels;
}

/**
 * The Weibull-tail level of one side's sizes values[0..m) among `total` points, 0 when unknown: the side's
 * survival S(x) = share of all points beyond x is modelled as S₀·exp(−(x/λ)^β) with S₀ the side's share,
 * β and λ drawn through the quantiles at ONE_STEP_BULK_HIGH and ONE_STEP_BULK_LOW, and solved for
 * S(x) = ONE_STEP_SPIKE_RATE. β is 1 for an exponential tail, about 1.5 for a Gaussian one through these
 * quantiles (so the level lies a little beyond the Gaussian quantile), below 1 for a heavy tail.
 */
function sideLevel(values: Float64Array, m: number, total: number): number {
  const high = Math.ceil(ONE_STEP_BULK_HIGH * total);
  const low = Math.ceil(ONE_STEP_BULK_LOW * total);
  if (m < high || low < 1 || !(ONE_STEP_SPIKE_RATE * total < low)) return 0;
  // The value with `count` values at or above it (selection, O(m)).
  const xHigh = selectInPlace(values, m, m - high);
  const xLow = selectInPlace(values, m, m - low);
  if (!(xHigh > 0) || !(xLow > xHigh)) return 0;
  const side = m / total;
  const hHigh = Math.log(side / ONE_STEP_BULK_HIGH);
  const hLow = Math.log(side / ONE_STEP_BULK_LOW);
  const hRare = Math.log(side / ONE_STEP_SPIKE_RATE);
  // −ln(S/S₀) = (x/λ)^β through both quantiles: β = ln(hLow/hHigh) / ln(xLow/xHigh). A side holding just
  // ONE_STEP_BULK_HIGH of the points (hHigh = 0) has no shape to fit there: exponential from xLow then.
  if (!(hHigh > 0)) return xLow * (hRare / hLow);
  const beta = Math.log(hLow / hHigh) / Math.log(xLow / xHigh);
  return xLow * Math.pow(hRare / hLow, 1 / beta);
}
