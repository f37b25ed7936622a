import { MS_PER_DAY, positiveMod } from './fourier';
import type { PhaseBins } from './bins';
import { MAD_TO_SIGMA, medianOfRange } from './stats';

/**
 * The daily residual profile: what the smooth components leave at each time of day, day after day.
 *
 * A Fourier daily shape of order 10 cannot follow a sharp step (a batch job starting at 02:00, business hours
 * switching on at 09:00, a square-wave load): it rounds the corner and rings beside it, so every day the same
 * few points sit far outside the band and alert. A per-bin median of the residual over the history's days
 * repairs exactly that, and costs nothing where the shape is smooth, because it is only kept when it
 * predicts a held-out tail better (see {@link profileHelps}): on a smooth shape the bins' medians are noise
 * and make the held-out residual worse, not better.
 *
 * The profile lives on the phase bins' grid (one value per time-of-day bin, a weekday and a weekend half
 * when the model has a weekend shape), so it is only learnt on an exact grid (`PhaseBins.exact`).
 */

/** Fewest distinct days a bin's median is taken over; fewer gives the bin no correction (0). */
export const MIN_PROFILE_DAYS = 3;

/** Fewest days each half (even, odd days) needs per bin in {@link profileRepeats}. */
export const MIN_HALF_DAYS = 2;

/** Correlation the even-day and odd-day profiles must reach for the profile to be a repeating shape. */
export const MIN_HALF_CORRELATION = 0.7;

/**
 * How much better the held-out tail's robust loss must be with the profile than without it: 5% (the
 * in-sample bar of the other components), since a profile has a parameter per bin, not a few.
 */
export const PROFILE_KEEP = 1 / 0.95;

/** Huber constant of the hold-out comparison, in robust sds of the held-out residual. */
const HUBER_K = 2;

/** Index into a profile of `split` halves (weekday bins first, then weekend bins) for a time-of-week bin. */
export function profileIndex(bins: PhaseBins, towBin: number, split: boolean): number {
  return bins.todOf[towBin] + (split && bins.weekendOf[towBin] === 1 ? bins.binsPerDay : 0);
}

/**
 * Median residual per profile bin over points [from, to) (only those `take` accepts, when given):
 * `residual[i]` at time-of-week bin `tow[i]`, centred over the bins learnt. A bin gets 0 unless it holds at
 * least `minDays × pointsPerBin` points (each day brings `pointsPerBin` points to a bin: 1 on the step's own
 * grid, 10 for 1-minute data on 10-minute bins).
 */
export function learnDailyProfile(
  residual: Float64Array,
  tow: Int32Array,
  from: number,
  to: number,
  bins: PhaseBins,
  split: boolean,
  pointsPerBin: number,
  minDays: number = MIN_PROFILE_DAYS,
  take?: (i: number) => boolean,
): Float64Array {
  const size = bins.binsPerDay * (split ? 2 : 1);
  const count = new Int32Array(size + 1);
  for (let i = from; i < to; i++) {
    if (take === undefined || take(i)) count[profileIndex(bins, tow[i], split) + 1]++;
  }
  // Counting sort of the residuals by bin: starts[k] is where bin k's values begin.
  const starts = new Int32Array(size + 1);
  for (let k = 0; k < size; k++) starts[k + 1] = starts[k] + count[k + 1];
  const fill = Int32Array.from(starts);
  const sorted = new Float64Array(starts[size]);
  for (let i = from; i < to; i++) {
    if (take === undefined || take(i)) sorted[fill[profileIndex(bins, tow[i], split)]++] = residual[i];
  }
  const out = new Float64Array(size);
  const needed = Math.max(minDays, minDays * pointsPerBin);
  let sum = 0;
  let learnt = 0;
  for (let k = 0; k < size; k++) {
    const c = starts[k + 1] - starts[k];
    if (c >= needed) {
      out[k] = medianOfRange(sorted, starts[k], c);
      sum += out[k];
      learnt++;
    }
  }
  // A shape, not a level: the trend owns the level, and a profile that also moved it would be judged on
  // the hold-out by how well its offset happens to match the trend's extrapolation error.
  if (learnt > 0) {
    const mean = sum / learnt;
    for (let k = 0; k < size; k++) if (starts[k + 1] - starts[k] >= needed) out[k] -= mean;
  }
  return out;
}

