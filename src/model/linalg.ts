/**
 * Small dense symmetric positive-definite solves for the normal equations of the forecaster.
 * Matrices are row-major Float64Arrays of size p*p, p below ~60, so a plain Cholesky is both the fastest
 * and the most stable choice.
 */

/**
 * Factorises `a` (p×p, symmetric, only the lower triangle is read) in place into its Cholesky factor L
 * (lower triangle). A non-positive pivot (rank deficiency that the caller's ridge did not cure) is replaced
 * by a tiny positive value and the matching direction is effectively frozen at zero instead of throwing,
 * because a forecaster must never refuse a degenerate but legal series.
 */
export function choleskyInPlace(a: Float64Array, p: number): void {
  for (let j = 0; j < p; j++) {
    const rowJ = j * p;
    let d = a[rowJ + j];
    for (let k = 0; k < j; k++) d -= a[rowJ + k] * a[rowJ + k];
    const diagScale = Math.abs(a[rowJ + j]);
    // Pivots this small relative to the original diagonal mean the column is (numerically) dependent.
    const ljj = d > diagScale * 1e-13 && d > 0 ? Math.sqrt(d) : Number.POSITIVE_INFINITY;
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      const rowI = i * p;
      let s = a[rowI + j];
      for (let k = 0; k < j; k++) s -= a[rowI + k] * a[rowJ + k];
      // An infinite pivot gives 0 here: the dependent direction gets a zero coefficient.
      a[rowI + j] = s / ljj;
    }
  }
}

/** Solves L Lᵀ x = b in place (b becomes x), with L from {@link choleskyInPlace}. */
export function choleskySolveInPlace(l: Float64Array, p: number, b: Float64Array): void {
  for (let i = 0; i < p; i++) {
    const row = i * p;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[row + k] * b[k];
    b[i] = s / l[row + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * b[k];
    b[i] = s / l[i * p + i];
  }
}
