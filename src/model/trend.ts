/**
 * Piecewise-linear trend: level + slope·t + Σ δ_j·max(0, t − c_j), t in days from the model origin.
 * Its normal equations are built from suffix sums (Σw, Σwt, Σwt² past each changepoint) in one O(n) pass,
 * since every hinge product reduces to a quadratic in t over the points after the later changepoint.
 */

/** Column layout: 0 = level, 1 = slope, 2 + j = slope change at changepoint j. */
export function trendParameterCount(changepoints: number): number {
  return 2 + changepoints;
}

/**
 * Changepoints spread uniformly over the first 80% of a history of `spanDays` days (Prophet's choice: the
 * last fifth has too little data after it to estimate a slope change, and extrapolation relies on it).
 */
export function placeChangepoints(count: number, spanDays: number): Float64Array {
  const c = new Float64Array(count);
  for (let j = 0; j < count; j++) c[j] = (0.8 * spanDays * (j + 1)) / count;
  return c;
}

/** Scratch space for suffix sums; allocate once per fit. */
export class TrendScratch {
  readonly s0: Float64Array;
  readonly s1: Float64Array;
  readonly s2: Float64Array;
  constructor(changepoints: number) {
    this.s0 = new Float64Array(changepoints + 1);
    this.s1 = new Float64Array(changepoints + 1);
    this.s2 = new Float64Array(changepoints + 1);
  }
}

/**
 * Fills the top-left trend block of `gram` (row stride `p`, lower triangle) with Σ w x xᵀ for the trend
 * columns over the first `n` points (t ascending), plus the ridge `deltaRidge` on the slope changes and a
 * relative 1e-10 ridge on level and slope so a one-point or zero-weight history stays solvable. Other
 * entries of `gram` are left alone.
 */
export function trendGram(
  t: Float64Array,
  w: Float64Array,
  n: number,
  cps: Float64Array,
  deltaRidge: number,
  scratch: TrendScratch,
  gram: Float64Array,
  p: number,
): void {
  const nc = cps.length;
  const { s0, s1, s2 } = scratch;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let k = nc - 1;
  for (let i = n - 1; i >= 0; i--) {
    const ti = t[i];
    while (k >= 0 && ti <= cps[k]) {
      s0[k] = a0;
      s1[k] = a1;
      s2[k] = a2;
      k--;
    }
    const wi = w[i];
    a0 += wi;
    a1 += wi * ti;
    a2 += wi * ti * ti;
  }
  for (; k >= 0; k--) {
    s0[k] = a0;
    s1[k] = a1;
    s2[k] = a2;
  }
  gram[0] = a0 * (1 + 1e-10) + 1e-300;
  gram[p] = a1;
  gram[p + 1] = a2 * (1 + 1e-10) + 1e-300;
  for (let j = 0; j < nc; j++) {
    const cj = cps[j];
    const row = (2 + j) * p;
    gram[row] = s1[j] - cj * s0[j];
    gram[row + 1] = s2[j] - cj * s1[j];
    for (let l = 0; l <= j; l++) {
      // Points past the later changepoint (j) contribute (t − c_l)(t − c_j).
      const cl = cps[l];
      gram[row + 2 + l] = s2[j] - (cl + cj) * s1[j] + cl * cj * s0[j];
    }
    gram[row + 2 + j] += deltaRidge + 1e-10 * gram[row + 2 + j] + 1e-300;
  }
}

/** Trend value at t (days) for coefficients laid out as in {@link trendParameterCount}. */
export function trendAt(t: number, coef: ArrayLike<number>, cps: ArrayLike<number>): number {
  let v = coef[0] + coef[1] * t;
  for (let j = 0; j < cps.length; j++) {
    const d = t - cps[j];
    if (d > 0) v += coef[2 + j] * d;
  }
  return v;
}
