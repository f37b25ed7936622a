import { Random } from '../../../src/domain/random';
import { choleskyInPlace, choleskySolveInPlace } from '../../../src/model/linalg';
import {
  medianInPlace,
  normalQuantile,
  quantileInPlace,
  selectInPlace,
  sortedQuantile,
  sortedQuantilesInPlace,
} from '../../../src/model/stats';

describe('order statistics', () => {
  it('quantileInPlace gives exactly the sorted quantile, read in turn from one buffer', () => {
    const rng = new Random(43);
    for (const n of [1, 2, 3, 10, 257, 4000]) {
      // Ties (integers) and continuous values with an infinite one: both must match to the bit.
      for (const tied of [true, false]) {
        const values = Float64Array.from({ length: n }, () => (tied ? rng.int(0, 9) : rng.normal()));
        if (!tied && n > 3) values[1] = Number.POSITIVE_INFINITY;
        const sorted = values.slice().sort();
        const buf = values.slice();
        for (const p of [0.025, 0.975, 0.5, 0, 1, 0.3333, 0.999]) {
          expect(quantileInPlace(buf, n, p)).toBe(sortedQuantile(sorted, p));
        }
      }
    }
    expect(quantileInPlace(new Float64Array(0), 0, 0.5)).toBeNaN();
    // Only the first n entries count.
    expect(quantileInPlace(Float64Array.of(3, 1, 100), 2, 1)).toBe(3);
    expect(quantileInPlace(Float64Array.of(3, 1, 100), 2, 0.5)).toBe(2);
  });

  it('sortedQuantilesInPlace gives exactly the sorted quantiles, many at once', () => {
    const rng = new Random(47);
    // The calibration table's probabilities (dense in the tails, some sharing an order statistic) and extremes.
    const ps = [0.0005, 0.001, 0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975, 0.999, 0.9995, 0, 1, 0.3333, 0.5];
    for (const n of [1, 2, 3, 10, 41, 257, 4000, 40_000]) {
      for (const tied of [true, false]) {
        const values = Float64Array.from({ length: n }, () => (tied ? rng.int(0, 9) : rng.normal()));
        if (!tied && n > 3) values[2] = Number.NEGATIVE_INFINITY;
        const sorted = values.slice().sort();
        const got = sortedQuantilesInPlace(values.slice(), n, ps);
        expect(Array.from(got)).toEqual(ps.map((p) => sortedQuantile(sorted, p)));
      }
    }
    expect(Array.from(sortedQuantilesInPlace(new Float64Array(0), 0, [0.5, 0.9]))).toEqual([NaN, NaN]);
    // Only the first n entries count, and `into` receives the result.
    const into = new Float64Array(2);
    expect(sortedQuantilesInPlace(Float64Array.of(3, 1, 100), 2, [1, 0.5], into)).toBe(into);
    expect(Array.from(into)).toEqual([3, 2]);
  });

  it('selects every rank of a shuffled array, with ties', () => {
    const rng = new Random(41);
    for (const n of [1, 2, 3, 7, 64, 501]) {
      const values = Float64Array.from({ length: n }, () => rng.int(0, 20));
      const sorted = values.slice().sort();
      for (let k = 0; k < n; k += Math.max(1, Math.floor(n / 13))) {
        expect(selectInPlace(values.slice(), n, k)).toBe(sorted[k]);
      }
    }
  });

  it('takes the mean of the two middle values for an even count', () => {
    expect(medianInPlace(Float64Array.of(4, 1, 3, 2), 4)).toBe(2.5);
    expect(medianInPlace(Float64Array.of(5, 1, 3), 3)).toBe(3);
    expect(medianInPlace(new Float64Array(0), 0)).toBeNaN();
  });

  it('inverts the normal CDF at known points', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
  });
});

describe('Cholesky solve', () => {
  it('solves a symmetric positive-definite system exactly', () => {
    // A = [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]], x = [1, -2, 0.5].
    const a = Float64Array.of(4, 2, 0.4, 2, 5, 1, 0.4, 1, 3);
    const b = Float64Array.of(4 - 4 + 0.2, 2 - 10 + 0.5, 0.4 - 2 + 1.5);
    choleskyInPlace(a, 3);
    choleskySolveInPlace(a, 3, b);
    expect(b[0]).toBeCloseTo(1, 12);
    expect(b[1]).toBeCloseTo(-2, 12);
    expect(b[2]).toBeCloseTo(0.5, 12);
  });

  it('gives a dependent direction a zero coefficient instead of failing', () => {
    // Columns 1 and 2 identical: rank 1.
    const a = Float64Array.of(2, 2, 2, 2);
    const b = Float64Array.of(4, 4);
    choleskyInPlace(a, 2);
    choleskySolveInPlace(a, 2, b);
    expect(b[0]).toBeCloseTo(2, 12);
    expect(b[1]).toBe(0);
  });
});