/**
 * Whether the profile repeats: profiles learnt from the even and from the odd days of [from, to) (UTC day
 * numbers) correlate at {@link MIN_HALF_CORRELATION} or more over the bins both learnt. A cron job's step is
 * there on both; a wandering residual's medians are not the same twice.
 */
export function profileRepeats(
  residual: Float64Array,
  tow: Int32Array,
  timestampsMs: Float64Array,
  from: number,
  to: number,
  bins: PhaseBins,
  split: boolean,
  pointsPerBin: number,
): boolean {
  const parity = (i: number): number => Math.floor(timestampsMs[i] / MS_PER_DAY) & 1;
  const half = (p: number): Float64Array =>
    learnDailyProfile(
      residual,
      tow,
      from,
      to,
      bins,
      split,
      pointsPerBin,
      MIN_HALF_DAYS,
      (i) => parity(i) === p,
    );
  const even = half(0);
  const odd = half(1);
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let k = 0; k < even.length; k++) {
    if (even[k] === 0 || odd[k] === 0) continue;
    n++;
    sa += even[k];
    sb += odd[k];
    saa += even[k] * even[k];
    sbb += odd[k] * odd[k];
    sab += even[k] * odd[k];
  }
  if (n < 3) return false;
  const cov = sab - (sa * sb) / n;
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  return va > 0 && vb > 0 && cov / Math.sqrt(va * vb) >= MIN_HALF_CORRELATION;
}

/**
 * Whether subtracting `profile` from the held-out residuals [from, to) lowers their Huber loss (scale: the
 * residuals' own robust sd) by the {@link PROFILE_KEEP} bar. Out of sample: the profile was learnt before
 * `from`.
 */
export function profileHelps(
  residual: Float64Array,
  tow: Int32Array,
  from: number,
  to: number,
  bins: PhaseBins,
  split: boolean,
  profile: Float64Array,
): boolean {
  const h = to - from;
  if (h <= 0) return false;
  const abs = new Float64Array(h);
  for (let i = from; i < to; i++) abs[i - from] = Math.abs(residual[i]);
  const sigma = MAD_TO_SIGMA * medianOfRange(abs, 0, h);
  const c = HUBER_K * Math.max(sigma, 1e-12);
  const huber = (a: number): number => (a <= c ? 0.5 * a * a : c * (a - 0.5 * c));
  let without = 0;
  let withProfile = 0;
  for (let i = from; i < to; i++) {
    without += huber(Math.abs(residual[i]));
    withProfile += huber(Math.abs(residual[i] - profile[profileIndex(bins, tow[i], split)]));
  }
  return without > withProfile * PROFILE_KEEP;
}

/** Subtracts the profile from residuals [0, n) in place. */
export function subtractProfile(
  residual: Float64Array,
  tow: Int32Array,
  n: number,
  bins: PhaseBins,
  split: boolean,
  profile: Float64Array,
): void {
  for (let i = 0; i < n; i++) residual[i] -= profile[profileIndex(bins, tow[i], split)];
}

/**
 * The entry of a stored profile (`binsPerDay` = a day / `binMs`, weekday bins first, then the weekend half
 * when split) a timestamp reads, from the weekend half when `weekendHalf`. A timestamp between grid points
 * takes its nearest bin, as the fit's bins do (model/bins.ts `towBinOf`).
 */
export function dailyProfileIndex(
  t: number,
  binMs: number,
  offsetMs: number,
  binsPerDay: number,
  weekendHalf: boolean,
): number {
  const b = Math.round(positiveMod(t - offsetMs, MS_PER_DAY) / binMs) % binsPerDay;
  return b + (weekendHalf ? binsPerDay : 0);
}
