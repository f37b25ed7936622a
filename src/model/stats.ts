/** Robust statistics used by the fit: order statistics without full sorts, MAD, quantiles, normal quantiles. */

/** Consistency factor that makes the MAD estimate σ for normal data. */
export const MAD_TO_SIGMA = 1.482602218505602;

/**
 * k-th smallest (0-based) of the first `n` entries of `buf`, reordering them in place so that entries
 * before k are ≤ it and entries after are ≥ it. Expected O(n): Hoare partitioning around a median of three
 * (Numerical Recipes' `select`), deterministic, no allocation.
 */
export function selectInPlace(buf: Float64Array, n: number, k: number): number {
  return selectInRange(buf, 0, n - 1, k);
}

/** {@link selectInPlace} on entries from..to (inclusive) of `buf`; k is an absolute index in that range. */
function selectInRange(buf: Float64Array, from: number, to: number, k: number): number {
  let l = from;
  let ir = to;
  let t: number;
  for (;;) {
    if (ir <= l + 1) {
      if (ir === l + 1 && buf[ir] < buf[l]) {
        t = buf[l];
        buf[l] = buf[ir];
        buf[ir] = t;
      }
      return buf[k];
    }
    const mid = (l + ir) >> 1;
    t = buf[mid];
    buf[mid] = buf[l + 1];
    buf[l + 1] = t;
    if (buf[l] > buf[ir]) {
      t = buf[l];
      buf[l] = buf[ir];
      buf[ir] = t;
    }
    if (buf[l + 1] > buf[ir]) {
      t = buf[l + 1];
      buf[l + 1] = buf[ir];
      buf[ir] = t;
    }
    if (buf[l] > buf[l + 1]) {
      t = buf[l];
      buf[l] = buf[l + 1];
      buf[l + 1] = t;
    }
    let i = l + 1;
    let j = ir;
    const pivot = buf[l + 1];
    for (;;) {
      do i++;
      while (buf[i] < pivot);
      do j--;
      while (buf[j] > pivot);
      if (j < i) break;
      t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
    buf[l + 1] = buf[j];
    buf[j] = pivot;
    if (j >= k) ir = j - 1;
    if (j <= k) l = i;
  }
}

/** Median of the first `n` entries of `buf` (reordered in place). NaN when n = 0. */
export function medianInPlace(buf: Float64Array, n: number): number {
  return medianOfRange(buf, 0, n);
}

/**
 * Median of the `n` entries of `buf` starting at `from` (reordered in place), without the view a
 * `subarray` would allocate. NaN when n = 0.
 */
export function medianOfRange(buf: Float64Array, from: number, n: number): number {
  if (n <= 0) return Number.NaN;
  const upper = selectInRange(buf, from, from + n - 1, from + (n >> 1));
  if (n % 2 === 1) return upper;
  // The lower middle is the maximum of the left part after selection.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = from; i < from + (n >> 1); i++) if (buf[i] > lower) lower = buf[i];
  return 0.5 * (lower + upper);
}

/**
 * Quantile of an ascending-sorted array at probability p in [0, 1], linear interpolation between order
 * statistics (Hyndman–Fan type 7, the R/NumPy default). NaN for an empty array.
 */
export function sortedQuantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (n === 1) return sorted[0];
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const i = Math.floor(h);
  if (i >= n - 1) return sorted[n - 1];
  const f = h - i;
  return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

/**
 * {@link sortedQuantile} of the first n entries of `buf` as if they were sorted ascending, by selection
 * (expected O(n); reorders them in place, so several quantiles of one buffer can be read in turn). The same
 * number as sorting and interpolating: the two order statistics it interpolates between are the same values,
 * combined by the same expression. For finite or infinite values, not NaN.
 */
export function quantileInPlace(buf: Float64Array, n: number, p: number): number {
  if (n === 0) return Number.NaN;
  if (n === 1) return buf[0];
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const i = Math.floor(h);
  if (i >= n - 1) return selectInPlace(buf, n, n - 1);
  const f = h - i;
  const lower = selectInPlace(buf, n, i);
  // After selection the entries above i are all ≥ the i-th: the next order statistic is their minimum.
  let upper = Number.POSITIVE_INFINITY;
  for (let j = i + 1; j < n; j++) if (buf[j] < upper) upper = buf[j];
  return lower + f * (upper - lower);
}

/**
 * {@link sortedQuantile} at each of `probabilities` over the first n entries of `buf`, as if they were sorted
 * ascending, without sorting them: the order statistics the quantiles interpolate between are selected
 * (each selection splits the range the next ones are looked for in), O(n log k) for k probabilities against
 * a sort's O(n log n) — a 40,000-residual calibration sorted in ~4 ms, a fifteenth of a 1-minute fit. The same
 * numbers as sorting (the same order statistics, combined by the same expression). Reorders the entries;
 * for finite or infinite values, not NaN. `into` receives the quantiles when given.
 */
export function sortedQuantilesInPlace(
  buf: Float64Array,
  n: number,
  probabilities: readonly number[],
  into: Float64Array = new Float64Array(probabilities.length),
): Float64Array {
  if (n === 0) return into.fill(Number.NaN, 0, probabilities.length);
  // The order statistics needed: i and i + 1 for each probability (see sortedQuantile), ascending, unique.
  const wanted: number[] = [];
  for (const p of probabilities) {
    const i = Math.floor((n - 1) * Math.min(1, Math.max(0, p)));
    wanted.push(Math.min(i, n - 1), Math.min(i + 1, n - 1));
  }
  const ks = [...new Set(wanted)].sort((a, b) => a - b);
  selectMany(buf, 0, n - 1, ks, 0, ks.length - 1);
  // Every entry sortedQuantile reads (i, i + 1, and n − 1 at p = 1) now holds its order statistic.
  const selected = buf.subarray(0, n);
  for (let q = 0; q < probabilities.length; q++) into[q] = sortedQuantile(selected, probabilities[q]);
  return into;
}

/**
 * Puts the order statistics ks[a..b] (ascending absolute indices inside from..to) in place: selects the
 * middle one, then the lower ones left of it and the higher ones right of it.
 */
function selectMany(
  buf: Float64Array,
  from: number,
  to: number,
  ks: readonly number[],
  a: number,
  b: number,
): void {
  if (a > b || from > to) return;
  const mid = (a + b) >> 1;
  const k = ks[mid];
  selectInRange(buf, from, to, k);
  selectMany(buf, from, k - 1, ks, a, mid - 1);
  selectMany(buf, k + 1, to, ks, mid + 1, b);
}

/**
 * The width of the central `width` interval of buf[0..n) ({@link quantileInPlace} at (1 + width)/2 less at
 * (1 − width)/2; reorders the entries).
 */
export function centralInterval(buf: Float64Array, n: number, width: number): number {
  return quantileInPlace(buf, n, (1 + width) / 2) - quantileInPlace(buf, n, (1 - width) / 2);
}

/** Acklam's coefficients, at module level so a quantile per scored point allocates no arrays. */
const ACKLAM_A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const ACKLAM_B = [
  -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
];
const ACKLAM_C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const ACKLAM_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9), for p in
 * (0, 1); ±Infinity at 0 and 1.
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const A = ACKLAM_A;
  const B = ACKLAM_B;
  const C = ACKLAM_C;
  const D = ACKLAM_D;
  const pLow = 0.02425;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
    );
  }
  if (p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1)
  );
}

/** Robust summaries of long series look at no more than about this many evenly spaced points. */
export const ROBUST_SAMPLE_SIZE = 8192;

/** The number of entries {@link robustSample} returns for n values. */
export function robustSampleSize(n: number): number {
  return Math.ceil(n / Math.max(1, Math.ceil(n / ROBUST_SAMPLE_SIZE)));
}

/**
 * Copies every k-th of the first n entries (k = ⌈n / ROBUST_SAMPLE_SIZE⌉), optionally mapped through |x − c|,
 * for medians of long series: a deterministic systematic sample estimates a median to well under 1% while
 * keeping selection cost independent of n. Written into `out` when given ({@link robustSampleSize} entries).
 */
export function robustSample(
  values: Float64Array,
  n: number,
  centre?: number,
  out: Float64Array = new Float64Array(robustSampleSize(n)),
): Float64Array {
  const stride = Math.max(1, Math.ceil(n / ROBUST_SAMPLE_SIZE));
  for (let i = 0, j = 0; i < n; i += stride, j++)
    out[j] = centre === undefined ? values[i] : Math.abs(values[i] - centre);
  return out;
}
