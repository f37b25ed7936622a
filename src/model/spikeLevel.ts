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
